// The guest side of the facade over the wasm core: kernel boot, processes, draws (into the
// core's draw buffer), the VMM's restore path and events. Engine (engine.ts) holds one as
// `engine.guest`, so every call into the wasm goes through the one facade, and every offset and
// code comes from the wasm's own exported layout (src/core/wasm/layout.ts, generated).

import { engineError, type EngineError } from './errors';
import type { CoreExports } from './load/instantiate';
import * as L from './wasm/layout';
import { err, ok, type Result, type VmId } from './types';

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

/** Where one process's outputs of a draw piece go: an address in the draw buffer, stride, size, UUID bits. */
export interface DrawTarget {
  address: number;
  stride: number;
  size: number;
  uuid: boolean;
}

/** What a draw reads of each process (processFacts): its counters and its entropy ledger. */
export interface ProcessFacts {
  calls: number;
  ns: number;
  reseeds: number;
  aborts: number;
  /** The ledger's bits in its generator. */
  bits: number;
  /** Unknown bits its last call mixed in by itself. */
  callBits: number;
  /** The draw (1-based) of the last draw run from which it held 128 bits (0: not yet). */
  safeFrom: number;
  cause: number;
  safeCause: number;
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

  /** Address of the draw buffer: a draw piece's outputs land here (contiguous host memory). */
  get drawBuffer(): number {
    return this.core.drawBuffer();
  }

  /** Bytes of the draw buffer. */
  get drawBufferBytes(): number {
    return this.core.DRAW_BUFFER_BYTES.value;
  }

  /**
   * Every process of a VM makes draws first .. first + count - 1 of its draw run (first = 0
   * starts the run), into its target in the draw buffer (one target per process).
   */
  drawVm(
    vm: VmId,
    first: number,
    count: number,
    intervalNs: number,
    targets: readonly DrawTarget[],
  ): Result<number, EngineError> {
    const io = this.core.ioBuffer();
    const list = new Uint32Array(this.core.memory.buffer, io, targets.length * 4);
    targets.forEach((t, i) => list.set([t.address, t.stride, t.size, t.uuid ? 1 : 0], i * 4));
    return this.status(this.core.drawVm(vm, first, count, intervalNs, io, targets.length));
  }

  /** The draw buffer's bytes [at, at + bytes) (a view: valid until the next core call). */
  drawBufferView(at: number, bytes: number): Uint8Array {
    return new Uint8Array(this.core.memory.buffer, at, bytes);
  }

  /** Counters and ledger facts of processes 0 .. n - 1 of a VM, read in one core call. */
  processFacts(vm: VmId, n: number): Result<ProcessFacts[], EngineError> {
    const io = this.core.ioBuffer();
    const r = this.core.processFacts(vm, n, io);
    if (r < 0) return this.fail(r);
    const per = this.core.PROCESS_FACTS.value;
    const f = new Float64Array(this.core.memory.buffer, io, n * per);
    return ok(
      Array.from({ length: n }, (_, i) => {
        const o = i * per;
        return {
          calls: f[o]!,
          ns: f[o + 1]!,
          reseeds: f[o + 2]!,
          aborts: f[o + 3]!,
          bits: f[o + 4]!,
          callBits: f[o + 5]!,
          safeFrom: f[o + 6]!,
          cause: f[o + 7]!,
          safeCause: f[o + 8]!,
        };
      }),
    );
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
