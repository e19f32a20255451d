// The CLI (DESIGN.md "CLI contract"): `uniqueness-lab run [flags]`, `guests`, `scan FILE` and
// `real`. A run is a list of the lab's own actions on the one Session: the standard run (boot,
// snapshot, restore, draw), an app permalink (--link), an export's settings and actions
// (--settings) or a snapshot file (--from-snapshot), so it prints what the app would show.
//
// Invariants:
// - Exit codes: 0 success (and --help), 2 for anything the user can fix (flag, manifest, link,
//   file, lab configuration, export target) with exactly ONE line on stderr and nothing on stdout,
//   1 for a bug (an exception), reported with its stack.
// - With --json, stdout holds exactly one JSON object (the run report with every setting),
//   streamed row by row.
// - --export and --export-snapshot write before anything is printed, so a failed export leaves
//   stdout empty too.

import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson } from '../check/json';
import { Lab } from '../lab/lab';
import type { GuestManifest, SecretSpec } from '../lab/types';
import { loadCoreNode } from '../load/node';
import { listGuestsNode, loadGuestNode, shippedGuestsNode } from '../manifest/load-node';
import { decodeLabState, stateFromUrl } from '../permalink/codec';
import { checkActions, type Action } from '../session/actions';
import { buildReport, writeReportJson } from '../session/report';
import { catalogOf, replay, Session, standardRun, type SessionHistory } from '../session/session';
import { checkSettings } from '../settings/schema';
import { resolveSettings, type LabSettings } from '../settings/settings';
import {
  decodeSnapshotFile,
  encodeSnapshotFile,
  scanSecrets,
  SNAPSHOT_FILE_LIMITS,
  type DecodedSnapshot,
  type SecretScan,
} from '../snapfile';
import { err, ok, PAGE_SIZE, type Result } from '../types';
import {
  guestsHelp,
  parseArgs,
  runHelp,
  scanHelp,
  topHelp,
  type ParsedGuests,
  type ParsedRun,
  type ParsedScan,
} from './args';
import { formatGuests, formatReport, table } from './format';
import { realCommand } from './real';

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

/** The flat memory image and device state of a run's snapshot (what --export writes). */
export interface SnapshotImage {
  /** Guest-size flat image; for a diff snapshot only `presentPages` hold data (the rest stays zero). */
  memory: Uint8Array;
  presentPages: number[];
  vmstate: Record<string, unknown>;
}

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
    case 'ENOENT':
      return 'no such file or directory';
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
      if (first < 0 || end > pages || !Number.isInteger(first))
        throw new Error(`snapshot image lists page ${first} outside the guest's ${pages} pages`);
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
    return err(`${flag}cannot read ${path}: ${reason(e)}`);
  }
  const decoded = decodeSnapshotFile(bytes);
  return decoded.ok ? ok({ bytes, decoded: decoded.value }) : err(`${flag}${path}: ${decoded.error.message}`);
}

/** The largest JSON export --settings reads. */
const MAX_SETTINGS_FILE = 8 << 20;

/** Reads an export's settings and actions (--settings FILE). */
async function readHistory(path: string): Promise<Result<SessionHistory, string>> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_SETTINGS_FILE)
      return err(
        `--settings: ${path} has ${size} bytes; an export with settings is at most ${MAX_SETTINGS_FILE}`,
      );
    text = await readFile(path, 'utf8');
  } catch (e) {
    return err(`--settings: cannot read ${path}: ${reason(e)}`);
  }
  const json = parseJson(text, { maxBytes: MAX_SETTINGS_FILE, maxDepth: 64 });
  if (!json.ok)
    return err(
      `--settings: ${path}: ${json.error.field ? `${json.error.field}: ` : ''}${json.error.problem}`,
    );
  const o = json.value as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || !Object.hasOwn(o, 'settings'))
    return err(
      `--settings: ${path}: holds no "settings" object (export a run from the app, or use run --json)`,
    );
  const settings = checkSettings(o.settings);
  if (!settings.ok) return err(`--settings: ${path}: ${settings.error.field}: ${settings.error.problem}`);
  let actions: Action[] = standardRun(settings.value);
  if (Object.hasOwn(o, 'actions')) {
    const a = checkActions(o.actions);
    if (!a.ok) return err(`--settings: ${path}: ${a.error.field}: ${a.error.problem}`);
    actions = a.value;
  }
  return ok({ settings: settings.value, actions });
}

/** The guests a run may use: the shipped ones, plus a manifest file or a snapshot file's guest. */
async function catalogFor(
  extra: GuestManifest | null,
): Promise<Result<ReturnType<typeof catalogOf>, string>> {
  const shipped = await shippedGuestsNode();
  if (!shipped.ok) return err(shipped.error.message);
  const list = shipped.value.filter((g) => g.name !== extra?.name);
  return ok(catalogOf(extra ? [...list, extra] : list));
}

/** The guest a snapshot file describes, as a manifest (its secrets from the shipped guest of its name, if any). */
function fileGuest(decoded: DecodedSnapshot, secrets: readonly SecretSpec[]): GuestManifest {
  const m = decoded.meta;
  return {
    name: m.guest,
    description: m.description,
    memoryMiB: m.memoryMiB,
    kernel: m.kernel,
    processes: m.processes,
    secrets: [...secrets],
    ...(m.layout ? { layout: m.layout } : {}),
  };
}

/** Builds the session of a run (every kind of run), or the line to print. */
async function runSession(args: ParsedRun, lab: Lab): Promise<Result<Session, string>> {
  if (args.link !== null) {
    const state = await decodeLabState(stateFromUrl(args.link));
    if (!state.ok) return err(`--link: ${state.error.message}`);
    const catalog = await catalogFor(null);
    if (!catalog.ok) return catalog;
    const r = replay(lab, catalog.value, { settings: state.value.settings, actions: state.value.actions });
    return r.ok ? ok(r.value) : err(`--link: the link could not be replayed: ${r.error.message}`);
  }
  if (args.settingsFile !== null) {
    const history = await readHistory(args.settingsFile);
    if (!history.ok) return history;
    const catalog = await catalogFor(null);
    if (!catalog.ok) return catalog;
    const r = replay(lab, catalog.value, history.value);
    return r.ok ? ok(r.value) : err(`--settings: ${args.settingsFile}: ${r.error.message}`);
  }
  if (args.fromSnapshot !== null) {
    const read = await readSnapshotFile(args.fromSnapshot, '--from-snapshot: ');
    if (!read.ok) return read;
    const named =
      args.guestFile ?? (args.patch.guest && args.patch.guest !== 'default' ? args.patch.guest : null);
    const secrets = await loadGuestNode(named ?? read.value.decoded.meta.guest);
    if (!secrets.ok && named !== null) return err(secrets.error.message);
    const guest = fileGuest(read.value.decoded, secrets.ok ? secrets.value.secrets : []);
    const catalog = await catalogFor(guest);
    if (!catalog.ok) return catalog;
    const { guest: _g, ...rest } = args.patch;
    const opened = Session.open(lab, catalog.value, { ...rest, guest: guest.name });
    if (!opened.ok) return err(opened.error.message);
    const s = opened.value;
    const id = s.addFile(read.value.bytes, args.fromSnapshot);
    const r = s.applyAll([{ a: 'load', file: id }, { a: 'restore' }, { a: 'draw' }]);
    return r.ok ? ok(s) : err(`--from-snapshot: ${r.error.message}`);
  }
  let extra: GuestManifest | null = null;
  if (args.guestFile !== null) {
    const g = await loadGuestNode(args.guestFile);
    if (!g.ok) return err(g.error.message);
    extra = g.value;
  }
  const catalog = await catalogFor(extra);
  if (!catalog.ok) return catalog;
  const name = extra?.name ?? args.patch.guest ?? 'default';
  const guest = catalog.value.get(name);
  if (!guest) {
    const known = catalog.value.names().join(', ');
    return err(
      `--guest: no shipped guest named "${name}" (shipped guests: ${known}); a manifest file needs a path (./my-guest.json)`,
    );
  }
  const settings = resolveSettings(guest, { ...args.patch, guest: name });
  const opened = Session.open(lab, catalog.value, settings);
  if (!opened.ok) return err(opened.error.message);
  const r = opened.value.applyAll(standardRun(settings));
  return r.ok ? ok(opened.value) : err(r.error.message);
}

/** The default guest's settings, for the defaults the help prints (the table's if it cannot be read). */
async function defaultGuestSettings(): Promise<LabSettings | undefined> {
  const g = await loadGuestNode('default');
  return g.ok ? resolveSettings(g.value) : undefined;
}

async function run(args: ParsedRun, io: CliIo): Promise<number> {
  if (args.help) {
    io.out(runHelp(await defaultGuestSettings()));
    return 0;
  }
  const lab = new Lab(await loadCoreNode('release'));
  const made = await runSession(args, lab);
  if (!made.ok) return fail(io, made.error);
  const session = made.value;
  const built = buildReport(session);
  if (!built) return fail(io, 'the run drew nothing: its actions hold no draw');
  const latest = session.latestSnapshot();
  if (args.exportSnapshot !== null) {
    if (latest === undefined) return fail(io, '--export-snapshot: the run took no snapshot');
    const file = encodeSnapshotFile(lab, latest);
    if (!file.ok) return fail(io, `--export-snapshot: ${file.error.message}`);
    try {
      await writeFile(args.exportSnapshot, file.value, { flag: args.force ? 'w' : 'wx' });
    } catch (e) {
      const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
      return fail(
        io,
        exists
          ? `--export-snapshot: ${args.exportSnapshot} already exists; add --force to replace it`
          : `--export-snapshot: cannot write ${args.exportSnapshot}: ${reason(e)}`,
      );
    }
  }
  if (args.exportDir !== null) {
    if (latest === undefined) return fail(io, '--export: the run took no snapshot');
    const image = lab.memoryImage(latest);
    const vmstate = lab.vmstate(latest);
    if (!image.ok || !vmstate.ok) return fail(io, '--export: the snapshot is gone');
    const info = lab.engine.snapshotInfo(latest)!;
    const written = await writeSnapshotFiles(
      args.exportDir,
      { ...image.value, vmstate: vmstate.value },
      info.type,
    );
    if (!written.ok) return fail(io, written.error.message);
  }
  if (args.json) {
    let buffer = '';
    writeReportJson(built.report, built.draw, (chunk) => {
      buffer += chunk;
      if (buffer.length >= 1 << 16) {
        io.out(buffer);
        buffer = '';
      }
    });
    io.out(`${buffer}\n`);
  } else io.out(formatReport(built.report, built.draw));
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
          .join(', ') + (s.occurrences > s.hits.length ? ` +${s.occurrences - s.hits.length} more` : ''),
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
    switch (cmd.command) {
      case 'help':
        io.out(topHelp());
        return 0;
      case 'scan':
        return await scan(cmd.scan, io);
      case 'run':
        return await run(cmd.run, io);
      case 'guests':
        return await guests(cmd.guests, io);
      case 'real':
        return await realCommand(cmd.argv, {
          stdout: { write: (t: string) => io.out(t) },
          stderr: { write: (t: string) => io.err(t) },
        });
    }
  } catch (e) {
    io.err(
      `uniqueness-lab: internal error (a bug): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 1;
  }
}
