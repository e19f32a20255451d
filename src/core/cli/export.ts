// What `run --export DIR` and `run --export-snapshot FILE` write, and how: the targets are checked
// and their temporary files made BEFORE the run (a target that cannot be written fails in well
// under a second, not after a long run), the bytes go to the temporary files, and they are
// renamed into place only once everything is written. A refused or failed export leaves every
// file that was there as it was, and removes the folders it made.
//
// DIR/memory.bin is a flat guest memory image (like Firecracker's memory file; a diff snapshot
// writes only its pages, in a sparse file of the guest's size) and DIR/vmstate.json the state.

import { join } from 'node:path';
import {
  makeFolders,
  prepareFile,
  reason,
  writeAll,
  type MadeFolders,
  type PendingFile,
} from '../files/node';
import { err, ok, PAGE_SIZE, type Result } from '../types';

/** A failed --export or --export-snapshot; `message` is the whole line after "uniqueness-lab: ". */
export interface ExportError {
  kind: 'ExportFailed';
  path: string;
  message: string;
}

/** The format tag of the exported vmstate.json. */
export const VMSTATE_FORMAT = 'uniqueness-lab/vmstate@1';

/** The flat memory image and device state of a run's snapshot (what --export writes). */
export interface SnapshotImage {
  /** Guest-size flat image; for a diff snapshot only `presentPages` hold data (the rest stays zero). */
  memory: Uint8Array;
  presentPages: number[];
  vmstate: Record<string, unknown>;
}

const failed = (path: string, message: string) => err<ExportError>({ kind: 'ExportFailed', path, message });

/** Runs of consecutive page numbers [first, end) from a list (sorted, duplicates dropped). */
function pageRuns(pages: readonly number[]): [number, number][] {
  const sorted = [...new Set(pages)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const p of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[1] === p) last[1] = p + 1;
    else runs.push([p, p + 1]);
  }
  return runs;
}

/** Writes the present pages at their offsets and sizes the file to the whole guest: holes stay sparse. */
async function writeSparse(
  file: PendingFile,
  memory: Uint8Array,
  presentPages: readonly number[],
): Promise<void> {
  const pages = memory.length / PAGE_SIZE;
  for (const [first, end] of pageRuns(presentPages)) {
    if (first < 0 || end > pages || !Number.isInteger(first))
      throw new Error(`snapshot image lists page ${first} outside the guest's ${pages} pages`);
    await writeAll(file.handle, memory.subarray(first * PAGE_SIZE, end * PAGE_SIZE), first * PAGE_SIZE);
  }
  await file.handle.truncate(memory.length);
}

/** An --export DIR whose target files are checked and whose temporary files exist. */
export class PreparedExport {
  private done = false;

  constructor(
    readonly dir: string,
    private readonly folders: MadeFolders,
    private readonly memory: PendingFile,
    private readonly vmstate: PendingFile,
  ) {}

  get memoryPath(): string {
    return this.memory.path;
  }

  get vmstatePath(): string {
    return this.vmstate.path;
  }

  /** Writes both files and moves them into place; on any failure nothing in DIR changes. */
  async write(
    image: SnapshotImage,
    snapshotType: 'full' | 'diff',
  ): Promise<Result<{ memoryPath: string; vmstatePath: string }, ExportError>> {
    let writing = this.memory;
    try {
      if (snapshotType === 'full') await writeAll(this.memory.handle, image.memory, 0);
      else await writeSparse(this.memory, image.memory, image.presentPages);
      const vmstate = {
        ...image.vmstate,
        snapshotType,
        pages: image.memory.length / PAGE_SIZE,
        presentPages: image.presentPages.length,
        format: VMSTATE_FORMAT,
      };
      writing = this.vmstate;
      await writeAll(
        this.vmstate.handle,
        new TextEncoder().encode(`${JSON.stringify(vmstate, null, 2)}\n`),
        0,
      );
      writing = this.memory;
      await this.memory.commit();
      writing = this.vmstate;
      await this.vmstate.commit();
      this.done = true;
    } catch (e) {
      await this.abandon();
      return failed(writing.path, `--export: cannot write ${writing.path}: ${reasonOf(e)}`);
    }
    return ok({ memoryPath: this.memory.path, vmstatePath: this.vmstate.path });
  }

  /** Removes the temporary files and the folders made for them. */
  async abandon(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.memory.abandon();
    await this.vmstate.abandon();
    await this.folders.undo();
  }
}

/** An I/O error's reason in words; anything else (a bug's message) as it is. */
function reasonOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ? reason(e) : (e as Error).message;
}

/**
 * Checks --export DIR before the run: makes DIR (and missing parents), refuses a directory or a
 * device where memory.bin or vmstate.json go, and creates their temporary files.
 */
export async function prepareExport(dir: string): Promise<Result<PreparedExport, ExportError>> {
  const folders = await makeFolders(dir);
  if (!folders.ok) {
    const { folder, reason: why } = folders.error;
    return failed(dir, `--export: cannot write ${dir}: the folder ${folder} ${why}`);
  }
  const pending: PendingFile[] = [];
  for (const name of ['memory.bin', 'vmstate.json']) {
    const path = join(dir, name);
    const file = await prepareFile(path, true);
    if (!file.ok) {
      for (const p of pending) await p.abandon();
      await folders.value.undo();
      return failed(path, `--export: cannot write ${path}: ${file.error.reason} (nothing was written)`);
    }
    pending.push(file.value);
  }
  return ok(new PreparedExport(dir, folders.value, pending[0]!, pending[1]!));
}

/**
 * Writes DIR/memory.bin and DIR/vmstate.json (DIR created as needed), like Firecracker's memory and
 * state files: a full snapshot's memory.bin is the flat image; a diff snapshot's holds only its
 * present pages at their offsets, in a sparse file of the guest's size.
 */
export async function writeSnapshotFiles(
  dir: string,
  image: SnapshotImage,
  snapshotType: 'full' | 'diff',
): Promise<Result<{ memoryPath: string; vmstatePath: string }, ExportError>> {
  const prepared = await prepareExport(dir);
  return prepared.ok ? prepared.value.write(image, snapshotType) : prepared;
}

/** Checks --export-snapshot FILE before the run: an existing file needs --force (`replace`). */
export async function prepareSnapshotFile(
  path: string,
  replace: boolean,
): Promise<Result<PendingFile, ExportError>> {
  const file = await prepareFile(path, replace);
  if (file.ok) return file;
  return failed(
    path,
    file.error.replaceable
      ? `--export-snapshot: ${path} already exists; add --force to replace it`
      : `--export-snapshot: cannot write ${path}: ${file.error.reason}`,
  );
}

/** Writes a snapshot file's bytes to its prepared target and moves it into place. */
export async function writeSnapshotFile(
  file: PendingFile,
  bytes: Uint8Array,
): Promise<Result<string, ExportError>> {
  try {
    await writeAll(file.handle, bytes, 0);
    await file.commit();
    return ok(file.path);
  } catch (e) {
    await file.abandon();
    const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
    return failed(
      file.path,
      exists
        ? `--export-snapshot: ${file.path} appeared during the run; add --force to replace it`
        : `--export-snapshot: cannot write ${file.path}: ${reasonOf(e)}`,
    );
  }
}
