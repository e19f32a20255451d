// Byte-level tests of the per-process RNG state that lives in guest pages, through the real core
// (src/core): the vDSO getrandom state (Linux 6.11, MAP_DROPPABLE), fork (MADV_WIPEONFORK and
// OpenSSL's pid check) and MADV_WIPEONSUSPEND (MECHANISMS.md "Mechanisms"; the vDSO state layout
// is at the top of assembly/kernel/vdso.ts, the process table at the top of assembly/kernel/process.ts).

import { beforeEach, describe, expect, it } from 'vitest';
import { chacha20Block } from '../src/core/crypto/chacha20-ref';
import { Lab } from '../src/core/lab/lab';
import type { Consumer, GuestManifest, KernelFeatures, LibraryId } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { pageNo, PAGE_SIZE, unwrap, type SnapshotId, type VmId } from '../src/core/types';
import { smallGuest } from './helpers';
import { outputRows } from '../src/core/lab/draw';

// vmstate (assembly/vmm/vmstate.ts) and kdata (assembly/kernel/crng.ts) offsets
const VS_KDATA_PAGE = 40;
const K_BASE_KEY = 0;
const K_BASE_GEN = 32;
const K_CPU_KEY = 48;
const K_CPU_GEN = 80;
const K_VDSO_GEN = 208;
const K_GETRANDOM_CALLS = 240;
// process table entry (assembly/kernel/process.ts)
const P_PID = 0;
const P_BYTES = 8;
const P_STATE_PAGE = 12;
const P_CALLS = 16;
const P_RESEEDS = 32;
const P_PARENT = 44;
// vgetrandom_state (assembly/kernel/vdso.ts)
const V_BATCH = 0;
const V_KEY = 96;
const V_GEN = 128;
const V_POS = 136;
const V_IN_USE = 137;
// openssl-1.1.1 state (assembly/libs/libraries.ts): the public DRBG at 128, its fork_id at +64
const O_PID = 128 + 64;

const NONCE0 = new Uint8Array(12);

/** A small guest: the given kernel features, one process per library. */
const guest = (kernel: Partial<KernelFeatures>, libraries: LibraryId[], consumer: Consumer = 'key') =>
  smallGuest('vdso-test', kernel, libraries, consumer);

const VDSO_KERNEL: Partial<KernelFeatures> = { vmgenid: true, vdsoGetrandom: true };

let lab: Lab;
beforeEach(async () => {
  lab = new Lab(await loadCoreNode('debug'));
});

function cloneFleet(
  g: GuestManifest,
  clones: number,
  notifyDelayUs: number,
): { vm: VmId; snap: SnapshotId; clones: VmId[] } {
  const vm = unwrap(lab.boot(g, { seed: 5 }));
  const snap = unwrap(lab.snapshot(vm, 'full'));
  return { vm, snap, clones: unwrap(lab.restore(snap, clones, { notifyDelayUs })) };
}

/** Moves the core's event log into the lab's timelines after a direct core call (Lab's private drain()). */
function drain(): void {
  (lab as unknown as { drain(): void }).drain();
}

function idle(vm: VmId, ns: number): void {
  const r = lab.core.idleVm(vm, ns);
  if (r < 0) throw new Error(`idleVm(${vm}, ${ns}) failed with ${r}`);
  drain();
}

const field = (vm: VmId, proc: number, offset: number): number => lab.core.processField(vm, proc, offset);
const statePage = (vm: VmId, proc: number): number => field(vm, proc, P_STATE_PAGE);

/** A whole guest page (a copy, read without touching it). */
function page(vm: VmId, p: number): Uint8Array {
  return unwrap(lab.engine.peekPage(vm, pageNo(p), PAGE_SIZE));
}

const kdata = (vm: VmId): Uint8Array => page(vm, lab.core.vmStateField(vm, VS_KDATA_PAGE, false));
const state = (vm: VmId, proc: number): Uint8Array => page(vm, statePage(vm, proc));

function snapshotPage(snap: SnapshotId, p: number): Uint8Array {
  let out: Uint8Array | undefined;
  unwrap(lab.engine.forEachSnapshotPage(snap, (q, bytes) => (q === p ? (out = bytes.slice()) : undefined)));
  if (!out) throw new Error(`page ${p} is not in snapshot ${snap}`);
  return out;
}

const u64 = (b: Uint8Array, off: number): bigint =>
  new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const u32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
const distinct = (outs: string[][]): number => new Set(outs.flat()).size;

/**
 * Every process of a VM makes `draws` calls through the core's drawVm, with one list entry per
 * process the kernel runs (drawVm's contract: Lab.draw only knows the processes it spawned, not
 * forked ones). Raw bytes, no UUID bits. Returns out[process][draw].
 */
function drawAll(vm: VmId, draws = 1, intervalUs = 5): Uint8Array[][] {
  const core = lab.core;
  const n = core.processCount(vm);
  const stride = 64;
  const buffer = core.drawBuffer();
  if (n * draws * stride > core.DRAW_BUFFER_BYTES.value)
    throw new Error('the draw does not fit the draw buffer');
  const io = core.ioBuffer();
  const list = new Uint32Array(core.memory.buffer, io, n * 4);
  for (let i = 0; i < n; i++)
    list.set([buffer + i * draws * stride, stride, field(vm, i, P_BYTES), 0], i * 4);
  const r = core.drawVm(vm, 0, draws, intervalUs * 1000, io, n);
  drain();
  if (r < 0) throw new Error(`drawVm failed with ${r}`);
  const mem = new Uint8Array(core.memory.buffer);
  return Array.from({ length: n }, (_, i) => {
    const bytes = field(vm, i, P_BYTES);
    return Array.from({ length: draws }, (_, d) => {
      const at = buffer + (i * draws + d) * stride;
      return mem.slice(at, at + bytes);
    });
  });
}

/** Linux's getrandom for len <= 32 from kdata bytes (fast key erasure; see kernel.test.ts). */
function linuxGetrandom(kd: Uint8Array, len: number): Uint8Array {
  let cpuKey = kd.slice(K_CPU_KEY, K_CPU_KEY + 32);
  if (u64(kd, K_CPU_GEN) !== u64(kd, K_BASE_GEN))
    cpuKey = chacha20Block(kd.slice(K_BASE_KEY, K_BASE_KEY + 32), 0, NONCE0).slice(32, 64);
  return chacha20Block(cpuKey, 0, NONCE0).slice(32, 32 + len);
}

/** Blocks 0 and 1 of ChaCha20(key, nonce 0): the vDSO's batch (0..96) and next key (96..128). */
function batchKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(128);
  out.set(chacha20Block(key, 0, NONCE0), 0);
  out.set(chacha20Block(key, 1, NONCE0), 64);
  return out;
}

describe('vDSO getrandom state (Linux 6.11)', () => {
  it('the vDSO state page is MAP_DROPPABLE: WIPEONFORK and DONTDUMP, role library-state', async () => {
    const shipped = unwrap(await loadGuestNode('linux-6.11-vmgenid'));
    const g: GuestManifest = { ...shipped, memoryMiB: 16, layout: { kernelPages: 8, heapPages: 8 } };
    const vm = unwrap(lab.boot(g, { seed: 5 }));
    const vdso = g.processes.findIndex((p) => p.library === 'vdso');
    const other = g.processes.findIndex((p) => p.library === 'getrandom');
    expect(vdso).toBeGreaterThanOrEqual(0);
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(statePage(vm, vdso))))).toMatchObject({
      role: 'library-state',
      wipeOnFork: true,
      dontDump: true,
      wipeOnSuspend: false,
    });
    // a library without droppable state gets no flags
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(statePage(vm, other))))).toMatchObject({
      role: 'library-state',
      wipeOnFork: false,
      dontDump: false,
    });
    // the warm-up call at init filled the state: generation = the kernel's vDSO generation
    expect(u64(state(vm, vdso), V_GEN)).toBe(u64(kdata(vm), K_VDSO_GEN));
  });

  it('before the notification clones draw from their copied batch without rekeying, and collide', () => {
    const { clones } = cloneFleet(guest(VDSO_KERNEL, ['vdso']), 3, 10_000);
    const c = clones[0]!;
    const reseeds = field(c, 0, P_RESEEDS);
    const syscalls = u64(kdata(c), K_GETRANDOM_CALLS);
    const r = unwrap(lab.draw(clones, 8));
    expect(r.libraries[0]!.reseeds).toBe(0);
    expect(field(c, 0, P_RESEEDS)).toBe(reseeds);
    expect(u64(kdata(c), K_GETRANDOM_CALLS)).toBe(syscalls);
    expect(u64(state(c, 0), V_GEN)).toBe(u64(kdata(c), K_VDSO_GEN));
    expect(distinct(outputRows(r.libraries[0]!))).toBe(8);
  });

  it('a generation change rekeys exactly once per notification, through one getrandom syscall', () => {
    const { clones } = cloneFleet(guest(VDSO_KERNEL, ['vdso']), 3, 1000);
    const c = clones[0]!;
    const reseeds = field(c, 0, P_RESEEDS);
    const syscalls = u64(kdata(c), K_GETRANDOM_CALLS);
    const oldGen = u64(kdata(c), K_VDSO_GEN);
    for (const v of clones) idle(v, 2000 * 1000);
    expect(u64(kdata(c), K_VDSO_GEN)).toBe(oldGen + 1n);
    expect(u64(state(c, 0), V_GEN)).toBe(oldGen); // nothing rekeys until the next call
    const r = unwrap(lab.draw(clones, 8)); // 8 x 32 bytes: several batch refills, one rekey
    expect(r.libraries[0]!.reseeds).toBe(3);
    expect(field(c, 0, P_RESEEDS)).toBe(reseeds + 1);
    expect(u64(kdata(c), K_GETRANDOM_CALLS)).toBe(syscalls + 1n);
    expect(u64(state(c, 0), V_GEN)).toBe(u64(kdata(c), K_VDSO_GEN));
    expect(distinct(outputRows(r.libraries[0]!))).toBe(24);
    expect(unwrap(lab.timeline(c)).filter((e) => e.kind === 'library-reseed')).toHaveLength(1);
    // no further generation change: no further rekey
    idle(c, 10_000 * 1000);
    unwrap(lab.draw([c], 8));
    expect(field(c, 0, P_RESEEDS)).toBe(reseeds + 1);
    expect(u64(kdata(c), K_GETRANDOM_CALLS)).toBe(syscalls + 1n);
    // a clone of the clone: one more notification, exactly one more rekey
    const [cc] = unwrap(lab.restore(unwrap(lab.snapshot(c, 'full')), 1, { notifyDelayUs: 1000 }));
    idle(cc!, 2000 * 1000);
    unwrap(lab.draw([cc!], 8));
    expect(field(cc!, 0, P_RESEEDS)).toBe(reseeds + 2);
    expect(u64(kdata(cc!), K_GETRANDOM_CALLS)).toBe(syscalls + 2n);
    expect(u64(state(cc!, 0), V_GEN)).toBe(u64(kdata(cc!), K_VDSO_GEN));
  });

  it('a rekeying call serves ChaCha20 blocks 0-1 of the fresh kernel key and erases what it hands out', () => {
    const { clones } = cloneFleet(guest(VDSO_KERNEL, ['vdso']), 1, 1000);
    const c = clones[0]!;
    idle(c, 2000 * 1000);
    const fresh = linuxGetrandom(kdata(c), 32); // the key the rekey fetches with the syscall
    let bk = batchKey(fresh);
    const gen = u64(kdata(c), K_VDSO_GEN);
    const [[first]] = drawAll(c, 1) as [[Uint8Array]];
    expect(hex(first)).toBe(hex(bk.subarray(0, 32)));
    let st = state(c, 0);
    expect(allZero(st.subarray(V_BATCH, V_BATCH + 32))).toBe(true); // handed out, then zeroed
    expect(hex(st.subarray(V_BATCH + 32, V_BATCH + 96))).toBe(hex(bk.subarray(32, 96)));
    expect(hex(st.subarray(V_KEY, V_KEY + 32))).toBe(hex(bk.subarray(96, 128))); // key overwritten
    expect(u64(st, V_GEN)).toBe(gen);
    expect(st[V_POS]).toBe(32);
    expect(st[V_IN_USE]).toBe(0);
    // the next two calls drain the batch; the fourth refills from the stored key
    const [[second, third, fourth]] = drawAll(c, 3) as [[Uint8Array, Uint8Array, Uint8Array]];
    expect(hex(second)).toBe(hex(bk.subarray(32, 64)));
    expect(hex(third)).toBe(hex(bk.subarray(64, 96)));
    bk = batchKey(st.slice(V_KEY, V_KEY + 32));
    expect(hex(fourth)).toBe(hex(bk.subarray(0, 32)));
    st = state(c, 0);
    expect(hex(st.subarray(V_KEY, V_KEY + 32))).toBe(hex(bk.subarray(96, 128)));
    expect(st[V_POS]).toBe(32);
  });
});

describe('fork: MADV_WIPEONFORK and OpenSSL’s pid check', () => {
  it('a fork of a vDSO process gives the child a zeroed state page and leaves the parent’s untouched', () => {
    const { clones } = cloneFleet(guest(VDSO_KERNEL, ['vdso']), 1, 0);
    const vm = clones[0]!;
    drawAll(vm, 2);
    const parentBefore = state(vm, 0);
    expect(allZero(parentBefore)).toBe(false);
    const child = lab.core.forkProcess(vm, 0);
    expect(child).toBe(1);
    expect(allZero(state(vm, child))).toBe(true);
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(statePage(vm, child))))).toMatchObject({
      wipeOnFork: true,
      dontDump: true,
    });
    expect(hex(state(vm, 0))).toBe(hex(parentBefore));
    expect(field(vm, child, P_PID)).not.toBe(field(vm, 0, P_PID));
    expect(field(vm, child, P_PARENT)).toBe(field(vm, 0, P_PID));
  });

  it('the forked vDSO child’s first call rekeys (once) and its output differs from the parent’s', () => {
    const { clones } = cloneFleet(guest(VDSO_KERNEL, ['vdso']), 1, 0);
    const vm = clones[0]!;
    drawAll(vm, 1);
    const child = lab.core.forkProcess(vm, 0);
    const parentReseeds = field(vm, 0, P_RESEEDS);
    const syscalls = u64(kdata(vm), K_GETRANDOM_CALLS);
    const [parent, kid] = drawAll(vm, 4);
    expect(field(vm, child, P_RESEEDS)).toBe(1);
    expect(field(vm, 0, P_RESEEDS)).toBe(parentReseeds);
    expect(u64(kdata(vm), K_GETRANDOM_CALLS)).toBe(syscalls + 1n);
    expect(u64(state(vm, child), V_GEN)).toBe(u64(kdata(vm), K_VDSO_GEN));
    const parentHex = parent!.map(hex);
    for (const out of kid!) expect(parentHex).not.toContain(hex(out));
  });

  it('an openssl-1.1.1 fork gets a new pid, so the child reseeds and its output differs from the parent’s', () => {
    const vm = unwrap(lab.boot(guest({}, ['openssl-1.1.1'], 'nonce'), { seed: 5 }));
    const child = lab.core.forkProcess(vm, 0);
    // not WIPEONFORK: the child starts with a byte-for-byte copy of the parent's DRBG
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(statePage(vm, child)))).wipeOnFork).toBe(false);
    expect(hex(state(vm, child))).toBe(hex(state(vm, 0)));
    const pid = field(vm, 0, P_PID);
    expect(field(vm, child, P_PID)).not.toBe(pid);
    expect(u32(state(vm, child), O_PID)).toBe(pid);
    const [parent, kid] = drawAll(vm, 1);
    expect(field(vm, child, P_RESEEDS)).toBe(1);
    expect(field(vm, 0, P_RESEEDS)).toBe(0);
    expect(u32(state(vm, child), O_PID)).toBe(field(vm, child, P_PID));
    // the parent's output is what the copied state gives; the child's is not
    expect(hex(kid![0]!)).not.toBe(hex(parent![0]!));
  });

  it('openssl-1.1.1 clones keep the pid and never reseed within 16 draws, even with the vmgenid driver (and without timing entropy its per-call timer is the same in every clone)', () => {
    const { clones } = cloneFleet(guest({ vmgenid: true }, ['openssl-1.1.1'], 'nonce'), 3, 0);
    const r = unwrap(lab.draw(clones, 16));
    expect(r.libraries[0]!.reseeds).toBe(0);
    expect(distinct(outputRows(r.libraries[0]!))).toBe(16);
    expect(r.libraries[0]!.duplicates).toBe(48);
    expect(new Set(clones.map((c) => field(c, 0, P_PID))).size).toBe(1);
    expect(new Set(clones.map((c) => u32(state(c, 0), O_PID))).size).toBe(1);
  });

  // Regression: drawVm once walked one list entry per kernel process while Lab.draw wrote one
  // per process it spawned, so after a fork it read stale bytes as an output vector.
  it('Lab.draw after a fork refuses the VM or reports every process, and leaves the parent’s outputs intact', () => {
    const { clones } = cloneFleet(guest(VDSO_KERNEL, ['vdso'], 'uuid'), 2, 0);
    const [a, b] = clones as [VmId, VmId];
    expect(lab.core.forkProcess(a, 0)).toBe(1);
    const r = lab.draw([a, b], 2);
    if (!r.ok) return; // refusing is a correct answer
    expect(r.value.libraries).toHaveLength(lab.core.processCount(a));
    // the parent in a and its twin in b hold the same state: same outputs
    expect(outputRows(r.value.libraries[0]!)[0]).toEqual(outputRows(r.value.libraries[0]!)[1]);
  });
});

describe('MADV_WIPEONSUSPEND (the RFC)', () => {
  const WOS: LibraryId[] = ['wipeonsuspend'];

  it('with kernel support the state page is zero in the snapshot and every clone, and the first call reseeds', () => {
    const g = guest({ wipeOnSuspend: true, vmgenid: true }, WOS, 'nonce');
    const vm = unwrap(lab.boot(g, { seed: 5 }));
    const p = statePage(vm, 0);
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(p))).wipeOnSuspend).toBe(true);
    expect(allZero(state(vm, 0))).toBe(false); // seeded by the warm-up call
    const snap = unwrap(lab.snapshot(vm, 'full'));
    expect(lab.engine.snapshotInfo(snap)?.wipedPages).toBe(1);
    expect(allZero(snapshotPage(snap, p))).toBe(true);
    const clones = unwrap(lab.restore(snap, 3, { notifyDelayUs: 0 }));
    for (const c of clones) {
      expect(allZero(state(c, 0))).toBe(true);
      expect(unwrap(lab.engine.pageInfo(c, pageNo(p))).wiped).toBe(true);
    }
    const before = clones.map((c) => field(c, 0, P_RESEEDS));
    const r = unwrap(lab.draw(clones, 4));
    clones.forEach((c, i) => expect(field(c, 0, P_RESEEDS)).toBe(before[i]! + 1));
    expect(r.libraries[0]!.reseeds).toBe(3);
    expect(unwrap(lab.timeline(clones[0]!)).filter((e) => e.kind === 'library-reseed')).toHaveLength(1);
    expect(distinct(outputRows(r.libraries[0]!))).toBe(12); // the kernel was reseeded first (δ = 0)
  });

  it('without kernel support the state page survives into every clone and clones collide', () => {
    const g = guest({ wipeOnSuspend: false, vmgenid: true }, WOS, 'nonce');
    const vm = unwrap(lab.boot(g, { seed: 5 }));
    const before = state(vm, 0);
    expect(allZero(before)).toBe(false);
    const snap = unwrap(lab.snapshot(vm, 'full'));
    expect(lab.engine.snapshotInfo(snap)?.wipedPages).toBe(0);
    const clones = unwrap(lab.restore(snap, 3, { notifyDelayUs: 0 }));
    for (const c of clones) expect(hex(state(c, 0))).toBe(hex(before));
    const r = unwrap(lab.draw(clones, 4));
    expect(r.libraries[0]!.reseeds).toBe(0);
    expect(distinct(outputRows(r.libraries[0]!))).toBe(4);
  });

  // Linux >= 5.19 random_pm_notification: PM_POST_SUSPEND reseeds the CRNG, whose
  // extract_entropy takes RDSEED/RDRAND, else the cycle counter
  it('wiped, no vmgenid driver: the PM notifier reseeds on resume from S3, with RDSEED (intel) the clones differ', () => {
    const { clones } = cloneFleet(
      guest({ wipeOnSuspend: true, vmgenid: false, cpu: 'intel' }, WOS, 'nonce'),
      3,
      0,
    );
    expect(unwrap(lab.timeline(clones[0]!)).filter((e) => e.kind === 'pm-reseed')).toHaveLength(1);
    const r = unwrap(lab.draw(clones, 4));
    expect(r.libraries[0]!.reseeds).toBe(3);
    expect(distinct(outputRows(r.libraries[0]!))).toBe(12);
    expect(r.libraries[0]!.verdict).toBe('unique');
  });

  it('wiped, no vmgenid driver, no RDSEED and no timing entropy: the PM reseed adds nothing and clones collide', () => {
    const g = guest({ wipeOnSuspend: true, vmgenid: false, cpu: 'none', jitterEntropy: false }, WOS, 'nonce');
    const { clones } = cloneFleet(g, 3, 0);
    const r = unwrap(lab.draw(clones, 4));
    expect(r.libraries[0]!.reseeds).toBe(3);
    expect(distinct(outputRows(r.libraries[0]!))).toBe(4);
  });

  it('a reseed before the notification (δ > 0) leaves the clones duplicated for good (no RDSEED)', () => {
    const g = guest({ wipeOnSuspend: true, vmgenid: true, cpu: 'none', jitterEntropy: false }, WOS, 'nonce');
    const { clones } = cloneFleet(g, 3, 10_000);
    const early = unwrap(lab.draw(clones, 4));
    expect(early.libraries[0]!.reseeds).toBe(3);
    expect(distinct(outputRows(early.libraries[0]!))).toBe(4);
    for (const c of clones) idle(c, 20_000 * 1000);
    const late = unwrap(lab.draw(clones, 4));
    expect(late.libraries[0]!.reseeds).toBe(0);
    expect(distinct(outputRows(late.libraries[0]!))).toBe(4);
    for (const c of clones) expect(field(c, 0, P_CALLS)).toBeGreaterThanOrEqual(9);
  });
});
