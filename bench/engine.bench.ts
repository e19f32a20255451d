// Engine benchmarks (issue targets in DESIGN.md "Targets"): page copy/fill bandwidth, full
// snapshot + clone of a 1 GiB guest, diff snapshot cost, host bytes per clone.
import { Engine } from '../src/core/engine';
import { loadCoreNode } from '../src/core/load/node';
import { guestAddr, PAGE_SIZE, type SnapshotId } from '../src/core/types';
import { pairedMedians, type BenchRow, type BenchSuite } from './harness';

const MiB = 1 << 20;

async function engine(): Promise<Engine> {
  return new Engine(await loadCoreNode('release'));
}

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Fills a guest with distinct non-zero bytes, 1 MiB at a time. */
function fillGuest(eng: Engine, vm: Parameters<Engine['write']>[0], bytes: number): void {
  const chunk = new Uint8Array(MiB);
  for (let off = 0; off < bytes; off += MiB) {
    for (let i = 0; i < chunk.length; i += 4096) chunk[i] = ((off + i) / 4096) & 0xff || 1;
    ok(eng.write(vm, guestAddr(off), chunk));
  }
}

/** Exports a snapshot layer's pages into a flat image (what memory.bin holds). */
function exportImage(eng: Engine, snap: SnapshotId, image: Uint8Array): number {
  let pages = 0;
  ok(
    eng.forEachSnapshotPage(snap, (p, bytes) => {
      image.set(bytes, p * PAGE_SIZE);
      pages++;
    }),
  );
  return pages;
}

async function pageBandwidth(): Promise<BenchRow[]> {
  const eng = await engine();
  const pages = 16384; // 64 MiB
  const src = eng.core.allocFrameRun(pages);
  const dst = eng.core.allocFrameRun(pages);
  if (src === 0xffffffff || dst === 0xffffffff) throw new Error('no contiguous frame run');
  eng.core.fillFrames(src, 7, pages);
  const a = Buffer.alloc(pages * PAGE_SIZE, 7);
  const b = Buffer.alloc(pages * PAGE_SIZE);
  const copy = pairedMedians(
    () => eng.core.copyFrames(dst, src, pages),
    () => a.copy(b),
    11,
  );
  const fill = pairedMedians(
    () => eng.core.fillFrames(dst, 3, pages),
    () => b.fill(3),
    11,
  );
  const mbps = (ms: number) => ((pages * PAGE_SIZE) / MiB / (ms / 1000)).toFixed(0);
  return [
    {
      name: 'page copy (64 MiB, 4 KiB at a time) vs Buffer.copy',
      value: copy.b / copy.a,
      unit: 'x',
      target: '>= 0.8x',
      met: copy.b / copy.a >= 0.8,
      detail: `wasm ${mbps(copy.a)} MiB/s, Buffer ${mbps(copy.b)} MiB/s`,
    },
    {
      name: 'page fill (64 MiB, 4 KiB at a time) vs Buffer.fill',
      value: fill.b / fill.a,
      unit: 'x',
      target: '>= 0.8x',
      met: fill.b / fill.a >= 0.8,
      detail: `wasm ${mbps(fill.a)} MiB/s, Buffer ${mbps(fill.b)} MiB/s`,
    },
  ];
}

async function snapshotCosts(): Promise<BenchRow[]> {
  const eng = await engine();
  const size = 1024 * MiB;
  const vm = ok(eng.bootVm({ memoryMiB: 1024 }));
  fillGuest(eng, vm, size);
  const copySrc = Buffer.alloc(size, 1);
  const copyDst = Buffer.alloc(size);
  const image = new Uint8Array(size).fill(1); // touched once, so no run pays first-touch faults
  const reps = 5;
  const snapClone: number[] = [];
  const byteCopy: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    let t0 = performance.now();
    const s = ok(eng.snapshot(vm, 'full'));
    const [c] = ok(eng.restore(s, 1));
    const t1 = performance.now() - t0;
    ok(eng.destroyVm(c!));
    ok(eng.resume(vm));
    ok(eng.deleteSnapshot(s));
    t0 = performance.now();
    copySrc.copy(copyDst);
    const t2 = performance.now() - t0;
    if (i > 0) {
      snapClone.push(t1);
      byteCopy.push(t2);
    }
  }
  const med = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const sc = med(snapClone);
  const bc = med(byteCopy);

  // diff snapshot of 1% dirty pages (+ exporting them) vs a full export of every byte
  const base = ok(eng.snapshot(vm, 'full'));
  ok(eng.resume(vm));
  const pages = size / PAGE_SIZE;
  const dirty = Math.round(pages / 100);
  const diffTimes: number[] = [];
  const captureTimes: number[] = [];
  const fullTimes: number[] = [];
  let parent: SnapshotId = base;
  const warm = 3;
  for (let i = 0; i < 2 * reps + warm; i++) {
    for (let k = 0; k < dirty; k++) {
      const p = (k * 97 + i * 13) % pages;
      ok(eng.write(vm, guestAddr(p * PAGE_SIZE), new Uint8Array([i + 2])));
    }
    let t0 = performance.now();
    const d = ok(eng.snapshot(vm, 'diff'));
    const tcap = performance.now() - t0;
    const exported = exportImage(eng, d, image);
    const td = performance.now() - t0;
    if (exported !== eng.snapshotInfo(d)!.presentPages) throw new Error('diff export mismatch');
    t0 = performance.now();
    exportImage(eng, base, image);
    const tf = performance.now() - t0;
    ok(eng.resume(vm));
    parent = d;
    if (i >= warm) {
      captureTimes.push(tcap);
      diffTimes.push(td);
      fullTimes.push(tf);
    }
  }
  void parent;
  const dt = med(diffTimes);
  const ft = med(fullTimes);
  return [
    {
      name: 'full snapshot + 1 clone of a 1 GiB guest vs copying its bytes',
      value: sc / bc,
      unit: 'x',
      target: '<= 0.02x (1/50)',
      met: sc / bc <= 1 / 50,
      detail: `snapshot+clone ${sc.toFixed(3)} ms, 1 GiB copy ${bc.toFixed(1)} ms`,
    },
    {
      name: 'diff snapshot (1% dirty, captured + exported) vs full export (1 GiB)',
      value: dt / ft,
      unit: 'x',
      target: '<= 0.03x',
      met: dt / ft <= 0.03,
      detail: `diff ${dt.toFixed(2)} ms (${dirty} pages; capture ${med(captureTimes).toFixed(2)} ms), full export ${ft.toFixed(1)} ms`,
    },
  ];
}

async function bytesPerClone(): Promise<BenchRow[]> {
  const eng = await engine();
  const vm = ok(eng.bootVm({ memoryMiB: 128 }));
  fillGuest(eng, vm, 32 * MiB); // an initialised guest: a quarter of its pages hold data
  const snap = ok(eng.snapshot(vm, 'full'));
  const clones = 200;
  const before = eng.stats();
  const ids = ok(eng.restore(snap, clones));
  const pages = (128 * MiB) / PAGE_SIZE;
  for (const c of ids) {
    for (let k = 0; k < 16; k++) {
      const p = (k * 2053 + c * 7) % pages; // 16 pages spread over the guest (up to 16 leaves)
      ok(eng.write(c, guestAddr(p * PAGE_SIZE), new Uint8Array([1, 2, 3])));
    }
  }
  const after = eng.stats();
  const frames = after.guestFrames + after.metaFrames - before.guestFrames - before.metaFrames;
  const perClone = (frames * PAGE_SIZE) / clones / 1024;
  const reported = ids.reduce((s, c) => s + eng.vmInfo(c)!.privateBytes, 0) / clones / 1024;
  return [
    {
      name: 'host memory per clone (128 MiB guest, 16 dirty pages spread out)',
      value: perClone,
      unit: 'KiB',
      target: '<= 200 KiB',
      met: perClone <= 200,
      detail: `${clones} clones; vmInfo.privateBytes says ${reported.toFixed(1)} KiB`,
    },
  ];
}

export const suite: BenchSuite = {
  name: 'engine',
  async run() {
    return [...(await pageBandwidth()), ...(await snapshotCosts()), ...(await bytesPerClone())];
  },
};
