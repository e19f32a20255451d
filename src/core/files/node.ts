// Files the CLI reads and writes, on Node (the browser has its own File and download paths).
//
// Invariants:
// - Only regular files are read. A path is opened without blocking (O_NONBLOCK: a FIFO with no
//   writer would otherwise hold the open forever) and checked on the open descriptor, so a path
//   swapped between a check and the open cannot slip a FIFO or a device (/dev/zero never ends) in.
// - Text is read only up to a stated size, checked before any byte is read.
// - Writes go to a temporary file beside the target (".NAME.partial-PID-N") that is renamed over
//   the target only at the end: a failure, or a refusal found later, leaves what was there
//   untouched. Folders are made one level at a time (Node's recursive mkdir never returns for a
//   path under /proc), and the ones made are removed again if the write is abandoned.

import { constants, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ByteSource } from '../types';
import { err, ok, type Result } from '../types';

/** Why a file operation failed, in words (the errno code stays for anything unusual). */
export function reason(e: unknown): string {
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
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return (e as Error).message;
  }
}

/** What a non-regular file is, for "is a FIFO (named pipe), not a regular file". */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a plain file';
}

/** An open regular file and its size. */
export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens a regular file for reading: the open never blocks, and anything else (folder, FIFO,
 * device, socket) is refused with the reason in words, the file closed again.
 */
export async function openRegularFile(path: string): Promise<Result<OpenedFile, string>> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return err(reason(e));
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      return err(`it is ${kindOf(st)}, not a regular file`);
    }
    return ok({ handle, size: st.size });
  } catch (e) {
    await handle.close().catch(() => undefined);
    return err(reason(e));
  }
}

/** Reads into `into` from `position` until it is full or the file ends; the bytes read. */
async function readInto(handle: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** A ByteSource over an open file (reads at offsets; nothing is read ahead). */
export function fileSource(file: OpenedFile): ByteSource {
  return {
    size: file.size,
    read: async (offset, length) => {
      const out = new Uint8Array(Math.max(0, Math.min(length, file.size - offset)));
      const n = await readInto(file.handle, out, offset);
      return out.subarray(0, n);
    },
  };
}

/**
 * Reads a regular text file of at most `maxBytes` (UTF-8; a bad sequence becomes U+FFFD, as
 * readFile does). The error is the reason in words: "it is a FIFO (named pipe), not a regular
 * file", "it is 3000000 bytes; WHAT is at most 2097152".
 */
export async function readTextFile(
  path: string,
  maxBytes: number,
  what: string,
): Promise<Result<string, string>> {
  const opened = await openRegularFile(path);
  if (!opened.ok) return opened;
  const { handle, size } = opened.value;
  try {
    if (size > maxBytes) return err(`it is ${size} bytes; ${what} is at most ${maxBytes}`);
    // one byte more than allowed tells a file that grew after the size check
    const buf = new Uint8Array(Math.min(size, maxBytes) + 1);
    const n = await readInto(handle, buf, 0);
    if (n > maxBytes) return err(`it grew past ${maxBytes} bytes while being read; ${what} is at most that`);
    return ok(new TextDecoder('utf-8').decode(buf.subarray(0, n)));
  } catch (e) {
    return err(reason(e));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

// --- Writing. -----------------------------------------------------------------------------

let partials = 0;

/** Writes all of `bytes` at `position`. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * A file being written in place of `path`: the bytes go to `handle` (a temporary file in the same
 * folder), and commit() moves it over the target in one rename; abandon() removes it.
 */
export class PendingFile {
  private settled = false;

  constructor(
    readonly path: string,
    readonly temp: string,
    readonly handle: FileHandle,
    private readonly replace: boolean,
  ) {}

  /** Moves the written file into place (refusing to replace a file that appeared, unless allowed). */
  async commit(): Promise<void> {
    await this.handle.close();
    this.settled = true;
    if (this.replace) {
      await rename(this.temp, this.path);
      return;
    }
    try {
      await link(this.temp, this.path); // fails with EEXIST instead of replacing
    } finally {
      await unlink(this.temp).catch(() => undefined);
    }
  }

  /** Removes the temporary file; what `path` held stays as it was. */
  async abandon(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.handle.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}

/** Why a file cannot be written; `replaceable` when the only problem is an existing file that may not be replaced. */
export interface TargetError {
  replaceable: boolean;
  reason: string;
}

/** Why a target `path` cannot take a new file, or null (absent, or a regular file that may be replaced). */
async function targetProblem(path: string, replace: boolean): Promise<TargetError | null> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { replaceable: false, reason: reason(e) };
    // a dangling symbolic link would be replaced by the rename: say so rather than follow it
    const l = await lstat(path).catch(() => null);
    return l?.isSymbolicLink() ? { replaceable: false, reason: 'it is a symbolic link to nothing' } : null;
  }
  if (st.isDirectory()) return { replaceable: false, reason: 'it is a directory; a file is written there' };
  if (!st.isFile()) return { replaceable: false, reason: `it is ${kindOf(st)}, not a regular file` };
  return replace ? null : { replaceable: true, reason: 'it already exists' };
}

/**
 * Prepares to write `path`: checks the target (a directory, a FIFO or a device in the way is
 * refused; an existing file only when `replace` is false) and creates the temporary file, so a
 * target that cannot be written is known before any work is done.
 */
export async function prepareFile(path: string, replace: boolean): Promise<Result<PendingFile, TargetError>> {
  const target = await targetProblem(path, replace);
  if (target !== null) return err(target);
  const temp = join(dirname(path), `.${basename(path)}.partial-${process.pid}-${++partials}`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    return ok(new PendingFile(path, temp, handle, replace));
  } catch (e) {
    return err({ replaceable: false, reason: reason(e) });
  }
}

/** Folders made by makeFolders, to remove again if the write is abandoned. */
export interface MadeFolders {
  made: string[];
  /** Removes the folders made (innermost first), if they are still empty. */
  undo(): Promise<void>;
}

/** A folder that could not be made (or is a file), and why as a predicate: "cannot be made (...)". */
export interface FolderError {
  folder: string;
  reason: string;
}

/**
 * Makes `dir` and any missing parents, one level at a time. The error names the folder that
 * could not be made and why.
 */
export async function makeFolders(dir: string): Promise<Result<MadeFolders, FolderError>> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => e);
    if (!(st instanceof Error)) {
      if (!st.isDirectory())
        return err({ folder: d, reason: `is ${st.isFile() ? 'a file' : kindOf(st)}, not a folder` });
      break;
    }
    // ENOTDIR: a parent is a file, which the next step up names
    if (st.code !== 'ENOENT' && st.code !== 'ENOTDIR')
      return err({ folder: d, reason: `cannot be checked (${reason(st)})` });
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const made: string[] = [];
  const undo = async () => {
    for (const d of [...made].reverse()) await rmdir(d).catch(() => undefined);
  };
  for (const d of missing) {
    try {
      await mkdir(d);
      made.push(d);
    } catch (e) {
      await undo();
      return err({ folder: d, reason: `cannot be made (${reason(e)})` });
    }
  }
  return ok({ made, undo });
}
