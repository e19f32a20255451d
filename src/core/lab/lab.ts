// The lab: guests booted from manifests, snapshots, clones, draws and what they show, over one
// wasm core (through the Engine facade). Every outcome is read back from guest bytes or computed
// by the core; this class sequences core calls and keeps what the core does not: names,
// processes, where secrets sit, and each VM's timeline. Boot layout lives in boot.ts, draws in
// draw.ts, what the lab shows in inspect.ts, the secret search in secrets.ts; snapshot files are
// made and loaded in src/core/snapfile on top of this class.

import { Engine, type PageInfo, type SnapshotInfo } from '../engine';
import { engineError, ERROR_CODE } from '../errors';
import type { CoreExports } from '../load/instantiate';
import { toHex } from '../crypto/uuid';
import * as L from '../wasm/layout';
import {
  err,
  guestAddr,
  ok,
  PAGE_SIZE,
  type PageNo,
  type Result,
  type SnapshotId,
  type VmId,
} from '../types';
import type {
  BootOptions,
  LabError,
  RestoreOptions,
  SnapshotOptions,
  SnapshotSummary,
  VmSummary,
} from './api';
import { bootGuest, type VmMeta } from './boot';
import { drawVms } from './draw';
import {
  checkDraw,
  checkRestore,
  DEFAULT_BUDGET,
  resultBytes,
  type CoreMemory,
  type DrawPlan,
  type MemoryBudget,
} from './fit';
import { deviceView, memoryMap, peek, type MemoryMapView } from './inspect';
import { searchImage } from './secrets';
import {
  CONSUMER_BYTES,
  EVENT_KINDS,
  libraryOfIndex,
  type DeviceView,
  type DrawResult,
  type GuestManifest,
  type SecretReport,
  type TimelineEvent,
} from './types';

export type { VmMeta } from './boot';
export { secretBytes } from './boot';

const MAX_TIMELINE = 2000;
export class Lab {
  readonly engine: Engine;
  private readonly meta = new Map<number, VmMeta>();
  /** What each snapshot holds (guest, processes, secrets), kept apart from its source VM's life. */
  private readonly snapMeta = new Map<number, VmMeta>();
  /** The host seed in effect (the last boot's or loaded file's). */
  seed = 0;
  /** What the host lets the lab use: restores and draws that would need more are refused first. */
  budget: MemoryBudget = DEFAULT_BUDGET;
  /** Bytes of the last draw's result (held by its caller while the next draw runs). */
  private lastResultBytes = 0;

  constructor(readonly core: CoreExports) {
    this.engine = new Engine(core);
  }

  private invalid<T>(field: string, message: string): Result<T, LabError> {
    return err({ kind: 'InvalidValue', field, message: `${field}: ${message}` });
  }

  /** Moves the core's event log into per-VM timelines. */
  private drain(): void {
    for (const e of this.engine.guest.drainEvents()) {
      const m = this.meta.get(e.vm);
      if (!m || m.timeline.length >= MAX_TIMELINE) continue;
      const kind = EVENT_KINDS[e.kind] ?? 'draw';
      const lib =
        kind === 'library-reseed' || kind === 'library-abort' ? (libraryOfIndex(e.detail) ?? '') : '';
      m.timeline.push({ vm: e.vm, tNs: e.tNs, kind, detail: lib || String(e.detail) });
    }
  }

  /** Boots the guest: kernel, devices, processes initialised, secrets placed. */
  boot(guest: GuestManifest, opts: BootOptions): Result<VmId, LabError> {
    if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff)
      return this.invalid('seed', `expected a whole number from 0 to 4294967295, got ${opts.seed}`);
    const r = bootGuest(this.engine, guest, opts);
    if (r.ok) {
      this.seed = opts.seed;
      this.meta.set(r.value.vm, r.value.meta);
    }
    this.drain();
    return r.ok ? ok(r.value.vm) : r;
  }

  /**
   * Lets the guest run to its uptime at the snapshot (opts.uptimeS; every process calls its
   * library once more there, as an application's init does), then pauses it, suspends it
   * to S3 where the kernel has MADV_WIPEONSUSPEND (the flagged pages are wiped on the way in),
   * and captures it.
   */
  snapshot(vm: VmId, type: 'full' | 'diff', opts: SnapshotOptions = {}): Result<SnapshotId, LabError> {
    const g = this.engine.guest;
    const info = this.engine.vmInfo(vm);
    if (info?.state === 'running') {
      const uptimeNs = (opts.uptimeS ?? 0) * 1e9;
      const now = g.vmStateF64(vm, L.VS_CLOCK);
      if (uptimeNs > now) {
        const idle = g.idleVm(vm, uptimeNs - now);
        if (!idle.ok) return idle;
        // the application's initialisation ends at that uptime, using its RNG once more
        const used = g.callEveryProcess(vm);
        if (!used.ok) return used;
      }
      const s3 = g.kernelSuspend(vm);
      if (!s3.ok) return s3;
    }
    const r = this.engine.snapshot(vm, type);
    const m = this.meta.get(vm);
    if (r.ok && m) this.snapMeta.set(r.value, { ...m, processes: [...m.processes], timeline: [] });
    this.drain();
    return r;
  }

  /** The metadata a snapshot was taken (or loaded) with. */
  snapshotMeta(snap: SnapshotId): VmMeta | undefined {
    return this.snapMeta.get(snap);
  }

  /** Records what a loaded snapshot holds (snapfile/load.ts). */
  setSnapshotMeta(snap: SnapshotId, meta: VmMeta): void {
    this.snapMeta.set(snap, meta);
  }

  private afterRestore(vms: VmId[], opts: RestoreOptions, resumed: boolean): Result<void, LabError> {
    for (const vm of vms) {
      const r = this.engine.guest.afterRestore(
        vm,
        opts.notifyDelayUs * 1000,
        resumed,
        (opts.snapshotAgeS ?? 0) * 1e9,
      );
      if (!r.ok) return r;
    }
    return ok(undefined);
  }

  private checkDelay(opts: RestoreOptions): Result<void, LabError> {
    const d = opts.notifyDelayUs;
    if (!(d >= 0 && Number.isFinite(d)))
      return this.invalid('notifyDelayUs', `expected a number >= 0, got ${d}`);
    const a = opts.snapshotAgeS ?? 0;
    if (!(a >= 0 && Number.isFinite(a)))
      return this.invalid('snapshotAgeS', `expected a number >= 0, got ${a}`);
    return ok(undefined);
  }

  /** Restores clones (fresh VMGenID each, notification after δ); all or none. */
  restore(snap: SnapshotId, count: number, opts: RestoreOptions): Result<VmId[], LabError> {
    const delay = this.checkDelay(opts);
    if (!delay.ok) return delay;
    if (!this.engine.snapshotInfo(snap)) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const source = this.snapMeta.get(snap);
    if (!source) return this.invalid('snapshot', `snapshot ${snap} was not taken or loaded by this lab`);
    const r = this.engine.restore(snap, count, { lazy: opts.lazy ?? false });
    if (!r.ok) return r;
    for (const vm of r.value)
      this.meta.set(vm, {
        ...source,
        processes: [...source.processes],
        origin: 'clone',
        touched: 0,
        timeline: [],
      });
    const after = this.afterRestore(r.value, opts, false);
    if (!after.ok) {
      for (const vm of r.value) {
        this.engine.destroyVm(vm);
        this.meta.delete(vm);
      }
      this.drain();
      return after;
    }
    this.drain();
    return r;
  }

  /** Whether `count` clones of a snapshot fit in memory: lets a batched restore fail before it starts. */
  restoreFits(snap: SnapshotId, count: number, opts: { lazy?: boolean } = {}): Result<void, LabError> {
    return this.engine.restoreFits(snap, count, opts);
  }

  /** The core's memory as the fleet and draw checks see it (lab/fit.ts). */
  private coreMemory(): CoreMemory {
    return {
      stats: this.engine.stats(),
      poolBase: this.core.poolBaseAddr(),
      guestOpFrames: (procs) => this.core.guestOpFrames(procs),
    };
  }

  /**
   * Whether a fleet fits before it is made: `count` clones of `snap` in wasm memory (with what
   * they copy over their life), and a draw of `draws` from them and the `staying` VMs that will
   * draw beside them (earlier clones of the same snapshot, a resumed original). Nothing changes.
   */
  fleetFits(
    snap: SnapshotId,
    count: number,
    opts: { lazy?: boolean; staying: readonly VmId[]; draws: number },
  ): Result<void, LabError> {
    if (!this.engine.snapshotInfo(snap)) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const m = this.snapMeta.get(snap);
    if (!m) return this.invalid('snapshot', `snapshot ${snap} was not taken or loaded by this lab`);
    if (!Number.isInteger(count) || count < 1) return err(engineError(ERROR_CODE.InvalidArgument, count));
    const sizes = m.processes.map((p) => CONSUMER_BYTES[p.consumer]);
    const frames = this.core.restoreFramesNeeded(snap, count, opts.lazy ?? false);
    if (frames < 0) return err(engineError(frames, snap));
    const each = this.core.snapshotGuestOpFrames(snap);
    if (each < 0) return err(engineError(each, snap));
    const memory = this.coreMemory();
    const fleet = checkRestore(
      { count, restoreFrames: frames, cloneCopyFrames: each, procs: sizes.length },
      memory,
    );
    if (!fleet.ok) return fleet;
    const copyFrames = count * each + this.copyFrames(opts.staying);
    const drawn = checkDraw(
      { clones: count + opts.staying.length, draws: opts.draws, sizes, copyFrames },
      memory,
      this.budget,
      this.lastResultBytes,
    );
    return drawn.ok ? ok(undefined) : drawn;
  }

  /** Frames these VMs' guests would still copy (the pages they write that they share). */
  private copyFrames(vms: readonly VmId[]): number {
    let n = 0;
    for (const vm of vms) n += Math.max(0, this.core.vmGuestOpFrames(vm));
    return n;
  }

  /** Whether a draw described by its shape fits (a plan walked before it runs: session/plan.ts). */
  checkDrawPlan(plan: DrawPlan): Result<void, LabError> {
    const r = checkDraw(plan, this.coreMemory(), this.budget, 0);
    return r.ok ? ok(undefined) : r;
  }

  /** Whether a draw of `draws` from these VMs fits (lab/fit.ts); nothing changes. */
  drawFits(vms: readonly VmId[], draws: number): Result<void, LabError> {
    const procs = vms.length ? this.meta.get(vms[0]!)?.processes : undefined;
    if (!procs) return err(engineError(ERROR_CODE.UnknownVm, vms[0] ?? -1));
    const sizes = procs.map((p) => CONSUMER_BYTES[p.consumer]);
    const r = checkDraw(
      { clones: vms.length, draws, sizes, copyFrames: this.copyFrames(vms) },
      this.coreMemory(),
      this.budget,
      this.lastResultBytes,
    );
    return r.ok ? ok(undefined) : r;
  }

  /** Resumes a VM paused by a snapshot (the VMM's restore path runs for it too). */
  resume(vm: VmId, opts: RestoreOptions): Result<void, LabError> {
    const delay = this.checkDelay(opts);
    if (!delay.ok) return delay;
    const m = this.meta.get(vm);
    const r = this.engine.resume(vm);
    if (!r.ok) return r;
    const after = this.afterRestore([vm], opts, true);
    if (m) m.origin = m.origin === 'boot' ? 'resumed' : m.origin;
    this.drain();
    return after;
  }

  /** Every process of every VM draws `draws` outputs; collisions computed across the VMs. */
  draw(
    vms: readonly VmId[],
    draws: number,
    opts: { intervalUs?: number } = {},
  ): Result<DrawResult, LabError> {
    if (vms.length === 0) return this.invalid('vms', 'no VM to draw from');
    if (!Number.isInteger(draws) || draws < 1 || draws > 100000)
      return this.invalid('draws', `expected a whole number from 1 to 100000, got ${draws}`);
    const intervalUs = opts.intervalUs ?? 5;
    if (!(intervalUs >= 0) || !Number.isFinite(intervalUs))
      return this.invalid('intervalUs', `expected a number >= 0, got ${intervalUs}`);
    const first = this.meta.get(vms[0]!);
    if (!first) return err(engineError(ERROR_CODE.UnknownVm, vms[0]!));
    for (const vm of vms) {
      const m = this.meta.get(vm);
      const info = this.engine.vmInfo(vm);
      if (!m || !info) return err(engineError(ERROR_CODE.UnknownVm, vm));
      if (info.state !== 'running') return err(engineError(ERROR_CODE.VmPaused, vm));
      if (
        m.processes.length !== first.processes.length ||
        m.processes.some((p, i) => p.library !== first.processes[i]!.library)
      )
        return this.invalid(
          'vms',
          `VM ${vm} runs other processes than VM ${vms[0]}: draw from one lineage at a time`,
        );
    }
    const fits = this.drawFits(vms, draws);
    if (!fits.ok) return fits;
    const r = drawVms(this.engine, vms, first.processes, draws, intervalUs * 1000);
    this.drain();
    if (r.ok) {
      this.markFirstUnique(vms, draws, r.value);
      this.lastResultBytes = resultBytes(r.value.libraries);
    }
    return r;
  }

  /** Puts each library's first unique draw on every drawing VM's timeline, at that round's start. */
  private markFirstUnique(vms: readonly VmId[], draws: number, result: DrawResult): void {
    for (const vm of vms) {
      const m = this.meta.get(vm);
      if (!m) continue;
      const rounds = m.timeline.filter((e) => e.kind === 'draw').slice(-draws);
      for (const lib of result.libraries) {
        const round = lib.firstUniqueDraw === null ? undefined : rounds[lib.firstUniqueDraw - 1];
        if (!round || m.timeline.length >= MAX_TIMELINE) continue;
        m.timeline.push({ vm, tNs: round.tNs, kind: 'first-unique-draw', detail: lib.library });
      }
    }
  }

  /** Writes to `count` heap pages of a VM (shows copy-on-write and dirty tracking). */
  touchPages(vm: VmId, count: number): Result<void, LabError> {
    const m = this.meta.get(vm);
    if (!m) return err(engineError(ERROR_CODE.UnknownVm, vm));
    if (!Number.isInteger(count) || count < 1)
      return this.invalid('count', `expected a whole number >= 1, got ${count}`);
    if (m.heapPages === 0) return this.invalid('count', 'the guest has no heap pages to write');
    const marker = new Uint8Array(8);
    new DataView(marker.buffer).setFloat64(0, m.touched + 1);
    for (let k = 0; k < count; k++) {
      const page = m.heapPage + ((m.touched + k) % m.heapPages);
      const r = this.engine.write(vm, guestAddr(page * PAGE_SIZE), marker);
      if (!r.ok) return r;
    }
    m.touched += count;
    return ok(undefined);
  }

  /** fork(2) of process i of a VM: the child's state page per MADV_WIPEONFORK; returns its index. */
  fork(vm: VmId, process: number): Result<number, LabError> {
    const m = this.meta.get(vm);
    if (!m) return err(engineError(ERROR_CODE.UnknownVm, vm));
    const parent = m.processes[process];
    if (!parent) return this.invalid('process', `VM ${vm} has no process ${process}`);
    const r = this.engine.guest.forkProcess(vm, process);
    this.drain();
    if (!r.ok) return r;
    m.processes = [...m.processes, { ...parent, name: `${parent.name}-child` }];
    return ok(r.value);
  }

  /** Lets virtual time pass in a VM (µs), handling what falls due (notification, agent). */
  idle(vm: VmId, us: number): Result<void, LabError> {
    if (!(us >= 0) || !Number.isFinite(us)) return this.invalid('us', `expected a number >= 0, got ${us}`);
    const r = this.engine.guest.idleVm(vm, us * 1000);
    this.drain();
    return r.ok ? ok(undefined) : r;
  }

  destroy(vm: VmId): Result<void, LabError> {
    const r = this.engine.destroyVm(vm);
    if (r.ok) this.meta.delete(vm);
    return r;
  }

  deleteSnapshot(snap: SnapshotId): Result<void, LabError> {
    const r = this.engine.deleteSnapshot(snap);
    if (r.ok) this.snapMeta.delete(snap);
    return r;
  }

  /** Destroys every VM and snapshot and hands out ids from 0 again (a fresh lab on the same core). */
  reset(): void {
    for (const vm of this.engine.liveVms()) this.engine.destroyVm(vm);
    for (const s of this.engine.liveSnapshots().reverse()) this.engine.deleteSnapshot(s);
    this.meta.clear();
    this.snapMeta.clear();
    this.lastResultBytes = 0;
    this.drain();
    const r = this.engine.resetIds();
    if (!r.ok) throw new Error(`reset left live objects behind: ${r.error.message}`);
  }

  vms(): VmSummary[] {
    return this.engine.liveVms().map((id) => {
      const info = this.engine.vmInfo(id)!;
      return {
        id,
        state: info.state === 'paused' ? 'paused' : 'running',
        restoredFrom: this.meta.get(id)?.origin === 'clone' ? info.parentSnapshot : null,
        origin: this.meta.get(id)?.origin ?? 'boot',
        pages: info.pages,
        dirtyPages: info.dirtyPages,
        faults: info.faults,
        privateBytes: info.privateBytes,
      };
    });
  }

  snapshots(): SnapshotSummary[] {
    return this.engine.liveSnapshots().map((id) => {
      const s = this.engine.snapshotInfo(id)!;
      return {
        id,
        type: s.type,
        parent: s.parent,
        sourceVm: s.sourceVm,
        presentPages: s.presentPages,
        wipedPages: s.wipedPages,
        clones: s.clones,
      };
    });
  }

  /** The processes a VM runs (names, libraries, consumers), or null. */
  processes(vm: VmId): VmMeta['processes'] | null {
    return this.meta.get(vm)?.processes ?? null;
  }

  devices(vm: VmId): Result<DeviceView, LabError> {
    const d = deviceView(this.engine, vm);
    return d ? ok(d) : err(engineError(ERROR_CODE.UnknownVm, vm));
  }

  timeline(vm: VmId): Result<TimelineEvent[], LabError> {
    this.drain();
    const m = this.meta.get(vm);
    if (!m) return err(engineError(ERROR_CODE.UnknownVm, vm));
    return ok([...m.timeline]);
  }

  memoryEntries(vm: VmId): Result<Uint32Array, LabError> {
    const e = this.engine.vmEntries(vm);
    return e ? ok(e) : err(engineError(ERROR_CODE.UnknownVm, vm));
  }

  /** A VM's memory map, compared with another VM's where `compareWith` is live. */
  memoryMap(vm: VmId, compareWith: VmId | null): Result<MemoryMapView, LabError> {
    const other = compareWith !== null && this.engine.vmInfo(compareWith) ? compareWith : null;
    const m = memoryMap(this.engine, vm, other);
    return m ? ok(m) : err(engineError(ERROR_CODE.UnknownVm, vm));
  }

  pageInfo(vm: VmId, page: PageNo): Result<PageInfo & { hex: string }, LabError> {
    const r = this.engine.pageInfo(vm, page);
    if (!r.ok) return r;
    return ok({ ...r.value, hex: toHex(peek(this.engine, vm, page, 0, 32)) });
  }

  /** The snapshot's memory file (memory.bin): guest-size image, only the layer's pages written. */
  memoryImage(snap: SnapshotId): Result<{ memory: Uint8Array; presentPages: number[] }, LabError> {
    const info = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const memory = new Uint8Array(info.pages * PAGE_SIZE);
    const presentPages: number[] = [];
    const r = this.engine.forEachSnapshotPage(snap, (p, bytes) => {
      memory.set(bytes, p * PAGE_SIZE);
      presentPages.push(p);
    });
    if (!r.ok) return r;
    return ok({ memory, presentPages });
  }

  /** Which secrets' bytes occur in a snapshot's memory image (one pass for all), with offsets. */
  secrets(snap: SnapshotId): Result<SecretReport[], LabError> {
    const info = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const secrets = this.snapMeta.get(snap)?.secretPages ?? [];
    let failed: LabError | null = null;
    const hits = searchImage(
      info.pages,
      secrets.map((s) => s.bytes),
      (fn) => {
        // pages on the shared zero frame read as zeros: the search needs only the others
        const zeroFrame = this.core.poolBaseAddr();
        const r = this.engine.forEachSnapshotPage(snap, (p, bytes) => {
          if (bytes.byteOffset !== zeroFrame) fn(p, bytes);
        });
        if (!r.ok) failed = r.error;
      },
    );
    if (failed) return err(failed);
    return ok(
      secrets.map((s, i) => ({
        name: s.name,
        hex: toHex(s.bytes),
        wipeOnSuspend: s.wipeOnSuspend,
        madviseRefused: s.madviseRefused ?? false,
        inSnapshot: hits[i]!.occurrences > 0,
        occurrences: hits[i]!.occurrences,
        offsets: hits[i]!.offsets,
      })),
    );
  }

  /** Plain-data vmstate of a snapshot (what vmstate.json holds). */
  vmstate(snap: SnapshotId): Result<Record<string, unknown>, LabError> {
    const info: SnapshotInfo | null = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const m = this.snapMeta.get(snap);
    return ok({
      guest: m?.guest.name ?? null,
      kernel: m?.guest.kernel ?? null,
      seed: this.seed,
      snapshot: info,
      processes: m?.processes ?? [],
      secrets: (m?.secretPages ?? []).map((s) => ({
        name: s.name,
        page: s.page,
        wipeOnSuspend: s.wipeOnSuspend,
      })),
      heap: m ? { firstPage: m.heapPage, pages: m.heapPages } : null,
    });
  }

  stats() {
    return this.engine.stats();
  }
}
