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
// - --export and --export-snapshot targets are checked, and their temporary files made, before
//   the run (a target that cannot be written fails at once); the files are written before
//   anything is printed and moved into place only at the end (cli/export.ts), so a failed export
//   leaves stdout empty and every file that was there unchanged.
// - Files are read only if they are regular files, and never beyond their limits (files/node.ts).

import { fileSource, openRegularFile, readTextFile, reason, type PendingFile } from '../files/node';
import { parseJson } from '../check/json';
import { Lab } from '../lab/lab';
import { predictOpenssl } from '../lab/predict';
import type { DrawResult, GuestManifest, SecretSpec } from '../lab/types';
import { loadCoreNode } from '../load/node';
import { nodeBudget } from './budget';
import { listGuestsNode, loadGuestNode, shippedGuestsNode } from '../manifest/load-node';
import { decodeLabState, stateFromUrl } from '../permalink/codec';
import { checkActions, type Action } from '../session/actions';
import { buildReport, writeReportJson, writeReportJsonBytes, type RunReport } from '../session/report';
import { catalogOf, replay, Session, standardRun, type SessionHistory } from '../session/session';
import { checkSettings } from '../settings/schema';
import { resolveSettings, type LabSettings } from '../settings/settings';
import {
  encodeSnapshotFile,
  readSnapshotFile,
  scanSecrets,
  SourceChanged,
  type DecodedSnapshot,
  type SecretScan,
} from '../snapfile';
import { err, ok, vmId, type Result, type SnapshotId } from '../types';
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
import { prepareExport, prepareSnapshotFile, writeSnapshotFile, type PreparedExport } from './export';
import { formatGuests, formatReport, table } from './format';
import { realCommand } from './real';

/** Where the CLI writes (the process's streams, or a buffer in tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Bytes for stdout as they are (the --json report's UTF-8 pieces); without it they go to out(). */
  outBytes?(bytes: Uint8Array): void;
}

const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  outBytes: (bytes) => void process.stdout.write(bytes),
};

export { VMSTATE_FORMAT, writeSnapshotFiles, type ExportError, type SnapshotImage } from './export';

const fail = (io: CliIo, message: string): number => {
  io.err(`uniqueness-lab: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return 2;
};

/**
 * Reads and checks a snapshot file; the error is the line to print (naming the flag and file).
 * Only a regular file is opened (a FIFO or /dev/zero is refused at once), and its header is
 * checked against its size before the rest is read (see snapfile/read.ts).
 */
async function readSnapshotFileAt(
  path: string,
  flag: string,
): Promise<Result<{ bytes: Uint8Array; decoded: DecodedSnapshot }, string>> {
  const opened = await openRegularFile(path);
  if (!opened.ok) return err(`${flag}cannot read ${path}: ${opened.error}`);
  try {
    const read = await readSnapshotFile(fileSource(opened.value));
    return read.ok ? read : err(`${flag}${path}: ${read.error.message}`);
  } catch (e) {
    return err(`${flag}cannot read ${path}: ${e instanceof SourceChanged ? e.message : reason(e)}`);
  } finally {
    await opened.value.handle.close().catch(() => undefined);
  }
}

/** The largest JSON export --settings reads. */
const MAX_SETTINGS_FILE = 8 << 20;

/** Reads an export's settings and actions (--settings FILE). */
async function readHistory(path: string): Promise<Result<SessionHistory, string>> {
  const read = await readTextFile(path, MAX_SETTINGS_FILE, 'an export with settings');
  if (!read.ok) return err(`--settings: cannot read ${path}: ${read.error}`);
  const text = read.value;
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
    const read = await readSnapshotFileAt(args.fromSnapshot, '--from-snapshot: ');
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
  const targets = await prepareTargets(args);
  if (!targets.ok) return fail(io, targets.error);
  try {
    return await runPrepared(args, io, targets.value);
  } finally {
    // a refused or failed run leaves no temporary file, and no folder it made
    await targets.value.snapshotFile?.abandon();
    await targets.value.exportDir?.abandon();
  }
}

/** The export targets of a run, checked (and their temporary files made) before the run. */
interface Targets {
  snapshotFile: PendingFile | null;
  exportDir: PreparedExport | null;
}

async function prepareTargets(args: ParsedRun): Promise<Result<Targets, string>> {
  let snapshotFile: PendingFile | null = null;
  if (args.exportSnapshot !== null) {
    const f = await prepareSnapshotFile(args.exportSnapshot, args.force);
    if (!f.ok) return err(f.error.message);
    snapshotFile = f.value;
  }
  if (args.exportDir !== null) {
    const d = await prepareExport(args.exportDir);
    if (!d.ok) {
      await snapshotFile?.abandon();
      return err(d.error.message);
    }
    return ok({ snapshotFile, exportDir: d.value });
  }
  return ok({ snapshotFile, exportDir: null });
}

async function runPrepared(args: ParsedRun, io: CliIo, targets: Targets): Promise<number> {
  const lab = new Lab(await loadCoreNode('release'));
  lab.budget = nodeBudget(); // runs that would not fit this machine are refused before they start
  const made = await runSession(args, lab);
  if (!made.ok) return fail(io, made.error);
  const session = made.value;
  const built = buildReport(session);
  if (!built) return fail(io, 'the run drew nothing: its actions hold no draw');
  const latest = session.latestSnapshot();
  if (args.predict) {
    const attacked = attack(lab, latest, built.draw);
    if (!attacked.ok) return fail(io, `--predict: ${attacked.error}`);
    built.report.predictions = attacked.value;
  }
  // both exports are written to their temporary files before either is moved into place
  let snapshotBytes: Uint8Array | null = null;
  if (targets.snapshotFile) {
    if (latest === undefined) return fail(io, '--export-snapshot: the run took no snapshot');
    const file = encodeSnapshotFile(lab, latest);
    if (!file.ok) return fail(io, `--export-snapshot: ${file.error.message}`);
    snapshotBytes = file.value;
  }
  if (targets.exportDir) {
    if (latest === undefined) return fail(io, '--export: the run took no snapshot');
    const image = lab.memoryImage(latest);
    const vmstate = lab.vmstate(latest);
    if (!image.ok || !vmstate.ok) return fail(io, '--export: the snapshot is gone');
    const info = lab.engine.snapshotInfo(latest)!;
    const written = await targets.exportDir.write({ ...image.value, vmstate: vmstate.value }, info.type);
    if (!written.ok) return fail(io, written.error.message);
  }
  if (targets.snapshotFile && snapshotBytes) {
    const written = await writeSnapshotFile(targets.snapshotFile, snapshotBytes);
    if (!written.ok) return fail(io, written.error.message);
  }
  if (args.json && io.outBytes) {
    writeReportJsonBytes(built.report, built.draw, io.outBytes);
    io.out('\n');
  } else if (args.json) {
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

/** The openssl-1.1.1 attack on every such process of the draw (lab/predict.ts). */
function attack(
  lab: Lab,
  snap: SnapshotId | undefined,
  draw: DrawResult,
): Result<NonNullable<RunReport['predictions']>, string> {
  if (snap === undefined) return err('the run took no snapshot to attack from');
  const targets = draw.libraries.flatMap((l, i) => (l.library === 'openssl-1.1.1' ? [{ l, i }] : []));
  if (targets.length === 0)
    return err('the run has no openssl-1.1.1 process (the attack searches its per-call timer bits)');
  const out: NonNullable<RunReport['predictions']> = [];
  for (const { l, i } of targets) {
    const p = predictOpenssl(lab.engine, snap, draw.vms.map(vmId), i, l);
    if (!p.ok) return err(p.error.message.replace(/^predict: /, ''));
    out.push({ library: l.library, process: i, clones: p.value });
  }
  return ok(out);
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
  const read = await readSnapshotFileAt(args.file, '');
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
