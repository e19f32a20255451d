// The CLI (DESIGN.md "CLI contract"): `uniqueness-lab run [flags]`, `uniqueness-lab guests` and
// `uniqueness-lab scan FILE` (which secrets a snapshot file holds).
//
// Invariants:
// - Exit codes: 0 success (and --help), 2 for anything the user can fix (flag, manifest, lab
//   configuration, export directory) with exactly ONE line on stderr and nothing on stdout,
//   1 for a bug (an exception), reported with its stack.
// - With --json, stdout holds exactly one JSON object: the RunReport.
// - --export and --export-snapshot write before anything is printed, so a failed export leaves
//   stdout empty too. A snapshot file that does not decode is a user error (exit 2) whose line is
//   the decoder's message, after the flag and the file's path.

import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runExperiment, type RunOutcome, type SnapshotImage } from '../lab/run';
import type { LabError } from '../lab/api';
import type { SecretSpec } from '../lab/types';
import {
  decodeSnapshotFile,
  scanSecrets,
  SNAPSHOT_FILE_LIMITS,
  type DecodedSnapshot,
  type SecretScan,
} from '../snapfile';
import { runAndExportSnapshot, runFromSnapshot } from '../snapfile/run';
import { listGuestsNode, loadGuestNode } from '../manifest/load-node';
import { err, ok, PAGE_SIZE, type Result } from '../types';
import {
  DEFAULT_GUEST,
  guestsHelp,
  parseArgs,
  runHelp,
  scanHelp,
  toRunConfig,
  topHelp,
  type ParsedGuests,
  type ParsedRun,
  type ParsedScan,
} from './args';
import { formatGuests, formatReport, table } from './format';
import { loadCoreNode } from '../load/node';

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

/** Reads and checks a snapshot file; the error is the line to print (naming the flag and file). */
async function readSnapshotFile(
  path: string,
  flag: string,
): Promise<Result<{ bytes: Uint8Array; decoded: DecodedSnapshot }, string>> {
  let bytes: Uint8Array;
  try {
    const size = (await stat(path)).size;
    // the size limit guards the read itself: nothing is allocated for a file that cannot be valid
    if (size > SNAPSHOT_FILE_LIMITS.maxFileBytes)
      return err(
        `${flag}${path}: a snapshot file is at most ${SNAPSHOT_FILE_LIMITS.maxFileBytes} bytes; this one has ${size}`,
      );
    bytes = await readFile(path);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return err(`${flag}cannot read ${path}: ${missing ? 'no such file' : reason(e)}`);
  }
  const decoded = decodeSnapshotFile(bytes);
  return decoded.ok ? ok({ bytes, decoded: decoded.value }) : err(`${flag}${path}: ${decoded.error.message}`);
}

/** The secrets of a guest to search for: `--guest` if given, else the guest the file names (if shipped). */
async function secretsFor(
  given: string | null,
  fileGuest: string,
): Promise<Result<readonly SecretSpec[] | null, string>> {
  const guest = await loadGuestNode(given ?? fileGuest);
  if (guest.ok) return ok(guest.value.secrets);
  return given === null ? ok(null) : err(guest.error.message);
}

/** `run` with --from-snapshot or --export-snapshot: the experiment split at its snapshot. */
async function runWithSnapshotFile(
  args: ParsedRun,
): Promise<Result<RunOutcome & { file: Uint8Array | null }, string>> {
  const fromLab = (r: Result<RunOutcome & { file: Uint8Array | null }, LabError | { message: string }>) =>
    r.ok ? r : err(r.error.message);
  if (args.fromSnapshot !== undefined) {
    const read = await readSnapshotFile(args.fromSnapshot, '--from-snapshot: ');
    if (!read.ok) return read;
    const decoded = read.value.decoded;
    const secrets = await secretsFor(args.guest === DEFAULT_GUEST ? null : args.guest, decoded.meta.guest);
    if (!secrets.ok) return secrets;
    return fromLab(
      await runFromSnapshot(
        decoded,
        {
          clones: args.clones,
          draws: args.draws,
          notifyDelayUs: args.notifyDelayUs,
          seed: args.seed,
          ...(args.drawIntervalUs !== null ? { drawIntervalUs: args.drawIntervalUs } : {}),
          ...(args.lazy ? { lazy: true } : {}),
        },
        {
          core: await loadCoreNode('release'),
          exportFile: args.exportSnapshot !== undefined,
          ...(secrets.value ? { secrets: secrets.value } : {}),
        },
      ),
    );
  }
  const guest = await loadGuestNode(args.guest);
  if (!guest.ok) return err(guest.error.message);
  return fromLab(await runAndExportSnapshot(toRunConfig(args, guest.value), await loadCoreNode('release')));
}

async function run(args: ParsedRun, io: CliIo): Promise<number> {
  if (args.help) {
    io.out(runHelp());
    return 0;
  }
  let outcome: RunOutcome;
  if (args.fromSnapshot !== undefined || args.exportSnapshot !== undefined) {
    const result = await runWithSnapshotFile(args);
    if (!result.ok) return fail(io, result.error);
    outcome = result.value;
    if (args.exportSnapshot !== undefined && result.value.file) {
      try {
        await writeFile(args.exportSnapshot, result.value.file);
      } catch (e) {
        return fail(io, `--export-snapshot: cannot write ${args.exportSnapshot}: ${reason(e)}`);
      }
    }
  } else {
    const guest = await loadGuestNode(args.guest);
    if (!guest.ok) return fail(io, guest.error.message);
    const result = await runExperiment(toRunConfig(args, guest.value), await loadCoreNode('release'));
    if (!result.ok) return fail(io, result.error.message);
    outcome = result.value;
  }
  const { report, image } = outcome;
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

/** The scan as text: the file's facts, then one row per secret. */
function formatScan(path: string, decoded: DecodedSnapshot, found: readonly SecretScan[]): string {
  const layers = decoded.layers.map((l) => l.type).join(' + ');
  const head = `${path}: guest ${decoded.meta.guest}, ${decoded.layers.length} layer(s) (${layers}), ${decoded.bytes} bytes, CRC-64 ${decoded.checksum}`;
  if (found.length === 0) return `${head}\nthe guest has no secrets to look for\n`;
  const rows = found.map((s) => [
    s.name,
    s.wipeOnSuspend ? 'yes' : 'no',
    s.inFile ? 'yes' : 'no',
    s.hits.length === 0
      ? '-'
      : s.hits
          .map((h) =>
            h.page === null
              ? `${h.offset}`
              : `${h.offset} (layer ${h.layer}, page ${h.page} +${h.pageOffset})`,
          )
          .join(', '),
  ]);
  return `${head}\n\n${table(['secret', 'wipeonsuspend', 'in file', 'file offsets'], rows)}\n`;
}

async function scan(args: ParsedScan, io: CliIo): Promise<number> {
  if (args.help) {
    io.out(scanHelp());
    return 0;
  }
  const read = await readSnapshotFile(args.file, '');
  if (!read.ok) return fail(io, read.error);
  const { bytes, decoded } = read.value;
  const secrets = await loadGuestNode(args.guest ?? decoded.meta.guest);
  if (!secrets.ok)
    return fail(
      io,
      args.guest === null
        ? `${args.file} holds guest "${decoded.meta.guest}", which is not a shipped guest: pass its manifest with --guest FILE (${secrets.error.message})`
        : secrets.error.message,
    );
  const found = scanSecrets(bytes, secrets.value.secrets, decoded);
  io.out(
    args.json
      ? `${JSON.stringify({
          file: args.file,
          guest: decoded.meta.guest,
          bytes: decoded.bytes,
          checksum: decoded.checksum,
          layers: decoded.layers.map((l) => l.type),
          secrets: found,
        })}\n`
      : formatScan(args.file, decoded, found),
  );
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
    if (cmd.command === 'scan') return await scan(cmd.scan, io);
    return cmd.command === 'run' ? await run(cmd.run, io) : await guests(cmd.guests, io);
  } catch (e) {
    io.err(
      `uniqueness-lab: internal error (a bug): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 1;
  }
}
