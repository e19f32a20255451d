// The mitigation matrix: every library (LIBRARY_IDS) against every configuration of the guest
// kernel that matters for uniqueness, each column one real run (the CLI's standard run: boot ->
// snapshot -> restore clones -> draw) on the one Session, on a core of its own. It is DESIGN.md's
// truth table, measured.
//
// Usage:
//   const m = await computeMatrix(catalog, 'default', { clones: 4, draws: 16, seed: 1 }, core);
//   m.value.cells[row][col]     // row: index in m.value.rows (libraries), col: in m.value.columns
//   matrixToCsv(m.value), matrixToSvg(m.value, { theme: 'dark' })   (./export.ts)
//   cellLabState(m.value, row, col)   // the column's run as a permalink state (opens in the lab)
//
// Invariants:
// - A column is a settings patch over the guest (MATRIX_COLUMNS), run once per vCPU (intel, none
//   by default: the CPU decides RDRAND/RDSEED); every library the vCPU can run is its own process
//   (rdrand on cpu none is a 'refused' cell); kernel 6.11 with vDSO getrandom in every column so
//   the vdso row measures the vDSO.
// - Each verdict is recomputed from the outputs (lab/verdict.ts) and the core's duplicate count
//   must agree with that recomputation: a disagreement is a core bug and throws.
// - Each column opens a fresh session (the core is reset): the matrix shares no state with a lab.

import { Lab } from '../lab/lab';
import type { LabError } from '../lab/api';
import { LIBRARY_IDS, type Consumer, type GuestManifest, type LibraryId } from '../lab/types';
import { verdictReason } from '../lab/reason';
import { analyseDraw, describePattern, verdictOf } from '../lab/verdict';
import type { CoreExports } from '../load/instantiate';
import { LAB_STATE_VERSION, type LabState } from '../permalink/types';
import { Session, standardRun, type GuestCatalog } from '../session/session';
import { checkSettings } from '../settings/schema';
import { CPUS, resolveSettings, type Cpu, type LabSettings, type SettingsPatch } from '../settings/settings';
import type { MatrixVerdict } from '../settings/words';
import { err, ok, type Result } from '../types';

export type MatrixColumnId =
  | 'no-vmgenid'
  | 'vmgenid'
  | 'vmgenid-delay'
  | 'sysgenid'
  | 'wipeonsuspend-reseed'
  | 'wipeonsuspend-no-reseed'
  | 'agent';

export interface ColumnSpec {
  id: MatrixColumnId;
  /** The kernel settings of the column (over the guest's). */
  kernel: SettingsPatch;
  /** δ of the column: zero, or the matrix's delayUs. */
  delay: 'zero' | 'delay';
  title: (o: { delayUs: number; agentDelayUs: number }) => string;
  description: string;
}

const k = (vmgenid: boolean, sysgenid: boolean, wipeOnSuspend: boolean, agent: boolean): SettingsPatch => ({
  vmgenid,
  sysgenid,
  sysgenidBump: 'vmgenid',
  wipeOnSuspend,
  agent,
});

/** The configurations, in column order (each runs once per vCPU of the matrix). */
export const MATRIX_COLUMNS: readonly ColumnSpec[] = [
  {
    id: 'no-vmgenid',
    kernel: k(false, false, false, false),
    delay: 'zero',
    title: () => 'no mitigation',
    description:
      'No vmgenid driver, no SysGenId, no MADV_WIPEONSUSPEND, no agent: nothing reseeds the CRNG at restore; its scheduled reseed comes later.',
  },
  {
    id: 'vmgenid',
    kernel: k(true, false, false, false),
    delay: 'zero',
    title: () => 'vmgenid driver, δ = 0',
    description:
      'The vmgenid driver reseeds the CRNG with the new VMGenID before the first draw (add_vmfork_randomness).',
  },
  {
    id: 'vmgenid-delay',
    kernel: k(true, false, false, false),
    delay: 'delay',
    title: ({ delayUs }) => `vmgenid driver, δ = ${delayUs} µs`,
    description:
      'The guest handles the notification δ after the vCPUs resume; draws before it run on the snapshot’s state.',
  },
  {
    id: 'sysgenid',
    kernel: { ...k(true, true, false, true), sysgenidBump: 'overseer', agentDelayUs: 0 },
    delay: 'zero',
    title: () => 'vmgenid + SysGenId (v8 overseer), δ = 0',
    description:
      'The vmgenid driver reseeds the CRNG; the restore agent, as SysGenId v8’s overseer, reseeds it again and bumps the counter at once: AWS-LC reseeds on the counter change.',
  },
  {
    id: 'wipeonsuspend-reseed',
    kernel: k(true, false, true, false),
    delay: 'zero',
    title: () => 'WIPEONSUSPEND + vmgenid',
    description:
      'MADV_WIPEONSUSPEND with the vmgenid driver (δ = 0): flagged state is zeroed at suspend and reseeds from a reseeded kernel.',
  },
  {
    id: 'wipeonsuspend-no-reseed',
    kernel: k(false, false, true, false),
    delay: 'zero',
    title: () => 'WIPEONSUSPEND, no vmgenid',
    description:
      'MADV_WIPEONSUSPEND without the vmgenid driver: flagged state is zeroed; resuming from S3 reseeds the CRNG (random_pm_notification, Linux >= 5.19) from RDSEED where the vCPU has it, else from the cycle counter.',
  },
  {
    id: 'agent',
    kernel: k(false, false, false, true),
    delay: 'zero',
    title: ({ agentDelayUs }) => `guest agent reseed after ${agentDelayUs} µs`,
    description:
      'No vmgenid driver: a guest agent reseeds the CRNG (RNDADDENTROPY, RNDRESEEDCRNG) some time after restore.',
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
  /** The vCPUs: every column runs once per CPU, in this order (default: intel, then none). */
  cpus?: Cpu[];
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
  /** The vCPU of the column's run. */
  cpu: Cpu;
  /** `id@cpu`: the column's address (an id alone names its first CPU). */
  key: string;
  title: string;
  description: string;
  /** The whole settings of the column's run. */
  settings: LabSettings;
  notifyDelayUs: number;
  /** Pages the snapshot's suspend zeroed. */
  wipedPages: number;
  secrets: MatrixSecret[];
}

export interface MatrixCell {
  library: LibraryId;
  /** The column's key (`id@cpu`). */
  column: string;
  /** 'refused': the column's vCPU cannot run the library (rdrand without RDRAND). */
  verdict: MatrixVerdict;
  duplicates: number;
  collidingPairs: number;
  firstUniqueDraw: number | null;
  nsPerCall: number;
  reseeds: number;
  aborts: number;
  /** Per draw "same/unique" pattern, for a 'mixed' verdict's explanation. */
  pattern: string;
  /** Fewest fresh bits in one clone's generator after the draw (the entropy ledger). */
  freshBits: number;
  /** Why the cell has its verdict, in one line (lab/reason.ts, the line the CLI prints). */
  reason: string;
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
  /** The vCPUs of the columns, in order. */
  cpus: Cpu[];
  columns: MatrixColumn[];
  /** cells[row][col]. */
  cells: MatrixCell[][];
}

export type MatrixError =
  LabError | { kind: 'Cancelled'; message: string } | { kind: 'ActionFailed'; message: string };

function invalid(field: string, message: string): { ok: false; error: LabError } {
  return err({ kind: 'InvalidValue', field, message: `${field}: ${message}` });
}

function columnSpec(id: MatrixColumnId): ColumnSpec | undefined {
  return MATRIX_COLUMNS.find((c) => c.id === id);
}

type Knobs = Required<
  Pick<
    MatrixOptions,
    'clones' | 'draws' | 'seed' | 'delayUs' | 'drawIntervalUs' | 'agentDelayUs' | 'memoryMiB' | 'consumer'
  >
>;

/** The libraries a CPU can run: rdrand needs RDRAND. */
function runnable(cpu: Cpu): LibraryId[] {
  return LIBRARY_IDS.filter((l) => cpu !== 'none' || l !== 'rdrand');
}

/**
 * The whole settings of a column's run: kernel 6.11 (so the vdso row measures the vDSO), the
 * column's mitigations and vCPU, every library the vCPU can run.
 */
export function columnSettings(
  guest: GuestManifest,
  spec: ColumnSpec,
  o: Knobs,
  cpu: Cpu = 'intel',
): LabSettings {
  return resolveSettings(guest, {
    ...spec.kernel,
    kernel: '6.11',
    cpu,
    vdso: true,
    agentDelayUs:
      spec.kernel.agentDelayUs ?? (spec.kernel.agent ? o.agentDelayUs : guest.kernel.agentDelayUs),
    libraries: runnable(cpu),
    consumer: o.consumer,
    clones: o.clones,
    draws: o.draws,
    notifyDelayUs: spec.delay === 'zero' ? 0 : o.delayUs,
    drawIntervalUs: o.drawIntervalUs,
    snapshot: 'full',
    memoryMiB: o.memoryMiB,
    seed: o.seed,
  });
}

/** Runs every library against every configuration; one session per column on one core. */
export async function computeMatrix(
  catalog: GuestCatalog,
  guestName: string,
  opts: MatrixOptions,
  core: CoreExports,
): Promise<Result<Matrix, MatrixError>> {
  const guest = catalog.get(guestName);
  if (!guest) return invalid('guest', `no guest named "${guestName}" (known: ${catalog.names().join(', ')})`);
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
  const cpus = opts.cpus ?? (['intel', 'none'] as Cpu[]);
  if (cpus.length === 0 || new Set(cpus).size !== cpus.length || cpus.some((c) => !CPUS.includes(c)))
    return invalid('cpus', `expected distinct CPUs of ${CPUS.join(', ')}, got ${JSON.stringify(cpus)}`);
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
  const knobs: Knobs = {
    clones: opts.clones,
    draws: opts.draws,
    seed: opts.seed,
    delayUs,
    drawIntervalUs,
    agentDelayUs,
    memoryMiB: opts.memoryMiB ?? guest.memoryMiB,
    consumer: opts.consumer ?? guest.processes[0]?.consumer ?? 'uuid',
  };
  const lab = new Lab(core);
  const rows = [...LIBRARY_IDS];
  const columns: MatrixColumn[] = [];
  const cells: MatrixCell[][] = rows.map(() => []);
  const runs = cpus.flatMap((cpu) => specs.map((spec) => ({ cpu, spec })));
  for (const [i, { cpu, spec }] of runs.entries()) {
    if (opts.cancelled?.()) return err({ kind: 'Cancelled', message: 'the matrix was cancelled' });
    const settings = columnSettings(guest, spec, knobs, cpu);
    const checked = checkSettings(settings, '');
    if (!checked.ok)
      return invalid(checked.error.field, `${checked.error.problem.replace(/^must be/, 'expected')}`);
    const opened = Session.open(lab, catalog, settings);
    if (!opened.ok) return err(opened.error);
    const session = opened.value;
    const run = session.applyAll(standardRun(settings));
    if (!run.ok) {
      lab.reset();
      return err(run.error);
    }
    const draw = session.lastDraw!;
    const found = session.secrets();
    if (found && !found.ok) return err(found.error);
    const secrets = (found?.value ?? []).map((s) => ({
      name: s.name,
      wipeOnSuspend: s.wipeOnSuspend,
      inSnapshot: s.inSnapshot,
    }));
    const snap = lab.engine.snapshotInfo(session.latestSnapshot()!)!;
    const key = `${spec.id}@${cpu}`;
    columns.push({
      id: spec.id,
      cpu,
      key,
      title: `${spec.title({ delayUs, agentDelayUs })} · ${cpu}`,
      description: spec.description,
      settings,
      notifyDelayUs: settings.notifyDelayUs,
      wipedPages: snap.wipedPages,
      secrets,
    });
    for (const [r, library] of rows.entries()) {
      const rep = draw.libraries.find((l) => l.library === library);
      if (!rep && !runnable(cpu).includes(library)) {
        cells[r]!.push({
          library,
          column: key,
          verdict: 'refused',
          duplicates: 0,
          collidingPairs: 0,
          firstUniqueDraw: null,
          nsPerCall: 0,
          reseeds: 0,
          aborts: 0,
          pattern: '',
          freshBits: 0,
          reason: `the vCPU has no RDRAND: a program that executes it dies of SIGILL, so ${library} cannot run here`,
          secrets: secrets.map((s) => ({ name: s.name, inSnapshot: s.inSnapshot })),
        });
        continue;
      }
      if (!rep) throw new Error(`the run of column ${key} has no report for ${library}: a lab bug`);
      const a = analyseDraw(rep);
      if (a.duplicates !== rep.duplicates || a.firstUniqueDraw !== rep.firstUniqueDraw)
        throw new Error(
          `core counters disagree with the outputs for ${library} in ${spec.id}: core ${rep.duplicates}/${rep.firstUniqueDraw}, outputs ${a.duplicates}/${a.firstUniqueDraw}`,
        );
      const verdict = verdictOf(a, { safeFrom: [rep.safeFromDraw ?? 0] });
      cells[r]!.push({
        library,
        column: key,
        verdict,
        duplicates: rep.duplicates,
        collidingPairs: rep.collidingPairs,
        firstUniqueDraw: rep.firstUniqueDraw,
        nsPerCall: rep.nsPerCall,
        reseeds: rep.reseeds,
        aborts: rep.aborts,
        pattern: describePattern(a),
        freshBits: Math.min(...rep.freshEntropyBits),
        reason: verdictReason({ ...rep, verdict }),
        secrets: secrets.map((s) => ({ name: s.name, inSnapshot: s.inSnapshot })),
      });
    }
    lab.reset();
    opts.onProgress?.(i + 1, runs.length);
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
    memoryMiB: knobs.memoryMiB,
    consumer: knobs.consumer,
    rows,
    cpus,
    columns,
    cells,
  });
}

/** A cell address: row and column as indices, or as a library id and a column id. */
function locate(
  m: Matrix,
  row: number | LibraryId,
  col: number | MatrixColumnId | string,
): Result<{ r: number; c: number }, LabError> {
  const r = typeof row === 'number' ? row : m.rows.indexOf(row);
  const c = typeof col === 'number' ? col : m.columns.findIndex((x) => x.key === col || x.id === col);
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
  return ok({ r, c });
}

/**
 * A cell as a lab state: the column's settings and its standard run (every library, so the
 * replay reproduces the cell's numbers byte for byte); the lab shows the row's library.
 */
export function cellLabState(
  m: Matrix,
  row: number | LibraryId,
  col: number | MatrixColumnId | string,
): Result<LabState, LabError> {
  const at = locate(m, row, col);
  if (!at.ok) return at;
  const settings = m.columns[at.value.c]!.settings;
  return ok({ v: LAB_STATE_VERSION, settings: structuredClone(settings), actions: standardRun(settings) });
}
