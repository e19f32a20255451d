// Byte-level tests of the guest kernel and the VMGenID device through the real core (src/core):
// the CRNG in the kernel-rng page (kdata), the vmgenid driver and the race window δ, the
// generation counters, periodic and agent reseeds, the timeline, host entropy, and the ChaCha20
// fast-key-erasure algorithm recomputed from kdata bytes (MECHANISMS.md "VMGenID", "What gets
// duplicated"; layouts at the top of assembly/kernel/crng.ts and assembly/vmm/vmstate.ts).

import { beforeEach, describe, expect, it } from 'vitest';
import { chacha20Block } from '../src/core/crypto/chacha20-ref';
import { Lab } from '../src/core/lab/lab';
import {
  libraryIndex,
  type Consumer,
  type GuestManifest,
  type KernelFeatures,
  type LibraryId,
  type TimelineEvent,
} from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { pageAddr, pageNo, PAGE_SIZE, unwrap, type SnapshotId, type VmId } from '../src/core/types';
import { smallGuest } from './helpers';
import { outputRows } from '../src/core/lab/draw';

// vmstate offsets (assembly/vmm/vmstate.ts)
const VS_CLOCK = 8;
const VS_KDATA_PAGE = 40;
const VS_VMGENID_PAGE = 52;
// kdata offsets (assembly/kernel/crng.ts)
const K_BASE_KEY = 0;
const K_BASE_GEN = 32;
const K_BASE_BIRTH = 40;
const K_CPU_KEY = 48;
const K_CPU_GEN = 80;
const K_RESEEDS = 204;
const K_VDSO_GEN = 208;
const K_VMGENID_ID = 224;
const K5_KEY = 320 + 16; // assembly/kernel/crng510.ts: state u32[16] at 320, key words 4..11

const NONCE0 = new Uint8Array(12);
const SECOND = 1e9; // ns

/** A small guest: the given kernel features, one process per library. */
const guest = (kernel: Partial<KernelFeatures>, libraries: LibraryId[], consumer: Consumer = 'key') =>
  smallGuest('kernel-test', kernel, libraries, consumer);

let lab: Lab;
beforeEach(async () => {
  lab = new Lab(await loadCoreNode('debug'));
});

/** Boots the guest, snapshots it and restores `clones` clones with notification delay δ (µs). */
function cloneFleet(
  g: GuestManifest,
  clones: number,
  notifyDelayUs: number,
  seed = 1,
): { vm: VmId; snap: SnapshotId; clones: VmId[] } {
  const vm = unwrap(lab.boot(g, { seed }));
  const snap = unwrap(lab.snapshot(vm, 'full'));
  return { vm, snap, clones: unwrap(lab.restore(snap, clones, { notifyDelayUs })) };
}

function kdataPage(vm: VmId): number {
  return lab.core.vmStateField(vm, VS_KDATA_PAGE, false);
}

function vmgenidPage(vm: VmId): number {
  return lab.core.vmStateField(vm, VS_VMGENID_PAGE, false);
}

function clockNs(vm: VmId): number {
  return lab.core.vmStateField(vm, VS_CLOCK, true);
}

/** The whole kdata page of a VM (a copy, read without touching it). */
function kdata(vm: VmId): Uint8Array {
  return unwrap(lab.engine.peekPage(vm, pageNo(kdataPage(vm)), PAGE_SIZE));
}

/** The 16-byte VMGenID of a VM, as the guest reads it. */
function vmgenid(vm: VmId): Uint8Array {
  return unwrap(lab.engine.read(vm, pageAddr(pageNo(vmgenidPage(vm))), 16));
}

/** One page of a snapshot's own layer (a copy). */
function snapshotPage(snap: SnapshotId, page: number): Uint8Array {
  let out: Uint8Array | undefined;
  unwrap(
    lab.engine.forEachSnapshotPage(snap, (p, bytes) => (p === page ? (out = bytes.slice()) : undefined)),
  );
  if (!out) throw new Error(`page ${page} is not in snapshot ${snap}`);
  return out;
}

const u64 = (b: Uint8Array, off: number): bigint =>
  new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const f64 = (b: Uint8Array, off: number): number =>
  new DataView(b.buffer, b.byteOffset).getFloat64(off, true);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function timeline(vm: VmId): TimelineEvent[] {
  return unwrap(lab.timeline(vm));
}

function kinds(vm: VmId, ...wanted: TimelineEvent['kind'][]): TimelineEvent[] {
  return timeline(vm).filter((e) => wanted.includes(e.kind));
}

/** One draw of `draws` outputs per process from each VM; outputs[vm][draw] of process `proc`. */
function outputs(vms: VmId[], draws: number, proc = 0, intervalUs = 5): string[][] {
  return outputRows(unwrap(lab.draw(vms, draws, { intervalUs })).libraries[proc]!);
}

/** Number of distinct values among all the outputs. */
const distinct = (outs: string[][]): number => new Set(outs.flat()).size;

/**
 * Linux's getrandom for len <= 32 bytes (drivers/char/random.c crng_make_state + the syscall's
 * short path), recomputed from kdata bytes with the TypeScript ChaCha20: if the per-CPU
 * generation differs from the base generation, block 0 of ChaCha20(base key) gives the new base
 * key (bytes 0..32) and the per-CPU key (32..64); then block 0 of ChaCha20(per-CPU key) gives
 * the next per-CPU key (0..32) and the output (32..32+len). Returns the output and the kdata the
 * call leaves behind.
 */
function linuxGetrandom(before: Uint8Array, len: number): { out: Uint8Array; after: Uint8Array } {
  const k = before.slice();
  const dv = new DataView(k.buffer);
  if (dv.getBigUint64(K_CPU_GEN, true) !== dv.getBigUint64(K_BASE_GEN, true)) {
    const b = chacha20Block(k.slice(K_BASE_KEY, K_BASE_KEY + 32), 0, NONCE0);
    k.set(b.subarray(0, 32), K_BASE_KEY);
    k.set(b.subarray(32, 64), K_CPU_KEY);
    dv.setBigUint64(K_CPU_GEN, dv.getBigUint64(K_BASE_GEN, true), true);
  }
  const b = chacha20Block(k.slice(K_CPU_KEY, K_CPU_KEY + 32), 0, NONCE0);
  k.set(b.subarray(0, 32), K_CPU_KEY);
  return { out: b.slice(32, 32 + len), after: k };
}

/**
 * One call by every process of a VM through the core's drawVm, one list entry per process the
 * kernel runs (for processes the Lab did not spawn itself); raw bytes. Returns out[process].
 */
function drawRaw(vm: VmId): Uint8Array[] {
  const core = lab.core;
  const n = core.processCount(vm);
  const buffer = core.drawBuffer();
  const bytes = Array.from({ length: n }, (_, i) => core.processField(vm, i, 8));
  const io = core.ioBuffer();
  new Uint32Array(core.memory.buffer, io, n * 4).set(bytes.flatMap((b, i) => [buffer + i * 64, 64, b, 0]));
  const r = core.drawVm(vm, 0, 1, 0, io, n);
  if (r < 0) throw new Error(`drawVm failed with ${r}`);
  const mem = new Uint8Array(core.memory.buffer);
  return bytes.map((b, i) => mem.slice(buffer + i * 64, buffer + i * 64 + b));
}

describe('kernel-rng pages and the VMGenID device across clones', () => {
  it('clones start with byte-identical kernel-rng pages, equal to the snapshot’s', () => {
    const { vm, snap, clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 3, 1000);
    const page = kdataPage(vm);
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(page))).role).toBe('kernel-rng');
    const fromSnapshot = snapshotPage(snap, page);
    expect(u64(fromSnapshot, K_BASE_GEN)).toBeGreaterThan(0n); // the boot seeded the CRNG
    for (const c of clones) {
      expect(kdataPage(c)).toBe(page);
      expect(hex(kdata(c))).toBe(hex(fromSnapshot));
    }
  });

  it('after the VMGenID notification is handled the clones’ base keys differ', () => {
    const { snap, clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 3, 1000);
    const before = snapshotPage(snap, kdataPage(clones[0]!));
    for (const c of clones) idle(c, 2000 * 1000);
    const keys = clones.map((c) => hex(kdata(c).subarray(K_BASE_KEY, K_BASE_KEY + 32)));
    expect(new Set(keys).size).toBe(clones.length);
    expect(keys).not.toContain(hex(before.subarray(K_BASE_KEY, K_BASE_KEY + 32)));
    // the driver keeps the ID it acted on: each clone's own new VMGenID
    for (const c of clones)
      expect(hex(kdata(c).subarray(K_VMGENID_ID, K_VMGENID_ID + 16))).toBe(hex(vmgenid(c)));
  });

  it('the VMM writes every clone a fresh VMGenID before resume, never the snapshot’s', () => {
    const { vm, snap, clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 3, 1000);
    const page = vmgenidPage(vm);
    expect(unwrap(lab.engine.pageInfo(vm, pageNo(page))).role).toBe('vmgenid');
    const saved = snapshotPage(snap, page).subarray(0, 16);
    expect(saved.some((b) => b !== 0)).toBe(true);
    const ids = clones.map((c) => hex(vmgenid(c)));
    expect(new Set(ids).size).toBe(clones.length);
    expect(ids).not.toContain(hex(saved));
    // the driver has not run yet (δ has not passed): it still holds the snapshot's ID
    for (const c of clones) expect(hex(kdata(c).subarray(K_VMGENID_ID, K_VMGENID_ID + 16))).toBe(hex(saved));
    // Firecracker writes a new ID only when a snapshot is LOADED (vmgenid.rs, persist.rs): the
    // original VM that resumes after its snapshot keeps its ID and hears no notification
    const tr = clockNs(vm);
    unwrap(lab.resume(vm, { notifyDelayUs: 1000 }));
    idle(vm, 5000 * 1000);
    expect(hex(vmgenid(vm))).toBe(hex(saved));
    expect(kinds(vm, 'vmgenid-notify', 'crng-reseed').filter((e) => e.tNs >= tr)).toEqual([]);
    expect(hex(snapshotPage(snap, page).subarray(0, 16))).toBe(hex(saved));
  });

  it('without the vmgenid driver the notification goes unheard and kernel-rng pages stay identical', () => {
    // no RDSEED/RDRAND and no timing entropy: nothing else could make two clones' kernels differ
    const { clones } = cloneFleet(guest({ vmgenid: false, cpu: 'none' }, ['getrandom']), 2, 1000);
    for (const c of clones) idle(c, 5000 * 1000);
    expect(kinds(clones[0]!, 'vmgenid-notify')).toHaveLength(1);
    expect(kinds(clones[0]!, 'crng-reseed')).toHaveLength(0);
    expect(hex(kdata(clones[0]!))).toBe(hex(kdata(clones[1]!)));
  });
});

describe('getrandom in clones and the race window δ', () => {
  it('clones’ getrandom outputs are equal before the notification and all differ after it', () => {
    const { clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 3, 10_000);
    const early = outputs(clones, 4); // 4 draws 5 µs apart: well inside δ = 10 ms
    expect(early[1]).toEqual(early[0]);
    expect(early[2]).toEqual(early[0]);
    expect(distinct(early)).toBe(4);
    for (const c of clones) idle(c, 20_000 * 1000);
    const late = outputs(clones, 4);
    expect(distinct(late)).toBe(12);
    expect(late.flat().some((v) => early.flat().includes(v))).toBe(false);
  });

  it('without the vmgenid driver clones’ getrandom outputs stay equal after δ', () => {
    const { clones } = cloneFleet(guest({ vmgenid: false }, ['getrandom']), 3, 10_000);
    for (const c of clones) idle(c, 20_000 * 1000);
    const late = outputs(clones, 4);
    expect(late[1]).toEqual(late[0]);
    expect(late[2]).toEqual(late[0]);
    expect(distinct(late)).toBe(4);
  });
});

describe('generations and the timeline', () => {
  it('the base generation bumps exactly once per notification and the vDSO generation is base + 1', () => {
    const g = guest({ vmgenid: true }, ['getrandom']);
    const { snap, clones } = cloneFleet(g, 1, 1000);
    const c = clones[0]!;
    const gen0 = u64(snapshotPage(snap, kdataPage(c)), K_BASE_GEN);
    const reseeds0 = new DataView(kdata(c).buffer).getUint32(K_RESEEDS, true);
    expect(u64(kdata(c), K_BASE_GEN)).toBe(gen0);
    expect(u64(kdata(c), K_VDSO_GEN)).toBe(gen0 + 1n);
    idle(c, 2000 * 1000);
    expect(u64(kdata(c), K_BASE_GEN)).toBe(gen0 + 1n);
    expect(u64(kdata(c), K_VDSO_GEN)).toBe(gen0 + 2n);
    expect(new DataView(kdata(c).buffer).getUint32(K_RESEEDS, true)).toBe(reseeds0 + 1);
    // nothing is pending any more: more time and more calls leave the generation alone
    idle(c, 10_000 * 1000);
    outputs([c], 8);
    expect(u64(kdata(c), K_BASE_GEN)).toBe(gen0 + 1n);
    // a clone of the clone: one more notification, one more bump
    const snap2 = unwrap(lab.snapshot(c, 'full'));
    const [cc] = unwrap(lab.restore(snap2, 1, { notifyDelayUs: 1000 }));
    expect(u64(kdata(cc!), K_BASE_GEN)).toBe(gen0 + 1n);
    idle(cc!, 2000 * 1000);
    expect(u64(kdata(cc!), K_BASE_GEN)).toBe(gen0 + 2n);
    expect(u64(kdata(cc!), K_VDSO_GEN)).toBe(gen0 + 3n);
  });

  // Regression: the device view once read the generations ignoring the copy's byteOffset and
  // showed the first 8 bytes of the base key instead.
  it('the device view reports the kernel’s base and vDSO generations from kdata', () => {
    const { clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 1, 0);
    const c = clones[0]!;
    idle(c, 1000);
    const k = kdata(c);
    const view = unwrap(lab.devices(c));
    expect(view.crngKeyPrefix).toBe(hex(k.subarray(K_BASE_KEY, K_BASE_KEY + 8)));
    expect(view.vmgenid).toBe(hex(vmgenid(c)));
    expect(view.crngGeneration).toBe(Number(u64(k, K_BASE_GEN)));
    expect(view.vdsoGeneration).toBe(Number(u64(k, K_VDSO_GEN)));
  });

  it('the timeline shows restore and resume, then vmgenid-notify and one crng-reseed at resume + δ', () => {
    const delayUs = 750;
    const { clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 2, delayUs);
    const c = clones[0]!;
    const t0 = clockNs(c);
    idle(c, 3 * delayUs * 1000);
    idle(c, 3 * delayUs * 1000);
    const kernelKinds = new Set(['restore', 'resume', 'vmgenid-notify', 'crng-reseed']);
    const events = timeline(c).filter((e) => kernelKinds.has(e.kind));
    expect(events.map((e) => e.kind)).toEqual(['restore', 'resume', 'vmgenid-notify', 'crng-reseed']);
    const [restore, resume, notify, reseed] = events;
    expect(restore!.tNs).toBe(t0);
    expect(resume!.tNs).toBe(t0);
    expect(notify!.tNs).toBe(resume!.tNs + delayUs * 1000);
    expect(reseed!.tNs).toBe(notify!.tNs);
    expect(events.every((e) => e.vm === c)).toBe(true);
    // the original, resumed: a resume, no restore and no notification (its VMGenID did not change)
    const vm = lab.vms().find((v) => v.origin === 'boot')!.id;
    const tr = clockNs(vm);
    unwrap(lab.resume(vm, { notifyDelayUs: delayUs }));
    idle(vm, 2 * delayUs * 1000);
    const after = timeline(vm).filter((e) => e.tNs >= tr && kernelKinds.has(e.kind));
    expect(after.map((e) => [e.kind, e.tNs])).toEqual([['resume', tr]]);
  });
});

/**
 * When a 6.1 kernel whose key was born at `birth` (ns of uptime) reseeds on demand: the first
 * moment t with t - birth > crng_reseed_interval(t) (random.c crng_has_old_seed): the interval
 * is max(1 s, (uptime/2) s) in whole seconds while the uptime is under 120 s, then 60 s.
 */
function linux61Due(birth: number): number {
  const interval = (t: number) => {
    const s = Math.floor(t / SECOND);
    return s >= 120 ? 60 * SECOND : Math.max(SECOND, Math.floor(s / 2) * SECOND);
  };
  // the interval only grows with t: step to its fixed point, then one ns past it
  let t = birth + interval(birth);
  while (birth + interval(t) > t) t = birth + interval(t);
  const due = t + 1;
  // the defining property, checked: too old at `due`, not yet one ns before
  expect(due - birth > interval(due)).toBe(true);
  expect(due - 1 - birth > interval(due - 1)).toBe(false);
  return due;
}

describe('scheduled reseeds: crng_reseed_interval (6.1 on demand, 6.11 delayed work, 5.10 300 s)', () => {
  it('6.1: the first getrandom after the key is older than the interval reseeds (periodic-reseed, generation + 1)', () => {
    const { snap, clones } = cloneFleet(guest({ cpu: 'none' }, ['getrandom']), 1, 0);
    const c = clones[0]!;
    const saved = snapshotPage(snap, kdataPage(c));
    const birth = f64(saved, K_BASE_BIRTH);
    const gen0 = u64(saved, K_BASE_GEN);
    const due = linux61Due(birth);
    idle(c, due - clockNs(c) - 2_000_000); // 2 ms short
    outputs([c], 1, 0, 0);
    expect(u64(kdata(c), K_BASE_GEN)).toBe(gen0);
    expect(kinds(c, 'periodic-reseed')).toHaveLength(0);
    // 6.1 has no timer: past the due time nothing happens until someone asks
    idle(c, 3_000_000);
    expect(u64(kdata(c), K_BASE_GEN)).toBe(gen0);
    expect(kinds(c, 'periodic-reseed')).toHaveLength(0);
    outputs([c], 1, 0, 0);
    expect(u64(kdata(c), K_BASE_GEN)).toBe(gen0 + 1n);
    expect(u64(kdata(c), K_VDSO_GEN)).toBe(gen0 + 2n);
    const periodic = kinds(c, 'periodic-reseed');
    expect(periodic).toHaveLength(1);
    expect(periodic[0]!.tNs).toBeGreaterThanOrEqual(due); // at the request, past the due time
    expect(f64(kdata(c), K_BASE_BIRTH)).toBe(periodic[0]!.tNs);
  });

  it('6.11: the delayed work reseeds by itself, every crng_reseed_interval, 60 s once the uptime passed 120 s', () => {
    const vm = unwrap(lab.boot(guest({ cpu: 'none', generation: '6.11' }, ['getrandom']), { seed: 1 }));
    idle(vm, 300 * SECOND); // no call at all: the timer runs anyway
    const times = kinds(vm, 'periodic-reseed').map((e) => e.tNs / SECOND);
    expect(times.length).toBeGreaterThan(5);
    // each re-arms at the interval of its own time: max(1, floor(t/2)) s before 120 s, then 60 s
    for (let i = 1; i < times.length; i++) {
      const t = times[i - 1]!;
      const want = Math.floor(t) >= 120 ? 60 : Math.max(1, Math.floor(Math.floor(t) / 2));
      expect(times[i]! - t).toBeCloseTo(want, 6);
    }
    expect(times.at(-1)! - times.at(-2)!).toBeCloseTo(60, 6);
  });

  it('5.10: RDRAND goes into every output block (clones differ at once on intel), and the reseed waits 300 s', () => {
    const intel = cloneFleet(guest({ generation: '5.10', cpu: 'intel' }, ['getrandom']), 3, 0);
    expect(distinct(outputs(intel.clones, 1))).toBe(3);
    const none = cloneFleet(guest({ generation: '5.10', cpu: 'none' }, ['getrandom']), 3, 0, 2);
    expect(distinct(outputs(none.clones, 2))).toBe(2);
    for (const c of none.clones) idle(c, 299 * SECOND);
    expect(distinct(outputs(none.clones, 1))).toBe(1);
    expect(kinds(none.clones[0]!, 'periodic-reseed')).toHaveLength(0);
    for (const c of none.clones) idle(c, 2 * SECOND);
    outputs(none.clones, 1);
    expect(kinds(none.clones[0]!, 'periodic-reseed')).toHaveLength(1);
  });

  it('without timing entropy or RDSEED clones reseed on schedule to the same new key', () => {
    const { snap, clones } = cloneFleet(guest({ jitterEntropy: false, cpu: 'none' }, ['getrandom']), 2, 0);
    const oldKey = hex(snapshotPage(snap, kdataPage(clones[0]!)).subarray(K_BASE_KEY, K_BASE_KEY + 32));
    for (const c of clones) idle(c, 61 * SECOND);
    const outs = outputs(clones, 4);
    const n = kinds(clones[0]!, 'periodic-reseed').length;
    expect(n).toBeGreaterThan(0);
    expect(kinds(clones[1]!, 'periodic-reseed')).toHaveLength(n);
    const keys = clones.map((c) => hex(kdata(c).subarray(K_BASE_KEY, K_BASE_KEY + 32)));
    expect(keys[0]).not.toBe(oldKey);
    expect(keys[1]).toBe(keys[0]);
    expect(outs[1]).toEqual(outs[0]);
  });

  it('with timing entropy (each clone its own cycle counter) clones reseed on schedule to different keys', () => {
    const { clones } = cloneFleet(guest({ jitterEntropy: true, cpu: 'none' }, ['getrandom']), 2, 0);
    const before = outputs(clones, 4); // timings go into the pool, but the key only changes at a reseed
    expect(before[1]).toEqual(before[0]);
    for (const c of clones) idle(c, 61 * SECOND);
    const after = outputs(clones, 4);
    for (const c of clones) expect(kinds(c, 'periodic-reseed').length).toBeGreaterThan(0);
    const keys = clones.map((c) => hex(kdata(c).subarray(K_BASE_KEY, K_BASE_KEY + 32)));
    expect(keys[1]).not.toBe(keys[0]);
    expect(distinct(after)).toBe(8);
  });

  it('RDSEED on intel makes even a jitter-free clone reseed to its own key', () => {
    const { clones } = cloneFleet(guest({ jitterEntropy: false, cpu: 'intel' }, ['getrandom']), 2, 0);
    for (const c of clones) idle(c, 61 * SECOND);
    outputs(clones, 1); // 6.1 reseeds on demand: a request past the due time
    const keys = clones.map((c) => hex(kdata(c).subarray(K_BASE_KEY, K_BASE_KEY + 32)));
    expect(keys[1]).not.toBe(keys[0]);
  });
});

describe('guest agent reseed (pre-5.18 kernels)', () => {
  it('the agent makes clones unique after its delay even without the vmgenid driver', async () => {
    const shipped = unwrap(await loadGuestNode('linux-5.10-agent'));
    expect(shipped.kernel).toMatchObject({ vmgenid: false, agentReseed: true });
    const delayUs = shipped.kernel.agentDelayUs;
    expect(delayUs).toBeGreaterThan(100);
    // cpu none: 5.10 XORs RDRAND into every output block where the CPU has it, which alone would
    // make the clones differ; without it only the agent can
    const g: GuestManifest = {
      ...shipped,
      kernel: { ...shipped.kernel, cpu: 'none' },
      memoryMiB: 16,
      layout: { kernelPages: 8, heapPages: 8 },
    };
    const vm = unwrap(lab.boot(g, { seed: 3, libraries: ['getrandom'], consumer: 'key' }));
    const snap = unwrap(lab.snapshot(vm, 'full'));
    const clones = unwrap(lab.restore(snap, 3, { notifyDelayUs: 0 }));
    const t0 = clockNs(clones[0]!);
    const early = outputs(clones, 4); // 20 µs: before the agent
    expect(early[1]).toEqual(early[0]);
    expect(early[2]).toEqual(early[0]);
    for (const c of clones) idle(c, 2 * delayUs * 1000);
    const late = outputs(clones, 4);
    expect(distinct(late)).toBe(12);
    // 5.10's primary_crng: its key words (state[4..11]) at kdata 320 + 16
    const keys = clones.map((c) => hex(kdata(c).subarray(K5_KEY, K5_KEY + 32)));
    expect(new Set(keys).size).toBe(3);
    const agent = kinds(clones[0]!, 'agent-reseed', 'crng-reseed');
    expect(agent.map((e) => [e.kind, e.tNs])).toEqual([
      ['agent-reseed', t0 + delayUs * 1000],
      ['crng-reseed', t0 + delayUs * 1000],
    ]);
  });

  it('without the agent (and without the driver) the same clones stay duplicated', () => {
    const { clones } = cloneFleet(guest({ agentReseed: false, agentDelayUs: 2000 }, ['getrandom']), 3, 0);
    for (const c of clones) idle(c, 4000 * 1000);
    expect(distinct(outputs(clones, 4))).toBe(4);
    expect(kinds(clones[0]!, 'agent-reseed')).toHaveLength(0);
  });
});

describe('host entropy is reproducible from the seed', () => {
  async function run(seed: number): Promise<{ ids: string[]; outs: string[][][] }> {
    const l = new Lab(await loadCoreNode('debug'));
    const vm = unwrap(
      l.boot(guest({ vmgenid: true, jitterEntropy: true }, ['getrandom', 'rdrand']), { seed }),
    );
    const snap = unwrap(l.snapshot(vm, 'full'));
    const clones = unwrap(l.restore(snap, 3, { notifyDelayUs: 0 }));
    const r = unwrap(l.draw(clones, 4));
    const ids = clones.map((c) =>
      hex(unwrap(l.engine.read(c, pageAddr(pageNo(l.core.vmStateField(c, VS_VMGENID_PAGE, false))), 16))),
    );
    return { ids, outs: r.libraries.map((x) => outputRows(x)) };
  }

  it('two labs with the same seed and operations give identical VMGenIDs and outputs; other seeds differ', async () => {
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(b).toEqual(a);
    expect(new Set(a.ids).size).toBe(3);
    for (const id of c.ids) expect(a.ids).not.toContain(id);
    for (let lib = 0; lib < 2; lib++) {
      const other = new Set(c.outs[lib]!.flat());
      expect(a.outs[lib]!.flat().some((v) => other.has(v))).toBe(false);
    }
  });
});

describe('the CRNG is Linux’s ChaCha20 fast key erasure', () => {
  it('a clone’s first getrandom output is block 0 of ChaCha20(per-CPU key) when the generations agree', () => {
    const { clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 1, 1000);
    const c = clones[0]!;
    const before = kdata(c);
    expect(u64(before, K_CPU_GEN)).toBe(u64(before, K_BASE_GEN));
    const expected = linuxGetrandom(before, 32);
    const [[out]] = outputs([c], 1) as [[string]];
    expect(out).toBe(hex(expected.out));
    expect(hex(kdata(c).subarray(0, 88))).toBe(hex(expected.after.subarray(0, 88)));
    // fast key erasure: the per-CPU key moved on, the base key did not
    expect(hex(kdata(c).subarray(K_CPU_KEY, K_CPU_KEY + 32))).not.toBe(
      hex(before.subarray(K_CPU_KEY, K_CPU_KEY + 32)),
    );
  });

  it('after a reseed the first getrandom refreshes the per-CPU key from the base key, then erases it', () => {
    const { clones } = cloneFleet(guest({ vmgenid: true }, ['getrandom']), 2, 1000);
    for (const c of clones) {
      idle(c, 2000 * 1000);
      const before = kdata(c);
      expect(u64(before, K_CPU_GEN)).not.toBe(u64(before, K_BASE_GEN));
      const expected = linuxGetrandom(before, 32);
      const [[out]] = outputs([c], 1) as [[string]];
      expect(out).toBe(hex(expected.out));
      const after = kdata(c);
      expect(hex(after.subarray(0, 88))).toBe(hex(expected.after.subarray(0, 88)));
      expect(u64(after, K_CPU_GEN)).toBe(u64(after, K_BASE_GEN));
      // the second call takes the short path again
      const [[second]] = outputs([c], 1) as [[string]];
      expect(second).toBe(hex(linuxGetrandom(after, 32).out));
    }
  });

  // Regression: reads over 32 bytes follow get_random_bytes_user (Linux >= 5.18): the 32 fresh
  // bytes become the key of the output blocks, which start at counter 1.
  it('a getrandom syscall of more than 32 bytes returns blocks 1.. of ChaCha20(the 32 fresh bytes)', () => {
    const vm = unwrap(lab.boot(guest({}, ['naive']), { seed: 1 }));
    const proc = lab.core.spawnProcess(vm, libraryIndex('getrandom'), 64);
    expect(proc).toBe(1);
    const fresh = linuxGetrandom(kdata(vm), 32).out; // what a call of <= 32 bytes would return
    const out = drawRaw(vm)[proc]!; // the naive process before it does not touch the CRNG
    expect(out).toHaveLength(64);
    expect(hex(out)).toBe(hex(chacha20Block(fresh, 1, NONCE0)));
  });
});

/**
 * Lets virtual time pass in a VM (the core handles what falls due), then moves the core's event
 * log into the lab's timelines. The Lab has no idle operation of its own and timeline() does not
 * drain the log, so after a direct core call the test drains it (Lab's private drain()).
 */
function idle(vm: VmId, ns: number): void {
  const r = lab.core.idleVm(vm, ns);
  if (r < 0) throw new Error(`idleVm(${vm}, ${ns}) failed with ${r}`);
  (lab as unknown as { drain(): void }).drain();
}
