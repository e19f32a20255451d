// The lab: guests booted from manifests, snapshots, clones, draws and what they show, over one
// wasm core. Every outcome is read back from guest bytes or computed by the core; this class
// only sequences core calls, keeps names and timelines, and formats.

import { Engine, type PageInfo, type SnapshotInfo } from '../engine';
import { snapFileError, type SnapFileError } from '../snapfile/errors';
import { decodeSnapshotFileBytes, type DecodedSnapshot, type SnapshotFileContent } from '../snapfile/format';
import { engineError } from '../errors';
import type { CoreExports } from '../load/instantiate';
import { formatAt, toHex } from '../crypto/uuid';
import {
  err,
  guestAddr,
  ok,
  pageNo,
  PAGE_SIZE,
  type PageNo,
  type Result,
  type SnapshotId,
  type VmId,
} from '../types';
import type {
  BootOptions,
  DrawOptions,
  DrawResult,
  LabApi,
  LabError,
  RestoreOptions,
  SnapshotSummary,
  VmSummary,
} from './api';
import {
  CONSUMER_BYTES,
  LIBRARY_IDS,
  type Consumer,
  type DeviceView,
  type GuestManifest,
  type LibraryId,
  type LibraryReport,
  type SecretReport,
  type SecretSpec,
  type TimelineEvent,
  type TimelineKind,
} from './types';

// guest kernel feature bits (assembly/vmm/vmstate.ts)
export const FEAT = {
  wipeOnSuspend: 1,
  vmgenid: 2,
  sysgenidVmgenid: 4,
  sysgenidOverseer: 8,
  vdso: 16,
  jitter: 32,
  agent: 64,
  rdrandExits: 128,
} as const;

// vmstate offsets and kdata layout (assembly/vmm/vmstate.ts, assembly/kernel/crng.ts)
const VS = { clock: 8, notifyAt: 16, kdata: 40, vmgenid: 52, heapPage: 64, heapPages: 68 } as const;
const K = { baseKey: 0, baseGen: 32, vdsoGen: 208 } as const;
// process table entry offsets (assembly/kernel/process.ts)
const P = { library: 4, calls: 16, ns: 24, reseeds: 32, aborts: 36 } as const;

const EVENT_KINDS: Record<number, TimelineKind> = {
  1: 'restore',
  2: 'resume',
  3: 'vmgenid-notify',
  4: 'crng-reseed',
  5: 'sysgenid-bump',
  6: 'agent-reseed',
  7: 'periodic-reseed',
  8: 'library-reseed',
  9: 'library-abort',
  10: 'fork',
  11: 'draw',
};

// vmstate offset of the kernel image's page count (assembly/vmm/vmstate.ts VS_KERNEL_PAGES)
const VS_KERNEL_PAGES = 104;
const MAX_TIMELINE = 2000;
const DEFAULT_KERNEL_PAGES = 256;
const DEFAULT_HEAP_PAGES = 1024;

interface ProcessMeta {
  name: string;
  library: LibraryId;
  consumer: Consumer;
}

interface VmMeta {
  guest: GuestManifest;
  processes: ProcessMeta[];
  origin: 'boot' | 'clone' | 'resumed';
  secretPages: { name: string; bytes: Uint8Array; page: number; wipeOnSuspend: boolean }[];
  heapPage: number;
  heapPages: number;
  touched: number;
  timeline: TimelineEvent[];
}

/** Stride of one output in an output vector: a power of two so no output crosses a page. */
function strideFor(bytes: number): number {
  let s = 1;
  while (s < bytes) s <<= 1;
  return s;
}

/** The secret's bytes (hex or UTF-8 text). */
export function secretBytes(s: { hex?: string; text?: string }): Uint8Array {
  if (s.hex !== undefined) return Uint8Array.from(s.hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  return new TextEncoder().encode(s.text ?? '');
}

/** Kernel feature bits of a manifest. */
export function featureBits(k: GuestManifest['kernel']): number {
  return (
    (k.wipeOnSuspend ? FEAT.wipeOnSuspend : 0) |
    (k.vmgenid ? FEAT.vmgenid : 0) |
    (k.sysgenid === 'vmgenid' ? FEAT.sysgenidVmgenid : 0) |
    (k.sysgenid === 'overseer' ? FEAT.sysgenidOverseer : 0) |
    (k.vdsoGetrandom ? FEAT.vdso : 0) |
    (k.jitterEntropy ? FEAT.jitter : 0) |
    (k.agentReseed ? FEAT.agent : 0)
  );
}

/** Every offset where needle occurs in haystack. */
function findAll(haystack: Uint8Array, needle: Uint8Array, base: number, out: number[]): void {
  if (needle.length === 0) return;
  let from = 0;
  for (;;) {
    const i = haystack.indexOf(needle[0]!, from);
    if (i < 0 || i + needle.length > haystack.length) return;
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) out.push(base + i);
    from = i + 1;
  }
}

export class Lab implements LabApi {
  readonly engine: Engine;
  private readonly meta = new Map<number, VmMeta>();
  /** What each snapshot holds (guest, processes, secrets), kept apart from its source VM's life. */
  private readonly snapMeta = new Map<number, VmMeta>();
  private seed = 0;

  constructor(readonly core: CoreExports) {
    this.engine = new Engine(core);
  }

  /** A lab over an instantiated core. */
  static async create(core: CoreExports): Promise<Lab> {
    return new Lab(core);
  }

  private fail<T>(code: number): Result<T, LabError> {
    return err(engineError(code, this.core.lastErrorDetail()));
  }

  private invalid<T>(field: string, message: string): Result<T, LabError> {
    return err({ kind: 'InvalidValue', field, message: `${field}: ${message}` });
  }

  private vmMeta(vm: VmId): VmMeta | undefined {
    return this.meta.get(vm);
  }

  /** Moves the core's event log into per-VM timelines. */
  private drain(): void {
    const io = this.core.ioBuffer();
    for (;;) {
      const n = this.core.drainEvents(io, 4096);
      if (n === 0) return;
      const view = new DataView(this.core.memory.buffer, io, n * 24);
      for (let i = 0; i < n; i++) {
        const vm = view.getUint32(i * 24, true);
        const kind = view.getUint32(i * 24 + 4, true);
        const t = view.getFloat64(i * 24 + 8, true);
        const detail = view.getUint32(i * 24 + 16, true);
        const m = this.meta.get(vm);
        if (!m || m.timeline.length >= MAX_TIMELINE) continue;
        const lib = kind === 8 || kind === 9 ? (LIBRARY_IDS[detail] ?? '') : '';
        m.timeline.push({ vm, tNs: t, kind: EVENT_KINDS[kind] ?? 'draw', detail: lib || String(detail) });
      }
    }
  }

  boot(guest: GuestManifest, opts: BootOptions): Result<VmId, LabError> {
    if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff)
      return this.invalid('seed', `expected a whole number from 0 to 4294967295, got ${opts.seed}`);
    const memoryMiB = opts.memoryMiB ?? guest.memoryMiB;
    const consumer = opts.consumer;
    const processes: ProcessMeta[] = opts.libraries
      ? opts.libraries.map((library, i) => ({
          name: `${library}-${i}`,
          library,
          consumer: consumer ?? guest.processes[0]?.consumer ?? 'uuid',
        }))
      : guest.processes.map((p) => ({ ...p, consumer: consumer ?? p.consumer }));
    if (processes.length === 0) return this.invalid('processes', 'the guest runs no process');
    for (const p of processes) {
      if (!LIBRARY_IDS.includes(p.library)) return this.invalid('library', `unknown library "${p.library}"`);
    }
    this.seed = opts.seed;
    this.core.setHostSeed(opts.seed);
    const booted = this.engine.bootVm({ memoryMiB, features: featureBits(guest.kernel) });
    if (!booted.ok) return booted;
    const vm = booted.value;
    const undo = <T>(r: Result<T, LabError>): Result<VmId, LabError> => {
      this.engine.destroyVm(vm);
      this.drain();
      this.meta.delete(vm);
      return r.ok ? this.invalid('boot', 'failed') : r;
    };
    const kernelPages = guest.layout?.kernelPages ?? DEFAULT_KERNEL_PAGES;
    const first = this.core.kernelBoot(vm, kernelPages, guest.kernel.agentDelayUs * 1000);
    if (first < 0) return undo(this.fail(first));
    // secrets: one page each (or more), flagged as the manifest says
    let page = first;
    const secretPages: VmMeta['secretPages'] = [];
    for (const s of guest.secrets) {
      const bytes = secretBytes(s);
      const pages = Math.max(1, Math.ceil(bytes.length / PAGE_SIZE));
      const w = this.engine.write(vm, guestAddr(page * PAGE_SIZE), bytes);
      if (!w.ok) return undo(w);
      const role = this.engine.setRole(vm, pageNo(page), pages, 'secret');
      if (!role.ok) return undo(role);
      if (s.wipeOnSuspend) {
        const m = this.engine.madvise(vm, guestAddr(page * PAGE_SIZE), pages * PAGE_SIZE, 'WIPEONSUSPEND');
        if (!m.ok) return undo(m);
      }
      secretPages.push({ name: s.name, bytes, page, wipeOnSuspend: s.wipeOnSuspend });
      page += pages;
    }
    const heapPages = Math.min(
      guest.layout?.heapPages ?? DEFAULT_HEAP_PAGES,
      this.engine.vmInfo(vm)!.pages - page,
    );
    if (heapPages > 0) {
      const f = this.core.fillGuestPages(vm, page, heapPages, opts.seed * 65537 + 17);
      if (f < 0) return undo(this.fail(f));
      const role = this.engine.setRole(vm, pageNo(page), heapPages, 'heap');
      if (!role.ok) return undo(role);
    }
    this.core.layoutSetData(vm, first, page - first, page, heapPages);
    this.meta.set(vm, {
      guest,
      processes,
      origin: 'boot',
      secretPages,
      heapPage: page,
      heapPages,
      touched: 0,
      timeline: [],
    });
    for (const p of processes) {
      const r = this.core.spawnProcess(vm, LIBRARY_IDS.indexOf(p.library), CONSUMER_BYTES[p.consumer]);
      if (r < 0) return undo(this.fail(r));
    }
    this.drain();
    return ok(vm);
  }

  snapshot(vm: VmId, type: 'full' | 'diff'): Result<SnapshotId, LabError> {
    const r = this.engine.snapshot(vm, type);
    const m = this.meta.get(vm);
    if (r.ok && m) this.snapMeta.set(r.value, { ...m, processes: [...m.processes], timeline: [] });
    this.drain();
    return r;
  }

  /** The metadata a snapshot was taken with. */
  private snapshotMeta(snap: SnapshotId): VmMeta | undefined {
    return this.snapMeta.get(snap);
  }

  private afterRestore(vms: VmId[], opts: RestoreOptions, resumed: boolean): Result<void, LabError> {
    const delay = opts.notifyDelayUs;
    if (!(delay >= 0) || !Number.isFinite(delay))
      return this.invalid('notifyDelayUs', `expected a number >= 0, got ${delay}`);
    for (const vm of vms) {
      const r = this.core.afterRestore(vm, delay * 1000, resumed);
      if (r < 0) return this.fail(r);
    }
    return ok(undefined);
  }

  restore(snap: SnapshotId, count: number, opts: RestoreOptions): Result<VmId[], LabError> {
    if (!(opts.notifyDelayUs >= 0) || !Number.isFinite(opts.notifyDelayUs))
      return this.invalid('notifyDelayUs', `expected a number >= 0, got ${opts.notifyDelayUs}`);
    const info = this.engine.snapshotInfo(snap);
    const source = this.snapshotMeta(snap);
    if (!info) return err(engineError(-2, snap));
    if (!source) return this.invalid('snapshot', `snapshot ${snap} was not taken or loaded by this lab`);
    const r = this.engine.restore(snap, count, { lazy: opts.lazy ?? false });
    if (!r.ok) return r;
    for (const vm of r.value) {
      this.meta.set(vm, {
        ...source,
        processes: [...source.processes],
        origin: 'clone',
        touched: 0,
        timeline: [],
      });
    }
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

  restoreFits(snap: SnapshotId, count: number, opts: { lazy?: boolean } = {}): Result<void, LabError> {
    return this.engine.restoreFits(snap, count, opts);
  }

  resume(vm: VmId, opts: RestoreOptions): Result<void, LabError> {
    const m = this.vmMeta(vm);
    const r = this.engine.resume(vm);
    if (!r.ok) return r;
    const after = this.afterRestore([vm], opts, true);
    if (m) m.origin = m.origin === 'boot' ? 'resumed' : m.origin;
    this.drain();
    return after;
  }

  draw(vms: VmId[], draws: number, opts: DrawOptions = {}): Result<DrawResult, LabError> {
    if (vms.length === 0) return this.invalid('vms', 'no VM to draw from');
    if (!Number.isInteger(draws) || draws < 1 || draws > 100000)
      return this.invalid('draws', `expected a whole number from 1 to 100000, got ${draws}`);
    const intervalUs = opts.intervalUs ?? 5;
    if (!(intervalUs >= 0) || !Number.isFinite(intervalUs))
      return this.invalid('intervalUs', `expected a number >= 0, got ${intervalUs}`);
    const first = this.vmMeta(vms[0]!);
    if (!first) return err(engineError(-1, vms[0]!));
    for (const vm of vms) {
      const m = this.vmMeta(vm);
      const info = this.engine.vmInfo(vm);
      if (!m || !info) return err(engineError(-1, vm));
      if (info.state !== 'running') return err(engineError(-6, vm));
      if (
        m.processes.length !== first.processes.length ||
        m.processes.some((p, i) => p.library !== first.processes[i]!.library)
      )
        return this.invalid(
          'vms',
          `VM ${vm} runs other processes than VM ${vms[0]}: draw from one lineage at a time`,
        );
    }
    const procs = first.processes;
    const n = vms.length * draws;
    const vectors: number[] = [];
    const sizes = procs.map((p) => CONSUMER_BYTES[p.consumer]);
    const strides = sizes.map(strideFor);
    const cleanup = () => strides.forEach((s, i) => vectors[i] && this.core.freeVector(vectors[i]!, n * s));
    for (const s of strides) {
      const v = this.core.newVector(n * s);
      if (v === 0) {
        cleanup();
        return err(engineError(-4, this.core.vectorFrames(n * s)));
      }
      vectors.push(v);
    }
    const before = vms.map((vm) =>
      procs.map((_, i) => [this.core.processField(vm, i, P.calls), this.core.processField(vm, i, P.ns)]),
    );
    const reseedsBefore = vms.map((vm) => procs.map((_, i) => this.core.processField(vm, i, P.reseeds)));
    const abortsBefore = vms.map((vm) => procs.map((_, i) => this.core.processField(vm, i, P.aborts)));
    const io = this.core.ioBuffer();
    for (let v = 0; v < vms.length; v++) {
      const list = new Uint32Array(this.core.memory.buffer, io, procs.length * 4);
      procs.forEach((p, i) =>
        list.set([vectors[i]!, strides[i]!, sizes[i]!, p.consumer === 'uuid' ? 1 : 0], i * 4),
      );
      const r = this.core.drawVm(vms[v]!, draws, intervalUs * 1000, io, procs.length, v);
      if (r < 0) {
        cleanup();
        this.drain();
        return this.fail(r);
      }
    }
    this.drain();
    const libraries: LibraryReport[] = [];
    for (let i = 0; i < procs.length; i++) {
      const rep = this.collide(
        vectors[i]!,
        vms.length,
        draws,
        sizes[i]!,
        strides[i]!,
        procs[i]!.consumer,
        opts.withOutputs ?? true,
      );
      if (!rep.ok) {
        cleanup();
        return rep;
      }
      let calls = 0;
      let ns = 0;
      let reseeds = 0;
      let aborts = 0;
      vms.forEach((vm, v) => {
        calls += this.core.processField(vm, i, P.calls) - before[v]![i]![0]!;
        ns += this.core.processField(vm, i, P.ns) - before[v]![i]![1]!;
        reseeds += this.core.processField(vm, i, P.reseeds) - reseedsBefore[v]![i]!;
        aborts += this.core.processField(vm, i, P.aborts) - abortsBefore[v]![i]!;
      });
      libraries.push({
        library: procs[i]!.library,
        consumer: procs[i]!.consumer,
        ...rep.value,
        nsPerCall: calls > 0 ? ns / calls : 0,
        reseeds,
        aborts,
      });
    }
    cleanup();
    this.markFirstUnique(vms, draws, libraries);
    return ok({ vms: [...vms], draws, libraries });
  }

  /**
   * Puts each library's first unique draw on every drawing VM's timeline, at the time that
   * draw round started (from the draw events this batch logged).
   */
  private markFirstUnique(vms: VmId[], draws: number, libraries: LibraryReport[]): void {
    for (const vm of vms) {
      const m = this.meta.get(vm);
      if (!m) continue;
      const rounds = m.timeline.filter((e) => e.kind === 'draw').slice(-draws);
      for (const lib of libraries) {
        const round = rounds[lib.firstUniqueDraw];
        if (!round || m.timeline.length >= MAX_TIMELINE) continue;
        m.timeline.push({ vm, tNs: round.tNs, kind: 'first-unique-draw', detail: lib.library });
      }
    }
  }

  /** Collision statistics, marks and text of one library's outputs (vector out). */
  private collide(
    out: number,
    clones: number,
    draws: number,
    size: number,
    stride: number,
    consumer: Consumer,
    withOutputs: boolean,
  ): Result<Omit<LibraryReport, 'library' | 'consumer' | 'nsPerCall' | 'reseeds' | 'aborts'>, LabError> {
    const n = clones * draws;
    const groupTop = this.core.newVector(n * 4);
    const flagTop = this.core.newVector(n);
    const matrixTop =
      clones <= this.core.MATRIX_MAX_CLONES.value ? this.core.newVector(clones * clones * 4) : 0;
    const free = () => {
      if (groupTop) this.core.freeVector(groupTop, n * 4);
      if (flagTop) this.core.freeVector(flagTop, n);
      if (matrixTop) this.core.freeVector(matrixTop, clones * clones * 4);
    };
    if (!groupTop || !flagTop || (clones <= this.core.MATRIX_MAX_CLONES.value && !matrixTop)) {
      free();
      return err(engineError(-4, this.core.vectorFrames(n * 4)));
    }
    const r = this.core.collide(out, clones, draws, size, stride, groupTop, flagTop, matrixTop);
    if (r < 0) {
      free();
      return this.fail(r);
    }
    const outputs: string[][] = [];
    const groups: number[][] = [];
    const bytes = withOutputs ? this.vectorBytes(out, n * stride) : new Uint8Array(0);
    const groupBytes = withOutputs ? this.vectorBytes(groupTop, n * 4) : new Uint8Array(0);
    const groupsFlat = new Uint32Array(groupBytes.buffer, groupBytes.byteOffset, groupBytes.length / 4);
    const flags = withOutputs ? this.vectorBytes(flagTop, n) : new Uint8Array(0);
    for (let c = 0; withOutputs && c < clones; c++) {
      const row: string[] = [];
      const grow: number[] = [];
      for (let d = 0; d < draws; d++) {
        const i = c * draws + d;
        row.push(formatAt(bytes, i * stride, size, consumer === 'uuid'));
        grow.push(flags[i]! & 1 ? groupsFlat[i]! : -1);
      }
      outputs.push(row);
      groups.push(grow);
    }
    let matrix: number[][] | null = null;
    if (matrixTop) {
      const mb = this.vectorBytes(matrixTop, clones * clones * 4);
      const m = new Uint32Array(mb.buffer, mb.byteOffset, clones * clones);
      matrix = Array.from({ length: clones }, (_, a) => Array.from(m.subarray(a * clones, (a + 1) * clones)));
    }
    const stats = {
      duplicates: this.core.collideStat(0),
      collidingPairs: this.core.collideStat(1),
      firstUniqueDraw: this.core.collideStat(2),
    };
    free();
    return ok({ ...stats, outputs, groups, matrix });
  }

  /** Copies the first `bytes` bytes of a frame vector out of wasm memory. */
  private vectorBytes(top: number, bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    const mem = new Uint8Array(this.core.memory.buffer);
    const mem32 = new Uint32Array(this.core.memory.buffer);
    const base = this.core.poolBaseAddr();
    const topWord = (base + top * PAGE_SIZE) >>> 2;
    for (let p = 0; p * PAGE_SIZE < bytes; p++) {
      const leafWord = (base + mem32[topWord + (p >> 10)]! * PAGE_SIZE) >>> 2; // read in place
      const frame = mem32[leafWord + (p & 1023)]! & 0x7fffff;
      const n = Math.min(PAGE_SIZE, bytes - p * PAGE_SIZE);
      out.set(mem.subarray(base + frame * PAGE_SIZE, base + frame * PAGE_SIZE + n), p * PAGE_SIZE);
    }
    return out;
  }

  touchPages(vm: VmId, count: number): Result<void, LabError> {
    const m = this.vmMeta(vm);
    if (!m) return err(engineError(-1, vm));
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
    const m = this.vmMeta(vm);
    if (!m) return err(engineError(-1, vm));
    const parent = m.processes[process];
    if (!parent) return this.invalid('process', `VM ${vm} has no process ${process}`);
    const r = this.core.forkProcess(vm, process);
    this.drain();
    if (r < 0) return this.fail(r);
    m.processes = [...m.processes, { ...parent, name: `${parent.name}-child` }];
    return ok(r);
  }

  /** Lets virtual time pass in a VM (µs), handling what falls due (notification, agent). */
  idle(vm: VmId, us: number): Result<void, LabError> {
    if (!(us >= 0) || !Number.isFinite(us)) return this.invalid('us', `expected a number >= 0, got ${us}`);
    const r = this.core.idleVm(vm, us * 1000);
    this.drain();
    return r < 0 ? this.fail(r) : ok(undefined);
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

  reset(): void {
    for (const vm of this.engine.liveVms()) this.engine.destroyVm(vm);
    for (const s of this.engine.liveSnapshots().reverse()) this.engine.deleteSnapshot(s);
    this.meta.clear();
    this.snapMeta.clear();
    this.drain();
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

  /** Guest bytes of a VM without counting faults (the lab observing, not the guest touching). */
  private peek(vm: VmId, page: number, offset: number, n: number): Uint8Array {
    const r = this.engine.peekPage(vm, pageNo(page), offset + n);
    return r.ok ? r.value.subarray(offset, offset + n) : new Uint8Array(n);
  }

  devices(vm: VmId): Result<DeviceView, LabError> {
    if (!this.engine.vmInfo(vm)) return err(engineError(-1, vm));
    const kdata = this.core.vmStateField(vm, VS.kdata, false);
    const u64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    const gen = u64(this.peek(vm, kdata, K.baseGen, 8));
    const vdsoGen = u64(this.peek(vm, kdata, K.vdsoGen, 8));
    const notifyAt = this.core.vmStateField(vm, VS.notifyAt, true);
    const hasSysgenid = this.core.sysgenidCounterPage(vm) >= 0;
    return ok({
      vm,
      vmgenid: toHex(this.peek(vm, this.core.vmStateField(vm, VS.vmgenid, false), 0, 16)),
      crngGeneration: Number(gen),
      vdsoGeneration: Number(vdsoGen),
      crngKeyPrefix: toHex(this.peek(vm, kdata, K.baseKey, 8)),
      sysgenid: hasSysgenid
        ? {
            counter: this.core.sysgenidCounter(vm),
            watchers: this.core.sysgenidWatchers(vm),
            outdated: this.core.sysgenidOutdated(vm),
            acked: this.core.sysgenidAcked(vm),
          }
        : null,
      clockNs: this.core.vmStateField(vm, VS.clock, true),
      notifyAtNs: Number.isFinite(notifyAt) ? notifyAt : null,
    });
  }

  timeline(vm: VmId): Result<TimelineEvent[], LabError> {
    this.drain();
    const m = this.vmMeta(vm);
    if (!m) return err(engineError(-1, vm));
    return ok([...m.timeline]);
  }

  memoryEntries(vm: VmId): Result<Uint32Array, LabError> {
    const e = this.engine.vmEntries(vm);
    return e ? ok(e) : err(engineError(-1, vm));
  }

  pageInfo(vm: VmId, page: PageNo): Result<PageInfo & { hex: string }, LabError> {
    const r = this.engine.pageInfo(vm, page);
    if (!r.ok) return r;
    return ok({ ...r.value, hex: toHex(this.peek(vm, page, 0, 32)) });
  }

  /** The snapshot's memory file (memory.bin): guest-size image, only the layer's pages written. */
  memoryImage(snap: SnapshotId): Result<{ memory: Uint8Array; presentPages: number[] }, LabError> {
    const info = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(-2, snap));
    const memory = new Uint8Array(info.pages * PAGE_SIZE);
    const presentPages: number[] = [];
    const r = this.engine.forEachSnapshotPage(snap, (p, bytes) => {
      memory.set(bytes, p * PAGE_SIZE);
      presentPages.push(p);
    });
    if (!r.ok) return r;
    return ok({ memory, presentPages });
  }

  secrets(snap: SnapshotId): Result<SecretReport[], LabError> {
    const info = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(-2, snap));
    const secrets = this.snapshotMeta(snap)?.secretPages ?? [];
    const offsets = secrets.map(() => [] as number[]);
    const longest = secrets.reduce((n, s) => Math.max(n, s.bytes.length), 1);
    // search the file as written, page by page: a window of this page plus the tail of the
    // previous one when the file has them next to each other, so a match may cross pages
    let prevPage = -2;
    let tail = new Uint8Array(0);
    const r = this.engine.forEachSnapshotPage(snap, (p, bytes) => {
      const carry = p === prevPage + 1 ? tail : new Uint8Array(0);
      const window = new Uint8Array(carry.length + bytes.length);
      window.set(carry);
      window.set(bytes, carry.length);
      const base = p * PAGE_SIZE - carry.length;
      secrets.forEach((s, i) => {
        const found: number[] = [];
        findAll(window, s.bytes, base, found);
        // a match wholly inside the carried tail was counted with the previous page
        for (const o of found) if (o + s.bytes.length > p * PAGE_SIZE) offsets[i]!.push(o);
      });
      tail = bytes.slice(PAGE_SIZE - Math.min(PAGE_SIZE, longest - 1));
      prevPage = p;
    });
    if (!r.ok) return r;
    return ok(
      secrets.map((s, i) => ({
        name: s.name,
        hex: toHex(s.bytes),
        wipeOnSuspend: s.wipeOnSuspend,
        inSnapshot: offsets[i]!.length > 0,
        offsets: offsets[i]!,
      })),
    );
  }

  /** Plain-data vmstate of a snapshot (what vmstate.json holds). */
  vmstate(snap: SnapshotId): Result<Record<string, unknown>, LabError> {
    const info = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(-2, snap));
    const m = this.snapshotMeta(snap);
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

  /**
   * What a snapshot file of `snap` holds (src/core/snapfile/format.ts): its chain's layers, base
   * first, and the guest's metadata. Fails if the lab no longer knows the snapshot's guest.
   */
  snapshotFileContent(snap: SnapshotId): Result<SnapshotFileContent, LabError> {
    const info = this.engine.snapshotInfo(snap);
    if (!info) return err(engineError(-2, snap));
    const m = this.snapshotMeta(snap);
    if (!m)
      return this.invalid(
        'snapshot',
        `the lab no longer knows the guest of snapshot ${snap} (VM ${info.sourceVm} is gone)`,
      );
    const layers: SnapshotFileContent['layers'] = [];
    for (let s: SnapshotId | null = snap; s !== null;) {
      const layer = this.engine.snapshotLayer(s);
      if (!layer.ok) return layer;
      const si: SnapshotInfo = this.engine.snapshotInfo(s)!;
      layers.unshift({ ...layer.value, wipedPages: si.wipedPages });
      s = si.parent;
    }
    const top = layers[layers.length - 1]!;
    const kernelPages = new DataView(top.vmstate.buffer, top.vmstate.byteOffset).getUint32(
      VS_KERNEL_PAGES,
      true,
    );
    return ok({
      meta: {
        guest: m.guest.name,
        description: m.guest.description,
        memoryMiB: info.pages / 256,
        kernel: m.guest.kernel,
        // the layout the guest really got (boot fits the manifest's to the memory size)
        layout: { kernelPages, heapPages: m.heapPages },
        seed: this.seed,
        snapshot: { ...info },
        processes: m.processes.map((p) => ({ ...p })),
        secrets: m.secretPages.map((s) => ({
          name: s.name,
          page: s.page,
          pages: Math.max(1, Math.ceil(s.bytes.length / PAGE_SIZE)),
          bytes: s.bytes.length,
          wipeOnSuspend: s.wipeOnSuspend,
        })),
        heap: { firstPage: m.heapPage, pages: m.heapPages },
      },
      layers,
    });
  }

  /**
   * Loads a checked snapshot file (decodeSnapshotFileBytes) as new snapshots, one per layer, and
   * returns the top one's id: clones restored from it run the file's guest (lab.draw works on
   * them). The host seed becomes `opts.seed`, or the file's. Secret values are not in the file:
   * pass the guest's secrets to have lab.secrets() search for them (secrets without a value are
   * left out). All or nothing: on an error no snapshot was added.
   */
  loadSnapshot(
    decoded: DecodedSnapshot,
    opts: { seed?: number; secrets?: readonly SecretSpec[] } = {},
  ): Result<SnapshotId, LabError | SnapFileError> {
    const { meta } = decoded;
    const seed = opts.seed ?? meta.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      return this.invalid('seed', `expected a whole number from 0 to 4294967295, got ${seed}`);
    const features = featureBits(meta.kernel);
    for (const [k, layer] of decoded.layers.entries()) {
      const have = new DataView(layer.vmstate.buffer, layer.vmstate.byteOffset).getUint32(0, true);
      if ((have & ~FEAT.rdrandExits) !== features)
        return err(
          snapFileError(
            'BadVmstate',
            { field: `layers[${k}].vmstate features` },
            `0x${have.toString(16)} disagree with the kernel the JSON describes (0x${features.toString(16)})`,
          ),
        );
    }
    const ids = this.engine.importSnapshot(decoded.layers);
    if (!ids.ok) return ids;
    this.seed = seed;
    this.core.setHostSeed(seed);
    const known = new Map((opts.secrets ?? []).map((s) => [s.name, secretBytes(s)]));
    const guest: GuestManifest = {
      name: meta.guest,
      description: meta.description,
      memoryMiB: meta.memoryMiB,
      kernel: meta.kernel,
      processes: meta.processes,
      secrets: (opts.secrets ?? []).filter((s) => meta.secrets.some((p) => p.name === s.name)),
      ...(meta.layout ? { layout: meta.layout } : {}),
    };
    const vmMeta: VmMeta = {
      guest,
      processes: meta.processes.map((p) => ({ ...p })),
      origin: 'boot',
      secretPages: meta.secrets.flatMap((s) => {
        const bytes = known.get(s.name);
        return bytes && bytes.length === s.bytes
          ? [{ name: s.name, bytes, page: s.page, wipeOnSuspend: s.wipeOnSuspend }]
          : [];
      }),
      heapPage: meta.heap?.firstPage ?? 0,
      heapPages: meta.heap?.pages ?? 0,
      touched: 0,
      timeline: [],
    };
    // every layer of the chain describes the same guest
    for (const id of ids.value) this.snapMeta.set(id, vmMeta);
    return ok(ids.value[ids.value.length - 1]!);
  }

  /** Checks and loads a snapshot file's bytes (see loadSnapshot). */
  loadSnapshotFile(
    bytes: Uint8Array,
    opts: { seed?: number; secrets?: readonly SecretSpec[] } = {},
  ): Result<SnapshotId, LabError | SnapFileError> {
    const decoded = decodeSnapshotFileBytes(bytes);
    return decoded.ok ? this.loadSnapshot(decoded.value, opts) : decoded;
  }
}
