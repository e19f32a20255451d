// The worker's side of the protocol: one LabHost owns the Lab and answers commands with plain
// data. It has no Worker globals, so tests drive it in Node over the same wasm core.
//
// Long commands run in chunks: between chunks the host reports progress and yields to the event
// loop, where a cancel message can land. A cancelled restore keeps the batches that finished (each
// batch is an all-or-nothing core call, so every kept clone is complete); a restore that FAILS
// destroys the clones it made, so no error leaves a partial fleet.

import {
  E_FRAME_MASK,
  E_PRESENT,
  E_WIPED,
  E_WIPEONSUSPEND,
  PAGE_ROLES,
  type Engine,
} from '../../core/engine';
import type { LabApi, LabError } from '../../core/lab/api';
import type { CoreExports } from '../../core/load/instantiate';
import { computeMatrix } from '../../core/matrix/matrix';
import { PAGE_SIZE, pageNo, snapshotId, vmId, type Result } from '../../core/types';
import {
  MUTATING,
  MARK_KINDS,
  PAGE_CLASSES,
  type Args,
  type CommandMap,
  type FleetView,
  type GuestEntry,
  type MemoryMapView,
  type Op,
  type MarkKind,
  type PageClass,
  type PageInfoView,
  type ResultOf,
  type SpecialPage,
  type WireError,
} from './protocol';
import { LabSession, SessionError, RESTORE_BATCH } from './session';
import {
  advanceIds,
  exportSnapshotFile,
  idCounters,
  loadSnapshotFileBytes,
  scanSnapshotSecrets,
  type FileLab,
} from './files';

export { RESTORE_BATCH };

/** What a running command may do besides computing: report progress, notice a cancel, yield. */
export interface RunContext {
  progress(done: number, total: number): void;
  cancelled(): boolean;
  /** Lets queued messages (a cancel) in; resolves on the next turn of the event loop. */
  yieldNow(): Promise<void>;
}

export type HostAnswer =
  | { ok: true; value: unknown; fleet: FleetView | null }
  | { ok: false; error: WireError; fleet: FleetView | null };

/** Fetches the guest index and manifests; the worker passes the real fetch, tests a file reader. */
export type GuestLoader = () => Promise<GuestEntry[]>;

class HostError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

function wire(e: LabError): WireError {
  return 'field' in e
    ? { kind: e.kind, message: e.message, field: e.field }
    : { kind: e.kind, message: e.message };
}

function must<T>(r: Result<T, LabError>): T {
  if (r.ok) return r.value;
  throw new HostError(wire(r.error));
}

function mustWire<T>(r: Result<T, WireError>): T {
  if (r.ok) return r.value;
  throw new HostError(r.error);
}

const ROLE_MARK: Record<string, MarkKind | undefined> = {
  'kernel-rng': 'rng',
  'library-state': 'rng',
  secret: 'secret',
  'sysgenid-page': 'device',
  vmgenid: 'device',
};
const CLS = Object.fromEntries(PAGE_CLASSES.map((c, i) => [c, i])) as Record<PageClass, number>;

/** A second core for the mitigation matrix (computeMatrix reseeds the host entropy of its core). */
export type MatrixCoreLoader = () => Promise<CoreExports>;

/** Answers protocol commands against one Lab (and the Engine over the same core, for page facts). */
export class LabHost {
  /** Every lab-changing command goes through the session, so the lab always has a complete log. */
  readonly session: LabSession;
  private matrixCore: Promise<CoreExports> | null = null;

  constructor(
    private readonly lab: LabApi & FileLab,
    private readonly engine: Engine,
    private readonly loadGuests: GuestLoader,
    private readonly loadMatrixCore: MatrixCoreLoader | null = null,
  ) {
    this.session = new LabSession(lab, loadGuests, engine);
  }

  /** Runs one command; errors come back as data, never as a rejected promise. */
  async handle(op: Op, args: unknown, ctx: RunContext): Promise<HostAnswer> {
    try {
      const value = await this.dispatch(op, args, ctx);
      return { ok: true, value, fleet: MUTATING.has(op) ? this.fleet() : null };
    } catch (e) {
      const error: WireError =
        e instanceof HostError || e instanceof SessionError
          ? e.wire
          : { kind: 'Bug', message: e instanceof Error ? e.message : String(e) };
      return { ok: false, error, fleet: MUTATING.has(op) ? this.fleet() : null };
    }
  }

  private dispatch(op: Op, args: unknown, ctx: RunContext): Promise<unknown> | unknown {
    const handlers: { [K in Op]: (a: Args<K>, ctx: RunContext) => Promise<ResultOf<K>> | ResultOf<K> } = {
      guests: () => this.loadGuests(),
      boot: (a) => this.session.boot(a),
      snapshot: (a) => this.session.snapshot(a),
      restore: (a, c) => this.session.restore(a, c),
      resume: (a) => this.session.resume(a),
      draw: (a) => this.session.draw(a),
      touch: (a) => this.session.touch(a),
      destroy: (a) => this.session.destroy(a),
      deleteSnapshot: (a) => this.session.deleteSnapshot(a),
      reset: () => this.session.reset(),
      fleet: () => this.fleet(),
      memoryMap: (a) => this.memoryMap(a.vm, a.compareWith),
      pageInfo: (a) => this.pageInfo(a.vm, a.page),
      devices: (a) => a.vms.map((v) => must(this.lab.devices(vmId(v)))),
      timeline: (a) => must(this.lab.timeline(vmId(a.vm))),
      secrets: (a) => must(this.lab.secrets(snapshotId(a.snap))),
      matrix: (a, c) => this.matrix(a, c),
      linkState: (a) => this.session.linkState(a.scenario),
      openLink: (a) => this.session.openLink(a),
      scenarioStep: (a) => this.session.scenarioStep(a),
      exportSnapshot: (a) => mustWire(exportSnapshotFile(this.lab, a.snap)),
      loadSnapshotFile: (a) => {
        const loaded = mustWire(loadSnapshotFileBytes(this.lab, a));
        this.session.markUnlinkable(`snapshot ${loaded.snapshot} was loaded from a file`);
        return loaded;
      },
      scanSecrets: (a) => mustWire(scanSnapshotSecrets(this.lab, a.snap)),
      advanceIds: (a) => mustWire(advanceIds(this.engine, a)),
      setFrameLimit: (a) => {
        this.engine.setFrameLimit(a.frames);
        return { frameLimit: this.engine.stats().frameLimit };
      },
    };
    const h = handlers[op] as (a: unknown, c: RunContext) => unknown;
    if (!h) throw new HostError({ kind: 'UnknownCommand', message: `unknown command ${String(op)}` });
    return h(args, ctx);
  }

  /** The VMs, snapshots and pool accounting, as plain data. */
  fleet(): FleetView {
    return {
      vms: this.lab.vms(),
      snapshots: this.lab.snapshots(),
      stats: this.lab.stats(),
      ids: idCounters(this.engine),
    };
  }

  /** Every library against every configuration, on the second core; progress per column. */
  private async matrix(a: CommandMap['matrix']['args'], ctx: RunContext) {
    if (!this.loadMatrixCore)
      throw new HostError({ kind: 'Unavailable', message: 'this lab has no second core for the matrix' });
    const core = await (this.matrixCore ??= this.loadMatrixCore());
    const guest = (await this.loadGuests()).find((g) => g.manifest?.name === a.guest)?.manifest;
    if (!guest)
      throw new HostError({
        kind: 'UnknownGuest',
        field: 'guest',
        message: `guest: no guest named "${a.guest}"`,
      });
    ctx.progress(0, 1);
    const m = await computeMatrix(
      guest,
      {
        clones: a.clones,
        draws: a.draws,
        seed: a.seed,
        delayUs: a.delayUs,
        memoryMiB: a.memoryMiB,
        onProgress: (done, total) => ctx.progress(done, total),
        yieldNow: () => ctx.yieldNow(),
        cancelled: () => ctx.cancelled(),
      },
      core,
    );
    if (!m.ok) throw new HostError(m.error.kind === 'Cancelled' ? m.error : wire(m.error));
    return m.value;
  }

  /** Classifies every page of a VM for the map; special pages are compared with another VM. */
  memoryMap(vm: number, compareWith: number | null): MemoryMapView {
    const entries = must(this.lab.memoryEntries(vmId(vm)));
    const core = this.engine.core;
    const leafShared = this.engine
      .vmLeafFrames(vmId(vm))
      .map((lf) => lf !== 0 && this.engine.refcount(lf) > 1);
    const other = compareWith === null ? null : this.entriesOrNull(compareWith);
    const pages = entries.length;
    const classes = new Uint8Array(pages);
    const counts = Object.fromEntries(PAGE_CLASSES.map((c) => [c, 0])) as Record<PageClass, number>;
    const marks = Object.fromEntries(MARK_KINDS.map((c) => [c, 0])) as Record<MarkKind, number>;
    const special: SpecialPage[] = [];
    for (let p = 0; p < pages; p++) {
      const e = entries[p]!;
      const frame = e & E_FRAME_MASK;
      const role = PAGE_ROLES[(e >>> 29) & 7]!;
      let cls: PageClass;
      if (e & E_WIPED) cls = 'wiped';
      else if (e & E_WIPEONSUSPEND) cls = 'flagged';
      else if (core.vmIsDirty(vm, p) === 1) cls = 'dirty';
      else if (frame === 0 || (e & E_PRESENT) === 0) cls = 'zero';
      else if (leafShared[p >>> 10] || this.engine.refcount(frame) > 1) cls = 'shared';
      else cls = 'private';
      classes[p] = CLS[cls];
      counts[cls]++;
      const kind = ROLE_MARK[role] ?? null;
      if (kind) marks[kind]++;
      if (kind || cls === 'wiped' || cls === 'flagged') {
        let identical: boolean | null = null;
        let sameFrame: boolean | null = null;
        if (other && p < other.length) {
          const of = other[p]! & E_FRAME_MASK;
          sameFrame = of === frame;
          identical = sameFrame || this.sameBytes(frame, of);
        }
        special.push({ page: p, role, kind, cls, identical, sameFrame });
      }
    }
    return { vm, pages, classes, counts, marks, special, compareWith: other ? compareWith : null };
  }

  private entriesOrNull(vm: number): Uint32Array | null {
    const r = this.lab.memoryEntries(vmId(vm));
    return r.ok ? r.value : null;
  }

  /** Compares two host frames byte for byte, in place (no guest access, so no fault is counted). */
  private sameBytes(a: number, b: number): boolean {
    const core = this.engine.core;
    const mem = new Uint8Array(core.memory.buffer);
    const at = (f: number) => core.poolBaseAddr() + f * PAGE_SIZE;
    const x = new Uint32Array(mem.buffer, at(a), PAGE_SIZE / 4);
    const y = new Uint32Array(mem.buffer, at(b), PAGE_SIZE / 4);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }

  private pageInfo(vm: number, page: number): PageInfoView {
    const i = must(this.lab.pageInfo(vmId(vm), pageNo(page)));
    return {
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
    };
  }
}
