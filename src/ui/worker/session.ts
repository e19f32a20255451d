// The lab's session in the worker: the app's buttons, guided scenario steps and opened links all
// go through the scenario executor (runAction / runScenarioStep / runScenarioTo / replay) on one
// ScenarioState, so its action log is the complete history of the lab and a permalink replays it.
//
// Invariants:
// - While `state` is non-null, every change to the lab went through the executor on it; a Boot
//   starts a new session (the app resets the lab before each Boot), Reset ends it.
// - A command a link cannot express (a snapshot of a clone, destroying a VM, a jitter-entropy
//   kernel, ...) still runs, directly on the Lab, and ends the session: `unlinkable` says why,
//   until the next Reset or Boot. Other code that changes the lab behind the executor's back (a
//   snapshot loaded from a file) must call markUnlinkable() for the same reason.
// - Host entropy is keyed by VM id, so a replay repeats the same bytes only where the core's id
//   counters equal the link's `origin`. openLink advances a fresh core's counters there first
//   (files.ts advanceIds: it uses ids up on throwaway VMs and snapshots).
// - A restore runs in batches of RESTORE_BATCH (one logged action each, so a cancelled restore
//   logs exactly the kept clones); a failed batch destroys the restore's clones and puts the
//   session back as it was, as LabHost promised before sessions existed.

import type { DrawResult, LabApi, LabError, RestoreOptions } from '../../core/lab/api';
import type { GuestManifest } from '../../core/lab/types';
import type { Engine } from '../../core/engine';
import { labStateOf, replay } from '../../core/permalink';
import {
  bootManifest,
  checkExpectations,
  createScenarioState,
  drawingVms,
  resolveSettings,
  runAction,
  runScenarioStep,
  runScenarioTo,
  type ScenarioLab,
  type ScenarioRunError,
  type ScenarioState,
  type StepOutcome,
} from '../../core/scenario/run';
import type { Action, LabSettings, Scenario } from '../../core/scenario/types';
import { snapshotId, vmId, type Result, type VmId } from '../../core/types';
import { duplicateMarks } from '../lib/duplicates';
import { bootSettings, type BootArgs } from '../lib/linkSettings';
import type {
  LinkStateView,
  OpenLinkArgs,
  OpenLinkView,
  ScenarioStepArgs,
  ScenarioStepView,
  SessionView,
  StepCheckView,
} from './presentProtocol';
import { advanceIds } from './files';
import type { CommandMap, DrawView, GuestEntry, RestoreView, WireError } from './protocol';

/** Clones restored per core call: small enough to report progress, big enough to be cheap. */
export const RESTORE_BATCH = 16;

/** An error the host sends back as data. */
export class SessionError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

/** What a chunked command may do besides computing (the host's RunContext). */
export interface ChunkContext {
  progress(done: number, total: number): void;
  cancelled(): boolean;
  yieldNow(): Promise<void>;
}

function labWire(e: LabError): WireError {
  return 'field' in e
    ? { kind: e.kind, message: e.message, field: e.field }
    : { kind: e.kind, message: e.message };
}

function must<T>(r: Result<T, LabError>): T {
  if (r.ok) return r.value;
  throw new SessionError(labWire(r.error));
}

/** The executor's error as data: the lab's own kind (and field) when the lab refused. */
function runError(e: ScenarioRunError): SessionError {
  const cause = e.cause as (LabError & { field?: string }) | null;
  return new SessionError(
    cause
      ? { kind: cause.kind, message: e.message, ...(cause.field ? { field: cause.field } : {}) }
      : { kind: e.kind, message: e.message },
  );
}

function mustRun<T>(r: Result<T, ScenarioRunError>): T {
  if (r.ok) return r.value;
  throw runError(r.error);
}

/** A draw as the app shows it: duplicate marks as typed arrays. */
export function drawView(r: DrawResult): DrawView {
  const libraries = r.libraries.map(({ groups, matrix, ...lib }) => ({
    ...lib,
    ...duplicateMarks(groups, matrix),
  }));
  return {
    vms: r.vms.map(Number),
    draws: r.draws,
    libraries,
    duplicates: libraries.reduce((s, l) => s + l.duplicates, 0),
  };
}

/** The lab with extra restore options (lazy) that the executor does not know about. */
function withRestoreOptions(lab: ScenarioLab, extra: Partial<RestoreOptions>): ScenarioLab {
  if (Object.keys(extra).length === 0) return lab;
  return new Proxy(lab, {
    get(target, key) {
      if (key === 'restore')
        return (s: Parameters<LabApi['restore']>[0], n: number, o: RestoreOptions) =>
          target.restore(s, n, { ...o, ...extra });
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const sameSet = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** The scenario the session is following: which step, and the log length that step left. */
interface ScenarioMark {
  id: string;
  step: number;
  state: ScenarioState;
  mark: number;
}

export class LabSession {
  /** The executor's session; null before the first Boot, after Reset, or when unlinkable. */
  state: ScenarioState | null = null;
  /** Why the lab has no link now (null: it has one, or the lab is empty). */
  unlinkable: string | null = null;
  private scenario: ScenarioMark | null = null;
  private guests: Promise<GuestEntry[]> | null = null;

  constructor(
    private readonly lab: ScenarioLab,
    private readonly loadGuests: () => Promise<GuestEntry[]>,
    private readonly engine: Engine | null = null,
  ) {}

  /** Ends the session: the lab was changed in a way a link cannot replay. */
  markUnlinkable(reason: string): void {
    this.state = null;
    this.scenario = null;
    this.unlinkable = reason;
  }

  private async guest(name: string): Promise<GuestManifest> {
    const list = await (this.guests ??= this.loadGuests());
    const g = list.find((e) => e.manifest?.name === name)?.manifest;
    if (!g) {
      const known = list.flatMap((e) => (e.manifest ? [e.manifest.name] : [])).join(', ');
      throw new SessionError({
        kind: 'UnknownGuest',
        field: 'guest',
        message: `guest: no guest named "${name}" in this lab (known: ${known})`,
      });
    }
    return g;
  }

  /** Runs one action on the session (logged), or throws its error as data. */
  private act(action: Action, lab: ScenarioLab = this.lab) {
    return mustRun(runAction(lab, this.state!, action));
  }

  /** Logs a 'set' for the settings that differ from those in effect. */
  private ensure(change: LabSettings): void {
    const s = this.state!;
    const now = resolveSettings(s.guest, s.settings) as unknown as Record<string, unknown>;
    const diff = Object.fromEntries(
      Object.entries(change).filter(([k, v]) => v !== undefined && now[k] !== v),
    ) as LabSettings;
    if (Object.keys(diff).length > 0) this.act({ a: 'set', s: diff });
  }

  async boot(a: CommandMap['boot']['args']): Promise<{ vm: number }> {
    const base = await this.guest(a.guest.name).catch(() => null);
    const linked = base ? bootSettings(base, a as BootArgs) : null;
    if (!base || !linked?.settings) {
      const vm = must(this.lab.boot(a.guest, a.opts));
      this.markUnlinkable(linked?.reason ?? `the guest "${a.guest.name}" is not a shipped guest`);
      return { vm };
    }
    this.state = createScenarioState(base, { ...linked.settings, ...a.knobs });
    this.scenario = null;
    this.unlinkable = null;
    const r = this.act({ a: 'boot' });
    return { vm: r.vms[0]! as number };
  }

  snapshot(a: CommandMap['snapshot']['args']): { snapshot: number } {
    const s = this.state;
    if (s && a.vm === s.original) {
      this.ensure({ snapshot: a.type });
      return { snapshot: this.act({ a: 'snapshot', t: a.type }).snapshot! as number };
    }
    const snap = must(this.lab.snapshot(vmId(a.vm), a.type));
    if (s) this.markUnlinkable(`VM ${a.vm} was snapshotted, and a link can only snapshot the booted VM`);
    return { snapshot: snap as number };
  }

  async restore(a: CommandMap['restore']['args'], ctx: ChunkContext): Promise<RestoreView> {
    const s = this.state;
    const linked = s !== null && a.snap === s.snapshots[s.snapshots.length - 1];
    if (s && !linked) this.markUnlinkable(`a restore from snapshot ${a.snap}, not the lineage's latest`);
    // to put the session back if a batch fails (everything but the manifest and the last draw)
    let saved: Omit<ScenarioState, 'guest' | 'lastDraw'> | null = null;
    if (linked) {
      this.ensure({ clones: a.count, notifyDelayUs: a.opts.notifyDelayUs });
      const { guest: _g, lastDraw: _d, ...rest } = s;
      saved = structuredClone(rest);
    }
    const lab = withRestoreOptions(this.lab, a.opts.lazy ? { lazy: true } : {});
    const batch = (n: number): VmId[] =>
      linked
        ? mustRun(runAction(lab, s, { a: 'restore', n })).vms
        : must(this.lab.restore(snapshotId(a.snap), n, a.opts));
    // fail before the first batch if the whole fleet cannot fit: no batch is made and undone
    must(this.lab.restoreFits(snapshotId(a.snap), a.count, a.opts.lazy ? { lazy: true } : {}));
    const made: VmId[] = [];
    ctx.progress(0, a.count);
    while (made.length < a.count) {
      if (made.length > 0) {
        await ctx.yieldNow();
        if (ctx.cancelled()) return { vms: made.map(Number), requested: a.count, cancelled: true };
      }
      try {
        made.push(...batch(Math.min(RESTORE_BATCH, a.count - made.length)));
      } catch (e) {
        for (const vm of made) this.lab.destroy(vm);
        if (saved) Object.assign(s!, saved);
        throw e;
      }
      ctx.progress(made.length, a.count);
    }
    return { vms: made.map(Number), requested: a.count, cancelled: false };
  }

  resume(a: CommandMap['resume']['args']): { vm: number } {
    const s = this.state;
    if (s && a.vm === s.original) {
      this.ensure({ notifyDelayUs: a.opts.notifyDelayUs });
      this.act({ a: 'resume' });
      return { vm: a.vm };
    }
    must(this.lab.resume(vmId(a.vm), a.opts));
    if (s) this.markUnlinkable(`VM ${a.vm} was resumed, and a link can only resume the booted VM`);
    return { vm: a.vm };
  }

  draw(a: CommandMap['draw']['args']): DrawView {
    const s = this.state;
    if (s && sameSet(a.vms, drawingVms(s) as number[])) {
      this.ensure({ draws: a.draws });
      return drawView(this.act({ a: 'draw', n: a.draws }).draw!);
    }
    const r = must(this.lab.draw(a.vms.map(vmId), a.draws));
    if (s)
      this.markUnlinkable(
        'a draw on a set of VMs that a link cannot name (some clones were destroyed or come from an older snapshot)',
      );
    return drawView(r);
  }

  touch(a: CommandMap['touch']['args']): { vm: number } {
    const s = this.state;
    if (s) {
      const running = new Set(
        this.lab
          .vms()
          .filter((v) => v.state === 'running')
          .map((v) => v.id as number),
      );
      const target = s.original !== null && running.has(s.original) ? s.original : drawingVms(s)[0];
      if (target === a.vm) {
        this.act({ a: 'touch', n: a.count });
        return { vm: a.vm };
      }
    }
    must(this.lab.touchPages(vmId(a.vm), a.count));
    if (s)
      this.markUnlinkable(
        `pages of VM ${a.vm} were written, and a link writes only to the booted VM (or the first clone)`,
      );
    return { vm: a.vm };
  }

  destroy(a: CommandMap['destroy']['args']): { vm: number } {
    must(this.lab.destroy(vmId(a.vm)));
    if (this.state) this.markUnlinkable(`VM ${a.vm} was destroyed, and a link cannot destroy a VM`);
    return { vm: a.vm };
  }

  deleteSnapshot(a: CommandMap['deleteSnapshot']['args']): { snapshot: number } {
    must(this.lab.deleteSnapshot(snapshotId(a.snap)));
    if (this.state) this.markUnlinkable(`snapshot ${a.snap} was deleted, and a link cannot delete one`);
    return { snapshot: a.snap };
  }

  reset(): { cleared: true } {
    this.lab.reset();
    this.state = null;
    this.scenario = null;
    this.unlinkable = null;
    return { cleared: true };
  }

  /** The session as a permalink state (with the scenario step if one is shown). */
  linkState(scenario: { id: string; step: number } | null): LinkStateView {
    if (this.unlinkable) return { state: null, reason: this.unlinkable };
    if (!this.state) return { state: null, reason: 'the lab is empty' };
    return { state: labStateOf(this.state, scenario ?? undefined), reason: null };
  }

  /** What the controls and views show after a link or a step. */
  view(): SessionView {
    const s = this.state!;
    const r = resolveSettings(s.guest, s.settings);
    return {
      guest: s.guest.name,
      settings: structuredClone(s.settings),
      kernel: bootManifest(s.guest, s.settings).kernel,
      resolved: {
        libraries: r.libraries,
        memoryMiB: r.memoryMiB,
        seed: r.seed,
        clones: r.clones,
        draws: r.draws,
        notifyDelayUs: r.notifyDelayUs,
        snapshot: r.snapshot,
      },
      original: s.original as number | null,
      drawing: drawingVms(s).map(Number),
      snapshots: s.snapshots.map(Number),
      draw: s.lastDraw ? drawView(s.lastDraw) : null,
    };
  }

  /** Resets the lab and replays a permalink state; checks its scenario step's claims again. */
  async openLink(a: OpenLinkArgs): Promise<OpenLinkView> {
    const guest = await this.guest(a.state.guest);
    this.reset();
    // host entropy is keyed by VM id: use up ids until the core stands where the link began
    if (this.engine && a.state.origin) advanceIds(this.engine, a.state.origin);
    const r = replay(this.lab, a.state, guest);
    if (!r.ok) {
      this.reset();
      throw new SessionError({ kind: r.error.kind, message: r.error.message });
    }
    this.state = r.value.session;
    let step: StepCheckView | null = null;
    const at = a.state.scenario;
    if (at && a.scenario && a.scenario.id === at.id && a.scenario.steps[at.step]) {
      const st = a.scenario.steps[at.step]!;
      const s = this.state;
      const wants = st.highlight === 'secrets' || (st.expect ?? []).some((e) => e.secretInSnapshot);
      const latest = s.snapshots[s.snapshots.length - 1];
      const secrets = wants && latest !== undefined ? this.lab.secrets(latest) : null;
      const found = secrets?.ok ? secrets.value : null;
      const checks = checkExpectations(st.expect ?? [], { draw: s.lastDraw, secrets: found, sysgenid: null });
      step = { checks, ok: checks.every((c) => c.ok), secrets: found ? secretViews(found) : null };
      this.scenario = { id: at.id, step: at.step, state: s, mark: s.actions.length };
    }
    return { session: this.view(), exact: r.value.exact, step };
  }

  /** Shows a scenario step: runs it if the lab is where the previous step left it, else rebuilds. */
  async scenarioStep(a: ScenarioStepArgs): Promise<ScenarioStepView> {
    const sc: Scenario = a.scenario;
    const guest = await this.guest(sc.guest);
    const m = this.scenario;
    const inPlace =
      a.mode === 'next' &&
      m !== null &&
      m.id === sc.id &&
      m.step === a.step - 1 &&
      m.state === this.state &&
      this.state.actions.length === m.mark &&
      sc.steps[a.step] !== undefined;
    let outcome: StepOutcome;
    if (inPlace) {
      const r = runScenarioStep(this.lab, this.state!, sc.steps[a.step]!);
      if (!r.ok) {
        this.markUnlinkable(`step ${a.step + 1} of "${sc.title}" failed part-way`);
        throw new SessionError({ kind: r.error.kind, message: `step ${a.step + 1}: ${r.error.message}` });
      }
      outcome = r.value;
    } else {
      const r = runScenarioTo(this.lab, guest, sc, a.step);
      if (!r.ok) {
        this.markUnlinkable(`"${sc.title}" failed at step ${r.error.step + 1}`);
        throw new SessionError({ kind: r.error.kind, message: r.error.message });
      }
      this.state = r.value.session;
      outcome = r.value.outcome;
    }
    this.unlinkable = null;
    const s = this.state!;
    this.scenario = { id: sc.id, step: a.step, state: s, mark: s.actions.length };
    return {
      step: a.step,
      rebuilt: !inPlace,
      checks: outcome.checks,
      ok: outcome.ok,
      secrets: outcome.secrets ? secretViews(outcome.secrets) : null,
      session: this.view(),
    };
  }
}

function secretViews(list: { name: string; inSnapshot: boolean; offsets: number[] }[]) {
  return list.map((x) => ({ name: x.name, inSnapshot: x.inSnapshot, offsets: x.offsets.length }));
}
