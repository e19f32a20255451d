// The typed facade over the wasm memory/snapshot engine: the one way the app, the CLI, tests and
// benches reach guest memory. Ids and addresses are branded; failures come back as EngineError
// results (the core changed nothing); exceptions mean bugs.

import { engineError, ERROR_CODE, type EngineError } from './errors';
import { SysGenIdDevice } from './devices/sysgenid';
import { GuestCalls } from './guest';
import type { CoreExports } from './load/instantiate';
import * as L from './wasm/layout';
import {
  err,
  frameIdx,
  ok,
  PAGE_SIZE,
  pagesForMiB,
  snapshotId,
  vmId,
  type FrameIdx,
  type GuestAddr,
  type PageNo,
  type Result,
  type SnapshotId,
  type VmId,
} from './types';

export const PAGE_ROLES = [
  'free',
  'kernel',
  'kernel-rng',
  'library-state',
  'secret',
  'sysgenid-page',
  'vmgenid',
  'heap',
] as const;
export type PageRole = (typeof PAGE_ROLES)[number];

export type Advice = 'WIPEONFORK' | 'KEEPONFORK' | 'WIPEONSUSPEND' | 'KEEPONSUSPEND' | 'DONTDUMP' | 'DODUMP';
export type SnapshotType = 'full' | 'diff';
export type VmState = 'gone' | 'running' | 'paused';

// entry bits (assembly/memory/page_table.ts, read from the wasm's exported layout)
export const E_FRAME_MASK = L.E_FRAME_MASK;
export const E_PRESENT = L.E_PRESENT;
export const E_WIPEONFORK = L.E_WIPEONFORK;
export const E_WIPEONSUSPEND = L.E_WIPEONSUSPEND;
export const E_DONTDUMP = L.E_DONTDUMP;
export const E_WIPED = L.E_WIPED;
export const E_ROLE_SHIFT = L.E_ROLE_SHIFT;

/** Guest kernel feature bits the engine acts on (the kernel defines more). */
export const FEAT_WIPEONSUSPEND = L.FEAT_WIPEONSUSPEND;

const adviceBits: Record<Advice, { set: number; clear: number }> = {
  WIPEONFORK: { set: E_WIPEONFORK, clear: 0 },
  KEEPONFORK: { set: 0, clear: E_WIPEONFORK },
  WIPEONSUSPEND: { set: E_WIPEONSUSPEND, clear: 0 },
  KEEPONSUSPEND: { set: 0, clear: E_WIPEONSUSPEND },
  DONTDUMP: { set: E_DONTDUMP, clear: 0 },
  DODUMP: { set: 0, clear: E_DONTDUMP },
};

/** What one page-table entry says, decoded. */
export interface PageEntry {
  frame: FrameIdx;
  present: boolean;
  wipeOnFork: boolean;
  wipeOnSuspend: boolean;
  dontDump: boolean;
  wiped: boolean;
  role: PageRole;
}

/** Decodes a raw page-table entry. */
export function decodeEntry(e: number): PageEntry {
  return {
    frame: frameIdx(e & E_FRAME_MASK),
    present: (e & E_PRESENT) !== 0,
    wipeOnFork: (e & E_WIPEONFORK) !== 0,
    wipeOnSuspend: (e & E_WIPEONSUSPEND) !== 0,
    dontDump: (e & E_DONTDUMP) !== 0,
    wiped: (e & E_WIPED) !== 0,
    role: PAGE_ROLES[(e >>> E_ROLE_SHIFT) & 7]!,
  };
}

export interface VmInfo {
  id: VmId;
  state: VmState;
  pages: number;
  dirtyPages: number;
  faults: number;
  cowCopies: number;
  parentSnapshot: SnapshotId | null;
  /** Host bytes only this VM holds (private frames, private leaves, top, bitmaps, record). */
  privateBytes: number;
}

export interface SnapshotInfo {
  id: SnapshotId;
  type: SnapshotType;
  parent: SnapshotId | null;
  pages: number;
  presentPages: number;
  wipedPages: number;
  children: number;
  sourceVm: VmId;
  clones: number;
  depth: number;
}

export interface EngineStats {
  guestFrames: number;
  metaFrames: number;
  poolFrames: number;
  freeFrames: number;
  wasmMemoryBytes: number;
  frameLimit: number;
}

export interface PageInfo extends PageEntry {
  page: PageNo;
  dirty: boolean;
  /** Holders of the frame: page-table leaves mapping it (0 for the zero page). */
  frameRefcount: number;
  /** Tables (VMs and snapshots) sharing this page's leaf. */
  leafSharers: number;
  /** Live VMs and snapshots whose page maps this same frame. */
  mappedBy: number;
}

/** Entry bit of a layer's page record: the page has bytes of its own (else it is the zero page). */
export const IMPORT_DATA = L.IMPORT_DATA;
/** Entry bits a layer record may carry: role, WIPED, madvise flags, PRESENT and IMPORT_DATA. */
export const LAYER_ENTRY_BITS = 0xf7800001;

/**
 * One snapshot layer as plain data (what a snapshot file holds): the pages it lists, ascending,
 * with their page-table entries (frame field: IMPORT_DATA or 0) and the bytes of the pages that
 * have data, back to back in list order. A full layer lists only pages that are not plain zero
 * pages (entry exactly E_PRESENT); a diff layer lists every page it holds.
 */
export interface LayerPages {
  type: SnapshotType;
  pages: number;
  pageNumbers: Uint32Array;
  entries: Uint32Array;
  data: Uint8Array;
  /** The engine's raw vmstate of the layer (VMSTATE_BYTES = 128). */
  vmstate: Uint8Array;
  /** Pages the suspend before this capture zeroed (MADV_WIPEONSUSPEND); 0 if not given. */
  wipedPages?: number;
}

/** Size of a snapshot's raw vmstate (assembly/memory/guest_memory.ts VMSTATE_BYTES). */
export const VMSTATE_BYTES = L.VMSTATE_BYTES;

const LEAF_ENTRIES = L.LEAF_ENTRIES;

/** The memory/snapshot engine of one wasm instance. */
export class Engine {
  /** The guest side of the facade: kernel, processes, draws, events, collisions. */
  readonly guest: GuestCalls;

  constructor(readonly core: CoreExports) {
    core.ensureInit();
    this.guest = new GuestCalls(core);
  }

  /** The /dev/sysgenid of a VM (its driver state lives in the VM's pages). */
  sysgenid(vm: VmId): SysGenIdDevice {
    return new SysGenIdDevice(this.core, vm);
  }

  /** Hands out VM and snapshot ids from 0 again; refused while any VM or snapshot lives. */
  resetIds(): Result<void, EngineError> {
    return this.status(this.core.resetIds());
  }

  /** Whether page p of a VM is dirty since its last snapshot. */
  isDirty(vm: VmId, page: number): boolean {
    return this.core.vmIsDirty(vm, page) === 1;
  }

  /** Whether two host frames hold the same bytes (compared in place: no guest access, no fault). */
  sameFrameBytes(a: number, b: number): boolean {
    if (a === b) return true;
    const at = (f: number) => (this.core.poolBaseAddr() + f * PAGE_SIZE) >>> 2;
    const mem = this.u32();
    const x = at(a);
    const y = at(b);
    for (let i = 0; i < PAGE_SIZE / 4; i++) if (mem[x + i] !== mem[y + i]) return false;
    return true;
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.core.memory.buffer);
  }

  private u32(): Uint32Array {
    return new Uint32Array(this.core.memory.buffer);
  }

  private fail<T>(code: number): Result<T, EngineError> {
    return err(engineError(code, this.core.lastErrorDetail()));
  }

  private status(code: number): Result<void, EngineError> {
    return code < 0 ? this.fail(code) : ok(undefined);
  }

  /** Boots a VM with all-zero memory; features are guest kernel feature bits. */
  bootVm(opts: { memoryMiB?: number; features?: number } = {}): Result<VmId, EngineError> {
    const mib = opts.memoryMiB ?? 128;
    if (!Number.isInteger(mib) || mib <= 0)
      return err(engineError(ERROR_CODE.InvalidGuestSize, pagesForMiB(Math.max(0, mib))));
    const r = this.core.bootVm(pagesForMiB(mib), opts.features ?? 0);
    return r < 0 ? this.fail(r) : ok(vmId(r));
  }

  /** Destroys a VM, freeing every frame only it held. */
  destroyVm(vm: VmId): Result<void, EngineError> {
    return this.status(this.core.destroyVm(vm));
  }

  /** Writes bytes into guest memory (copy-on-write; marks pages dirty). All or nothing. */
  write(vm: VmId, addr: GuestAddr, data: Uint8Array): Result<void, EngineError> {
    const reserved = this.core.vmReserveWrite(vm, addr, data.length);
    if (reserved < 0) return this.fail(reserved);
    const io = this.core.ioBuffer();
    const chunk = this.core.ioBufferBytes();
    for (let done = 0; done < data.length; done += chunk) {
      const n = Math.min(chunk, data.length - done);
      this.bytes().set(data.subarray(done, done + n), io);
      const r = this.core.vmWrite(vm, addr + done, io, n);
      if (r < 0) throw new Error(`write failed after its reservation (${r}): a core bug`);
    }
    return ok(undefined);
  }

  /** Reads guest bytes (counts lazy first-touch faults). */
  read(vm: VmId, addr: GuestAddr, length: number): Result<Uint8Array, EngineError> {
    const out = new Uint8Array(length);
    const io = this.core.ioBuffer();
    const chunk = this.core.ioBufferBytes();
    if (length === 0) {
      const r = this.core.vmRead(vm, addr, io, 0);
      return r < 0 ? this.fail(r) : ok(out);
    }
    for (let done = 0; done < length; done += chunk) {
      const n = Math.min(chunk, length - done);
      const r = this.core.vmRead(vm, addr + done, io, n);
      if (r < 0) return this.fail(r);
      out.set(this.bytes().subarray(io, io + n), done);
    }
    return ok(out);
  }

  /** madvise(2) on a page-aligned range (length rounded up to whole pages). */
  madvise(vm: VmId, addr: GuestAddr, length: number, advice: Advice): Result<void, EngineError> {
    const b = adviceBits[advice];
    return this.status(this.core.vmMadvise(vm, addr, length, b.set, b.clear));
  }

  /** Labels pages with a role for the pictures. */
  setRole(vm: VmId, first: PageNo, count: number, role: PageRole): Result<void, EngineError> {
    return this.status(this.core.vmSetRole(vm, first, count, PAGE_ROLES.indexOf(role)));
  }

  /** Snapshots a VM (pause, suspend-wipe, capture); the VM stays paused until resumed. */
  snapshot(vm: VmId, type: SnapshotType): Result<SnapshotId, EngineError> {
    const r = this.core.snapshotVm(vm, type === 'full' ? 0 : 1);
    return r < 0 ? this.fail(r) : ok(snapshotId(r));
  }

  /** Resumes a VM paused by a snapshot (counts as one more clone of it). */
  resume(vm: VmId): Result<void, EngineError> {
    return this.status(this.core.resumeVm(vm));
  }

  /** Restores count clones from a snapshot chain; all or none. */
  restore(snap: SnapshotId, count: number, opts: { lazy?: boolean } = {}): Result<VmId[], EngineError> {
    if (!Number.isInteger(count) || count < 1) return err(engineError(ERROR_CODE.InvalidArgument, count));
    const r = this.core.restoreClones(snap, count, opts.lazy ?? false);
    if (r < 0) return this.fail(r);
    return ok(Array.from({ length: count }, (_, i) => vmId(r + i)));
  }

  /** Whether count clones of a snapshot fit in memory (reserving them); nothing else changes. */
  restoreFits(snap: SnapshotId, count: number, opts: { lazy?: boolean } = {}): Result<void, EngineError> {
    if (!Number.isInteger(count) || count < 1) return err(engineError(ERROR_CODE.InvalidArgument, count));
    return this.status(this.core.restoreFits(snap, count, opts.lazy ?? false));
  }

  /** Merges a diff chain into one new full snapshot. */
  merge(snap: SnapshotId): Result<SnapshotId, EngineError> {
    const r = this.core.mergeSnapshot(snap);
    return r < 0 ? this.fail(r) : ok(snapshotId(r));
  }

  /** Deletes a snapshot (refused while diff layers sit on it). */
  deleteSnapshot(snap: SnapshotId): Result<void, EngineError> {
    return this.status(this.core.deleteSnapshot(snap));
  }

  /** Facts about a VM, or null if it does not exist. */
  vmInfo(vm: VmId): VmInfo | null {
    const state = this.core.vmState(vm);
    if (state === 0) return null;
    const parent = this.core.vmParentSnapshot(vm);
    return {
      id: vm,
      state: state === 1 ? 'running' : 'paused',
      pages: this.core.vmPages(vm),
      dirtyPages: this.core.vmDirtyCount(vm),
      faults: this.core.vmFaults(vm),
      cowCopies: this.core.vmCowCopies(vm),
      parentSnapshot: parent === 0xffffffff ? null : snapshotId(parent),
      privateBytes: this.core.vmPrivateBytes(vm),
    };
  }

  /** Facts about a snapshot, or null if it does not exist. */
  snapshotInfo(snap: SnapshotId): SnapshotInfo | null {
    const f = (i: number) => this.core.snapshotInfo(snap, i);
    if (f(0) !== 1) return null;
    return {
      id: snap,
      type: f(1) === 0 ? 'full' : 'diff',
      parent: f(2) < 0 ? null : snapshotId(f(2)),
      pages: f(3),
      presentPages: f(4),
      wipedPages: f(5),
      children: f(6),
      sourceVm: vmId(f(7)),
      clones: f(8),
      depth: f(9),
    };
  }

  /** Ids of live VMs, oldest first. */
  liveVms(): VmId[] {
    const out: VmId[] = [];
    const n = this.core.vmIdsIssued();
    for (let i = 0; i < n; i++) if (this.core.vmState(i) !== 0) out.push(vmId(i));
    return out;
  }

  /** Ids of live snapshots, oldest first. */
  liveSnapshots(): SnapshotId[] {
    const out: SnapshotId[] = [];
    const n = this.core.snapshotIdsIssued();
    for (let i = 0; i < n; i++) if (this.core.snapshotInfo(i, 0) === 1) out.push(snapshotId(i));
    return out;
  }

  /** Every page-table entry of a VM (a copy), or null if the VM does not exist. */
  vmEntries(vm: VmId): Uint32Array | null {
    const pages = this.core.vmPages(vm);
    if (pages === 0) return null;
    const out = new Uint32Array(pages);
    const mem = this.u32();
    for (let i = 0; i * LEAF_ENTRIES < pages; i++) {
      const a = this.core.vmLeafAddr(vm, i) >>> 2;
      out.set(mem.subarray(a, a + Math.min(LEAF_ENTRIES, pages - i * LEAF_ENTRIES)), i * LEAF_ENTRIES);
    }
    return out;
  }

  /** Decoded facts about one page of a VM, with sharing counts. */
  pageInfo(vm: VmId, page: PageNo): Result<PageInfo, EngineError> {
    const e = this.core.vmPageEntry(vm, page);
    if (e < 0) return this.fail(e);
    const entry = decodeEntry(e);
    const leaf = Math.floor(page / LEAF_ENTRIES);
    let mappedBy = 0;
    if (entry.frame !== 0) {
      for (const v of this.liveVms())
        if ((this.core.vmPageEntry(v, page) & E_FRAME_MASK) === entry.frame) mappedBy++;
      for (const s of this.liveSnapshots()) {
        const se = this.core.snapshotPageEntry(s, page);
        if (se & E_PRESENT && (se & E_FRAME_MASK) === entry.frame) mappedBy++;
      }
    }
    return ok({
      ...entry,
      page,
      dirty: this.core.vmIsDirty(vm, page) === 1,
      frameRefcount: this.core.frameRefcount(entry.frame),
      leafSharers: this.core.frameRefcount(this.core.vmLeafFrame(vm, leaf)),
      mappedBy,
    });
  }

  /**
   * Calls fn(page, bytes) for each page a snapshot's own layer holds (a full snapshot: all of
   * them), in page order. fn only reads: it must not call back into the core.
   */
  forEachSnapshotPage(
    snap: SnapshotId,
    fn: (page: PageNo, bytes: Uint8Array) => void,
  ): Result<void, EngineError> {
    const pages = this.core.snapshotInfo(snap, 3);
    if (pages < 0) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const io = this.core.ioBuffer();
    const maxPairs = this.core.ioBufferBytes() >>> 3;
    for (let from = 0; from < pages; from = this.core.listNextPage()) {
      const n = this.core.snapshotListPages(snap, from, io, maxPairs);
      const pairs = this.u32().slice(io >>> 2, (io >>> 2) + 2 * n); // a copy: fn may read freely
      const bytes = this.bytes();
      for (let k = 0; k < n; k++) {
        const at = pairs[2 * k + 1]!;
        fn(pairs[2 * k]! as PageNo, bytes.subarray(at, at + PAGE_SIZE));
      }
    }
    return ok(undefined);
  }

  /** The first n bytes of a VM's page, read from its frame without touching it (no fault counted). */
  peekPage(vm: VmId, page: PageNo, n: number): Result<Uint8Array, EngineError> {
    const e = this.core.vmPageEntry(vm, page);
    if (e < 0) return this.fail(e);
    const at = this.core.poolBaseAddr() + (e & E_FRAME_MASK) * PAGE_SIZE;
    return ok(this.bytes().slice(at, at + Math.min(n, PAGE_SIZE)));
  }

  /** Frame pool and wasm memory accounting. */
  stats(): EngineStats {
    return {
      guestFrames: this.core.guestFramesInUse(),
      metaFrames: this.core.metaFramesInUse(),
      poolFrames: this.core.poolFrames(),
      freeFrames: this.core.freeFrames(),
      wasmMemoryBytes: this.core.wasmMemoryBytes(),
      frameLimit: this.core.frameLimitNow(),
    };
  }

  /** Caps the frames the core may use (0 = no cap beyond wasm's own limit). */
  setFrameLimit(frames: number): void {
    this.core.setFrameLimit(frames);
  }

  /** Reference count of a frame (holders: page-table leaves, or tables for a leaf frame). */
  refcount(frame: FrameIdx | number): number {
    return this.core.frameRefcount(frame);
  }

  /** Frame indices of the leaves of a VM's table (0 = absent). */
  vmLeafFrames(vm: VmId): number[] {
    const pages = this.core.vmPages(vm);
    return Array.from({ length: Math.ceil(pages / LEAF_ENTRIES) }, (_, i) => this.core.vmLeafFrame(vm, i));
  }

  /** Frame indices of the leaves of a snapshot layer (0 = absent). */
  snapshotLeafFrames(snap: SnapshotId): number[] {
    const pages = Math.max(0, this.core.snapshotInfo(snap, 3));
    return Array.from({ length: Math.ceil(pages / LEAF_ENTRIES) }, (_, i) =>
      this.core.snapshotLeafFrame(snap, i),
    );
  }

  /** The raw entries of one leaf frame (a copy). */
  leafEntries(leafFrame: number): Uint32Array {
    const a = (this.core.poolBaseAddr() + leafFrame * PAGE_SIZE) >>> 2;
    return this.u32().slice(a, a + LEAF_ENTRIES);
  }

  /** The raw vmstate bytes of a snapshot (a copy), or null if it does not exist. */
  snapshotVmstate(snap: SnapshotId): Uint8Array | null {
    const at = this.core.snapshotStateAddr(snap);
    return at === 0 ? null : this.bytes().slice(at, at + VMSTATE_BYTES);
  }

  /** A snapshot's own layer as plain data (LayerPages), read without touching any frame. */
  snapshotLayer(snap: SnapshotId): Result<LayerPages, EngineError> {
    const info = this.snapshotInfo(snap);
    const vmstate = this.snapshotVmstate(snap);
    if (!info || !vmstate) return err(engineError(ERROR_CODE.UnknownSnapshot, snap));
    const full = info.type === 'full';
    const listed: number[] = [];
    const entries: number[] = [];
    this.snapshotLeafFrames(snap).forEach((lf, i) => {
      if (lf === 0) return;
      const leaf = this.leafEntries(lf);
      const n = Math.min(LEAF_ENTRIES, info.pages - i * LEAF_ENTRIES);
      for (let j = 0; j < n; j++) {
        const e = leaf[j]!;
        if (!(e & E_PRESENT) || (full && e === E_PRESENT)) continue;
        listed.push(i * LEAF_ENTRIES + j);
        entries.push(e);
      }
    });
    const dataPages = entries.filter((e) => (e & E_FRAME_MASK) !== 0).length;
    const data = new Uint8Array(dataPages * PAGE_SIZE);
    const mem = this.bytes();
    const base = this.core.poolBaseAddr();
    let k = 0;
    const out = Uint32Array.from(entries, (e) => {
      const f = e & E_FRAME_MASK;
      if (f === 0) return e;
      data.set(mem.subarray(base + f * PAGE_SIZE, base + (f + 1) * PAGE_SIZE), k++ * PAGE_SIZE);
      return ((e & ~E_FRAME_MASK) | IMPORT_DATA) >>> 0;
    });
    return ok({
      type: info.type,
      pages: info.pages,
      pageNumbers: Uint32Array.from(listed),
      entries: out,
      data,
      vmstate,
      wipedPages: info.wipedPages,
    });
  }

  /**
   * Builds snapshots from layers, base first: layer 0 must be full, each later one a diff on the
   * one before. All or none: on an error every layer built so far is deleted again (nothing that
   * existed changes, no frame stays taken). Returns the ids, base first.
   */
  importSnapshot(layers: readonly LayerPages[]): Result<SnapshotId[], EngineError> {
    const ids: SnapshotId[] = [];
    const undo = <T>(r: Result<T, EngineError>): Result<SnapshotId[], EngineError> => {
      for (const id of [...ids].reverse()) this.core.deleteSnapshot(id);
      return r.ok ? err(engineError(ERROR_CODE.InvalidArgument, 0)) : r;
    };
    for (const layer of layers) {
      const built = this.importLayer(layer, ids.length === 0 ? -1 : ids[ids.length - 1]!);
      if (!built.ok) return undo(built);
      ids.push(built.value);
    }
    return ok(ids);
  }

  /** One layer through importBegin / importPages / importCommit (importAbort on any error). */
  private importLayer(layer: LayerPages, parent: number): Result<SnapshotId, EngineError> {
    const n = layer.pageNumbers.length;
    if (layer.entries.length !== n || layer.vmstate.length !== VMSTATE_BYTES)
      return err(engineError(ERROR_CODE.InvalidArgument, layer.entries.length));
    let dataPages = 0;
    for (const e of layer.entries) if (e & IMPORT_DATA) dataPages++;
    if (layer.data.length !== dataPages * PAGE_SIZE)
      return err(engineError(ERROR_CODE.InvalidArgument, layer.data.length));
    const token = this.core.importBegin(layer.pages, layer.type === 'full' ? 0 : 1, parent, dataPages);
    if (token < 0) return this.fail(token);
    const abort = (code: number): Result<SnapshotId, EngineError> => {
      const detail = this.core.lastErrorDetail();
      this.core.importAbort(token);
      return err(engineError(code, detail));
    };
    const io = this.core.ioBuffer();
    const room = this.core.ioBufferBytes();
    let next = 0;
    let dataAt = 0;
    while (next < n) {
      // pack as many records as fit into the io buffer (views are re-made: a call may grow memory)
      const mem = this.bytes();
      const view = new DataView(this.core.memory.buffer);
      let at = 0;
      while (next < n) {
        const e = layer.entries[next]!;
        const size = 8 + (e & IMPORT_DATA ? PAGE_SIZE : 0);
        if (at + size > room) break;
        view.setUint32(io + at, layer.pageNumbers[next]!, true);
        view.setUint32(io + at + 4, e, true);
        if (e & IMPORT_DATA) {
          mem.set(layer.data.subarray(dataAt, dataAt + PAGE_SIZE), io + at + 8);
          dataAt += PAGE_SIZE;
        }
        at += size;
        next++;
      }
      const r = this.core.importPages(token, io, at);
      if (r < 0) return abort(r);
    }
    this.bytes().set(layer.vmstate, io);
    const snap = this.core.importCommit(token, io, layer.wipedPages ?? 0);
    if (snap < 0) return abort(snap);
    return ok(snapshotId(snap));
  }

  /** Imports begun and neither committed nor aborted (0 unless a caller forgot one). */
  importsPending(): number {
    return this.core.importsPending();
  }
}
