// Property test: random sequences of engine operations, checked against a plain reference model
// (a Map of page -> bytes per VM and per snapshot). Every read equals the model; every frame's
// refcount equals its holders; destroying everything leaks no frame.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E_FRAME_MASK, E_PRESENT, FEAT_WIPEONSUSPEND, type Engine } from '../src/core/engine';
import { guestAddr, PAGE_SIZE, type SnapshotId, type VmId } from '../src/core/types';
import { freshEngine } from './helpers';

const PAGES = 4096; // 16 MiB guests: 4 leaves
// pages the ops touch: both sides of leaf boundaries and the last page
const WINDOW = [0, 1, 2, 3, 1022, 1023, 1024, 1025, 2047, 2048, 4094, 4095];

interface MVm {
  id: VmId;
  pages: Map<number, Uint8Array>; // absent = zero
  materialized: Set<number>; // pages on a frame of their own (not the zero page)
  wos: Set<number>; // WIPEONSUSPEND-flagged pages
  dirty: Set<number>;
  paused: boolean;
  parent: SnapshotId | null;
  features: number;
}
interface MSnap {
  id: SnapshotId;
  type: 'full' | 'diff';
  parent: SnapshotId | null;
  layer: Map<number, Uint8Array | null>; // page -> bytes (null = zero) held by this layer
  materialized: Set<number>;
  wos: Set<number>;
  children: number;
  features: number;
}

type Op =
  | { op: 'boot'; wos: boolean }
  | { op: 'write'; vm: number; page: number; offset: number; len: number; seed: number }
  | { op: 'madvise'; vm: number; page: number; count: number; set: boolean }
  | { op: 'snapshot'; vm: number; diff: boolean }
  | { op: 'resume'; vm: number }
  | { op: 'restore'; snap: number; count: number; lazy: boolean }
  | { op: 'merge'; snap: number }
  | { op: 'destroy'; vm: number }
  | { op: 'delete'; snap: number };

const pick = fc.constantFrom(...WINDOW);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('boot' as const), wos: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      vm: fc.nat(7),
      page: pick,
      offset: fc.nat(PAGE_SIZE - 1),
      len: fc.integer({ min: 1, max: 600 }),
      seed: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('madvise' as const),
      vm: fc.nat(7),
      page: pick,
      count: fc.integer({ min: 1, max: 3 }),
      set: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('snapshot' as const), vm: fc.nat(7), diff: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('resume' as const), vm: fc.nat(7) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('restore' as const),
      snap: fc.nat(7),
      count: fc.integer({ min: 1, max: 3 }),
      lazy: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('merge' as const), snap: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('destroy' as const), vm: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), snap: fc.nat(7) }) },
);

function bytesOf(seed: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed | 1) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff || 1; // never zero, so writes always change bytes
  }
  return out;
}

class Model {
  vms: MVm[] = [];
  snaps: MSnap[] = [];

  resolved(s: MSnap): Map<number, Uint8Array | null> {
    const chain: MSnap[] = [];
    for (let cur: MSnap | undefined = s; cur;) {
      chain.unshift(cur);
      cur = cur.parent === null ? undefined : this.snaps.find((x) => x.id === cur!.parent);
    }
    const out = new Map<number, Uint8Array | null>();
    for (const layer of chain) for (const [p, b] of layer.layer) out.set(p, b);
    return out;
  }
}

function page(m: MVm, p: number): Uint8Array {
  return m.pages.get(p) ?? new Uint8Array(PAGE_SIZE);
}

function checkRefcounts(eng: Engine): void {
  const leaves = new Map<number, number>(); // leaf frame -> tables holding it
  for (const v of eng.liveVms())
    for (const lf of eng.vmLeafFrames(v)) if (lf) leaves.set(lf, (leaves.get(lf) ?? 0) + 1);
  for (const s of eng.liveSnapshots())
    for (const lf of eng.snapshotLeafFrames(s)) if (lf) leaves.set(lf, (leaves.get(lf) ?? 0) + 1);
  const holders = new Map<number, number>();
  for (const [lf, n] of leaves) {
    expect(eng.refcount(lf), `leaf ${lf}`).toBe(n);
    for (const e of eng.leafEntries(lf)) {
      const f = e & E_FRAME_MASK;
      if (e & E_PRESENT && f !== 0) holders.set(f, (holders.get(f) ?? 0) + 1);
    }
  }
  for (const [f, n] of holders) expect(eng.refcount(f), `frame ${f}`).toBe(n);
  expect(eng.stats().guestFrames).toBe(holders.size);
}

function run(eng: Engine, ops: Op[]): void {
  const m = new Model();
  for (const o of ops) {
    switch (o.op) {
      case 'boot': {
        const features = o.wos ? FEAT_WIPEONSUSPEND : 0;
        const r = eng.bootVm({ memoryMiB: 16, features });
        expect(r.ok).toBe(true);
        if (r.ok)
          m.vms.push({
            id: r.value,
            pages: new Map(),
            materialized: new Set(),
            wos: new Set(),
            dirty: new Set(),
            paused: false,
            parent: null,
            features,
          });
        break;
      }
      case 'write': {
        const v = m.vms[o.vm % Math.max(1, m.vms.length)];
        if (!v) break;
        const data = bytesOf(o.seed, o.len);
        const addr = o.page * PAGE_SIZE + o.offset;
        const r = eng.write(v.id, guestAddr(addr), data);
        if (addr + o.len > PAGES * PAGE_SIZE) {
          expect(r.ok ? '' : r.error.kind).toBe('AddressOutOfRange');
          break;
        }
        if (v.paused) {
          expect(r.ok ? '' : r.error.kind).toBe('VmPaused');
          break;
        }
        expect(r.ok).toBe(true);
        for (let i = 0; i < o.len;) {
          const a = addr + i;
          const p = Math.floor(a / PAGE_SIZE);
          const off = a % PAGE_SIZE;
          const n = Math.min(PAGE_SIZE - off, o.len - i);
          const b = page(v, p).slice();
          b.set(data.subarray(i, i + n), off);
          v.pages.set(p, b);
          v.materialized.add(p);
          v.dirty.add(p);
          i += n;
        }
        break;
      }
      case 'madvise': {
        const v = m.vms[o.vm % Math.max(1, m.vms.length)];
        if (!v) break;
        const count = Math.min(o.count, PAGES - o.page);
        const r = eng.madvise(
          v.id,
          guestAddr(o.page * PAGE_SIZE),
          count * PAGE_SIZE,
          o.set ? 'WIPEONSUSPEND' : 'KEEPONSUSPEND',
        );
        expect(r.ok).toBe(true);
        for (let p = o.page; p < o.page + count; p++) {
          if (o.set) v.wos.add(p);
          else v.wos.delete(p);
        }
        break;
      }
      case 'snapshot': {
        const v = m.vms[o.vm % Math.max(1, m.vms.length)];
        if (!v) break;
        const parent = v.parent === null ? undefined : m.snaps.find((s) => s.id === v.parent);
        const r = eng.snapshot(v.id, o.diff ? 'diff' : 'full');
        if (o.diff && !parent) {
          expect(r.ok ? '' : r.error.kind).toBe('NoParentSnapshot');
          break;
        }
        expect(r.ok).toBe(true);
        if (!r.ok) break;
        v.paused = true;
        if (v.features & FEAT_WIPEONSUSPEND) {
          for (const p of v.wos) {
            if (v.materialized.has(p)) v.dirty.add(p);
            v.pages.delete(p);
            v.materialized.delete(p);
          }
        }
        const layer = new Map<number, Uint8Array | null>();
        const pagesInLayer = o.diff ? [...v.dirty] : [...new Set([...v.pages.keys(), ...WINDOW])];
        for (const p of pagesInLayer) layer.set(p, v.pages.get(p)?.slice() ?? null);
        if (o.diff) parent!.children++;
        const info = eng.snapshotInfo(r.value)!;
        expect(info.presentPages).toBe(o.diff ? v.dirty.size : PAGES);
        m.snaps.push({
          id: r.value,
          type: o.diff ? 'diff' : 'full',
          parent: o.diff ? parent!.id : null,
          layer,
          materialized: new Set(v.materialized),
          wos: new Set(v.wos),
          children: 0,
          features: v.features,
        });
        v.dirty.clear();
        v.parent = r.value;
        break;
      }
      case 'resume': {
        const v = m.vms[o.vm % Math.max(1, m.vms.length)];
        if (!v) break;
        const r = eng.resume(v.id);
        expect(r.ok ? '' : r.error.kind).toBe(v.paused ? '' : 'VmRunning');
        v.paused = false;
        break;
      }
      case 'restore': {
        const s = m.snaps[o.snap % Math.max(1, m.snaps.length)];
        if (!s) break;
        const r = eng.restore(s.id, o.count, { lazy: o.lazy });
        expect(r.ok).toBe(true);
        if (!r.ok) break;
        const content = m.resolved(s);
        for (const id of r.value) {
          const pages = new Map<number, Uint8Array>();
          for (const [p, b] of content) if (b) pages.set(p, b.slice());
          m.vms.push({
            id,
            pages,
            materialized: new Set(s.materialized),
            wos: new Set(s.wos),
            dirty: new Set(),
            paused: false,
            parent: s.id,
            features: s.features,
          });
        }
        break;
      }
      case 'merge': {
        const s = m.snaps[o.snap % Math.max(1, m.snaps.length)];
        if (!s) break;
        const r = eng.merge(s.id);
        expect(r.ok).toBe(true);
        if (r.ok)
          m.snaps.push({
            id: r.value,
            type: 'full',
            parent: null,
            layer: m.resolved(s),
            materialized: new Set(s.materialized),
            wos: new Set(s.wos),
            children: 0,
            features: s.features,
          });
        break;
      }
      case 'destroy': {
        const i = o.vm % Math.max(1, m.vms.length);
        const v = m.vms[i];
        if (!v) break;
        expect(eng.destroyVm(v.id).ok).toBe(true);
        m.vms.splice(i, 1);
        break;
      }
      case 'delete': {
        const i = o.snap % Math.max(1, m.snaps.length);
        const s = m.snaps[i];
        if (!s) break;
        const r = eng.deleteSnapshot(s.id);
        if (s.children > 0) {
          expect(r.ok ? '' : r.error.kind).toBe('SnapshotHasChildren');
          break;
        }
        expect(r.ok).toBe(true);
        if (s.parent !== null) m.snaps.find((x) => x.id === s.parent)!.children--;
        m.snaps.splice(i, 1);
        for (const v of m.vms) if (v.parent === s.id) v.parent = null;
        break;
      }
    }
    // every read equals the model (the touched window of every live VM)
    for (const v of m.vms) {
      for (const p of WINDOW) {
        const r = eng.read(v.id, guestAddr(p * PAGE_SIZE), PAGE_SIZE);
        expect(r.ok).toBe(true);
        if (r.ok && Buffer.compare(r.value, page(v, p)) !== 0)
          throw new Error(`VM ${v.id} page ${p} differs from the model after ${o.op}`);
      }
    }
  }
  checkRefcounts(eng);
  // destroy everything: no frame leaks
  for (const v of m.vms) expect(eng.destroyVm(v.id).ok).toBe(true);
  for (const s of [...m.snaps].reverse()) expect(eng.deleteSnapshot(s.id).ok).toBe(true);
  // VM records 16 per frame, their entropy ledgers 4 per frame, snapshot records 16 per frame
  const vmIds = eng.core.vmIdsIssued();
  const recordFrames =
    Math.ceil(vmIds / 16) + Math.ceil(vmIds / 4) + Math.ceil(eng.core.snapshotIdsIssued() / 16);
  expect(eng.stats()).toMatchObject({ guestFrames: 0, metaFrames: recordFrames });
}

describe('engine against a reference model', () => {
  it('1,000 random operation sequences match the model, keep refcounts exact and leak nothing', async () => {
    const eng = await freshEngine('release');
    let runs = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 30 }), (ops) => {
        run(eng, ops);
        runs++;
      }),
      { numRuns: 1000, seed: 20261127 },
    );
    expect(runs).toBeGreaterThanOrEqual(1000);
  });
});
