// The data contracts of guided scenarios and of the lab's action log (permalinks replay the same
// log). Everything here is plain JSON data: scenario files, worker messages and URL state.
//
// Invariants:
// - A LabSettings object is PARTIAL: a key that is absent means "leave as it is" (the guest's
//   value, or the value an earlier step set). resolveSettings() fills defaults in one place.
// - Kernel settings (vmgenid, sysgenid, wipeOnSuspend, vdsoGetrandom, agentReseed, agentDelayUs,
//   libraries, consumer, memoryMiB, seed) take effect at the next 'boot': a running guest keeps
//   the kernel it booted with, as a real one would. clones/notifyDelayUs apply at 'restore' and
//   'resume', draws/drawIntervalUs at 'draw', snapshot at 'snapshot'.
// - Actions are objects with short keys ({ a: 'restore', n: 4 }) so that logs stay small in URLs;
//   scenario files may also write a bare name ("restore"), which the parser expands.

import type { Consumer, LibraryId, SysGenIdMode } from '../lab/types';

/** Settings a scenario step, a permalink or the controls can change (all optional: partial). */
export interface LabSettings {
  /** One process per library (the guest's consumer unless `consumer`); absent: the guest's processes. */
  libraries?: LibraryId[];
  consumer?: Consumer;
  /** Kernel overrides (at boot). `sysgenid: true` keeps the guest's mode, or 'vmgenid' if the guest has none. */
  vmgenid?: boolean;
  sysgenid?: boolean | SysGenIdMode;
  wipeOnSuspend?: boolean;
  vdsoGetrandom?: boolean;
  agentReseed?: boolean;
  agentDelayUs?: number;
  memoryMiB?: number;
  seed?: number;
  /** Clones per 'restore'. */
  clones?: number;
  /** Draws per 'draw' (per process per VM). */
  draws?: number;
  /** δ: µs between vCPU resume and the guest handling the VMGenID notification. */
  notifyDelayUs?: number;
  /** Virtual µs between two draws of a process. */
  drawIntervalUs?: number;
  snapshot?: 'full' | 'diff';
}

/** Every key of LabSettings, in the order messages and parsers use. */
export const SETTINGS_KEYS = [
  'libraries',
  'consumer',
  'vmgenid',
  'sysgenid',
  'wipeOnSuspend',
  'vdsoGetrandom',
  'agentReseed',
  'agentDelayUs',
  'memoryMiB',
  'seed',
  'clones',
  'draws',
  'notifyDelayUs',
  'drawIntervalUs',
  'snapshot',
] as const satisfies readonly (keyof LabSettings)[];

/** Limits of the numeric settings (the same as the run config's where both exist). */
export const SETTINGS_LIMITS = {
  clones: [1, 10000],
  draws: [1, 100000],
  seed: [0, 0xffffffff],
  memoryMiB: [16, 1024],
  /** µs; 1,000 s of virtual time is far beyond any race window. */
  notifyDelayUs: [0, 1e9],
  agentDelayUs: [0, 1e9],
  drawIntervalUs: [0, 1e9],
  /** Libraries per guest (the manifest's process limit). */
  libraries: [1, 64],
} as const;

/** Settings every run starts from where neither the guest nor a step says otherwise. */
export const DEFAULT_SETTINGS = {
  clones: 4,
  draws: 16,
  notifyDelayUs: 0,
  drawIntervalUs: 5,
  snapshot: 'full',
  seed: 1234,
} as const satisfies LabSettings;

/** Names of the actions a step or a log may hold. */
export const ACTION_NAMES = [
  'boot',
  'snapshot',
  'restore',
  'resume',
  'draw',
  'touch',
  'reset',
  'fork',
  'set',
  'sysgenid-track',
  'sysgenid-ack',
  'sysgenid-trigger',
  'sysgenid-wait',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/**
 * One lab action with its parameters. Absent parameters come from the settings in effect.
 * - boot: boots the guest with the kernel settings; it becomes the lineage's original VM.
 * - snapshot: snapshots the original VM (t: 'full' | 'diff'; a diff needs a resumed VM).
 * - restore: n clones from the latest snapshot (fresh VMGenID each, notification after δ).
 * - resume: resumes the paused original; it draws along with the clones (one more clone).
 * - draw: every process of every drawing VM draws n outputs; collisions across VMs.
 * - touch: the original (or first clone) writes n heap pages (copy-on-write, dirty pages).
 * - reset: destroys every VM and snapshot.
 * - fork: fork(2) of process p in every drawing VM; the child is appended to the process list.
 * - set: changes settings between actions (what a step's `state` records in a log).
 * - sysgenid-track: in each target VM a lazy mmap reader opens /dev/sysgenid and enables watcher
 *   tracking (the mistake the SysGenId series warns about); it never acknowledges on its own.
 * - sysgenid-ack: every tracked watcher reads the counter and acknowledges it (an event-loop app).
 * - sysgenid-trigger: the overseer's TRIGGER_GEN_UPDATE in each target VM.
 * - sysgenid-wait: the overseer's WAIT_WATCHERS with a timeout of ms (0: forever -> blocked).
 */
export type Action =
  | { a: 'boot' }
  | { a: 'snapshot'; t?: 'full' | 'diff' }
  | { a: 'restore'; n?: number }
  | { a: 'resume' }
  | { a: 'draw'; n?: number }
  | { a: 'touch'; n?: number }
  | { a: 'reset' }
  | { a: 'fork'; p?: number }
  | { a: 'set'; s: LabSettings }
  | { a: 'sysgenid-track' }
  | { a: 'sysgenid-ack' }
  | { a: 'sysgenid-trigger' }
  | { a: 'sysgenid-wait'; ms?: number };

/** Largest count an action parameter may carry (restore n, draw n, touch n, fork p, wait ms). */
export const ACTION_LIMITS = {
  restore: [1, 10000],
  draw: [1, 100000],
  touch: [1, 262144],
  fork: [0, 63],
  'sysgenid-wait': [0, 3_600_000],
} as const;

export const HIGHLIGHTS = [
  'outputs',
  'memory',
  'devices',
  'timeline',
  'matrix',
  'secrets',
  'lineage',
] as const;
export type Highlight = (typeof HIGHLIGHTS)[number];

/** Verdicts a step may expect (src/core/matrix/verdict.ts computes them from outputs). */
export const EXPECT_VERDICTS = ['dup', 'unique', 'dup until δ', 'mixed'] as const;

/** Outcomes of WAIT_WATCHERS a step may expect. */
export const WAIT_OUTCOMES = ['ok', 'ETIMEDOUT', 'Blocked'] as const;
export type WaitOutcome = (typeof WAIT_OUTCOMES)[number] | string;

/**
 * A visible claim a step makes about its last draw (library or process: which one; default the
 * first one drawn), the latest snapshot's file, or the SysGenId overseer. Each present key other
 * than library and process is one check.
 */
export interface Expect {
  library?: LibraryId;
  /** Index of the process in the draw (the guest's processes in order, then forked children); with `library`, it must run that library. */
  process?: number;
  duplicates?: '>0' | '0';
  verdict?: (typeof EXPECT_VERDICTS)[number];
  secretInSnapshot?: { name: string; present: boolean };
  /** Mean virtual ns per call of the library, bounds inclusive. */
  nsPerCall?: { min?: number; max?: number };
  /** What every target VM's WAIT_WATCHERS returned in this step. */
  waitWatchers?: (typeof WAIT_OUTCOMES)[number];
}

export interface Step {
  title: string;
  /** 1-3 sentences for a speaker. */
  narration: string;
  state?: LabSettings;
  actions?: Action[];
  highlight?: Highlight;
  /** Claims checked after the step's actions (a file may write one object or a list). */
  expect?: Expect[];
}

/** A guided scenario (public/guest/scenarios/ID.json). */
export interface Scenario {
  id: string;
  title: string;
  description: string;
  /** Name of a shipped guest manifest (public/guest/NAME.json). */
  guest: string;
  steps: Step[];
}

/** One entry of public/guest/scenarios/index.json. */
export interface ScenarioIndexEntry {
  id: string;
  file: string;
  title: string;
  description: string;
}

/** A rejected scenario file or index: `field` is a path such as `steps[2].expect[0].verdict`. */
export interface ScenarioError {
  kind: 'InvalidScenario';
  file: string;
  field: string;
  message: string;
}
