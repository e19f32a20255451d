// The one executor of lab actions: scenario steps, permalink replays and (through the same
// functions) the app's buttons apply settings and actions to a Lab here, so a step shown on a
// projector, a link opened later and a test in Node all do exactly the same core calls.
//
// Usage:
//   const state = createScenarioState(guest);            // guest: a checked GuestManifest
//   const out = runScenarioStep(lab, state, step);       // Result<StepOutcome, ScenarioRunError>
//   out.value.draw / .snapshots / .vms / .checks          // what happened, and each claim checked
//   runAction(lab, state, { a: 'restore', n: 4 })         // one action (a button press)
//   runScenarioTo(lab, guest, scenario, k)                // fresh session at step k (step back, jump)
//
// Invariants:
// - `state` is the session of one lineage, mutated in place by the executor and by nothing else.
//   It is plain data (ids, numbers, settings), safe to structuredClone or post from a worker.
// - state.actions is the log of every action that SUCCEEDED, with settings changes as 'set'
//   entries and counts resolved (a bare 'restore' is logged as { a: 'restore', n: 4 }): replaying
//   state.initial + state.actions on a fresh lab repeats the same core calls, so the same outputs.
// - A failed action changes neither the state nor (by the Lab's own contract) existing VMs; the
//   actions before it in the same step stay done.
// - The Lab is deterministic given the seed: no clock, no Math.random here.

import { SysGenIdDevice, sysgenidFd, type SysGenIdError } from '../devices/sysgenid';
import type { CoreExports } from '../load/instantiate';
import type { DrawResult, LabApi, LabError } from '../lab/api';
import type { GuestManifest, LibraryId, LibraryReport, SecretReport } from '../lab/types';
import { analyseOutputs, verdictOf, type Verdict } from '../matrix/verdict';
import { err, ok, type Result, type SnapshotId, type VmId } from '../types';
import {
  DEFAULT_SETTINGS,
  type Action,
  type ActionName,
  type Expect,
  type LabSettings,
  type Step,
} from './types';

/** Default number of heap pages a bare 'touch' writes (the app's default). */
export const DEFAULT_TOUCH_PAGES = 64;
/** Default WAIT_WATCHERS timeout of a bare 'sysgenid-wait', ms. */
export const DEFAULT_WAIT_MS = 100;

/** What the executor needs of a lab: the LabApi, plus the core for /dev/sysgenid actions (the Lab class has it). */
export type ScenarioLab = LabApi & { readonly core?: CoreExports };

/** The executor's session: one guest, its settings, its lineage and the action log. */
export interface ScenarioState {
  guest: GuestManifest;
  /** Settings before the first logged action (what a permalink stores). */
  initial: LabSettings;
  /** Settings in effect now: initial plus every 'set' since. */
  settings: LabSettings;
  /** Every successful action, counts resolved; 'set' entries for settings changes. */
  actions: Action[];
  /** The booted VM of the current lineage. */
  original: VmId | null;
  /** The original was resumed after its latest snapshot (it draws as one more clone). */
  resumed: boolean;
  /** Snapshots of the current lineage, oldest first; restores use the last. */
  snapshots: SnapshotId[];
  /** Clones restored from `cloneSource`. */
  clones: VmId[];
  cloneSource: SnapshotId | null;
  /** Tracked /dev/sysgenid fds per VM (a clone inherits its snapshot's). */
  watchers: Record<number, number[]>;
  /** Tracked fds of the original at each snapshot. */
  snapshotWatchers: Record<number, number[]>;
  /** The overseer's /dev/sysgenid fd per VM. */
  overseers: Record<number, number>;
  lastDraw: DrawResult | null;
  /** The core's VM and snapshot id counters before the first logged action (see LabState.origin). */
  origin: { vm: number; snapshot: number } | null;
}

/** Settings with every default filled (what the executor actually uses). */
export interface ResolvedSettings {
  libraries: LibraryId[] | null;
  consumer: LabSettings['consumer'] | null;
  memoryMiB: number;
  seed: number;
  clones: number;
  draws: number;
  notifyDelayUs: number;
  drawIntervalUs: number;
  snapshot: 'full' | 'diff';
}

/** The /dev/sysgenid facts of one VM after a SysGenId action; `result` for WAIT_WATCHERS. */
export interface SysGenIdOutcome {
  vm: VmId;
  counter: number;
  watchers: number;
  outdated: number;
  /** 'ok', 'Blocked' or an errno name ('ETIMEDOUT'); only for sysgenid-wait. */
  result?: string;
  message?: string;
}

/** What one action did. */
export interface ActionOutcome {
  /** The action as logged (counts resolved). */
  action: Action;
  /** VMs the action created or acted on. */
  vms: VmId[];
  snapshot?: SnapshotId;
  draw?: DrawResult;
  sysgenid?: SysGenIdOutcome[];
}

/** One claim of a step's `expect`, checked. */
export interface ExpectCheck {
  /** The claim in words ("vdso: duplicates 0"). */
  claim: string;
  ok: boolean;
  /** What the lab showed ("duplicates 12"). */
  got: string;
}

/** What a step did, and whether its claims hold. */
export interface StepOutcome {
  actions: ActionOutcome[];
  /** The step's last draw, or null if it drew nothing. */
  draw: DrawResult | null;
  /** The lineage's snapshots after the step, oldest first. */
  snapshots: SnapshotId[];
  /** The VMs that draw now (clones, plus the original if resumed). */
  vms: VmId[];
  original: VmId | null;
  /** Secrets in the latest snapshot's file, when the step highlights or expects them. */
  secrets: SecretReport[] | null;
  /** The step's last SysGenId action's per-VM facts. */
  sysgenid: SysGenIdOutcome[] | null;
  checks: ExpectCheck[];
  /** Every claim holds (true when the step claims nothing). */
  ok: boolean;
}

export interface ScenarioRunError {
  kind: 'ActionFailed';
  action: ActionName;
  /** Index of the action in the step (null for a lone action). */
  index: number | null;
  message: string;
  /** The lab's or the device's own error, if one caused this. */
  cause: LabError | SysGenIdError | null;
}

/** A fresh session for a guest; `initial` settings apply before the first action. */
export function createScenarioState(guest: GuestManifest, initial: LabSettings = {}): ScenarioState {
  return {
    guest,
    initial: structuredClone(initial),
    settings: structuredClone(initial),
    actions: [],
    original: null,
    resumed: false,
    snapshots: [],
    clones: [],
    cloneSource: null,
    watchers: {},
    snapshotWatchers: {},
    overseers: {},
    lastDraw: null,
    origin: null,
  };
}

/** The settings with defaults filled in (the guest's memory size, DEFAULT_SETTINGS for the rest). */
export function resolveSettings(guest: GuestManifest, s: LabSettings): ResolvedSettings {
  return {
    libraries: s.libraries ? [...s.libraries] : null,
    consumer: s.consumer ?? null,
    memoryMiB: s.memoryMiB ?? guest.memoryMiB,
    seed: s.seed ?? DEFAULT_SETTINGS.seed,
    clones: s.clones ?? DEFAULT_SETTINGS.clones,
    draws: s.draws ?? DEFAULT_SETTINGS.draws,
    notifyDelayUs: s.notifyDelayUs ?? DEFAULT_SETTINGS.notifyDelayUs,
    drawIntervalUs: s.drawIntervalUs ?? DEFAULT_SETTINGS.drawIntervalUs,
    snapshot: s.snapshot ?? DEFAULT_SETTINGS.snapshot,
  };
}

/** The guest as it boots under the settings: kernel overrides applied, memory size set. */
export function bootManifest(guest: GuestManifest, s: LabSettings): GuestManifest {
  const k = { ...guest.kernel };
  if (s.vmgenid !== undefined) k.vmgenid = s.vmgenid;
  if (s.wipeOnSuspend !== undefined) k.wipeOnSuspend = s.wipeOnSuspend;
  if (s.vdsoGetrandom !== undefined) k.vdsoGetrandom = s.vdsoGetrandom;
  if (s.agentReseed !== undefined) k.agentReseed = s.agentReseed;
  if (s.agentDelayUs !== undefined) k.agentDelayUs = s.agentDelayUs;
  if (s.sysgenid === true) k.sysgenid = k.sysgenid === 'off' ? 'vmgenid' : k.sysgenid;
  else if (s.sysgenid === false) k.sysgenid = 'off';
  else if (s.sysgenid !== undefined) k.sysgenid = s.sysgenid;
  return { ...guest, kernel: k, memoryMiB: s.memoryMiB ?? guest.memoryMiB };
}

/** Merges a partial settings change into settings (a fresh object; arrays copied). */
export function mergeSettings(base: LabSettings, change: LabSettings): LabSettings {
  const out: LabSettings = structuredClone(base);
  for (const [k, v] of Object.entries(change)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = structuredClone(v);
  }
  return out;
}

/** The VMs a draw (or a SysGenId action) acts on: the clones, the original if resumed, else the running original. */
export function drawingVms(state: ScenarioState): VmId[] {
  const vms = [...state.clones];
  if (state.original !== null && state.resumed) vms.push(state.original);
  if (vms.length === 0 && state.original !== null && !state.snapshots.length) vms.push(state.original);
  return vms;
}

function fail(action: ActionName, message: string, cause: LabError | SysGenIdError | null = null) {
  return err<ScenarioRunError>({
    kind: 'ActionFailed',
    action,
    index: null,
    message: `${action}: ${message}`,
    cause,
  });
}

function fromLab<T>(action: ActionName, r: Result<T, LabError>): Result<T, ScenarioRunError> {
  return r.ok ? r : fail(action, r.error.message, r.error);
}

function device(lab: ScenarioLab, action: ActionName, vm: VmId): Result<SysGenIdDevice, ScenarioRunError> {
  if (!lab.core) return fail(action, 'this lab does not expose its core, so /dev/sysgenid cannot be reached');
  return ok(new SysGenIdDevice(lab.core, vm));
}

function facts(dev: SysGenIdDevice): Omit<SysGenIdOutcome, 'result' | 'message'> {
  const n = (r: Result<number, SysGenIdError>) => (r.ok ? r.value : 0);
  return { vm: dev.vm, counter: n(dev.counter()), watchers: n(dev.watchers()), outdated: n(dev.outdated()) };
}

function resetLineage(state: ScenarioState): void {
  state.original = null;
  state.resumed = false;
  state.snapshots = [];
  state.clones = [];
  state.cloneSource = null;
  state.watchers = {};
  state.snapshotWatchers = {};
  state.overseers = {};
  state.lastDraw = null;
}

/** SysGenId actions on every target VM; the per-VM facts afterwards. */
function sysgenidAction(
  lab: ScenarioLab,
  state: ScenarioState,
  action: Extract<Action, { a: `sysgenid-${string}` }>,
): Result<ActionOutcome, ScenarioRunError> {
  const name = action.a;
  const targets = drawingVms(state);
  if (targets.length === 0) return fail(name, 'no running VM: boot (and restore clones) first');
  const devs: SysGenIdDevice[] = [];
  for (const vm of targets) {
    const d = device(lab, name, vm);
    if (!d.ok) return d;
    const c = d.value.counter();
    if (!c.ok) return fail(name, c.error.message, c.error);
    devs.push(d.value);
  }
  const out: SysGenIdOutcome[] = [];
  for (const dev of devs) {
    const vm = dev.vm;
    if (name === 'sysgenid-track') {
      const fd = dev.open();
      if (!fd.ok) return fail(name, fd.error.message, fd.error);
      const t = dev.setTracking(fd.value, true);
      if (!t.ok) return fail(name, t.error.message, t.error);
      state.watchers[vm] = [...(state.watchers[vm] ?? []), fd.value];
      out.push(facts(dev));
    } else if (name === 'sysgenid-ack') {
      for (const fd of state.watchers[vm] ?? []) {
        const v = dev.read(sysgenidFd(fd));
        if (!v.ok) {
          // already acknowledged: a blocking read would sleep, a non-blocking one says EAGAIN
          if (v.error.kind === 'Blocked' || (v.error.kind === 'Errno' && v.error.errno === 'EAGAIN'))
            continue;
          return fail(name, v.error.message, v.error);
        }
        const w = dev.write(sysgenidFd(fd), v.value);
        if (!w.ok) return fail(name, w.error.message, w.error);
      }
      out.push(facts(dev));
    } else {
      let fd = state.overseers[vm];
      if (fd === undefined) {
        const o = dev.open();
        if (!o.ok) return fail(name, o.error.message, o.error);
        fd = state.overseers[vm] = o.value;
      }
      if (name === 'sysgenid-trigger') {
        const t = dev.trigger(sysgenidFd(fd));
        if (!t.ok) return fail(name, t.error.message, t.error);
        out.push(facts(dev));
      } else {
        const w = dev.waitWatchers(
          sysgenidFd(fd),
          action.a === 'sysgenid-wait' ? (action.ms ?? DEFAULT_WAIT_MS) : 0,
        );
        if (w.ok) out.push({ ...facts(dev), result: 'ok' });
        else if (w.error.kind === 'Blocked')
          out.push({ ...facts(dev), result: 'Blocked', message: w.error.message });
        else if (w.error.kind === 'Errno' && (w.error.errno === 'ETIMEDOUT' || w.error.errno === 'EINTR'))
          out.push({ ...facts(dev), result: w.error.errno, message: w.error.message });
        else return fail(name, w.error.message, w.error);
      }
    }
  }
  const logged: Action =
    name === 'sysgenid-wait'
      ? { a: name, ms: action.a === 'sysgenid-wait' ? (action.ms ?? DEFAULT_WAIT_MS) : 0 }
      : { a: name };
  return ok({ action: logged, vms: targets, sysgenid: out });
}

function step(
  lab: ScenarioLab,
  state: ScenarioState,
  action: Action,
): Result<ActionOutcome, ScenarioRunError> {
  const s = resolveSettings(state.guest, state.settings);
  switch (action.a) {
    case 'set': {
      state.settings = mergeSettings(state.settings, action.s);
      return ok({ action: { a: 'set', s: structuredClone(action.s) }, vms: [] });
    }
    case 'reset': {
      lab.reset();
      resetLineage(state);
      return ok({ action, vms: [] });
    }
    case 'boot': {
      const booted = lab.boot(bootManifest(state.guest, state.settings), {
        seed: s.seed,
        ...(s.libraries ? { libraries: s.libraries } : {}),
        ...(s.consumer ? { consumer: s.consumer } : {}),
      });
      if (!booted.ok) return fromLab('boot', booted);
      resetLineage(state);
      state.original = booted.value;
      return ok({ action, vms: [booted.value] });
    }
    case 'snapshot': {
      if (state.original === null) return fail('snapshot', 'no booted VM to snapshot: boot first');
      const t = action.t ?? s.snapshot;
      const snap = lab.snapshot(state.original, t);
      if (!snap.ok) return fromLab('snapshot', snap);
      state.snapshots.push(snap.value);
      state.snapshotWatchers[snap.value] = [...(state.watchers[state.original] ?? [])];
      state.resumed = false;
      return ok({ action: { a: 'snapshot', t }, vms: [state.original], snapshot: snap.value });
    }
    case 'restore': {
      const snap = state.snapshots[state.snapshots.length - 1];
      if (snap === undefined) return fail('restore', 'no snapshot to restore from: take one first');
      const n = action.n ?? s.clones;
      const r = lab.restore(snap, n, { notifyDelayUs: s.notifyDelayUs });
      if (!r.ok) return fromLab('restore', r);
      state.clones = state.cloneSource === snap ? [...state.clones, ...r.value] : [...r.value];
      state.cloneSource = snap;
      for (const vm of r.value) state.watchers[vm] = [...(state.snapshotWatchers[snap] ?? [])];
      return ok({ action: { a: 'restore', n }, vms: r.value, snapshot: snap });
    }
    case 'resume': {
      if (state.original === null) return fail('resume', 'no booted VM to resume: boot first');
      const r = lab.resume(state.original, { notifyDelayUs: s.notifyDelayUs });
      if (!r.ok) return fromLab('resume', r);
      state.resumed = true;
      return ok({ action, vms: [state.original] });
    }
    case 'draw': {
      const vms = drawingVms(state);
      if (vms.length === 0) return fail('draw', 'no running VM to draw from: boot, or restore clones');
      const n = action.n ?? s.draws;
      const d = lab.draw(vms, n, { intervalUs: s.drawIntervalUs });
      if (!d.ok) return fromLab('draw', d);
      state.lastDraw = d.value;
      return ok({ action: { a: 'draw', n }, vms, draw: d.value });
    }
    case 'touch': {
      const running = new Set(
        lab
          .vms()
          .filter((v) => v.state === 'running')
          .map((v) => v.id as number),
      );
      const vm =
        state.original !== null && running.has(state.original) ? state.original : drawingVms(state)[0];
      if (vm === undefined) return fail('touch', 'no running VM to write to: boot, resume or restore first');
      const n = action.n ?? DEFAULT_TOUCH_PAGES;
      const r = lab.touchPages(vm, n);
      if (!r.ok) return fromLab('touch', r);
      return ok({ action: { a: 'touch', n }, vms: [vm] });
    }
    case 'fork': {
      const vms = drawingVms(state);
      if (vms.length === 0) return fail('fork', 'no running VM to fork in: boot first');
      const p = action.p ?? 0;
      for (const vm of vms) {
        const r = lab.fork(vm, p);
        if (!r.ok) return fromLab('fork', r);
      }
      return ok({ action: { a: 'fork', p }, vms });
    }
    default:
      return sysgenidAction(lab, state, action);
  }
}

/** Runs one action against the lab, updating and logging the session on success. */
export function runAction(
  lab: ScenarioLab,
  state: ScenarioState,
  action: Action,
): Result<ActionOutcome, ScenarioRunError> {
  if (state.actions.length === 0 && lab.core)
    state.origin = { vm: lab.core.vmIdsIssued(), snapshot: lab.core.snapshotIdsIssued() };
  const r = step(lab, state, action);
  if (r.ok) state.actions.push(r.value.action);
  return r;
}

function formatNs(n: number): string {
  return `${Math.round(n * 10) / 10} ns`;
}

/** Checks a step's claims against what the step (or, for draws, the session) shows. */
export function checkExpectations(
  expects: readonly Expect[],
  ctx: { draw: DrawResult | null; secrets: SecretReport[] | null; sysgenid: SysGenIdOutcome[] | null },
): ExpectCheck[] {
  const checks: ExpectCheck[] = [];
  for (const e of expects) {
    const libs = ctx.draw?.libraries ?? [];
    const lib: LibraryReport | undefined =
      e.process !== undefined
        ? libs[e.process]
        : e.library
          ? libs.find((l) => l.library === e.library)
          : libs[0];
    const libName = e.library ?? lib?.library ?? 'the first library';
    const name = e.process !== undefined ? `${libName} (process ${e.process})` : libName;
    if (e.process !== undefined && lib && e.library && lib.library !== e.library) {
      checks.push({ claim: `process ${e.process} runs ${e.library}`, ok: false, got: lib.library });
      continue;
    }
    const drawClaim = (claim: string, test: (l: LibraryReport) => [boolean, string]) => {
      if (!lib) {
        const why = ctx.draw ? `${name} did not draw` : 'nothing was drawn yet';
        checks.push({ claim, ok: false, got: why });
      } else {
        const [good, got] = test(lib);
        checks.push({ claim, ok: good, got });
      }
    };
    if (e.duplicates !== undefined)
      drawClaim(`${name}: duplicates ${e.duplicates}`, (l) => [
        e.duplicates === '0' ? l.duplicates === 0 : l.duplicates > 0,
        `duplicates ${l.duplicates}`,
      ]);
    if (e.verdict !== undefined)
      drawClaim(`${name}: ${e.verdict}`, (l) => {
        const v: Verdict = verdictOf(analyseOutputs(l.outputs));
        return [v === e.verdict, v];
      });
    if (e.nsPerCall !== undefined) {
      const { min, max } = e.nsPerCall;
      const bounds = [
        min !== undefined ? `>= ${formatNs(min)}` : '',
        max !== undefined ? `<= ${formatNs(max)}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      drawClaim(`${name}: ns per call ${bounds}`, (l) => [
        (min === undefined || l.nsPerCall >= min) && (max === undefined || l.nsPerCall <= max),
        formatNs(l.nsPerCall),
      ]);
    }
    if (e.secretInSnapshot !== undefined) {
      const { name: secret, present } = e.secretInSnapshot;
      const claim = `secret ${secret} ${present ? 'is' : 'is not'} in the snapshot file`;
      const s = ctx.secrets?.find((x) => x.name === secret);
      if (!ctx.secrets) checks.push({ claim, ok: false, got: 'no snapshot yet' });
      else if (!s) checks.push({ claim, ok: false, got: `the guest has no secret named ${secret}` });
      else
        checks.push({
          claim,
          ok: s.inSnapshot === present,
          got: s.inSnapshot ? `found at ${s.offsets.length} offset(s)` : 'absent',
        });
    }
    if (e.waitWatchers !== undefined) {
      const claim = `WAIT_WATCHERS returns ${e.waitWatchers}`;
      const results = ctx.sysgenid?.map((x) => x.result).filter((x) => x !== undefined) ?? [];
      if (results.length === 0) checks.push({ claim, ok: false, got: 'no WAIT_WATCHERS in this step' });
      else
        checks.push({
          claim,
          ok: results.every((r) => r === e.waitWatchers),
          got: [...new Set(results)].join(', '),
        });
    }
  }
  return checks;
}

/**
 * Applies a step: its `state` (logged as a 'set'), then its actions in order, then checks its
 * claims. Stops at the first failing action (earlier actions stay done).
 */
export function runScenarioStep(
  lab: ScenarioLab,
  state: ScenarioState,
  step: Step,
): Result<StepOutcome, ScenarioRunError> {
  const done: ActionOutcome[] = [];
  if (step.state && Object.keys(step.state).length > 0) {
    const r = runAction(lab, state, { a: 'set', s: step.state });
    if (!r.ok) return r;
  }
  let draw: DrawResult | null = null;
  let sysgenid: SysGenIdOutcome[] | null = null;
  for (const [index, action] of (step.actions ?? []).entries()) {
    const r = runAction(lab, state, action);
    if (!r.ok) {
      const where = `step action ${index + 1} of ${step.actions!.length}`;
      return err({ ...r.error, index, message: `${where}, ${r.error.message}` });
    }
    done.push(r.value);
    if (r.value.draw) draw = r.value.draw;
    if (r.value.sysgenid) sysgenid = r.value.sysgenid;
  }
  const expects = step.expect ?? [];
  const wantsSecrets = step.highlight === 'secrets' || expects.some((e) => e.secretInSnapshot);
  const latest = state.snapshots[state.snapshots.length - 1];
  let secrets: SecretReport[] | null = null;
  if (wantsSecrets && latest !== undefined) {
    const r = lab.secrets(latest);
    if (!r.ok) return fail('snapshot', `cannot search the snapshot file: ${r.error.message}`, r.error);
    secrets = r.value;
  }
  const checks = checkExpectations(expects, { draw: draw ?? state.lastDraw, secrets, sysgenid });
  return ok({
    actions: done,
    draw,
    snapshots: [...state.snapshots],
    vms: drawingVms(state),
    original: state.original,
    secrets,
    sysgenid,
    checks,
    ok: checks.every((c) => c.ok),
  });
}

/** A session rebuilt up to a step, and that step's outcome. */
export interface ScenarioPosition {
  session: ScenarioState;
  /** The outcome of step `step` (the last one run). */
  outcome: StepOutcome;
  step: number;
}

/**
 * Resets the lab and runs steps 0..step of a scenario in a fresh session: how a presenter steps
 * back or jumps, since a lab cannot run backwards. Stops at the first failing step.
 */
export function runScenarioTo(
  lab: ScenarioLab,
  guest: GuestManifest,
  scenario: { steps: readonly Step[] },
  step: number,
): Result<ScenarioPosition, ScenarioRunError & { step: number }> {
  if (!Number.isInteger(step) || step < 0 || step >= scenario.steps.length) {
    const message = `step: expected a whole number from 0 to ${scenario.steps.length - 1}, got ${step}`;
    return err({ kind: 'ActionFailed', action: 'reset', index: null, message, cause: null, step });
  }
  lab.reset();
  const session = createScenarioState(guest);
  let outcome: StepOutcome | null = null;
  for (let i = 0; i <= step; i++) {
    const r = runScenarioStep(lab, session, scenario.steps[i]!);
    if (!r.ok) return err({ ...r.error, message: `step ${i + 1}: ${r.error.message}`, step: i });
    outcome = r.value;
  }
  return ok({ session, outcome: outcome!, step });
}
