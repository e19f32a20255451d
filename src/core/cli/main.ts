// The CLI (DESIGN.md "CLI contract"): `uniqueness-lab run [flags]` and `uniqueness-lab guests`.
//
// Invariants:
// - Exit codes: 0 success (and --help), 2 for anything the user can fix (flag, manifest, lab
//   configuration, export directory) with exactly ONE line on stderr and nothing on stdout,
//   1 for a bug (an exception), reported with its stack.
// - With --json, stdout holds exactly one JSON object: the RunReport.
// - --export writes before anything is printed, so a failed export leaves stdout empty too.

import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runExperiment, type SnapshotImage } from '../lab/run';
import { listGuestsNode, loadGuestNode } from '../manifest/load-node';
import { err, ok, PAGE_SIZE, type Result } from '../types';
import {
  guestsHelp,
  parseArgs,
  runHelp,
  toRunConfig,
  topHelp,
  type ParsedGuests,
  type ParsedRun,
} from './args';
import { formatGuests, formatReport } from './format';

/** Where the CLI writes (the process's streams, or a buffer in tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** A failed --export; `message` is the whole line after "uniqueness-lab: ". */
export interface ExportError {
  kind: 'ExportFailed';
  path: string;
  message: string;
}

/** The format tag of the exported vmstate.json. */
export const VMSTATE_FORMAT = 'uniqueness-lab/vmstate@1';

/** Why a file operation failed, in words (the errno code stays for anything unusual). */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way (it or a parent is not a directory)';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return (e as Error).message;
  }
}

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
async function writeSparse(path: string, memory: Uint8Array, presentPages: readonly number[]): Promise<void> {
  const pages = memory.length / PAGE_SIZE;
  const file = await open(path, 'w');
  try {
    for (const [first, end] of pageRuns(presentPages)) {
      if (first < 0 || end > pages || !Number.isInteger(first)) {
        throw new Error(`snapshot image lists page ${first} outside the guest's ${pages} pages`);
      }
      const bytes = memory.subarray(first * PAGE_SIZE, end * PAGE_SIZE);
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await file.write(bytes, done, bytes.length - done, first * PAGE_SIZE + done);
        done += bytesWritten;
      }
    }
    await file.truncate(memory.length);
  } finally {
    await file.close();
  }
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
  const fail = (path: string, e: unknown) =>
    err<ExportError>({ kind: 'ExportFailed', path, message: `--export: cannot write ${path}: ${reason(e)}` });
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    return fail(dir, e);
  }
  const memoryPath = join(dir, 'memory.bin');
  const vmstatePath = join(dir, 'vmstate.json');
  try {
    if (snapshotType === 'full') await writeFile(memoryPath, image.memory);
    else await writeSparse(memoryPath, image.memory, image.presentPages);
  } catch (e) {
    return fail(memoryPath, e);
  }
  const vmstate = {
    ...image.vmstate,
    snapshotType,
    pages: image.memory.length / PAGE_SIZE,
    presentPages: image.presentPages.length,
    format: VMSTATE_FORMAT,
  };
  try {
    await writeFile(vmstatePath, `${JSON.stringify(vmstate, null, 2)}\n`);
  } catch (e) {
    return fail(vmstatePath, e);
  }
  return ok({ memoryPath, vmstatePath });
}

const fail = (io: CliIo, message: string): number => {
  io.err(`uniqueness-lab: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return 2;
};

async function run(args: ParsedRun, io: CliIo): Promise<number> {
  if (args.help) {
    io.out(runHelp());
    return 0;
  }
  const guest = await loadGuestNode(args.guest);
  if (!guest.ok) return fail(io, guest.error.message);
  const result = await runExperiment(toRunConfig(args, guest.value));
  if (!result.ok) return fail(io, result.error.message);
  const { report, image } = result.value;
  if (args.exportDir !== null) {
    const written = await writeSnapshotFiles(args.exportDir, image, report.snapshot.type);
    if (!written.ok) return fail(io, written.error.message);
  }
  io.out(args.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}

async function guests(args: ParsedGuests, io: CliIo): Promise<number> {
  if (args.help) {
    io.out(guestsHelp());
    return 0;
  }
  const list = await listGuestsNode();
  if (!list.ok) return fail(io, list.error.message);
  io.out(args.json ? `${JSON.stringify(list.value)}\n` : formatGuests(list.value));
  return 0;
}

/** Runs the CLI with argv (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (!parsed.ok) return fail(io, parsed.error.message);
    const cmd = parsed.value;
    if (cmd.command === 'help') {
      io.out(topHelp());
      return 0;
    }
    return cmd.command === 'run' ? await run(cmd.run, io) : await guests(cmd.guests, io);
  } catch (e) {
    io.err(
      `uniqueness-lab: internal error (a bug): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 1;
  }
}
