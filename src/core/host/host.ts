// The lab as one object that answers plain-data requests: what the app's worker dispatches to
// (and what tests drive in Node). It owns the Lab, the current Session, the snapshot files it was
// given, the scenario being shown, and a second core for the matrix; every answer that changes
// the lab is ONE bundle: the fleet, the session's history, the views of the selection (memory
// maps, devices, timeline) and, when it changed, the last draw (outputs as bytes).
//
// Invariants:
// - Every change to the lab goes through the Session (session.ts): the log is the whole history,
//   and `replay` of (initial, log, files) on a fresh host rebuilds the same lab byte for byte.
// - Errors come back as data (HostError) with the lab's own message and field; the bundle after a
//   failed request shows the lab as it is (a failed action changed nothing).
// - Long work (a restore of many clones, a replay, the matrix) runs in chunks: between chunks the
//   host reports progress and awaits `yieldNow`, where a cancel can land.

import { Lab } from '../lab/lab';
import type { MemoryBudget } from '../lab/fit';
import type { LabError } from '../lab/api';
import { outputText } from '../lab/draw';
import { predictOpenssl } from '../lab/predict';
import type { EngineStats } from '../engine';
import type { SnapshotSummary, VmSummary } from '../lab/api';
import { memoryMap, type MemoryMapView } from '../lab/inspect';
import type {
  Consumer,
  DeviceView,
  DrawResult,
  GuestManifest,
  LibraryDraw,
  SecretSpec,
  TimelineEvent,
} from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import { predictRealDivergence, type ModelPrediction } from '../real/model';
import { computeMatrix, type Matrix, type MatrixOptions } from '../matrix/matrix';
import {
  checkExpectations,
  runScenarioStep,
  runScenarioTo,
  stepWantsSecrets,
  type ExpectCheck,
} from '../scenario/run';
import type { Scenario } from '../scenario/types';
import type { LabSettings, SettingsPatch } from '../settings/settings';
import { decodeSnapshotFile, encodeSnapshotFileContent, scanSecrets, snapshotFileContent } from '../snapfile';
import { pageNo, snapshotId, vmId, type Result } from '../types';
import type { Action } from '../session/actions';
import {
  catalogOf,
  fileId,
  Session,
  type GuestCatalog,
  type Lineage,
  type SessionError,
} from '../session/session';

/** Clones restored per core call in a batched restore: small enough for progress, big enough to be cheap. */
export const RESTORE_BATCH = 16;
/** Devices are read for at most this many VMs (the panel lists them; more would only scroll). */
export const DEVICE_ROWS = 256;
/** Actions replayed between two yields. */
const REPLAY_CHUNK = 8;

/**
 * What the app lets its lab use (lab/fit.ts): one tab holds the core's wasm memory and each
 * draw's result twice (the worker's, and the page's copy of the message), in 2 GiB.
 */
export const APP_BUDGET: MemoryBudget = {
  hostBytes: 2 * 2 ** 30,
  resultCopies: 2,
  hostSource: "the app's memory for one tab",
};

/** Clones the openssl-1.1.1 attack runs on (each is one bounded search, ~0.15 s in the browser). */
export const RECOVER_MAX_CLONES = 64;

/** A guest listed in public/guest/index.json, with its checked manifest (or why it failed). */
export interface GuestEntry {
  file: string;
  name: string;
  description: string;
  manifest: GuestManifest | null;
  error: string | null;
}

/** An error as plain data (field names the rejected input when there is one). */
export interface HostError {
  kind: string;
  message: string;
  field?: string;
}

/** What a long request may do besides computing. */
export interface ChunkContext {
  progress(done: number, total: number): void;
  cancelled(): boolean;
  yieldNow(): Promise<void>;
}

/** What the app has selected: the maps' VMs and the snapshot Restore uses. */
export interface Selection {
  vm: number | null;
  compare: number | null;
  snapshot: number | null;
}

/** The session's history and what its lineage means now. */
export interface SessionView {
  /** Settings in effect. */
  settings: LabSettings;
  /** Settings before the first action (what links and saved sessions hold). */
  initial: LabSettings;
  log: Action[];
  lineage: Lineage;
  /** The VMs a Draw uses. */
  drawing: number[];
  /** Snapshot files the session was given (id and name). */
  files: { id: string; name: string }[];
}

/** Everything the app shows after a request: ONE message per change of the lab. */
export interface LabBundle {
  fleet: { vms: VmSummary[]; snapshots: SnapshotSummary[]; stats: EngineStats };
  session: SessionView;
  selection: Selection;
  maps: { a: MemoryMapView | null; b: MemoryMapView | null };
  devices: DeviceView[];
  timeline: TimelineEvent[];
  /** The last draw when it changed since the previous bundle (else undefined: keep yours); null: none. */
  draw?: DrawResult | null;
}

/** A request's answer: the bundle, and the error if the request failed part-way or whole. */
export interface HostAnswer<T = Record<string, never>> {
  bundle: LabBundle;
  error: HostError | null;
  extra: T;
}

/** How a restore ended: every clone of it, or the finished batches after a cancel. */
export interface RestoreOutcome {
  made: number[];
  requested: number;
  cancelled: boolean;
}

/** A step's claims, checked, and what it showed. */
export interface StepOutcomeView {
  step: number;
  rebuilt: boolean;
  checks: ExpectCheck[];
  ok: boolean;
  secrets: { name: string; inSnapshot: boolean; occurrences: number }[] | null;
}

/** What a person's snapshot file holds, once accepted. */
export interface FileView {
  id: string;
  name: string;
  guest: string;
  description: string;
  layers: number;
  memoryMiB: number;
  seed: number;
  checksum: string;
  bytes: number;
}

/** The secret scan of a snapshot's file. */
export interface SecretScanView {
  snapshot: number;
  fileBytes: number;
  guest: string;
  kernelWipeOnSuspend: boolean;
  wipedPages: number;
  secrets: {
    name: string;
    wipeOnSuspend: boolean;
    inFile: boolean;
    occurrences: number;
    hits: { offset: number; layer: number | null; page: number | null; pageOffset: number | null }[];
  }[];
  /** Secrets the file places whose values the lab does not know (cannot be searched for). */
  unknown: string[];
}

/** What the openssl-1.1.1 attack found for one clone (lab/predict.ts Prediction, as the app shows it). */
export interface CloneRecovery {
  vm: number;
  /** Counters tried for the clone's first output: its timer's unknown part. */
  searched: number;
  /** log2 of `searched`. */
  unknownBits: number;
  /** Counters whose output equals the clone's first output (1 unless values collide; 0: not found). */
  matches: number;
  /** The recovered low 32 bits of the clone's cycle counter at its first call. */
  recoveredCounter: number | null;
  /** The clone's first output, as the outputs table shows it (the search's target). */
  firstOutput: string;
  /** Candidates for the second output, computed before looking at it. */
  nextCandidates: number;
  nextRecovered: boolean;
  /** The second output as the outputs table shows it (the one the attack computed, when recovered). */
  nextOutput: string;
  /** Host milliseconds the search of this clone took. */
  ms: number;
}

/** The attack on one openssl-1.1.1 process of the last draw. */
export interface RecoveryView {
  /** The process (its index among the draw's libraries). */
  proc: number;
  consumer: Consumer;
  /** Clones in the draw, and how many the attack ran on (at most RECOVER_MAX_CLONES). */
  clones: number;
  attacked: number;
  /** Distinct first outputs among the attacked clones: why the values "look" unique. */
  distinctFirst: number;
  /** The unknown bits one call mixed in (the ledger's per-call bits). */
  perCallBits: number;
  results: CloneRecovery[];
  cancelled: boolean;
  ms: number;
}

/** Each openssl-1.1.1 process's first two outputs per clone, copied (index -> a two-draw view). */
function attackTargets(draw: DrawResult): Map<number, LibraryDraw> {
  const out = new Map<number, LibraryDraw>();
  for (const [i, lib] of draw.libraries.entries()) {
    if (lib.library !== 'openssl-1.1.1' || lib.draws < 2) continue;
    const row = 2 * lib.width;
    const bytes = new Uint8Array(lib.clones * row);
    for (let c = 0; c < lib.clones; c++)
      bytes.set(lib.bytes.subarray(c * lib.draws * lib.width, c * lib.draws * lib.width + row), c * row);
    out.set(i, { ...lib, draws: 2, bytes, groups: new Int32Array(0), pairs: new Uint32Array(0) });
  }
  return out;
}

function hostError(
  e: SessionError | LabError | { kind: string; message: string; field?: string },
): HostError {
  const cause = 'cause' in e ? (e.cause as { field?: string } | null) : null;
  const field = (e as { field?: string }).field ?? cause?.field;
  return field ? { kind: e.kind, message: e.message, field } : { kind: e.kind, message: e.message };
}

/** The manifests of the entries that have one. */
function manifests(entries: readonly GuestEntry[]): GuestManifest[] {
  return entries.flatMap((e) => (e.manifest ? [e.manifest] : []));
}

export class SessionHost {
  readonly lab: Lab;
  readonly catalog: GuestCatalog;
  private session: Session;
  private readonly files = new Map<string, { name: string; bytes: Uint8Array }>();
  /** The scenario step the lab stands at, and the log length that step left. */
  private scenario: { id: string; step: number; session: Session; mark: number } | null = null;
  private drawSent: DrawResult | null = null;
  /**
   * The first two outputs of each openssl-1.1.1 process of the last draw sent, kept before the
   * draw's bytes are transferred to the app (the attack's targets; a small copy).
   */
  private attackTargets: { draw: DrawResult; libs: Map<number, LibraryDraw> } | null = null;
  private matrixCore: Promise<CoreExports> | null = null;

  constructor(
    core: CoreExports,
    readonly guests: readonly GuestEntry[],
    private readonly loadMatrixCore: (() => Promise<CoreExports>) | null = null,
  ) {
    this.lab = new Lab(core);
    this.lab.budget = APP_BUDGET;
    this.catalog = catalogOf(manifests(guests));
    const first = this.catalog.get('default') ?? manifests(guests)[0];
    if (!first) throw new Error('the lab has no valid guest manifest');
    this.session = this.must(Session.open(this.lab, this.catalog, { guest: first.name }));
  }

  private must<T>(r: Result<T, SessionError>): T {
    if (r.ok) return r.value;
    throw new Error(r.error.message);
  }

  /** The session now. */
  get current(): Session {
    return this.session;
  }

  // --- the bundle ------------------------------------------------------------------------

  private sessionView(): SessionView {
    const s = this.session;
    return {
      settings: structuredClone(s.settings),
      initial: structuredClone(s.initial),
      log: structuredClone([...s.log]),
      lineage: structuredClone(s.lineage) as Lineage,
      drawing: s.drawingVms().map(Number),
      files: s.fileList().map(({ id, name }) => ({ id, name })),
    };
  }

  /** Keeps a selection pointing at live objects; picks sensible ones where it points nowhere. */
  reconcile(want: Partial<Selection>): Selection {
    const vms = this.lab.vms();
    const alive = new Set(vms.map((v) => v.id as number));
    const snaps = this.lab.snapshots().map((s) => s.id as number);
    const drawing = this.session.drawingVms().map(Number);
    const original = this.session.lineage.original;
    let vm = want.vm != null && alive.has(want.vm) ? want.vm : null;
    vm ??=
      drawing.find((v) => v !== original) ??
      (original !== null && alive.has(original) ? original : null) ??
      (vms[0]?.id as number | undefined) ??
      null;
    let compare =
      want.compare != null && alive.has(want.compare) && want.compare !== vm ? want.compare : null;
    if (compare === null && want.compare === undefined)
      compare = drawing.find((v) => v !== vm && v !== original) ?? null;
    const snapshot =
      want.snapshot != null && snaps.includes(want.snapshot)
        ? want.snapshot
        : (snaps[snaps.length - 1] ?? null);
    return { vm, compare, snapshot };
  }

  /** The bundle for a selection (the draw only when it changed since the last bundle). */
  bundle(want: Partial<Selection> = {}, forceDraw = false): LabBundle {
    const selection = this.reconcile(want);
    const { vm, compare } = selection;
    const e = this.lab.engine;
    const map = (a: number | null, b: number | null) =>
      a === null ? null : memoryMap(e, vmId(a), b === null ? null : vmId(b));
    const devices: DeviceView[] = [];
    for (const v of this.lab.vms().slice(0, DEVICE_ROWS)) {
      const d = this.lab.devices(v.id);
      if (d.ok) devices.push(d.value);
    }
    const timeline = vm === null ? null : this.lab.timeline(vmId(vm));
    const out: LabBundle = {
      fleet: { vms: this.lab.vms(), snapshots: this.lab.snapshots(), stats: this.lab.stats() },
      session: this.sessionView(),
      selection,
      maps: { a: map(vm, compare), b: map(compare, vm) },
      devices,
      timeline: timeline?.ok ? timeline.value : [],
    };
    const draw = this.session.lastDraw;
    if (forceDraw || draw !== this.drawSent) {
      out.draw = draw;
      this.drawSent = draw;
      if (draw && this.attackTargets?.draw !== draw) this.attackTargets = { draw, libs: attackTargets(draw) };
    }
    return out;
  }

  private answer<T>(
    want: Partial<Selection>,
    error: HostError | null,
    extra: T,
    forceDraw = false,
  ): HostAnswer<T> {
    return { bundle: this.bundle(want, forceDraw), error, extra };
  }

  // --- requests ----------------------------------------------------------------------------

  /**
   * Applies actions with the app's settings: a 'set' for what differs first. `fresh`: a new
   * session on a reset lab (Boot and Reset start one), so its link holds only what follows.
   */
  act(req: {
    settings: LabSettings | SettingsPatch;
    actions: Action[];
    fresh?: boolean;
    sel?: Partial<Selection>;
  }): HostAnswer {
    let sel = req.sel ?? {};
    if (req.fresh) {
      const opened = Session.open(this.lab, this.catalog, req.settings);
      if (!opened.ok) return this.answer(sel, hostError(opened.error), {});
      this.session = opened.value;
      for (const [id, f] of this.files)
        if (this.session.addFile(f.bytes, f.name) !== id) throw new Error('file id drift');
      this.scenario = null;
      sel = {};
    }
    const whole = { ...this.session.settings, ...req.settings } as LabSettings;
    for (const [i, a] of req.actions.entries()) {
      const r = i === 0 ? this.session.applyWith(whole, a) : this.session.apply(a);
      if (!r.ok) return this.answer(sel, hostError(r.error), {});
      if (r.value.snapshot !== undefined && (a.a === 'snapshot' || a.a === 'load'))
        sel = { ...sel, snapshot: r.value.snapshot };
      if (a.a === 'boot') sel = { vm: r.value.vms[0] ?? null };
      if (a.a === 'restore') sel = { ...sel, vm: r.value.vms[0] ?? null, compare: r.value.vms[1] ?? null };
    }
    if (req.actions.length === 0) {
      const diff = this.session.sync(whole);
      if (!diff.ok) return this.answer(sel, hostError(diff.error), {});
    }
    return this.answer(sel, null, {});
  }

  /** Restores n clones in batches (progress, cancel keeps finished batches; a failure leaves none). */
  async restore(
    req: { settings: LabSettings; snap?: number; n: number; sel?: Partial<Selection> },
    ctx: ChunkContext,
  ): Promise<HostAnswer<RestoreOutcome>> {
    const sel = req.sel ?? {};
    const extra: RestoreOutcome = { made: [], requested: req.n, cancelled: false };
    const s = this.session;
    const set = s.sync(req.settings);
    if (!set.ok) return this.answer(sel, hostError(set.error), extra);
    const snap = req.snap ?? s.latestSnapshot();
    if (snap === undefined)
      return this.answer(
        sel,
        { kind: 'NoSnapshot', message: 'restore: no snapshot to restore from: take one first' },
        extra,
      );
    // fail before the first batch if the whole fleet cannot fit (with the draw it will make):
    // no batch is made and undone
    const fleet = s.restoreFits(req.n, snap);
    if (!fleet.ok) return this.answer(sel, hostError(fleet.error.cause ?? fleet.error), extra);
    const fits = this.lab.restoreFits(snapshotId(snap), req.n, { lazy: s.settings.lazy });
    if (!fits.ok) return this.answer(sel, hostError(fits.error), extra);
    const explicit = req.snap !== undefined && req.snap !== s.latestSnapshot();
    ctx.progress(0, req.n);
    while (extra.made.length < req.n) {
      if (extra.made.length > 0) {
        await ctx.yieldNow();
        if (ctx.cancelled()) {
          extra.cancelled = true;
          break;
        }
      }
      const n = Math.min(RESTORE_BATCH, req.n - extra.made.length);
      const r = s.apply(explicit ? { a: 'restore', snap, n } : { a: 'restore', n });
      if (!r.ok) {
        for (const vm of [...extra.made].reverse()) s.apply({ a: 'destroy', vm });
        return this.answer(sel, hostError(r.error), { ...extra, made: [] });
      }
      extra.made.push(...r.value.vms);
      ctx.progress(extra.made.length, req.n);
    }
    return this.answer(
      {
        ...sel,
        vm: extra.made[0] ?? sel.vm ?? null,
        compare: extra.made[1] ?? sel.compare ?? null,
        snapshot: snap,
      },
      null,
      extra,
    );
  }

  /**
   * Rebuilds a lab from a history (a link, a saved session, the lab before a stopped draw): a
   * fresh session, then the actions in chunks. Cancelled or failed part-way: the lab goes back to
   * an empty session of the history's settings (nothing half-replayed stays).
   */
  async replay(
    req: {
      history: { settings: LabSettings; actions: Action[] };
      files?: { name: string; bytes: Uint8Array }[];
      sel?: Partial<Selection>;
      scenario?: { scenario: Scenario; step: number } | null;
    },
    ctx: ChunkContext,
  ): Promise<HostAnswer<{ cancelled: boolean; step: StepOutcomeView | null }>> {
    for (const f of req.files ?? []) this.files.set(fileId(f.bytes), { name: f.name, bytes: f.bytes });
    const opened = Session.open(this.lab, this.catalog, req.history.settings);
    if (!opened.ok) return this.answer({}, hostError(opened.error), { cancelled: false, step: null });
    const s = opened.value;
    for (const [, f] of this.files) s.addFile(f.bytes, f.name);
    this.session = s;
    this.scenario = null;
    const actions = req.history.actions;
    const giveUp = (error: HostError | null, cancelled: boolean) => {
      this.session = this.must(Session.open(this.lab, this.catalog, req.history.settings));
      for (const [, f] of this.files) this.session.addFile(f.bytes, f.name);
      return this.answer({}, error, { cancelled, step: null }, true);
    };
    // a history whose fleet or draw would not fit is refused before anything is replayed
    const plan = s.checkPlan(actions);
    if (!plan.ok) {
      const at = (plan.error.index ?? 0) + 1;
      const why = plan.error.cause?.message ?? plan.error.message;
      return giveUp(
        {
          kind: 'ReplayFailed',
          message: `action ${at} of ${actions.length} could not be replayed: ${plan.error.action}: ${why}`,
        },
        false,
      );
    }
    ctx.progress(0, actions.length);
    for (let i = 0; i < actions.length; i++) {
      if (i > 0 && i % REPLAY_CHUNK === 0) {
        await ctx.yieldNow();
        if (ctx.cancelled()) return giveUp(null, true);
      }
      const r = s.apply(actions[i]!);
      if (!r.ok)
        return giveUp(
          {
            kind: 'ReplayFailed',
            message: `action ${i + 1} of ${actions.length} could not be replayed: ${r.error.message}`,
          },
          false,
        );
      ctx.progress(i + 1, actions.length);
    }
    let step: StepOutcomeView | null = null;
    const at = req.scenario;
    if (at && at.scenario.steps[at.step]) {
      const st = at.scenario.steps[at.step]!;
      const secrets = stepWantsSecrets(st) ? s.secrets() : null;
      const found = secrets && secrets.ok ? secrets.value : null;
      const checks = checkExpectations(st.expect ?? [], { draw: s.lastDraw, secrets: found, sysgenid: null });
      step = {
        step: at.step,
        rebuilt: true,
        checks,
        ok: checks.every((c) => c.ok),
        secrets: found
          ? found.map((x) => ({ name: x.name, inSnapshot: x.inSnapshot, occurrences: x.occurrences }))
          : null,
      };
      this.scenario = { id: at.scenario.id, step: at.step, session: s, mark: s.log.length };
    }
    return this.answer(req.sel ?? {}, null, { cancelled: false, step }, true);
  }

  /** Shows a scenario step: runs it where the previous step left the lab, else rebuilds from step 1. */
  scenarioStep(req: {
    scenario: Scenario;
    step: number;
    mode: 'next' | 'to';
  }): HostAnswer<StepOutcomeView | null> {
    const sc = req.scenario;
    const m = this.scenario;
    const inPlace =
      req.mode === 'next' &&
      m !== null &&
      m.id === sc.id &&
      m.step === req.step - 1 &&
      m.session === this.session &&
      this.session.log.length === m.mark &&
      sc.steps[req.step] !== undefined;
    let outcome;
    if (inPlace) {
      const r = runScenarioStep(this.session, sc.steps[req.step]!);
      if (!r.ok) {
        this.scenario = null;
        return this.answer(
          {},
          hostError({ ...r.error, message: `step ${req.step + 1}: ${r.error.message}` }),
          null,
        );
      }
      outcome = r.value;
    } else {
      const r = runScenarioTo(this.lab, this.catalog, sc, req.step);
      if (!r.ok) {
        this.scenario = null;
        this.session = this.must(Session.open(this.lab, this.catalog, { guest: sc.guest }));
        return this.answer({}, hostError(r.error), null, true);
      }
      this.session = r.value.session;
      for (const [, f] of this.files) this.session.addFile(f.bytes, f.name);
      outcome = r.value.outcome;
    }
    this.scenario = { id: sc.id, step: req.step, session: this.session, mark: this.session.log.length };
    return this.answer({}, null, {
      step: req.step,
      rebuilt: !inPlace,
      checks: outcome.checks,
      ok: outcome.ok,
      secrets:
        outcome.secrets?.map((x) => ({
          name: x.name,
          inSnapshot: x.inSnapshot,
          occurrences: x.occurrences,
        })) ?? null,
    });
  }

  /** Views for another selection (no change to the lab). */
  views(sel: Partial<Selection>): LabBundle {
    return this.bundle(sel);
  }

  /** One page of a VM, decoded, with its first bytes. */
  pageInfo(vm: number, page: number) {
    const r = this.lab.pageInfo(vmId(vm), pageNo(page));
    if (!r.ok) return { ok: false as const, error: hostError(r.error) };
    const i = r.value;
    return {
      ok: true as const,
      value: {
        vm,
        page,
        role: i.role,
        present: i.present,
        frame: i.frame as number,
        dirty: i.dirty,
        wipeOnFork: i.wipeOnFork,
        wipeOnSuspend: i.wipeOnSuspend,
        dontDump: i.dontDump,
        wiped: i.wiped,
        frameRefcount: i.frameRefcount,
        leafSharers: i.leafSharers,
        mappedBy: i.mappedBy,
        hex: i.hex,
      },
    };
  }

  /** Takes a person's snapshot file: checked whole before anything else; its id and facts. */
  addFile(bytes: Uint8Array, name: string): { ok: true; value: FileView } | { ok: false; error: HostError } {
    const decoded = decodeSnapshotFile(bytes);
    if (!decoded.ok) return { ok: false, error: hostError(decoded.error) };
    const id = this.session.addFile(bytes, name);
    this.files.set(id, { name, bytes });
    const m = decoded.value.meta;
    return {
      ok: true,
      value: {
        id,
        name,
        guest: m.guest,
        description: m.description,
        layers: decoded.value.layers.length,
        memoryMiB: m.memoryMiB,
        seed: m.seed,
        checksum: decoded.value.checksum,
        bytes: decoded.value.bytes,
      },
    };
  }

  /** A snapshot (with its diff chain) as a file. */
  exportSnapshot(snap: number) {
    const content = snapshotFileContent(this.lab, snapshotId(snap));
    if (!content.ok) return { ok: false as const, error: hostError(content.error) };
    const bytes = encodeSnapshotFileContent(content.value);
    const decoded = decodeSnapshotFile(bytes);
    return {
      ok: true as const,
      value: {
        snapshot: snap,
        bytes,
        guest: content.value.meta.guest,
        layers: content.value.layers.length,
        checksum: decoded.ok ? decoded.value.checksum : '',
      },
    };
  }

  /** Which secrets' bytes a snapshot's file holds, searched as someone holding the file would. */
  scanSecrets(snap: number): { ok: true; value: SecretScanView } | { ok: false; error: HostError } {
    const file = this.exportSnapshot(snap);
    if (!file.ok) return file;
    const decoded = decodeSnapshotFile(file.value.bytes);
    if (!decoded.ok) return { ok: false, error: hostError(decoded.error) };
    const reports = this.lab.secrets(snapshotId(snap));
    if (!reports.ok) return { ok: false, error: hostError(reports.error) };
    const specs: SecretSpec[] = reports.value.map((r) => ({
      name: r.name,
      hex: r.hex,
      wipeOnSuspend: r.wipeOnSuspend,
    }));
    const { meta, layers } = decoded.value;
    const searched = new Set(specs.map((s) => s.name));
    return {
      ok: true,
      value: {
        snapshot: snap,
        fileBytes: file.value.bytes.length,
        guest: meta.guest,
        kernelWipeOnSuspend: meta.kernel.wipeOnSuspend,
        wipedPages: layers.reduce((n, l) => n + l.wipedPages, 0),
        secrets: scanSecrets(file.value.bytes, specs, decoded.value).map((s) => ({
          name: s.name,
          wipeOnSuspend: s.wipeOnSuspend,
          inFile: s.inFile,
          occurrences: s.occurrences,
          hits: s.hits,
        })),
        unknown: meta.secrets.filter((s) => !searched.has(s.name)).map((s) => s.name),
      },
    };
  }

  /** Every library against every configuration, on the second core; progress per column. */
  async matrix(
    args: { guest: string } & Omit<MatrixOptions, 'onProgress' | 'yieldNow' | 'cancelled'>,
    ctx: ChunkContext,
  ): Promise<{ ok: true; value: Matrix } | { ok: false; error: HostError }> {
    if (!this.loadMatrixCore)
      return {
        ok: false,
        error: { kind: 'Unavailable', message: 'this lab has no second core for the matrix' },
      };
    const core = await (this.matrixCore ??= this.loadMatrixCore());
    ctx.progress(0, 1);
    const { guest, ...opts } = args;
    const m = await computeMatrix(
      this.catalog,
      guest,
      {
        ...opts,
        onProgress: (done, total) => ctx.progress(done, total),
        yieldNow: () => ctx.yieldNow(),
        cancelled: () => ctx.cancelled(),
      },
      core,
    );
    return m.ok ? m : { ok: false, error: hostError(m.error) };
  }

  /**
   * "Predictable", shown: the attack of lab/predict.ts on process `proc` of the last draw, one
   * clone at a time (progress and cancel between clones). It reads only what the snapshot holds
   * and the clone's outputs; it refuses a draw it cannot attack (not openssl-1.1.1, fewer than two
   * draws, clones that drew before, VMs gone since).
   */
  async recoverOutputs(
    req: { proc: number },
    ctx: ChunkContext,
  ): Promise<{ ok: true; value: RecoveryView } | { ok: false; error: HostError }> {
    const refuse = (message: string) => ({
      ok: false as const,
      error: { kind: 'InvalidValue', field: 'recover', message },
    });
    const draw = this.session.lastDraw;
    if (!draw) return refuse('there is no draw to attack: press Draw first');
    const lib = draw.libraries[req.proc];
    if (!lib) return refuse(`the last draw has no process ${req.proc + 1}`);
    if (lib.library !== 'openssl-1.1.1')
      return refuse(
        `the attack searches OpenSSL 1.1.1's per-call timer; ${lib.library} mixes no such input into a shared state`,
      );
    if (lib.draws < 2)
      return refuse(
        `the attack needs two draws per clone (it finds the first and predicts the second); this draw made ${lib.draws}`,
      );
    const log = this.session.log;
    const last = log.findLastIndex((a) => a.a === 'draw');
    const since = log
      .slice(0, last)
      .findLastIndex((a) => a.a === 'restore' || a.a === 'load' || a.a === 'boot');
    if (log.slice(since + 1, last).some((a) => a.a === 'draw'))
      return refuse(
        "the clones drew before this draw: the attack starts from the snapshot's state, so it needs their first draw after Restore",
      );
    const targets = this.attackTargets?.draw === draw ? this.attackTargets.libs.get(req.proc) : undefined;
    if (!targets) return refuse('the outputs of this draw are no longer held: press Draw again');
    const vms = new Map(this.lab.vms().map((v) => [v.id as number, v]));
    const gone = draw.vms.find((v) => !vms.has(v));
    if (gone !== undefined) return refuse(`vm ${gone} of this draw is gone: press Draw again`);
    const latest = this.session.latestSnapshot();
    const attacked = Math.min(draw.vms.length, RECOVER_MAX_CLONES);
    const results: CloneRecovery[] = [];
    const t0 = performance.now();
    let cancelled = false;
    ctx.progress(0, attacked);
    for (let c = 0; c < attacked; c++) {
      if (c > 0) {
        await ctx.yieldNow();
        if (ctx.cancelled()) {
          cancelled = true;
          break;
        }
      }
      const vm = draw.vms[c]!;
      const snap = vms.get(vm)!.restoredFrom ?? latest;
      if (snap === undefined)
        return refuse(`vm ${vm} comes from no snapshot: there is nothing to attack from`);
      const one: LibraryDraw = {
        ...targets,
        clones: 1,
        bytes: targets.bytes.subarray(c * 2 * lib.width, (c + 1) * 2 * lib.width),
      };
      const t = performance.now();
      const p = predictOpenssl(this.lab.engine, snapshotId(snap), [vmId(vm)], req.proc, one);
      const ms = performance.now() - t;
      if (!p.ok) return { ok: false, error: hostError(p.error) };
      const r = p.value[0]!;
      results.push({
        vm,
        searched: r.searched,
        unknownBits: r.unknownBits,
        matches: r.matches,
        recoveredCounter: r.recoveredCounter,
        firstOutput: outputText(targets, c, 0),
        nextCandidates: r.nextCandidates,
        nextRecovered: r.nextRecovered,
        nextOutput: outputText(targets, c, 1),
        ms,
      });
      ctx.progress(c + 1, attacked);
    }
    return {
      ok: true,
      value: {
        proc: req.proc,
        consumer: lib.consumer,
        clones: draw.vms.length,
        attacked,
        distinctFirst: new Set(results.map((r) => r.firstOutput)).size,
        perCallBits: lib.perCallBits,
        results,
        cancelled,
        ms: performance.now() - t0,
      },
    };
  }

  /**
   * The model's prediction for the real kernel's clones (real/model.ts), on the second core: the
   * lab's session is not touched.
   */
  async predictReal(req: {
    uptimeS: number;
    clones: number;
    readIntervalS: number;
    horizonS: number;
  }): Promise<{ ok: true; value: ModelPrediction } | { ok: false; error: HostError }> {
    if (!this.loadMatrixCore)
      return {
        ok: false,
        error: {
          kind: 'Unavailable',
          message: 'this lab has no second core for the model of the real kernel',
        },
      };
    const core = await (this.matrixCore ??= this.loadMatrixCore());
    const p = predictRealDivergence(core, req);
    return p.ok ? p : { ok: false, error: { kind: 'InvalidValue', field: 'model', message: p.error } };
  }

  /** TEST ONLY: caps the core's frames (0 lifts the cap). */
  setFrameLimit(frames: number): number {
    this.lab.engine.setFrameLimit(frames);
    return this.lab.stats().frameLimit;
  }
}
