// The mitigation matrix: every library (LIBRARY_IDS) against every configuration of the guest
// kernel that matters for uniqueness, each column one real run (boot -> snapshot -> restore clones
// -> draw) on one shared wasm core. It is DESIGN.md's truth table, measured.
//
// Usage:
//   const m = await computeMatrix(guest, { clones: 4, draws: 16, seed: 1 }, core);
//   m.value.cells[row][col]     // row: index in m.value.rows (libraries), col: in m.value.columns
//   matrixToCsv(m.value), matrixToSvg(m.value, { theme: 'dark' })   (./export.ts)
//   cellConfig(m.value, row, col)     // the RunConfig that reproduces that cell's numbers
//   cellLabState(m.value, row, col)   // the same as a permalink state (replay() opens it in the lab)
//
// Invariants:
// - Columns set the kernel features themselves (MATRIX_COLUMNS); the guest contributes its memory
//   size, layout, secrets and consumer. vDSO getrandom is on in every column, so the vdso row
//   measures the vDSO; jitter entropy is off, so outcomes are deterministic for a seed.
// - The first three columns are DESIGN.md's truth table (kernel with WIPEONSUSPEND and SysGenId
//   bumped by the notification, the vmgenid driver per column); the next four isolate one
//   mechanism each on a kernel without the others.
// - Each verdict is recomputed from the output text (./verdict.ts), and the core's counters must
//   agree with that recomputation: a disagreement is a core bug and throws.
// - The matrix leaves the core as it found it: every VM and snapshot a run creates is destroyed
//   before the next run. It does reseed the core's host entropy (Lab.boot sets it), so a lab
//   sharing the core will draw different host entropy afterwards: give the matrix its own core
//   instance when a person's lab lives on the same one.

import { Engine } from '../engine';
import type { LabError } from '../lab/api';
import { runExperiment } from '../lab/run';
import {
  LIBRARY_IDS,
  type Consumer,
  type GuestManifest,
  type KernelFeatures,
  type LibraryId,
  type RunConfig,
} from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import type { LabState } from '../permalink/types';
import { err, ok, type Result } from '../types';
import { analyseOutputs, describePattern, verdictOf, type Verdict } from './verdict';

export type MatrixColumnId =
  | 'no-vmgenid'
  | 'vmgenid'
  | 'vmgenid-delay'
  | 'sysgenid'
  | 'wipeonsuspend-reseed'
  | 'wipeonsuspend-no-reseed'
  | 'agent';

export type KernelColumn = Pick<KernelFeatures, 'vmgenid' | 'sysgenid' | 'wipeOnSuspend' | 'agentReseed'>;

export interface ColumnSpec {
  id: MatrixColumnId;
  kernel: KernelColumn;
  /** δ of the column: zero, or the matrix's delayUs. */
  delay: 'zero' | 'delay';
  title: (o: { delayUs: number; agentDelayUs: number }) => string;
  description: string;
}

/** The configurations, in column order. */
export const MATRIX_COLUMNS: readonly ColumnSpec[] = [
  {
    id: 'no-vmgenid',
    kernel: { vmgenid: false, sysgenid: 'vmgenid', wipeOnSuspend: true, agentReseed: false },
    delay: 'zero',
    title: () => 'no vmgenid driver',
    description:
      'Truth table, column 1: the kernel supports WIPEONSUSPEND and SysGenId but has no vmgenid driver, so nothing reseeds the CRNG after restore.',
  },
  {
    id: 'vmgenid',
    kernel: { vmgenid: true, sysgenid: 'vmgenid', wipeOnSuspend: true, agentReseed: false },
    delay: 'zero',
    title: () => 'vmgenid driver, δ = 0',
    description:
      'Truth table, column 2: the vmgenid driver reseeds the CRNG (and bumps SysGenId) before the first draw.',
  },
  {
    id: 'vmgenid-delay',
    kernel: { vmgenid: true, sysgenid: 'vmgenid', wipeOnSuspend: true, agentReseed: false },
    delay: 'delay',
    title: ({ delayUs }) => `vmgenid driver, δ = ${delayUs} µs`,
    description:
      'Truth table, column 3: the guest handles the notification δ after the vCPUs resume; draws before it run on the snapshot’s state.',
  },
  {
    id: 'sysgenid',
    kernel: { vmgenid: true, sysgenid: 'vmgenid', wipeOnSuspend: false, agentReseed: false },
    delay: 'zero',
    title: () => 'SysGenId (bumped by VMGenID), δ = 0',
    description:
      'SysGenId v1-v7 without WIPEONSUSPEND: the notification reseeds the CRNG and bumps the counter a library checks on every call.',
  },
  {
    id: 'wipeonsuspend-reseed',
    kernel: { vmgenid: true, sysgenid: 'off', wipeOnSuspend: true, agentReseed: false },
    delay: 'zero',
    title: () => 'WIPEONSUSPEND + kernel reseed',
    description:
      'MADV_WIPEONSUSPEND with the vmgenid driver (δ = 0): flagged state is zeroed at suspend and reseeds from a reseeded kernel.',
  },
  {
    id: 'wipeonsuspend-no-reseed',
    kernel: { vmgenid: false, sysgenid: 'off', wipeOnSuspend: true, agentReseed: false },
    delay: 'zero',
    title: () => 'WIPEONSUSPEND, no kernel reseed',
    description:
      'MADV_WIPEONSUSPEND without the vmgenid driver: flagged state is zeroed, but every clone reseeds from the same kernel CRNG.',
  },
  {
    id: 'agent',
    kernel: { vmgenid: false, sysgenid: 'off', wipeOnSuspend: false, agentReseed: true },
    delay: 'zero',
    title: ({ agentDelayUs }) => `guest agent reseed after ${agentDelayUs} µs`,
    description:
      'A pre-5.18 kernel without the vmgenid driver: a guest agent reseeds the CRNG (RNDADDENTROPY, RNDRESEEDCRNG) some time after restore.',
  },
];

export interface MatrixOptions {
  clones: number;
  draws: number;
  seed: number;
  /** δ of the "δ > 0" column, µs (default 40). */
  delayUs?: number;
  /** Virtual µs between two draws (default 5). */
  drawIntervalUs?: number;
  /** When the agent's reseed lands after restore, µs (default: delayUs). */
  agentDelayUs?: number;
  /** Overrides the guest's memory size (small guests keep tests fast). */
  memoryMiB?: number;
  /** What every library draws (default: the guest's first process's consumer). */
  consumer?: Consumer;
  /** A subset of columns, in this order (default: all of MATRIX_COLUMNS). */
  columns?: MatrixColumnId[];
  /** Called after each column (done of total). */
  onProgress?: (done: number, total: number) => void;
  /** Awaited between columns (a worker yields so a cancel message can land). */
  yieldNow?: () => Promise<void>;
  /** Checked between columns; true stops with a Cancelled error. */
  cancelled?: () => boolean;
}

export interface MatrixSecret {
  name: string;
  wipeOnSuspend: boolean;
  /** Found by searching the snapshot file's bytes. */
  inSnapshot: boolean;
}

export interface MatrixColumn {
  id: MatrixColumnId;
  title: string;
  description: string;
  /** The kernel the column boots (the guest's kernel with these features set). */
  kernel: KernelFeatures;
  notifyDelayUs: number;
  /** Pages the snapshot's suspend zeroed. */
  wipedPages: number;
  secrets: MatrixSecret[];
}

export interface MatrixCell {
  library: LibraryId;
  column: MatrixColumnId;
  verdict: Verdict;
  duplicates: number;
  collidingPairs: number;
  firstUniqueDraw: number;
  nsPerCall: number;
  reseeds: number;
  aborts: number;
  /** Per draw "same/unique" pattern, for a 'mixed' verdict's explanation. */
  pattern: string;
  /** Whether each secret reaches this column's snapshot file (the same for every row). */
  secrets: { name: string; inSnapshot: boolean }[];
}

export interface Matrix {
  /** The guest the runs booted (its kernel features are replaced per column). */
  guest: GuestManifest;
  clones: number;
  draws: number;
  seed: number;
  delayUs: number;
  drawIntervalUs: number;
  agentDelayUs: number;
  memoryMiB: number;
  consumer: Consumer;
  /** Libraries, one row each. */
  rows: LibraryId[];
  columns: MatrixColumn[];
  /** cells[row][col]. */
  cells: MatrixCell[][];
}

export type MatrixError = LabError | { kind: 'Cancelled'; message: string };

function invalid(field: string, message: string): { ok: false; error: LabError } {
  return err({ kind: 'InvalidValue', field, message: `${field}: ${message}` });
}

/** The guest as a column boots it. */
export function columnGuest(guest: GuestManifest, spec: ColumnSpec, agentDelayUs: number): GuestManifest {
  return {
    ...guest,
    kernel: {
      ...guest.kernel,
      ...spec.kernel,
      vdsoGetrandom: true,
      jitterEntropy: false,
      agentDelayUs: spec.kernel.agentReseed ? agentDelayUs : guest.kernel.agentDelayUs,
    },
  };
}

function columnSpec(id: MatrixColumnId): ColumnSpec | undefined {
  return MATRIX_COLUMNS.find((c) => c.id === id);
}

/** Runs every library against every configuration; one run per column on one core. */
export async function computeMatrix(
  guest: GuestManifest,
  opts: MatrixOptions,
  core: CoreExports,
): Promise<Result<Matrix, MatrixError>> {
  const delayUs = opts.delayUs ?? 40;
  const drawIntervalUs = opts.drawIntervalUs ?? 5;
  const agentDelayUs = opts.agentDelayUs ?? delayUs;
  for (const [field, v] of [
    ['delayUs', delayUs],
    ['drawIntervalUs', drawIntervalUs],
    ['agentDelayUs', agentDelayUs],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) return invalid(field, `expected a number >= 0, got ${v}`);
  }
  const ids = opts.columns ?? MATRIX_COLUMNS.map((c) => c.id);
  if (ids.length === 0) return invalid('columns', 'expected at least one column');
  const specs: ColumnSpec[] = [];
  for (const id of ids) {
    const spec = columnSpec(id);
    if (!spec)
      return invalid(
        'columns',
        `unknown column "${id}" (known: ${MATRIX_COLUMNS.map((c) => c.id).join(', ')})`,
      );
    if (specs.includes(spec)) return invalid('columns', `column "${id}" is listed twice`);
    specs.push(spec);
  }
  const consumer = opts.consumer ?? guest.processes[0]?.consumer ?? 'uuid';
  const memoryMiB = opts.memoryMiB ?? guest.memoryMiB;
  const instance = core;
  const engine = new Engine(instance);
  const rows = [...LIBRARY_IDS];
  const columns: MatrixColumn[] = [];
  const cells: MatrixCell[][] = rows.map(() => []);
  for (const [i, spec] of specs.entries()) {
    if (opts.cancelled?.()) return err({ kind: 'Cancelled', message: 'the matrix was cancelled' });
    const config = runConfigFor(guest, spec, {
      ...opts,
      delayUs,
      drawIntervalUs,
      agentDelayUs,
      memoryMiB,
      consumer,
    });
    const vmsBefore = new Set<number>(engine.liveVms());
    const snapsBefore = new Set<number>(engine.liveSnapshots());
    const run = await runExperiment(config, instance);
    // leave the core as we found it, whatever the run did
    for (const vm of engine.liveVms()) if (!vmsBefore.has(vm)) engine.destroyVm(vm);
    for (const s of engine.liveSnapshots().reverse()) if (!snapsBefore.has(s)) engine.deleteSnapshot(s);
    if (!run.ok) return run;
    const report = run.value.report;
    const secrets = report.secrets.map((s) => ({
      name: s.name,
      wipeOnSuspend: s.wipeOnSuspend,
      inSnapshot: s.inSnapshot,
    }));
    columns.push({
      id: spec.id,
      title: spec.title({ delayUs, agentDelayUs }),
      description: spec.description,
      kernel: config.guest.kernel,
      notifyDelayUs: config.notifyDelayUs,
      wipedPages: report.snapshot.wipedPages,
      secrets,
    });
    for (const [r, library] of rows.entries()) {
      const rep = report.libraries.find((l) => l.library === library);
      if (!rep) throw new Error(`the run of column ${spec.id} has no report for ${library}: a lab bug`);
      const a = analyseOutputs(rep.outputs);
      if (
        a.duplicates !== rep.duplicates ||
        a.collidingPairs !== rep.collidingPairs ||
        a.firstUniqueDraw !== rep.firstUniqueDraw
      ) {
        throw new Error(
          `core counters disagree with the outputs for ${library} in ${spec.id}: core ${rep.duplicates}/${rep.collidingPairs}/${rep.firstUniqueDraw}, outputs ${a.duplicates}/${a.collidingPairs}/${a.firstUniqueDraw}`,
        );
      }
      cells[r]!.push({
        library,
        column: spec.id,
        verdict: verdictOf(a),
        duplicates: rep.duplicates,
        collidingPairs: rep.collidingPairs,
        firstUniqueDraw: rep.firstUniqueDraw,
        nsPerCall: rep.nsPerCall,
        reseeds: rep.reseeds,
        aborts: rep.aborts,
        pattern: describePattern(a),
        secrets: secrets.map((s) => ({ name: s.name, inSnapshot: s.inSnapshot })),
      });
    }
    opts.onProgress?.(i + 1, specs.length);
    if (opts.yieldNow) await opts.yieldNow();
  }
  return ok({
    guest,
    clones: opts.clones,
    draws: opts.draws,
    seed: opts.seed,
    delayUs,
    drawIntervalUs,
    agentDelayUs,
    memoryMiB,
    consumer,
    rows,
    columns,
    cells,
  });
}

function runConfigFor(
  guest: GuestManifest,
  spec: ColumnSpec,
  o: Required<
    Pick<
      MatrixOptions,
      'clones' | 'draws' | 'seed' | 'delayUs' | 'drawIntervalUs' | 'agentDelayUs' | 'memoryMiB' | 'consumer'
    >
  >,
): RunConfig & { guest: GuestManifest } {
  return {
    guest: columnGuest(guest, spec, o.agentDelayUs),
    libraries: [...LIBRARY_IDS],
    consumer: o.consumer,
    clones: o.clones,
    draws: o.draws,
    notifyDelayUs: spec.delay === 'zero' ? 0 : o.delayUs,
    drawIntervalUs: o.drawIntervalUs,
    snapshot: 'full',
    memoryMiB: o.memoryMiB,
    seed: o.seed,
  };
}

/** A cell address: row and column as indices, or as a library id and a column id. */
function locate(
  m: Matrix,
  row: number | LibraryId,
  col: number | MatrixColumnId,
): Result<{ r: number; c: number; spec: ColumnSpec }, LabError> {
  const r = typeof row === 'number' ? row : m.rows.indexOf(row);
  const c = typeof col === 'number' ? col : m.columns.findIndex((x) => x.id === col);
  if (!Number.isInteger(r) || r < 0 || r >= m.rows.length)
    return invalid(
      'row',
      `expected a library of the matrix or an index from 0 to ${m.rows.length - 1}, got ${row}`,
    );
  if (!Number.isInteger(c) || c < 0 || c >= m.columns.length)
    return invalid(
      'col',
      `expected a column of the matrix or an index from 0 to ${m.columns.length - 1}, got ${col}`,
    );
  const spec = columnSpec(m.columns[c]!.id);
  if (!spec) return invalid('col', `unknown column "${m.columns[c]!.id}"`);
  return ok({ r, c, spec });
}

/**
 * The RunConfig of a cell: the column's run exactly (every library, so runExperiment reproduces
 * the cell's numbers byte for byte); the lab shows the row's library, m.rows[row].
 */
export function cellConfig(
  m: Matrix,
  row: number | LibraryId,
  col: number | MatrixColumnId,
): Result<RunConfig, LabError> {
  const at = locate(m, row, col);
  if (!at.ok) return at;
  return ok(runConfigFor(m.guest, at.value.spec, m));
}

/**
 * A cell as a lab state: the guest by name, the column's kernel as settings, and the actions
 * boot -> snapshot -> restore -> draw. replay() on it rebuilds the cell's run in a lab.
 */
export function cellLabState(
  m: Matrix,
  row: number | LibraryId,
  col: number | MatrixColumnId,
): Result<LabState, LabError> {
  const cfg = cellConfig(m, row, col);
  if (!cfg.ok) return cfg;
  const c = cfg.value;
  const k = c.guest.kernel;
  return ok({
    v: 1,
    guest: m.guest.name,
    settings: {
      libraries: [...(c.libraries ?? m.rows)],
      consumer: m.consumer,
      vmgenid: k.vmgenid,
      sysgenid: k.sysgenid,
      wipeOnSuspend: k.wipeOnSuspend,
      vdsoGetrandom: k.vdsoGetrandom,
      agentReseed: k.agentReseed,
      agentDelayUs: k.agentDelayUs,
      memoryMiB: m.memoryMiB,
      seed: m.seed,
      clones: m.clones,
      draws: m.draws,
      notifyDelayUs: c.notifyDelayUs,
      drawIntervalUs: m.drawIntervalUs,
      snapshot: 'full',
    },
    actions: [
      { a: 'boot' },
      { a: 'snapshot', t: 'full' },
      { a: 'restore', n: m.clones },
      { a: 'draw', n: m.draws },
    ],
  });
}
