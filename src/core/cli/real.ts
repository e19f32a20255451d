// `uniqueness-lab real`: the real kernel from the command line (DESIGN.md "CLI contract").
// Restores N clones of the saved v86 state, optionally runs the agent reseed in each, then reads
// every clone (16 bytes of /dev/urandom, $RANDOM, boot_id, uptime) `--reads` times,
// `--read-interval-ms` apart, and reports how many distinct /dev/urandom values each read gave.
// Beside the measurement, the lab model's prediction for the same setup (real/model.ts): when its
// clones diverge after the restore, and how far that is from the first read at which every real
// clone differed.
//
// Invariants:
// - Exit codes: 0 success (and --help); 2 for what the user can fix (a flag, missing assets)
//   with exactly ONE line on stderr and nothing on stdout; 1 when the emulator or the guest
//   fails (the message carries the serial console's tail).
// - With --json, stdout holds exactly one JSON object.
// - The clones are destroyed on every path, success or not.
// - Flags are tokenised by node:util parseArgs; values are checked here against REAL_LIMITS,
//   and every rejection names the flag and its limit (messages in one table, REAL_CLI_MESSAGES).

import { parseArgs } from 'node:util';
import { err, ok, type Result } from '../types';
import { loadRealAssets } from '../real/assets';
import { FETCH_COMMAND, type RealError } from '../real/errors';
import { REAL_DEFAULTS, REAL_LIMITS, realModelOptions } from '../real/limits';
import { loadCoreNode } from '../load/node';
import {
  MODEL_VS_REAL_WHY,
  predictionWords,
  predictRealDivergence,
  REAL_MODEL_SETUP,
  type ModelPrediction,
} from '../real/model';
import { defaultAssetsDir, folderSource, nodeEnv, ASSETS_DIR_ENV } from '../real/node';
import {
  agentReseedAll,
  destroyClones,
  distinctCount,
  readAll,
  restoreClones,
  type CloneReading,
  type RealClone,
} from '../real/runner';

/** Where `real` writes: anything with write(text) (process.stdout, or a buffer in tests). */
export interface RealIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A parsed `real` command line. */
export interface RealArgs {
  help: boolean;
  clones: number;
  reads: number;
  readIntervalMs: number;
  agentReseed: boolean;
  json: boolean;
  assets: string;
}

/** Why the command line was rejected; `message` is the line after "uniqueness-lab real: ". */
export type RealCliError =
  | { kind: 'UnknownFlag'; flag: string; message: string }
  | { kind: 'MissingValue'; flag: string; message: string }
  | { kind: 'BadValue'; flag: string; value: string; message: string }
  | { kind: 'DuplicateFlag'; flag: string; message: string }
  | { kind: 'UnexpectedArgument'; argument: string; message: string };

const show = (v: string) => JSON.stringify(v);

/** Every rejection's words, in one table. */
export const REAL_CLI_MESSAGES = {
  UnknownFlag: (flag: string) => `${flag}: unknown flag for real (see uniqueness-lab real --help)`,
  MissingValue: (flag: string, expected: string) => `${flag}: missing value (expected ${expected})`,
  BadValue: (flag: string, expected: string, value: string) =>
    `${flag}: expected ${expected}, got ${show(value)}`,
  DuplicateFlag: (flag: string) => `${flag}: given more than once`,
  UnexpectedArgument: (argument: string) =>
    `unexpected argument ${show(argument)}: real takes only flags (see uniqueness-lab real --help)`,
} as const;

type IntFlag = 'clones' | 'reads' | 'read-interval-ms';
const INT_LIMITS: Record<IntFlag, { min: number; max: number; what: string }> = {
  clones: { ...REAL_LIMITS.clonesNode, what: 'clones (each ~200 MB of memory)' },
  reads: { ...REAL_LIMITS.reads, what: 'reads' },
  'read-interval-ms': { ...REAL_LIMITS.readIntervalMs, what: 'milliseconds' },
};

const OPTIONS = {
  clones: { type: 'string' },
  reads: { type: 'string' },
  'read-interval-ms': { type: 'string' },
  'agent-reseed': { type: 'string' },
  json: { type: 'boolean' },
  assets: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The help text (every flag, its default and its limit). */
export function realHelp(): string {
  const n = INT_LIMITS;
  return [
    'usage: uniqueness-lab real [flags]',
    '',
    'Restores clones of a real Linux 6.1 kernel (Debian i386, in the v86 emulator) from one saved',
    'state and reads 16 bytes of /dev/urandom in each; also $RANDOM, boot_id and uptime.',
    `Needs the assets: \`${FETCH_COMMAND}\` (see README "A real kernel").`,
    '',
    `  --clones N              clones to restore, ${n.clones.min}..${n.clones.max} (default ${REAL_DEFAULTS.clones})`,
    `  --reads N               reads per clone, ${n.reads.min}..${n.reads.max} (default ${REAL_DEFAULTS.reads})`,
    `  --read-interval-ms N    time between reads, ${n['read-interval-ms'].min}..${n['read-interval-ms'].max} (default ${REAL_DEFAULTS.readIntervalMs})`,
    `  --agent-reseed on|off   host entropy into /dev/urandom + RNDRESEEDCRNG after the restore (default off)`,
    '  --json                  print one JSON object',
    `  --assets DIR            asset folder (default public/real, or $${ASSETS_DIR_ENV})`,
    '',
  ].join('\n');
}

/** Parses the arguments after `real`. Pure: tests call it without starting anything. */
export function parseRealArgs(argv: readonly string[]): Result<RealArgs, RealCliError> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: OPTIONS,
      tokens: true,
      allowPositionals: true,
      strict: false,
    });
  } catch (e) {
    // with strict: false parseArgs does not throw for user input; keep one line if it ever does
    const message = String((e as Error).message).split('\n')[0]!;
    return err({ kind: 'UnexpectedArgument', argument: argv.join(' '), message });
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind === 'positional')
      return err({
        kind: 'UnexpectedArgument',
        argument: t.value,
        message: REAL_CLI_MESSAGES.UnexpectedArgument(t.value),
      });
    if (t.kind !== 'option') continue;
    const flag = t.rawName;
    if (!(t.name in OPTIONS))
      return err({ kind: 'UnknownFlag', flag, message: REAL_CLI_MESSAGES.UnknownFlag(flag) });
    if (t.name === 'help') return ok({ ...defaults(), help: true });
    if (seen.has(t.name))
      return err({ kind: 'DuplicateFlag', flag, message: REAL_CLI_MESSAGES.DuplicateFlag(flag) });
    seen.add(t.name);
    const type = OPTIONS[t.name as keyof typeof OPTIONS].type;
    if (type === 'string' && t.value === undefined)
      return err({
        kind: 'MissingValue',
        flag,
        message: REAL_CLI_MESSAGES.MissingValue(flag, expected(t.name)),
      });
    if (type === 'boolean' && t.value !== undefined)
      return err({
        kind: 'BadValue',
        flag,
        value: t.value,
        message: REAL_CLI_MESSAGES.BadValue(flag, 'no value', t.value),
      });
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const out = defaults();
  for (const name of Object.keys(INT_LIMITS) as IntFlag[]) {
    const raw = v[name];
    if (typeof raw !== 'string') continue;
    const lim = INT_LIMITS[name];
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= lim.min && n <= lim.max))
      return err({
        kind: 'BadValue',
        flag: `--${name}`,
        value: raw,
        message: REAL_CLI_MESSAGES.BadValue(`--${name}`, expected(name), raw),
      });
    if (name === 'clones') out.clones = n;
    else if (name === 'reads') out.reads = n;
    else out.readIntervalMs = n;
  }
  const agent = v['agent-reseed'];
  if (typeof agent === 'string') {
    if (agent !== 'on' && agent !== 'off')
      return err({
        kind: 'BadValue',
        flag: '--agent-reseed',
        value: agent,
        message: REAL_CLI_MESSAGES.BadValue('--agent-reseed', 'on or off', agent),
      });
    out.agentReseed = agent === 'on';
  }
  if (v.json === true) out.json = true;
  if (typeof v.assets === 'string') out.assets = v.assets;
  return ok(out);
}

function defaults(): RealArgs {
  return {
    help: false,
    clones: REAL_DEFAULTS.clones,
    reads: REAL_DEFAULTS.reads,
    readIntervalMs: REAL_DEFAULTS.readIntervalMs,
    agentReseed: REAL_DEFAULTS.agentReseed,
    json: false,
    assets: defaultAssetsDir(),
  };
}

function expected(name: string): string {
  if (name in INT_LIMITS) {
    const l = INT_LIMITS[name as IntFlag];
    return `a whole number of ${l.what} from ${l.min} to ${l.max}`;
  }
  if (name === 'agent-reseed') return 'on or off';
  if (name === 'assets') return 'a folder';
  return 'a value';
}

/** One read of every clone, as --json prints it. */
export interface RealReadReport {
  /** Host ms since the first read began. */
  atMs: number;
  /** Each clone's 16 bytes of /dev/urandom, lowercase hex, in clone order. */
  outputs: string[];
  distinct: number;
  shellRandom: number[];
  bootIds: string[];
  uptimesS: number[];
}

/** The model's divergence beside the measured one, seconds after the clones were restored. */
export interface RealDivergence {
  /** The model's first read at which every clone differs (null: none within its horizon). */
  modelS: number | null;
  /** The first real read at which every clone differed (null: none of these reads). */
  measuredS: number | null;
  /** measured − model (null when either is missing). */
  differenceS: number | null;
  /** Why the two can differ, in one line. */
  why: string;
}

/** What --json prints. */
export interface RealReport {
  kernel: string;
  kernelVersion: string;
  clones: number;
  agentReseed: boolean;
  snapshotUptimeS: number;
  restoreMs: number[];
  agentReseedMs: number[] | null;
  /** Host ms from the end of the restore to the first read (reads' atMs count from there). */
  firstReadAfterRestoreMs: number;
  reads: RealReadReport[];
  /** The lab model's prediction for this setup (the setup, then real/model.ts's answer). */
  model: ({ setup: string } & ModelPrediction) | null;
  divergence: RealDivergence;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Restores, optionally reseeds, reads; the clones are destroyed before it returns. */
export async function runReal(args: RealArgs): Promise<Result<RealReport, RealError>> {
  const assets = await loadRealAssets(folderSource(args.assets));
  if (!assets.ok) return assets;
  const restored = await restoreClones(await nodeEnv(), assets.value, args.clones);
  if (!restored.ok) return restored;
  const restoredAt = performance.now();
  const clones: RealClone[] = restored.value;
  try {
    let agentReseedMs: number[] | null = null;
    if (args.agentReseed) {
      const r = await agentReseedAll(clones);
      if (!r.ok) return r;
      agentReseedMs = r.value;
    }
    const reads: RealReadReport[] = [];
    const t0 = performance.now();
    for (let k = 0; k < args.reads; k++) {
      const due = t0 + k * args.readIntervalMs;
      if (k > 0) await sleep(Math.max(0, due - performance.now()));
      const atMs = Math.round(performance.now() - t0);
      const r = await readAll(clones);
      if (!r.ok) return r;
      reads.push(toReport(atMs, r.value));
    }
    const m = assets.value.manifest;
    const firstReadAfterRestoreMs = Math.round(t0 - restoredAt);
    const model = await modelFor(m.snapshot.uptimeS, clones.length, args);
    return ok({
      kernel: m.kernelRelease,
      kernelVersion: m.kernelVersion,
      clones: clones.length,
      agentReseed: args.agentReseed,
      snapshotUptimeS: m.snapshot.uptimeS,
      restoreMs: clones.map((c) => Math.round(c.restoreMs)),
      agentReseedMs: agentReseedMs && agentReseedMs.map(Math.round),
      firstReadAfterRestoreMs,
      reads,
      model,
      divergence: divergence(model, reads, firstReadAfterRestoreMs),
    });
  } finally {
    await destroyClones(clones);
  }
}

/** The model of this setup (the lab's core, loaded here; null if the model cannot run it). */
async function modelFor(
  uptimeS: number,
  clones: number,
  args: Pick<RealArgs, 'readIntervalMs' | 'agentReseed'>,
): Promise<RealReport['model']> {
  const core = await loadCoreNode('release');
  const p = predictRealDivergence(core, {
    ...realModelOptions({ uptimeS, clones, readIntervalS: args.readIntervalMs / 1000 }),
    agent: args.agentReseed,
  });
  return p.ok ? { setup: REAL_MODEL_SETUP, ...p.value } : null;
}

const tenths = (x: number) => Math.round(x * 10) / 10;

/** The model's divergence beside the first read at which every real clone differed. */
export function divergence(
  model: RealReport['model'],
  reads: readonly RealReadReport[],
  firstReadAfterRestoreMs: number,
): RealDivergence {
  const all = reads.find((r) => r.outputs.length > 1 && r.distinct === r.outputs.length);
  const measuredS = all ? tenths((firstReadAfterRestoreMs + all.atMs) / 1000) : null;
  const modelS = model?.firstDistinctS ?? null;
  return {
    modelS,
    measuredS,
    differenceS: modelS !== null && measuredS !== null ? tenths(measuredS - modelS) : null,
    why: MODEL_VS_REAL_WHY,
  };
}

function toReport(atMs: number, readings: CloneReading[]): RealReadReport {
  const outputs = readings.map((r) => r.urandom);
  return {
    atMs,
    outputs,
    distinct: distinctCount(outputs),
    shellRandom: readings.map((r) => r.shellRandom),
    bootIds: readings.map((r) => r.bootId),
    uptimesS: readings.map((r) => r.uptimeS),
  };
}

/** The report as a table for people: one line per read, duplicates marked. */
export function formatRealReport(r: RealReport): string {
  const lines = [
    `real kernel ${r.kernel} (Debian ${r.kernelVersion}), ${r.clones} clones of a state saved at ${r.snapshotUptimeS.toFixed(0)} s uptime, agent reseed ${r.agentReseed ? 'on' : 'off'}`,
    `restore ms per clone: ${r.restoreMs.join(', ')}${r.agentReseedMs ? `; agent reseed ms: ${r.agentReseedMs.join(', ')}` : ''}`,
  ];
  if (r.model)
    lines.push(
      `model (${r.model.setup}, saved at ${r.snapshotUptimeS.toFixed(0)} s uptime, a read every ${r.model.readIntervalS} s${r.model.agent ? ', the agent reseed at the restore' : ''}): ${predictionWords(r.model)}`,
    );
  const d = r.divergence;
  const last = r.reads[r.reads.length - 1];
  lines.push(
    d.measuredS !== null
      ? `measured: all ${r.clones} clones distinct from ${d.measuredS} s after the restore${d.differenceS !== null ? `; measured − model = ${d.differenceS > 0 ? '+' : ''}${d.differenceS} s` : ''}`
      : `measured: no read with every clone distinct (the last ${last ? tenths((r.firstReadAfterRestoreMs + last.atMs) / 1000) : 0} s after the restore)`,
    `why they can differ: ${d.why}`,
  );
  for (const read of r.reads) {
    const counts = new Map<string, number>();
    for (const o of read.outputs) counts.set(o, (counts.get(o) ?? 0) + 1);
    lines.push(`at ${read.atMs} ms: ${read.distinct} distinct of ${read.outputs.length}`);
    read.outputs.forEach((o, i) => {
      const dup = (counts.get(o) ?? 0) > 1 ? '  duplicate' : '';
      lines.push(
        `  clone ${i + 1}  ${o}  $RANDOM ${read.shellRandom[i]}  boot_id ${read.bootIds[i]}  uptime ${read.uptimesS[i]} s${dup}`,
      );
    });
  }
  return lines.join('\n') + '\n';
}

/** `uniqueness-lab real ARGS`: returns the exit code. `argv` is what follows the word `real`. */
export async function realCommand(argv: string[], io: RealIo): Promise<number> {
  const parsed = parseRealArgs(argv);
  if (!parsed.ok) {
    io.stderr.write(`uniqueness-lab real: ${parsed.error.message}\n`);
    return 2;
  }
  const args = parsed.value;
  if (args.help) {
    io.stdout.write(realHelp());
    return 0;
  }
  const report = await runReal(args);
  if (!report.ok) {
    const e = report.error;
    if (e.kind === 'AssetsMissing' || e.kind === 'AssetsInvalid') {
      io.stderr.write(`uniqueness-lab real: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`uniqueness-lab real: ${e.message}\n`);
    return 1;
  }
  io.stdout.write(args.json ? JSON.stringify(report.value) + '\n' : formatRealReport(report.value));
  return 0;
}
