// Whether a fleet or a draw fits, asked BEFORE it starts: what it will need in wasm memory,
// output bytes and host memory, against the lab's limits. A restore or a draw that would not
// fit is refused at once with the figures ("would need 9.8 GiB for outputs; at most 4 GiB"), so
// nothing runs for minutes and then dies, and nothing is half made.
//
// What a draw needs (every figure an upper bound, from the core's own sizes):
//   outputs   clones x draws x the bytes of one round (every process's output): one packed
//             array per library (lab/draw.ts), each at most MAX_ARRAY_BYTES
//   marks     4 bytes of group number per output, and each library's clone x clone matrix
//   work      collision detection's arrays for one library at a time (lab/collide.ts)
//   wasm      the core's memory after the clones made the pages their guests write private
//             (what each would still copy: kernel/kernel.ts writeSetFrames), with room for
//             one more VM's guest operations (what the core reserves before each)
//   previous  the last draw's result, held until the new one replaces it
// The host holds `resultCopies` copies of a result (the app: the worker's and the page's).
// A restore needs its clones' frames (restoreFramesNeeded) plus what each copies when its guest
// first runs, and the fleet it makes must still be able to draw the draws the settings ask for.
//
// Invariants: pure over the figures it is given (no allocation, no core call that changes
// anything); the limits are the lab's (Lab.budget), not guesses made here.

import type { EngineStats } from '../engine';
import { engineError, ERROR_CODE } from '../errors';
import type { LabError } from './api';

/** Wasm32's memory limit: 65,536 pages of 64 KiB. */
export const WASM_MAX_BYTES = 2 ** 32;
/** The longest typed array a library's outputs may fill (V8's limit: 2^32 - 1 bytes). */
export const MAX_ARRAY_BYTES = 2 ** 32 - 1;
/** Outputs one library may draw at once (output indexes are 31-bit). */
export const MAX_OUTPUTS = 2 ** 31 - 1;
/** Bytes of work arrays per output while one library's collisions are found (lab/collide.ts). */
export const WORK_BYTES_PER_OUTPUT = 17;
/** Marks kept per output: its group number (Int32Array). */
export const MARK_BYTES_PER_OUTPUT = 4;
/** Clone x clone matrices are kept up to this many clones (lab/collide.ts MATRIX_MAX_CLONES). */
const MATRIX_CLONES = 256;
const FRAME_BYTES = 4096;

/** What the host lets the lab use. */
export interface MemoryBudget {
  /** Bytes of host memory for the core's wasm memory plus the draws' arrays. */
  hostBytes: number;
  /** Copies of a draw's result the host keeps (1: the CLI; 2: the app's worker and page). */
  resultCopies: number;
  /** Where hostBytes comes from, in words, for messages. */
  hostSource: string;
}

/** The budget where nobody measured the host: 8 GiB (the CLI measures its machine: load/node.ts). */
export const DEFAULT_BUDGET: MemoryBudget = {
  hostBytes: 8 * 2 ** 30,
  resultCopies: 1,
  hostSource: "the lab's default",
};

/** A draw to check: its fleet, its length and the bytes each process draws per call. */
export interface DrawPlan {
  clones: number;
  draws: number;
  /** Bytes per output of each process (one library each). */
  sizes: readonly number[];
  /** Frames the drawing VMs' guests would still copy (pages they write that are still shared). */
  copyFrames: number;
}

/** The core's memory as the checks see it. */
export interface CoreMemory {
  stats: EngineStats;
  /** Host address of frame 0 (the wasm memory below it is the core's own). */
  poolBase: number;
  /** Frames the core reserves before a guest operation of a VM running `procs` processes. */
  guestOpFrames(procs: number): number;
}

/** Every figure a draw needs, in bytes. */
export interface DrawNeed {
  outputs: number;
  /** The largest one library's outputs. */
  largestOutputs: number;
  outputsPerLibrary: number;
  marks: number;
  work: number;
  /** The core's wasm memory after the draw, at most. */
  wasm: number;
  /** Frames the core uses after the draw, at most. */
  frames: number;
  previous: number;
}

/** A byte count for people: "9.8 GiB", "340 MiB", "12 KiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The most frames the core can use: its frame cap, and what fits in wasm32 above the pool base. */
export function frameCapacity(core: CoreMemory): number {
  return Math.min(core.stats.frameLimit, Math.floor((WASM_MAX_BYTES - core.poolBase) / FRAME_BYTES));
}

/** What a draw will need, at most. */
export function drawNeed(plan: DrawPlan, core: CoreMemory, previousBytes: number): DrawNeed {
  const n = plan.clones * plan.draws;
  const round = plan.sizes.reduce((a, b) => a + b, 0);
  const libs = plan.sizes.length;
  const matrix = plan.clones <= MATRIX_CLONES ? plan.clones * plan.clones * 4 : 0;
  const inUse = core.stats.guestFrames + core.stats.metaFrames;
  const frames = inUse + plan.copyFrames + core.guestOpFrames(libs);
  return {
    outputs: n * round,
    largestOutputs: n * Math.max(0, ...plan.sizes),
    outputsPerLibrary: n,
    marks: libs * (n * MARK_BYTES_PER_OUTPUT + matrix),
    work: n * WORK_BYTES_PER_OUTPUT + Math.ceil((plan.clones * plan.clones) / 8),
    wasm: Math.max(core.stats.wasmMemoryBytes, core.poolBase + frames * FRAME_BYTES),
    frames,
    previous: previousBytes,
  };
}

function refuse(
  resource: 'outputs' | 'host',
  need: number,
  limit: number,
  message: string,
): { ok: false; error: LabError } {
  return { ok: false, error: { kind: 'DoesNotFit', resource, needBytes: need, limitBytes: limit, message } };
}

/**
 * Wasm memory short: the engine's own error (OutOfGuestMemory, its message, the frames missing),
 * with the figures after it.
 */
function refuseFrames(need: number, capacity: number, figures: string): { ok: false; error: LabError } {
  const e = engineError(ERROR_CODE.OutOfGuestMemory, need - capacity);
  return { ok: false, error: { ...e, message: `${e.message} (${figures})` } };
}

/**
 * Whether a draw fits the budget; the refusal names the figure that does not, e.g. "a draw of
 * 100,000 from 10,000 clones would need 9.8 GiB for outputs; at most 4.0 GiB fit in one
 * library's array".
 */
export function checkDraw(
  plan: DrawPlan,
  core: CoreMemory,
  budget: MemoryBudget,
  previousBytes = 0,
): { ok: true; value: DrawNeed } | { ok: false; error: LabError } {
  const need = drawNeed(plan, core, previousBytes);
  const what = `a draw of ${count(plan.draws)} from ${count(plan.clones)} clone${plan.clones === 1 ? '' : 's'}`;
  const round = plan.sizes.reduce((a, b) => a + b, 0);
  const shape = `${count(plan.clones)} x ${count(plan.draws)} x ${round} bytes`;
  if (need.largestOutputs > MAX_ARRAY_BYTES || need.outputsPerLibrary > MAX_OUTPUTS)
    return refuse(
      'outputs',
      need.outputs,
      MAX_ARRAY_BYTES,
      `${what} would need ${formatBytes(need.outputs)} for outputs (${shape})${plan.sizes.length > 1 ? `, ${formatBytes(need.largestOutputs)} of them in one library's array` : ''}; at most ${formatBytes(MAX_ARRAY_BYTES + 1)} fit in one array, ${count(MAX_OUTPUTS)} outputs`,
    );
  const capacity = frameCapacity(core);
  if (need.frames > capacity)
    return refuseFrames(
      need.frames,
      capacity,
      `${what} would need ${formatBytes(need.frames * FRAME_BYTES)} of wasm memory (its clones' private pages); at most ${formatBytes(capacity * FRAME_BYTES)}`,
    );
  const copies = budget.resultCopies;
  const host = need.wasm + (need.outputs + need.marks + need.previous) * copies + need.work;
  if (host > budget.hostBytes) {
    const rest = host - need.outputs * copies;
    return refuse(
      'host',
      host,
      budget.hostBytes,
      `${what} would need ${formatBytes(need.outputs * copies)} for outputs (${shape}${copies > 1 ? `, ${copies} copies` : ''}) and ${formatBytes(rest)} more (marks, work arrays, wasm memory, the last draw); at most ${formatBytes(budget.hostBytes)} (${budget.hostSource})`,
    );
  }
  return { ok: true, value: need };
}

/** A restore to check: how many clones, and their frames from the core. */
export interface RestorePlan {
  count: number;
  /** Frames the restore itself takes (the core's restoreFramesNeeded). */
  restoreFrames: number;
  /** Frames each clone copies when its guest first runs (snapshotGuestOpFrames). */
  cloneCopyFrames: number;
  /** Processes each clone runs. */
  procs: number;
}

/** Whether the clones of a restore fit in wasm memory, with what they will copy over their life. */
export function checkRestore(
  plan: RestorePlan,
  core: CoreMemory,
): { ok: true; value: number } | { ok: false; error: LabError } {
  const inUse = core.stats.guestFrames + core.stats.metaFrames;
  const each = plan.restoreFrames / plan.count + plan.cloneCopyFrames;
  const frames = inUse + plan.count * each + core.guestOpFrames(plan.procs);
  const capacity = frameCapacity(core);
  if (frames > capacity)
    return refuseFrames(
      frames,
      capacity,
      `${count(plan.count)} clone${plan.count === 1 ? '' : 's'} would need ${formatBytes(frames * FRAME_BYTES)} of wasm memory with the lab's other VMs and snapshots (${formatBytes(Math.round(each * FRAME_BYTES))} each); at most ${formatBytes(capacity * FRAME_BYTES)}`,
    );
  return { ok: true, value: frames };
}

/** Bytes a draw result holds (its outputs and marks). */
export function resultBytes(
  libraries: readonly { bytes: Uint8Array; groups: Int32Array; pairs: Uint32Array }[],
): number {
  return libraries.reduce((s, l) => s + l.bytes.byteLength + l.groups.byteLength + l.pairs.byteLength, 0);
}
