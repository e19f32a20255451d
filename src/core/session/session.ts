// The ONE executor of lab actions. The app's buttons, scenario steps, permalinks, saved sessions,
// the CLI's runs, the matrix's columns and snapshot-file runs are all lists of actions applied to
// a Session, so a step on a projector, a link opened later, a test in Node and a CLI run do
// exactly the same core calls, in the same order, on the same settings.
//
// Usage:
//   const s = Session.open(lab, catalog, settings);     // resets the lab: a fresh lineage
//   s.apply({ a: 'boot' }); s.apply({ a: 'snapshot' }); s.apply({ a: 'restore', n: 4 });
//   const d = s.apply({ a: 'draw', n: 16 });             // d.value.draw: outputs as bytes
//   s.initial, s.log                                     // the whole history: replay() repeats it
//
// Invariants:
// - The log is the only history: every action that succeeded, in order, counts resolved; a
//   failed action changes neither the log nor the lineage (the Lab's own calls are all or nothing).
// - A session starts on a reset lab, so VM and snapshot ids start at 0 and a replay of
//   (initial, log) on another reset lab names the same objects and, since host entropy is keyed by
//   each clone's place in the lineage, draws the same bytes.
// - No clock, no Math.random: the lab is deterministic given its settings and actions.

import { Lab } from '../lab/lab';
import type { LabError } from '../lab/api';
import { CONSUMER_BYTES, type DrawResult, type GuestManifest, type SecretReport } from '../lab/types';
import { type SysGenIdError, sysgenidFd } from '../devices/sysgenid';
import {
  applyPatch,
  processesOf,
  resolveSettings,
  settingsConflict,
  settingsDiff,
  type LabSettings,
  type SettingsPatch,
} from '../settings/settings';
import { decodeSnapshotFile, loadSnapshot, type SnapFileError } from '../snapfile';
import { err, ok, snapshotId, vmId, type Result, type SnapshotId, type VmId } from '../types';
import { crc64 } from '../snapfile/crc64';
import type { Action, ActionName } from './actions';
import { planProblem, type PlanStart } from './plan';

import type { GuestCatalog } from './catalog';
export { catalogOf, type GuestCatalog } from './catalog';

/** The lineage the session follows: what default targets mean. Plain data. */
export interface Lineage {
  /** The booted VM. */
  original: number | null;
  /** The original was resumed after its latest snapshot (it draws as one more clone). */
  resumed: boolean;
  /** Snapshots taken or loaded in this session, oldest first; restores default to the last. */
  snapshots: number[];
  /** Clones of `cloneSource` (they draw). */
  clones: number[];
  cloneSource: number | null;
  /** Tracked /dev/sysgenid fds per VM (a clone inherits its snapshot's). */
  watchers: Record<number, number[]>;
  snapshotWatchers: Record<number, number[]>;
  /** The overseer's /dev/sysgenid fd per VM. */
  overseers: Record<number, number>;
}

function emptyLineage(): Lineage {
  return {
    original: null,
    resumed: false,
    snapshots: [],
    clones: [],
    cloneSource: null,
    watchers: {},
    snapshotWatchers: {},
    overseers: {},
  };
}

/** The /dev/sysgenid facts of one VM after a SysGenId action; `result` for WAIT_WATCHERS. */
export interface SysGenIdOutcome {
  vm: number;
  counter: number;
  watchers: number;
  outdated: number;
  /** 'ok', 'Blocked' or an errno name ('ETIME'); only for sysgenid-wait. */
  result?: string;
  message?: string;
}

/** What one action did. */
export interface ActionOutcome {
  /** The action as logged (counts resolved). */
  action: Action;
  /** VMs the action created or acted on. */
  vms: number[];
  snapshot?: number;
  draw?: DrawResult;
  sysgenid?: SysGenIdOutcome[];
}

/** Why an action failed; `cause` is the lab's or the device's own error. */
export interface SessionError {
  kind: 'ActionFailed';
  action: ActionName;
  /** Index of the action in a replayed list (null for a lone action). */
  index: number | null;
  message: string;
  cause: LabError | SysGenIdError | SnapFileError | null;
}

/** Default WAIT_WATCHERS timeout of a bare 'sysgenid-wait', ms. */
export const DEFAULT_WAIT_MS = 100;

function fail(action: ActionName, message: string, cause: SessionError['cause'] = null) {
  return err<SessionError>({
    kind: 'ActionFailed',
    action,
    index: null,
    message: `${action}: ${message}`,
    cause,
  });
}

function fromLab<T>(action: ActionName, r: Result<T, LabError>): Result<T, SessionError> {
  return r.ok ? r : fail(action, r.error.message, r.error);
}

/** A snapshot file given to a session: its bytes, by content id. */
interface SessionFile {
  name: string;
  bytes: Uint8Array;
}

/** The content id of a snapshot file: CRC-64 and length (what 'load' names). */
export function fileId(bytes: Uint8Array): string {
  return `${crc64(bytes)}-${bytes.length}`;
}

export class Session {
  private settingsNow: LabSettings;
  private readonly initialSettings: LabSettings;
  private readonly actions: Action[] = [];
  private lineageNow: Lineage = emptyLineage();
  private lastDrawNow: DrawResult | null = null;
  private readonly files = new Map<string, SessionFile>();

  private constructor(
    readonly lab: Lab,
    readonly catalog: GuestCatalog,
    initial: LabSettings,
  ) {
    this.initialSettings = structuredClone(initial);
    this.settingsNow = structuredClone(initial);
  }

  /**
   * A new session on a reset lab. `initial` is whole settings, or a patch resolved against the
   * guest it names (default: the catalog's "default").
   */
  static open(
    lab: Lab,
    catalog: GuestCatalog,
    initial: LabSettings | SettingsPatch = {},
  ): Result<Session, SessionError> {
    const name = initial.guest ?? 'default';
    const guest = catalog.get(name);
    if (!guest) return fail('set', unknownGuest(name, catalog));
    lab.reset();
    return ok(new Session(lab, catalog, resolveSettings(guest, initial)));
  }

  /** Settings in effect now. */
  get settings(): LabSettings {
    return this.settingsNow;
  }

  /** Settings before the first logged action. */
  get initial(): LabSettings {
    return this.initialSettings;
  }

  /** Every successful action, oldest first. */
  get log(): readonly Action[] {
    return this.actions;
  }

  get lineage(): Readonly<Lineage> {
    return this.lineageNow;
  }

  /** The session's last draw. */
  get lastDraw(): DrawResult | null {
    return this.lastDrawNow;
  }

  /** The guest manifest of the settings in effect. */
  guest(): GuestManifest {
    return this.catalog.get(this.settingsNow.guest)!;
  }

  /** Gives the session a snapshot file that 'load' actions can name; its content id. */
  addFile(bytes: Uint8Array, name: string): string {
    const id = fileId(bytes);
    if (!this.files.has(id)) this.files.set(id, { name, bytes });
    return id;
  }

  /** The files the session was given (id, name, bytes), for saving with its log. */
  fileList(): { id: string; name: string; bytes: Uint8Array }[] {
    return [...this.files.entries()].map(([id, f]) => ({ id, ...f }));
  }

  /** The VMs a draw uses: the clones of the latest restore's snapshot, plus the resumed original. */
  drawingVms(): VmId[] {
    const l = this.lineageNow;
    const vms = [...l.clones];
    if (l.resumed && l.original !== null && !vms.includes(l.original)) vms.unshift(l.original);
    return vms.map(vmId);
  }

  /** The VM a bare 'touch' writes: the running original, else the first drawing VM. */
  touchTarget(): VmId | undefined {
    const running = new Set(
      this.lab
        .vms()
        .filter((v) => v.state === 'running')
        .map((v) => v.id as number),
    );
    const o = this.lineageNow.original;
    return o !== null && running.has(o) ? vmId(o) : this.drawingVms()[0];
  }

  /** Applies one action; logs it on success. */
  apply(action: Action): Result<ActionOutcome, SessionError> {
    const r = this.step(action);
    if (r.ok) this.actions.push(r.value.action);
    return r;
  }

  /** Logs a 'set' for the settings that differ from `wanted` (an app's controls); nothing if none do. */
  sync(wanted: LabSettings): Result<void, SessionError> {
    const diff = settingsDiff(this.settingsNow, wanted);
    if (Object.keys(diff).length === 0) return ok(undefined);
    const s = this.apply({ a: 'set', s: diff });
    return s.ok ? ok(undefined) : s;
  }

  /** Brings the settings to `wanted` (sync), then applies the action. */
  applyWith(wanted: LabSettings, action: Action): Result<ActionOutcome, SessionError> {
    const s = this.sync(wanted);
    return s.ok ? this.apply(action) : s;
  }

  /**
   * Applies actions in order; stops at the first failure (its index in the error). The whole
   * list is checked first (checkPlan): one whose fleet or draw would not fit runs nothing.
   */
  applyAll(actions: readonly Action[]): Result<ActionOutcome[], SessionError> {
    const plan = this.checkPlan(actions);
    if (!plan.ok) return plan;
    const out: ActionOutcome[] = [];
    for (const [index, a] of actions.entries()) {
      const r = this.apply(a);
      if (!r.ok)
        return err({
          ...r.error,
          index,
          message: `action ${index + 1} of ${actions.length}, ${r.error.message}`,
        });
      out.push(r.value);
    }
    return ok(out);
  }

  /** Where a walk over actions starts: the settings and the lineage now (session/plan.ts). */
  private planStart(): PlanStart {
    const l = this.lineageNow;
    const sizesOf = (procs: { consumer: keyof typeof CONSUMER_BYTES }[] | null | undefined) =>
      procs ? procs.map((p) => CONSUMER_BYTES[p.consumer]) : null;
    const drawing = this.drawingVms()[0] ?? (l.original !== null ? vmId(l.original) : undefined);
    return {
      settings: this.settingsNow,
      original: l.original,
      resumed: l.resumed,
      clones: l.clones.length,
      cloneSource: l.cloneSource,
      snapshots: l.snapshots,
      sizes: drawing === undefined ? null : sizesOf(this.lab.processes(drawing)),
      snapshotSizes: new Map(
        l.snapshots.map((id) => [id, sizesOf(this.lab.snapshotMeta(snapshotId(id))?.processes)]),
      ),
      nextSnapshot: this.lab.core.snapshotIdsIssued(),
    };
  }

  /**
   * Checks a list of actions before any of it runs: the first restore or draw whose fleet or
   * outputs would not fit is refused with its index (nothing runs, nothing changes).
   */
  checkPlan(actions: readonly Action[]): Result<void, SessionError> {
    const problem = planProblem(this.planStart(), actions, this.catalog, (plan) => {
      const r = this.lab.checkDrawPlan(plan);
      return r.ok ? null : r.error;
    });
    if (!problem) return ok(undefined);
    return err({
      kind: 'ActionFailed',
      action: problem.action,
      index: problem.index,
      message: `action ${problem.index + 1} of ${actions.length}, ${problem.action}: ${problem.error.message}`,
      cause: problem.error,
    });
  }

  /** The VMs that will draw beside the clones of a restore of `snap`. */
  private stayingWith(snap: number): VmId[] {
    const l = this.lineageNow;
    const vms = l.cloneSource === snap ? [...l.clones] : [];
    if (l.resumed && l.original !== null && !vms.includes(l.original)) vms.unshift(l.original);
    return vms.map(vmId);
  }

  /**
   * Whether `n` more clones of a snapshot (default: the latest) fit, and a draw of the Draws
   * setting from the fleet they make (lab/fit.ts); nothing changes.
   */
  restoreFits(n: number, snap: number | undefined = this.latestSnapshot()): Result<void, SessionError> {
    if (snap === undefined) return fail('restore', 'no snapshot to restore from: take one first');
    return fromLab(
      'restore',
      this.lab.fleetFits(snapshotId(snap), n, {
        lazy: this.settingsNow.lazy,
        staying: this.stayingWith(snap),
        draws: this.settingsNow.draws,
      }),
    );
  }

  /** The lineage's latest snapshot, or undefined. */
  latestSnapshot(): SnapshotId | undefined {
    const s = this.lineageNow.snapshots;
    return s.length ? snapshotId(s[s.length - 1]!) : undefined;
  }

  /** The secrets of the latest snapshot's memory image. */
  secrets(): Result<SecretReport[], SessionError> | null {
    const latest = this.latestSnapshot();
    if (latest === undefined) return null;
    return fromLab('snapshot', this.lab.secrets(latest));
  }

  private step(action: Action): Result<ActionOutcome, SessionError> {
    const s = this.settingsNow;
    const l = this.lineageNow;
    switch (action.a) {
      case 'set': {
        const name = action.s.guest ?? s.guest;
        const guest = this.catalog.get(name);
        if (!guest) return fail('set', unknownGuest(name, this.catalog));
        this.settingsNow = applyPatch(s, action.s, guest);
        return ok({ action: { a: 'set', s: structuredClone(action.s) }, vms: [] });
      }
      case 'reset': {
        this.lab.reset();
        this.lineageNow = emptyLineage();
        this.lastDrawNow = null;
        return ok({ action, vms: [] });
      }
      case 'boot': {
        const guest = this.guest();
        const conflict = settingsConflict(
          s,
          processesOf(guest, s).map((p) => p.library),
        );
        if (conflict) return fail('boot', conflict.message);
        const booted = this.lab.boot(bootManifest(guest, s), {
          seed: s.seed,
          memoryMiB: s.memoryMiB,
          ...(s.libraries !== 'guest' ? { libraries: s.libraries } : {}),
          ...(s.consumer !== 'guest' ? { consumer: s.consumer } : {}),
        });
        if (!booted.ok) return fromLab('boot', booted);
        this.lineageNow = { ...emptyLineage(), snapshots: [], original: booted.value };
        this.lastDrawNow = null;
        return ok({ action, vms: [booted.value] });
      }
      case 'snapshot': {
        const vm = action.vm ?? l.original;
        if (vm === null || vm === undefined) return fail('snapshot', 'no booted VM to snapshot: boot first');
        const t = action.t ?? s.snapshot;
        const snap = this.lab.snapshot(vmId(vm), t, { uptimeS: s.uptimeS });
        if (!snap.ok) return fromLab('snapshot', snap);
        l.snapshots.push(snap.value);
        l.snapshotWatchers[snap.value] = [...(l.watchers[vm] ?? [])];
        if (vm === l.original) l.resumed = false;
        const logged: Action =
          vm === l.original && action.vm === undefined ? { a: 'snapshot', t } : { a: 'snapshot', vm, t };
        return ok({ action: logged, vms: [vm], snapshot: snap.value });
      }
      case 'restore': {
        const snap = action.snap ?? this.latestSnapshot();
        if (snap === undefined) return fail('restore', 'no snapshot to restore from: take one first');
        const n = action.n ?? s.clones;
        const fits = this.restoreFits(n, snap);
        if (!fits.ok) return fits;
        const r = this.lab.restore(snapshotId(snap), n, {
          notifyDelayUs: s.notifyDelayUs,
          lazy: s.lazy,
          snapshotAgeS: s.snapshotAgeS,
        });
        if (!r.ok) return fromLab('restore', r);
        const made = r.value.map(Number);
        l.clones = l.cloneSource === snap ? [...l.clones, ...made] : made;
        l.cloneSource = snap;
        for (const vm of made) l.watchers[vm] = [...(l.snapshotWatchers[snap] ?? [])];
        const logged: Action = action.snap === undefined ? { a: 'restore', n } : { a: 'restore', snap, n };
        return ok({ action: logged, vms: made, snapshot: snap });
      }
      case 'resume': {
        const vm = action.vm ?? l.original;
        if (vm === null || vm === undefined) return fail('resume', 'no booted VM to resume: boot first');
        const r = this.lab.resume(vmId(vm), { notifyDelayUs: s.notifyDelayUs });
        if (!r.ok) return fromLab('resume', r);
        if (vm === l.original) l.resumed = true;
        return ok({ action: action.vm === undefined ? { a: 'resume' } : { a: 'resume', vm }, vms: [vm] });
      }
      case 'draw': {
        const vms = this.drawingVms();
        if (vms.length === 0)
          return fail(
            'draw',
            'no running VM to draw from: boot and snapshot, then restore clones (or resume the original)',
          );
        const n = action.n ?? s.draws;
        const d = this.lab.draw(vms, n, { intervalUs: s.drawIntervalUs });
        if (!d.ok) return fromLab('draw', d);
        this.lastDrawNow = d.value;
        return ok({ action: { a: 'draw', n }, vms: vms.map(Number), draw: d.value });
      }
      case 'touch': {
        const vm = action.vm !== undefined ? vmId(action.vm) : this.touchTarget();
        if (vm === undefined)
          return fail('touch', 'no running VM to write to: boot, resume or restore first');
        const n = action.n ?? s.touchPages;
        const r = this.lab.touchPages(vm, n);
        if (!r.ok) return fromLab('touch', r);
        return ok({
          action: action.vm === undefined ? { a: 'touch', n } : { a: 'touch', vm: action.vm, n },
          vms: [vm],
        });
      }
      case 'idle': {
        const vms = this.drawingVms();
        if (vms.length === 0) return fail('idle', 'no running VM to let time pass in');
        for (const vm of vms) {
          const r = this.lab.idle(vm, action.us);
          if (!r.ok) return fromLab('idle', r);
        }
        return ok({ action, vms: vms.map(Number) });
      }
      case 'fork': {
        const vms = this.drawingVms().length
          ? this.drawingVms()
          : l.original !== null
            ? [vmId(l.original)]
            : [];
        if (vms.length === 0) return fail('fork', 'no running VM to fork in: boot first');
        const p = action.p ?? 0;
        for (const vm of vms) {
          const r = this.lab.fork(vm, p);
          if (!r.ok) return fromLab('fork', r);
        }
        return ok({ action: { a: 'fork', p }, vms: vms.map(Number) });
      }
      case 'destroy': {
        const r = this.lab.destroy(vmId(action.vm));
        if (!r.ok) return fromLab('destroy', r);
        l.clones = l.clones.filter((v) => v !== action.vm);
        if (l.original === action.vm) {
          l.original = null;
          l.resumed = false;
        }
        delete l.watchers[action.vm];
        delete l.overseers[action.vm];
        return ok({ action, vms: [action.vm] });
      }
      case 'delete-snapshot': {
        const r = this.lab.deleteSnapshot(snapshotId(action.snap));
        if (!r.ok) return fromLab('delete-snapshot', r);
        l.snapshots = l.snapshots.filter((x) => x !== action.snap);
        return ok({ action, vms: [], snapshot: action.snap });
      }
      case 'load': {
        const f = this.files.get(action.file);
        if (!f)
          return fail('load', `the snapshot file ${action.file} was not given to this lab: open it first`);
        const decoded = decodeSnapshotFile(f.bytes);
        if (!decoded.ok) return fail('load', `${f.name}: ${decoded.error.message}`, decoded.error);
        const shipped = this.catalog.get(decoded.value.meta.guest);
        const loaded = loadSnapshot(this.lab, decoded.value, {
          seed: s.seed,
          ...(shipped ? { secrets: shipped.secrets } : {}),
        });
        if (!loaded.ok) return fail('load', `${f.name}: ${loaded.error.message}`, loaded.error);
        l.snapshots.push(loaded.value);
        return ok({ action, vms: [], snapshot: loaded.value });
      }
      default:
        return this.sysgenid(action);
    }
  }

  /** SysGenId actions on every drawing VM; the per-VM facts afterwards. */
  private sysgenid(
    action: Extract<Action, { a: `sysgenid-${string}` }>,
  ): Result<ActionOutcome, SessionError> {
    const name = action.a;
    const l = this.lineageNow;
    const targets = this.drawingVms().length
      ? this.drawingVms()
      : l.original !== null
        ? [vmId(l.original)]
        : [];
    if (targets.length === 0) return fail(name, 'no running VM: boot (and restore clones) first');
    const devs = targets.map((vm) => this.lab.engine.sysgenid(vm));
    for (const d of devs) {
      const c = d.counter();
      if (!c.ok) return fail(name, c.error.message, c.error);
    }
    const facts = (dev: (typeof devs)[number]): SysGenIdOutcome => {
      const n = (r: Result<number, SysGenIdError>) => (r.ok ? r.value : 0);
      return {
        vm: dev.vm,
        counter: n(dev.counter()),
        watchers: n(dev.watchers()),
        outdated: n(dev.outdated()),
      };
    };
    const out: SysGenIdOutcome[] = [];
    for (const dev of devs) {
      const vm = dev.vm as number;
      if (name === 'sysgenid-track') {
        const fd = dev.open();
        if (!fd.ok) return fail(name, fd.error.message, fd.error);
        const t = dev.setTracking(fd.value, true);
        if (!t.ok) return fail(name, t.error.message, t.error);
        l.watchers[vm] = [...(l.watchers[vm] ?? []), fd.value];
        out.push(facts(dev));
      } else if (name === 'sysgenid-ack') {
        for (const fd of l.watchers[vm] ?? []) {
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
        let fd = l.overseers[vm];
        if (fd === undefined) {
          const o = dev.open();
          if (!o.ok) return fail(name, o.error.message, o.error);
          fd = l.overseers[vm] = o.value;
        }
        if (name === 'sysgenid-trigger') {
          const t = dev.trigger(sysgenidFd(fd));
          if (!t.ok) return fail(name, t.error.message, t.error);
          out.push(facts(dev));
        } else {
          const ms = action.a === 'sysgenid-wait' ? (action.ms ?? DEFAULT_WAIT_MS) : 0;
          let w = dev.waitWatchers(sysgenidFd(fd), ms);
          if (!w.ok && w.error.kind === 'Errno' && w.error.errno === 'EINTR') {
            // v8's protocol: EINTR tells the overseer its own fd is outdated (it caused the bump);
            // it handles the event (acknowledges the counter) and waits again
            const v = dev.read(sysgenidFd(fd));
            if (v.ok) {
              const ackd = dev.write(sysgenidFd(fd), v.value);
              if (!ackd.ok) return fail(name, ackd.error.message, ackd.error);
            }
            w = dev.waitWatchers(sysgenidFd(fd), ms);
          }
          if (w.ok) out.push({ ...facts(dev), result: 'ok' });
          else if (w.error.kind === 'Blocked')
            out.push({ ...facts(dev), result: 'Blocked', message: w.error.message });
          else if (w.error.kind === 'Errno' && (w.error.errno === 'ETIME' || w.error.errno === 'EINTR'))
            out.push({ ...facts(dev), result: w.error.errno, message: w.error.message });
          else return fail(name, w.error.message, w.error);
        }
      }
    }
    const logged: Action =
      name === 'sysgenid-wait'
        ? { a: name, ms: action.a === 'sysgenid-wait' ? (action.ms ?? DEFAULT_WAIT_MS) : 0 }
        : { a: name };
    return ok({ action: logged, vms: targets.map(Number), sysgenid: out });
  }
}

function unknownGuest(name: string, catalog: GuestCatalog): string {
  return `guest: no guest named "${name}" in this lab (known: ${catalog.names().join(', ')})`;
}

/** The guest as it boots under the settings: kernel features from the settings. */
export function bootManifest(guest: GuestManifest, s: LabSettings): GuestManifest {
  return {
    ...guest,
    memoryMiB: s.memoryMiB,
    kernel: {
      ...guest.kernel,
      generation: s.kernel,
      cpu: s.cpu,
      vmgenid: s.vmgenid,
      vmgenidUevent: s.vmgenidUevent,
      sysgenid: s.sysgenid ? s.sysgenidBump : 'off',
      wipeOnSuspend: s.wipeOnSuspend,
      vdsoGetrandom: s.vdso,
      jitterEntropy: s.timingEntropy,
      agentReseed: s.agent,
      agentDelayUs: s.agentDelayUs,
      vmclock: s.vmclock,
      uptimeS: s.uptimeS,
      clockSync: s.clockSync,
    },
    processes: processesOf(guest, s),
  };
}

/** A session's history as plain data: what links, saved sessions and exports hold. */
export interface SessionHistory {
  settings: LabSettings;
  actions: Action[];
}

/**
 * Rebuilds a session from its history on a reset lab (`files`: snapshot files its 'load'
 * actions name). Stops at the first failing action, reporting its index.
 */
export function replay(
  lab: Lab,
  catalog: GuestCatalog,
  history: SessionHistory,
  files: readonly { name: string; bytes: Uint8Array }[] = [],
): Result<Session, SessionError> {
  const opened = Session.open(lab, catalog, history.settings);
  if (!opened.ok) return opened;
  const s = opened.value;
  for (const f of files) s.addFile(f.bytes, f.name);
  const r = s.applyAll(history.actions);
  return r.ok ? ok(s) : r;
}

/** The actions of a standard run (the CLI's `run`): boot, snapshot (a diff on a full), restore, draw. */
export function standardRun(settings: LabSettings): Action[] {
  const actions: Action[] = [{ a: 'boot' }, { a: 'snapshot', t: 'full' }];
  if (settings.snapshot === 'diff')
    actions.push({ a: 'resume' }, { a: 'touch' }, { a: 'snapshot', t: 'diff' });
  actions.push({ a: 'restore' }, { a: 'draw' });
  return actions;
}
