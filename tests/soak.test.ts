// Soak: a seeded random walk of 10,000 lab operations (boot, full and diff snapshots, resume,
// touch, restore, draw, destroy, delete, load from a snapshot file, reset) on 16 MiB guests, with
// the engine's invariants checked along the way: every frame's refcount equals its holders, a
// clone reads exactly what its snapshot captured, a loaded snapshot's clones read what the
// original's do, and after a reset no frame is left. SOAK_SEED and SOAK_OPS change the walk.
// Then resource exhaustion: asking for more than memory holds is an error that changes nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { E_FRAME_MASK, E_PRESENT, type Engine } from '../src/core/engine';
import { Lab } from '../src/core/lab/lab';
import type { LabError } from '../src/core/lab/api';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { decodeSnapshotFile, encodeSnapshotFile, type SnapFileError } from '../src/core/snapfile';
import { guestAddr, PAGE_SIZE, type Result, type SnapshotId, type VmId } from '../src/core/types';
import { rng } from './helpers';
import { loadSnapshot, loadSnapshotFile, snapshotFileContent } from '../src/core/snapfile';
import { outputRows } from '../src/core/lab/draw';

const SEED = Number(process.env.SOAK_SEED ?? 777);
const OPS = Number(process.env.SOAK_OPS ?? 10_000);
const MAX_VMS = 16;
const MAX_SNAPS = 16;

function unwrap<T>(r: Result<T, LabError | SnapFileError>, where = ''): T {
  if (!r.ok) throw new Error(`${where}: unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

/** Every leaf's refcount equals the tables holding it; every frame's, the leaf entries mapping it. */
function checkRefcounts(eng: Engine, where: string): void {
  const leaves = new Map<number, number>();
  for (const v of eng.liveVms())
    for (const lf of eng.vmLeafFrames(v)) if (lf) leaves.set(lf, (leaves.get(lf) ?? 0) + 1);
  for (const s of eng.liveSnapshots())
    for (const lf of eng.snapshotLeafFrames(s)) if (lf) leaves.set(lf, (leaves.get(lf) ?? 0) + 1);
  const holders = new Map<number, number>();
  for (const [lf, n] of leaves) {
    if (eng.refcount(lf) !== n)
      throw new Error(`${where}: leaf ${lf} has refcount ${eng.refcount(lf)}, ${n} holders`);
    for (const e of eng.leafEntries(lf)) {
      const f = e & E_FRAME_MASK;
      if (e & E_PRESENT && f !== 0) holders.set(f, (holders.get(f) ?? 0) + 1);
    }
  }
  for (const [f, n] of holders)
    if (eng.refcount(f) !== n)
      throw new Error(`${where}: frame ${f} has refcount ${eng.refcount(f)}, ${n} holders`);
  if (eng.stats().guestFrames !== holders.size)
    throw new Error(`${where}: ${eng.stats().guestFrames} guest frames in use, ${holders.size} mapped`);
}

/**
 * Metadata frames that records take (records are never freed): VM records 16 per frame, their
 * entropy ledgers 4 per frame, snapshot records 16 per frame. A reset starts the ids again but
 * keeps the record frames for reuse, so the most ids ever handed out count.
 */
const issuedHigh = new WeakMap<Engine, { vm: number; snap: number }>();

function recordFrames(eng: Engine): number {
  const h = issuedHigh.get(eng) ?? { vm: 0, snap: 0 };
  h.vm = Math.max(h.vm, eng.core.vmIdsIssued());
  h.snap = Math.max(h.snap, eng.core.snapshotIdsIssued());
  issuedHigh.set(eng, h);
  return Math.ceil(h.vm / 16) + Math.ceil(h.vm / 4) + Math.ceil(h.snap / 16);
}

interface MVm {
  id: VmId;
  guest: string;
  paused: boolean;
  /** The snapshot a diff snapshot of this VM builds on (engine: the VM's parent snapshot). */
  parent: SnapshotId | null;
}
interface MSnap {
  id: SnapshotId;
  guest: string;
  parent: SnapshotId | null;
  children: number;
  /** The VM whose metadata the lab keeps for it (it must outlive the snapshot: see below). */
  source: VmId | null;
  /** What the snapshot holds in the watched pages (page -> bytes). */
  window: Map<number, Uint8Array>;
}

let guests: GuestManifest[];

beforeAll(async () => {
  const g = await loadGuestNode(new URL('./fixtures/snapfile/small-guest.json', import.meta.url).pathname);
  if (!g.ok) throw new Error(g.error.message);
  const small = { ...g.value, layout: { kernelPages: 1, heapPages: 2 } };
  guests = [
    small,
    {
      ...small,
      name: 'no-mitigation',
      kernel: {
        ...small.kernel,
        vmgenid: false,
        sysgenid: 'off',
        wipeOnSuspend: false,
        vdsoGetrandom: false,
      },
      processes: [
        { name: 'java', library: 'naive', consumer: 'uuid' },
        { name: 'openssl', library: 'openssl-1.1.1', consumer: 'nonce' },
      ],
    },
    {
      ...small,
      name: 'agent',
      kernel: { ...small.kernel, vmgenid: false, sysgenid: 'overseer', agentReseed: true, agentDelayUs: 3 },
      processes: [
        { name: 'java', library: 'naive', consumer: 'key' },
        { name: 'boring', library: 'boringssl', consumer: 'uuid' },
        { name: 'rd', library: 'rdrand', consumer: 'nonce' },
        { name: 'sys', library: 'getrandom', consumer: 'uuid' },
      ],
    },
  ];
});

describe('soak', () => {
  it(`${OPS} random lab operations keep every invariant`, async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const eng = lab.engine;
    const r = rng(SEED);
    let vms: MVm[] = [];
    let snaps: MSnap[] = [];
    const counts = new Map<string, number>();
    const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    /** The pages worth watching: the kernel's structures, the secrets and the heap. */
    const watched = (snap: SnapshotId): number[] => {
      const v = unwrap(lab.vmstate(snap)) as {
        secrets: { page: number }[];
        heap: { firstPage: number; pages: number } | null;
        processes: unknown[];
      };
      const pages = Array.from({ length: 1 + 5 + v.processes.length }, (_, i) => i);
      for (const s of v.secrets) pages.push(s.page);
      for (let p = 0; p < (v.heap?.pages ?? 0); p++) pages.push(v.heap!.firstPage + p);
      return pages;
    };
    const readWindow = (vm: VmId, pages: number[]) =>
      new Map(pages.map((p) => [p, unwrap(eng.read(vm, guestAddr(p * PAGE_SIZE), PAGE_SIZE))]));
    const KDATA_PAGE = 1; // kernel of 1 page: kdata 1, process table 2, VMGenID 3
    const VMGENID_PAGE = 3;
    /** Kernels with MADV_WIPEONSUSPEND resume from S3, and random_pm_notification reseeds the CRNG. */
    const reseedsOnResume = (guest: string) => guests.find((g) => g.name === guest)!.kernel.wipeOnSuspend;
    const sameWindow = (
      a: Map<number, Uint8Array>,
      b: Map<number, Uint8Array>,
      where: string,
      guest: string,
    ) => {
      for (const [p, bytes] of a) {
        if (p === VMGENID_PAGE) continue; // the VMM writes a fresh ID into every clone
        if (p === KDATA_PAGE && reseedsOnResume(guest)) continue;
        if (Buffer.compare(bytes, b.get(p)!) !== 0) throw new Error(`${where}: page ${p} differs`);
      }
    };
    const start = performance.now();
    for (let i = 0; i < OPS; i++) {
      const where = `op ${i} (seed ${SEED})`;
      const running = vms.filter((v) => !v.paused);
      const roll = r.int(100);
      if (roll < 6 && vms.length < MAX_VMS) {
        const guest = r.pick(guests);
        const vm = unwrap(lab.boot(guest, { seed: r.int(1000) }), where);
        vms.push({ id: vm, guest: guest.name, paused: false, parent: null });
        count('boot');
      } else if (roll < 20 && vms.length > 0 && snaps.length < MAX_SNAPS) {
        const v = r.pick(vms);
        const diff = r.next() < 0.5;
        const parent = v.parent === null ? undefined : snaps.find((s) => s.id === v.parent);
        const snap = lab.snapshot(v.id, diff ? 'diff' : 'full');
        if (diff && !parent) {
          expect(snap.ok ? '' : snap.error.kind, where).toBe('NoParentSnapshot');
          count('diff refused');
          continue;
        }
        const id = unwrap(snap, where);
        v.paused = true;
        v.parent = id;
        if (diff) parent!.children++;
        snaps.push({
          id,
          guest: v.guest,
          parent: diff ? parent!.id : null,
          children: 0,
          source: v.id,
          window: new Map(),
        });
        snaps[snaps.length - 1]!.window = readWindow(v.id, watched(id));
        count(diff ? 'diff' : 'full');
      } else if (roll < 27 && vms.some((v) => v.paused)) {
        const v = r.pick(vms.filter((x) => x.paused));
        unwrap(lab.resume(v.id, { notifyDelayUs: r.pick([0, 5, 50]) }), where);
        v.paused = false;
        count('resume');
      } else if (roll < 35 && running.length > 0) {
        unwrap(lab.touchPages(r.pick(running).id, 1 + r.int(3)), where);
        count('touch');
      } else if (roll < 50 && snaps.length > 0 && vms.length < MAX_VMS) {
        const s = r.pick(snaps);
        const n = 1 + r.int(3);
        const clones = unwrap(
          lab.restore(s.id, n, { notifyDelayUs: r.pick([0, 0, 10, 100]), lazy: r.next() < 0.3 }),
          where,
        );
        for (const c of clones) {
          sameWindow(
            s.window,
            readWindow(c, [...s.window.keys()]),
            `${where}: clone ${c} of snapshot ${s.id}`,
            s.guest,
          );
          vms.push({ id: c, guest: s.guest, paused: false, parent: s.id });
        }
        if (clones.length > 1) {
          // fresh clones of one snapshot repeat the naive PRNG's values (DESIGN.md truth table)
          const d = unwrap(lab.draw(clones, 1), where);
          const naive = d.libraries.find((l) => l.library === 'naive')!;
          expect(new Set(outputRows(naive).map((o) => o[0])).size, where).toBe(1);
        }
        count('restore');
      } else if (roll < 66 && running.length > 0) {
        const first = r.pick(running);
        const group = [
          first,
          ...running.filter((v) => v !== first && v.guest === first.guest).slice(0, r.int(3)),
        ];
        const d = unwrap(
          lab.draw(
            group.map((v) => v.id),
            1 + r.int(2),
          ),
          where,
        );
        expect(d.vms, where).toHaveLength(group.length);
        count('draw');
      } else if (roll < 76 && vms.length > 0) {
        // a VM whose snapshot the lab still restores from keeps the lab's metadata of its guest:
        // destroying it would make lab.restore throw (see the known limitation below)
        const free = vms.filter((v) => !snaps.some((s) => s.source === v.id));
        if (free.length === 0) continue;
        const v = r.pick(free);
        unwrap(lab.destroy(v.id), where);
        vms = vms.filter((x) => x !== v);
        count('destroy');
      } else if (roll < 86 && snaps.length > 0) {
        const s = r.pick(snaps);
        const res = lab.deleteSnapshot(s.id);
        if (s.children > 0) {
          expect(res.ok ? '' : res.error.kind, where).toBe('SnapshotHasChildren');
          count('delete refused');
          continue;
        }
        unwrap(res, where);
        if (s.parent !== null) snaps.find((x) => x.id === s.parent)!.children--;
        snaps = snaps.filter((x) => x !== s);
        for (const v of vms) if (v.parent === s.id) v.parent = null;
        count('delete');
      } else if (roll < 98 && snaps.length > 0 && snaps.length < MAX_SNAPS - 4) {
        // through a file and back: a chain of new snapshots holding the same pages
        const s = r.pick(snaps);
        const file = unwrap(encodeSnapshotFile(lab, s.id), where);
        const decoded = unwrap(decodeSnapshotFile(file), where);
        const top = unwrap(loadSnapshot(lab, decoded), where);
        const chain: SnapshotId[] = [];
        for (let x: SnapshotId | null = top; x !== null; x = eng.snapshotInfo(x)!.parent) chain.unshift(x);
        const original: MSnap[] = [];
        for (let x: MSnap | undefined = s; x; x = snaps.find((y) => y.id === x!.parent)) original.unshift(x);
        expect(chain.length, where).toBe(original.length);
        chain.forEach((id, k) =>
          snaps.push({
            id,
            guest: s.guest,
            parent: k === 0 ? null : chain[k - 1]!,
            children: k === chain.length - 1 ? 0 : 1,
            source: null,
            window: original[k]!.window,
          }),
        );
        count(`load (${chain.length} layers)`);
      } else if (roll >= 98) {
        recordFrames(eng); // note the ids handed out before the reset starts them again
        lab.reset();
        vms = [];
        snaps = [];
        const st = eng.stats();
        if (st.guestFrames !== 0 || st.metaFrames !== recordFrames(eng))
          throw new Error(`${where}: reset left frames behind: ${JSON.stringify(st)}`);
        count('reset');
      }
      if (i % 10 === 9) {
        checkRefcounts(eng, where);
        expect(eng.importsPending(), where).toBe(0);
        expect(eng.liveVms().length, where).toBe(vms.length);
        expect(eng.liveSnapshots().length, where).toBe(snaps.length);
      }
    }
    checkRefcounts(eng, 'end');
    recordFrames(eng);
    lab.reset();
    expect(eng.stats()).toMatchObject({ guestFrames: 0, metaFrames: recordFrames(eng) });
    const ms = performance.now() - start;
    console.log(
      `soak: ${OPS} operations in ${(ms / 1000).toFixed(1)} s (seed ${SEED})`,
      Object.fromEntries(counts),
    );
    for (const k of ['boot', 'full', 'diff', 'restore', 'draw', 'destroy', 'delete', 'reset'])
      expect(counts.get(k) ?? 0, k).toBeGreaterThan(0);
    expect([...counts.keys()].some((k) => k.startsWith('load'))).toBe(true);
  });

  // Regression found by this walk: the lab once kept a guest's metadata only per VM, so a
  // snapshot whose VM was destroyed could not be restored or written to a file.
  it('restoring from a snapshot whose VM was destroyed gives clones', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const vm = unwrap(lab.boot(guests[0]!, { seed: 1 }));
    const snap = unwrap(lab.snapshot(vm, 'full'));
    unwrap(lab.destroy(vm));
    expect(lab.restore(snap, 1, { notifyDelayUs: 0 }).ok).toBe(true);
    expect(snapshotFileContent(lab, snap).ok).toBe(true);
  });
});

describe('resource exhaustion', () => {
  // Regression: a boot short of frames was once reported as TooManyObjects.
  it('a boot short of frames is OutOfGuestMemory', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const st = lab.engine.stats();
    lab.engine.setFrameLimit(st.guestFrames + st.metaFrames + 1); // 0 would mean "no cap"
    const r = lab.boot(guests[0]!, { seed: 1 });
    expect(r.ok ? '' : r.error.kind).toBe('OutOfGuestMemory');
  });

  it('more clones than memory holds: OutOfGuestMemory, no partial fleet, and the lab works on', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const eng = lab.engine;
    const vm = unwrap(lab.boot(guests[0]!, { seed: 2 }));
    const snap = unwrap(lab.snapshot(vm, 'full'));
    const used = eng.stats().guestFrames + eng.stats().metaFrames;
    eng.setFrameLimit(used + 100); // room for a few dozen clones, not for 500
    const before = { vms: lab.vms(), snaps: lab.snapshots(), stats: eng.stats() };
    const e = lab.restore(snap, 500, { notifyDelayUs: 0 });
    expect(e.ok ? '' : e.error.kind).toBe('OutOfGuestMemory');
    if (!e.ok)
      expect(e.error.message).toMatch(
        /out of host memory: \d+ more 4 KiB frames were needed .* nothing was changed/,
      );
    expect({ vms: lab.vms(), snaps: lab.snapshots(), stats: eng.stats() }).toEqual(before);
    // what fits still works, and so does everything after
    const clones = unwrap(lab.restore(snap, 4, { notifyDelayUs: 0 }));
    expect(unwrap(lab.draw(clones, 4)).libraries.length).toBe(guests[0]!.processes.length);
    eng.setFrameLimit(0);
    expect(unwrap(lab.restore(snap, 500, { notifyDelayUs: 0 }))).toHaveLength(500);
  });

  it('a boot, a draw or a file load that runs out of frames changes nothing', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const eng = lab.engine;
    const vm = unwrap(lab.boot(guests[0]!, { seed: 3 }));
    const snap = unwrap(lab.snapshot(vm, 'full'));
    const file = unwrap(encodeSnapshotFile(lab, snap));
    const clones = unwrap(lab.restore(snap, 2, { notifyDelayUs: 0 }));
    unwrap(lab.draw(clones, 1)); // the pages draws write are the clones' own from here on
    const baseline = () => ({ vms: lab.vms(), snaps: lab.snapshots(), guest: eng.stats().guestFrames });
    for (const headroom of [0, 1, 3, 8, 20]) {
      const before = baseline();
      const meta = eng.stats().metaFrames;
      eng.setFrameLimit(eng.stats().guestFrames + meta + headroom);
      const booted = lab.boot(guests[1]!, { seed: 4 });
      const loaded = loadSnapshotFile(lab, file);
      const drawn = lab.draw(clones, 5000);
      eng.setFrameLimit(0);
      for (const [name, res] of [
        ['load', loaded],
        ['draw', drawn],
      ] as const)
        if (!res.ok) expect(res.error.kind, `${name} with headroom ${headroom}`).toBe('OutOfGuestMemory');
      // a boot short of frames can be called TooManyObjects (the known misnaming below)
      if (!booted.ok)
        expect(['OutOfGuestMemory', 'TooManyObjects'], booted.error.message).toContain(booted.error.kind);
      // whatever failed left nothing behind; whatever succeeded is there (undo it to compare)
      if (booted.ok) unwrap(lab.destroy(booted.value));
      if (loaded.ok) {
        for (let s: SnapshotId | null = loaded.value; s !== null;) {
          const parent: SnapshotId | null = eng.snapshotInfo(s)!.parent;
          unwrap(lab.deleteSnapshot(s));
          s = parent;
        }
      }
      const after = baseline();
      expect(after.vms.map((v) => v.id)).toEqual(before.vms.map((v) => v.id));
      expect(after.snaps).toEqual(before.snaps);
      expect(after.guest, `headroom ${headroom}`).toBe(before.guest);
      expect(eng.importsPending()).toBe(0);
    }
    checkRefcounts(eng, 'after exhaustion');
  });
});
