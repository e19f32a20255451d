// The guest side of the facade over the wasm core: kernel boot, processes, draws, the VMM's
// restore path, events, collision detection and work vectors. Engine (engine.ts) holds one as
// `engine.guest`, so every call into the wasm goes through the one facade, and every offset and
// code comes from the wasm's own exported layout (src/core/wasm/layout.ts, generated).

import { engineError, type EngineError } from './errors';
import type { CoreExports } from './load/instantiate';
import * as L from './wasm/layout';
import { err, ok, PAGE_SIZE, type Result, type VmId } from './types';

/** One event of the core's log: which VM, what, when (virtual ns), and a detail number. */
export interface CoreEvent {
  vm: number;
  kind: number;
  tNs: number;
  detail: number;
}

/** Fields of a process table entry the lab reads. */
export type ProcessField = 'calls' | 'ns' | 'reseeds' | 'aborts' | 'library' | 'pid' | 'flags' | 'restarts';
const PROCESS_FIELD: Record<ProcessField, number> = {
  calls: L.P_CALLS,
  ns: L.P_NS,
  reseeds: L.P_RESEEDS,
  aborts: L.P_ABORTS,
  library: L.P_LIBRARY,
  pid: L.P_PID,
  flags: L.P_FLAGS,
  restarts: L.P_RESTARTS,
};

/** What one library's draw buffer needs: where outputs go, their stride and size, and UUID bits. */
export interface DrawTarget {
  vector: number;
  stride: number;
  size: number;
  uuid: boolean;
}

const EVENT_BYTES = 24;

/** A VM's entropy ledger: bits an attacker holding the snapshot does not know. */
export interface VmLedger {
  pool: number;
  crng: number;
  /** What put the CRNG's bits there (an event kind code, or CAUSE_*). */
  crngCause: number;
  procs: number[];
  callBits: number[];
  safeFrom: number[];
  causes: number[];
  safeCauses: number[];
}

export class GuestCalls {
  constructor(private readonly core: CoreExports) {}

  private fail<T>(code: number): Result<T, EngineError> {
    return err(engineError(code, this.core.lastErrorDetail()));
  }

  private status(code: number): Result<number, EngineError> {
    return code < 0 ? this.fail(code) : ok(code);
  }

  /** Seeds the host entropy generator. */
  setHostSeed(seed: number): void {
    this.core.setHostSeed(seed);
  }

  /** Boots the guest kernel in a fresh VM; the first page free for secrets and heap. */
  kernelBoot(vm: VmId, kernelPages: number, agentDelayNs: number): Result<number, EngineError> {
    return this.status(this.core.kernelBoot(vm, kernelPages, agentDelayNs));
  }

  /** Records where secrets and heap were placed. */
  layoutSetData(
    vm: VmId,
    secretPage: number,
    secretPages: number,
    heapPage: number,
    heapPages: number,
  ): void {
    this.core.layoutSetData(vm, secretPage, secretPages, heapPage, heapPages);
  }

  /** Fills pages with the application's deterministic heap bytes. */
  fillGuestPages(vm: VmId, first: number, count: number, tag: number): Result<number, EngineError> {
    return this.status(this.core.fillGuestPages(vm, first, count, tag));
  }

  /** Starts a process running library index `lib`, drawing `bytes` per call; its index. */
  spawnProcess(vm: VmId, lib: number, bytes: number): Result<number, EngineError> {
    return this.status(this.core.spawnProcess(vm, lib, bytes));
  }

  /** Every process makes one library call (the application's last use before a snapshot). */
  callEveryProcess(vm: VmId): Result<number, EngineError> {
    return this.status(this.core.callEveryProcess(vm));
  }

  /** fork(2) of process i; the child's index. */
  forkProcess(vm: VmId, i: number): Result<number, EngineError> {
    return this.status(this.core.forkProcess(vm, i));
  }

  /**
   * The VMM after a restore (resumed: the original going on): a clone gets a new VMGenID, TSC
   * offset and VMClock bump, its notification after δ; clock sync moves its wall clock by the
   * snapshot's age.
   */
  afterRestore(
    vm: VmId,
    notifyDelayNs: number,
    resumed: boolean,
    snapshotAgeNs = 0,
  ): Result<number, EngineError> {
    return this.status(this.core.afterRestore(vm, notifyDelayNs, resumed, snapshotAgeNs));
  }

  /** The guest's S3 entry before a snapshot (kernels with MADV_WIPEONSUSPEND; a no-op otherwise). */
  kernelSuspend(vm: VmId): Result<number, EngineError> {
    return this.status(this.core.kernelSuspend(vm));
  }

  /**
   * The VM's entropy ledger (vmm/ledger.ts): the kernel pool's and CRNG's bits, and per process
   * its generator's bits, the bits its last call mixed in by itself, and the draw (1-based, 0 =
   * not yet) of the last draw run from which it held 128.
   */
  ledger(vm: VmId, processes: number): VmLedger {
    const c = this.core;
    const per = (base: number) =>
      Array.from({ length: processes }, (_, i) => Math.max(0, c.ledgerBits(vm, base + i)));
    return {
      pool: Math.max(0, c.ledgerBits(vm, 0)),
      crng: Math.max(0, c.ledgerBits(vm, 1)),
      crngCause: Math.max(0, c.ledgerBits(vm, 194)),
      procs: per(2),
      callBits: per(66),
      safeFrom: per(130),
      causes: per(195),
      safeCauses: per(259),
    };
  }

  /** The guest's wall clock, ns since the epoch. */
  wallClockNs(vm: VmId): number {
    return this.core.guestWallClockNs(vm);
  }

  /** VMClock's vm_generation_counter as the guest reads it (0 without the device). */
  vmclockCounter(vm: VmId): number {
    return this.core.vmclockCounter(vm);
  }

  /** Every process of a VM draws `draws` outputs into its target (vmIndex: the VM's row). */
  drawVm(
    vm: VmId,
    draws: number,
    intervalNs: number,
    targets: readonly DrawTarget[],
    vmIndex: number,
  ): Result<number, EngineError> {
    const io = this.core.ioBuffer();
    const list = new Uint32Array(this.core.memory.buffer, io, targets.length * 4);
    targets.forEach((t, i) => list.set([t.vector, t.stride, t.size, t.uuid ? 1 : 0], i * 4));
    return this.status(this.core.drawVm(vm, draws, intervalNs, io, targets.length, vmIndex));
  }

  /** Lets virtual time pass in a VM. */
  idleVm(vm: VmId, ns: number): Result<number, EngineError> {
    return this.status(this.core.idleVm(vm, ns));
  }

  /** A u32 vmstate field by offset (layout.VS_*). */
  vmStateU32(vm: VmId, offset: number): number {
    return this.core.vmStateField(vm, offset, false);
  }

  /** An f64 vmstate field by offset (layout.VS_*). */
  vmStateF64(vm: VmId, offset: number): number {
    return this.core.vmStateField(vm, offset, true);
  }

  /** A process table field. */
  processField(vm: VmId, i: number, field: ProcessField): number {
    return this.core.processField(vm, i, PROCESS_FIELD[field]);
  }

  /** Number of processes of a VM. */
  processCount(vm: VmId): number {
    return Math.max(0, this.core.processCount(vm));
  }

  /** Takes every event the core logged since the last call, oldest first. */
  drainEvents(): CoreEvent[] {
    const io = this.core.ioBuffer();
    const out: CoreEvent[] = [];
    for (;;) {
      const n = this.core.drainEvents(io, 4096);
      if (n === 0) return out;
      const view = new DataView(this.core.memory.buffer, io, n * EVENT_BYTES);
      for (let i = 0; i < n; i++) {
        const at = i * EVENT_BYTES;
        out.push({
          vm: view.getUint32(at, true),
          kind: view.getUint32(at + 4, true),
          tNs: view.getFloat64(at + 8, true),
          detail: view.getUint32(at + 16, true),
        });
      }
    }
  }

  /** A work vector of `bytes` bytes in the frame pool (0 if memory ran out). */
  newVector(bytes: number): number {
    return this.core.newVector(bytes);
  }

  freeVector(top: number, bytes: number): void {
    this.core.freeVector(top, bytes);
  }

  /** Frames a vector of `bytes` bytes needs. */
  vectorFrames(bytes: number): number {
    return this.core.vectorFrames(bytes);
  }

  /** The largest fleet whose clone x clone matrix the core computes. */
  get matrixMaxClones(): number {
    return this.core.MATRIX_MAX_CLONES.value;
  }

  /** Collision detection over a library's outputs; the statistics of the call. */
  collide(
    out: number,
    clones: number,
    draws: number,
    size: number,
    stride: number,
    groupTop: number,
    flagTop: number,
    matrixTop: number,
  ): Result<{ duplicates: number; collidingPairs: number; firstUniqueIndex: number }, EngineError> {
    const r = this.core.collide(out, clones, draws, size, stride, groupTop, flagTop, matrixTop);
    if (r < 0) return this.fail(r);
    return ok({
      duplicates: this.core.collideStat(0),
      collidingPairs: this.core.collideStat(1),
      firstUniqueIndex: this.core.collideStat(2),
    });
  }

  /** Copies the first `bytes` bytes of a vector out of wasm memory (or into `into` at `at`). */
  vectorBytes(top: number, bytes: number, into?: Uint8Array, at = 0): Uint8Array {
    const out = into ?? new Uint8Array(bytes);
    const mem = new Uint8Array(this.core.memory.buffer);
    const mem32 = new Uint32Array(this.core.memory.buffer);
    const base = this.core.poolBaseAddr();
    const topWord = (base + top * PAGE_SIZE) >>> 2;
    for (let p = 0; p * PAGE_SIZE < bytes; p++) {
      const leafWord = (base + mem32[topWord + (p >> 10)]! * PAGE_SIZE) >>> 2; // read in place
      const frame = mem32[leafWord + (p & 1023)]! & L.E_FRAME_MASK;
      const n = Math.min(PAGE_SIZE, bytes - p * PAGE_SIZE);
      out.set(mem.subarray(base + frame * PAGE_SIZE, base + frame * PAGE_SIZE + n), at + p * PAGE_SIZE);
    }
    return out;
  }

  /** Whether the VM has the SysGenId driver (its counter page), without touching it. */
  hasSysgenid(vm: VmId): boolean {
    return this.core.sysgenidCounterPage(vm) >= 0;
  }

  /** The SysGenId facts the Devices panel shows. */
  sysgenidFacts(vm: VmId): { counter: number; watchers: number; outdated: number; acked: number } {
    return {
      counter: this.core.sysgenidCounter(vm),
      watchers: this.core.sysgenidWatchers(vm),
      outdated: this.core.sysgenidOutdated(vm),
      acked: this.core.sysgenidAcked(vm),
    };
  }
}
