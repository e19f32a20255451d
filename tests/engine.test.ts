import { beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../src/core/engine';
import { FEAT_WIPEONSUSPEND } from '../src/core/engine';
import { guestAddr, pageNo, PAGE_SIZE, snapshotId } from '../src/core/types';
import { freshEngine, must, mustFail, testBytes } from './helpers';

const MiB = 1024 * 1024;
let eng: Engine;
beforeEach(async () => {
  eng = await freshEngine();
});

describe('guest memory', () => {
  it('a new VM reads as zeros and maps only the zero page', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    expect(must(eng.read(vm, guestAddr(12345), 100)).every((b) => b === 0)).toBe(true);
    expect(eng.stats().guestFrames).toBe(0);
    expect(eng.vmInfo(vm)?.pages).toBe(4096);
  });

  it('a write crossing a page boundary lands in both pages and reads back whole', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    const data = testBytes(10000, 7);
    must(eng.write(vm, guestAddr(PAGE_SIZE - 100), data));
    expect(must(eng.read(vm, guestAddr(PAGE_SIZE - 100), data.length))).toEqual(data);
    expect(eng.vmInfo(vm)?.dirtyPages).toBe(4); // pages 0..3
    expect(eng.stats().guestFrames).toBe(4);
  });

  it('rejects guest sizes outside 16 MiB..1 GiB and out-of-range addresses', () => {
    expect(mustFail(eng.bootVm({ memoryMiB: 8 })).kind).toBe('InvalidGuestSize');
    expect(mustFail(eng.bootVm({ memoryMiB: 2048 })).kind).toBe('InvalidGuestSize');
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    const e = mustFail(eng.write(vm, guestAddr(16 * MiB - 2), new Uint8Array(4)));
    expect(e.kind).toBe('AddressOutOfRange');
    expect(e.message).toMatch(/outside guest memory/);
    expect(mustFail(eng.read(vm, guestAddr(-1), 1)).kind).toBe('AddressOutOfRange');
    expect(mustFail(eng.read(vm, guestAddr(0), 16 * MiB + 1)).kind).toBe('AddressOutOfRange');
  });

  it('madvise sets and clears flags by page range and rejects unaligned starts', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.madvise(vm, guestAddr(2 * PAGE_SIZE), PAGE_SIZE + 1, 'WIPEONSUSPEND'));
    expect(must(eng.pageInfo(vm, pageNo(1))).wipeOnSuspend).toBe(false);
    expect(must(eng.pageInfo(vm, pageNo(2))).wipeOnSuspend).toBe(true);
    expect(must(eng.pageInfo(vm, pageNo(3))).wipeOnSuspend).toBe(true);
    expect(must(eng.pageInfo(vm, pageNo(4))).wipeOnSuspend).toBe(false);
    must(eng.madvise(vm, guestAddr(3 * PAGE_SIZE), PAGE_SIZE, 'KEEPONSUSPEND'));
    expect(must(eng.pageInfo(vm, pageNo(3))).wipeOnSuspend).toBe(false);
    expect(mustFail(eng.madvise(vm, guestAddr(100), PAGE_SIZE, 'DONTDUMP')).kind).toBe('InvalidArgument');
  });
});

describe('snapshots and clones', () => {
  it('copy-on-write isolates clones: a write in one clone is invisible to the others and the snapshot', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.write(vm, guestAddr(0), testBytes(3 * PAGE_SIZE, 1)));
    const snap = must(eng.snapshot(vm, 'full'));
    const [a, b] = must(eng.restore(snap, 2));
    must(eng.write(a!, guestAddr(PAGE_SIZE + 5), new Uint8Array([1, 2, 3])));
    expect(must(eng.read(b!, guestAddr(PAGE_SIZE + 5), 3))).toEqual(
      testBytes(3 * PAGE_SIZE, 1).subarray(PAGE_SIZE + 5, PAGE_SIZE + 8),
    );
    expect(must(eng.read(a!, guestAddr(PAGE_SIZE + 5), 3))).toEqual(new Uint8Array([1, 2, 3]));
    const [c] = must(eng.restore(snap, 1));
    expect(must(eng.read(c!, guestAddr(0), 3 * PAGE_SIZE))).toEqual(testBytes(3 * PAGE_SIZE, 1));
    expect(eng.vmInfo(a!)?.dirtyPages).toBe(1);
    expect(eng.vmInfo(b!)?.dirtyPages).toBe(0);
  });

  it('a full snapshot restores every byte', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    const data = testBytes(16 * MiB, 3);
    must(eng.write(vm, guestAddr(0), data));
    const snap = must(eng.snapshot(vm, 'full'));
    const [c] = must(eng.restore(snap, 1));
    expect(Buffer.compare(must(eng.read(c!, guestAddr(0), data.length)), data)).toBe(0);
    expect(eng.snapshotInfo(snap)?.presentPages).toBe(4096);
  });

  it('a full snapshot and its clones copy no guest frame', () => {
    const vm = must(eng.bootVm({ memoryMiB: 64 }));
    must(eng.write(vm, guestAddr(0), testBytes(8 * MiB, 4)));
    const before = eng.stats().guestFrames;
    const snap = must(eng.snapshot(vm, 'full'));
    must(eng.restore(snap, 10));
    expect(eng.stats().guestFrames).toBe(before);
  });

  it('a diff snapshot holds exactly the dirty pages and a chain restores the right bytes', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.write(vm, guestAddr(0), testBytes(10 * PAGE_SIZE, 5)));
    const base = must(eng.snapshot(vm, 'full'));
    must(eng.resume(vm));
    must(eng.write(vm, guestAddr(3 * PAGE_SIZE + 10), new Uint8Array([9, 9])));
    must(eng.write(vm, guestAddr(2000 * PAGE_SIZE), new Uint8Array([7])));
    const d1 = must(eng.snapshot(vm, 'diff'));
    const pages: number[] = [];
    must(eng.forEachSnapshotPage(d1, (p) => pages.push(p)));
    expect(pages).toEqual([3, 2000]);
    expect(eng.snapshotInfo(d1)).toMatchObject({ type: 'diff', parent: base, presentPages: 2, depth: 1 });
    must(eng.resume(vm));
    must(eng.write(vm, guestAddr(3 * PAGE_SIZE + 11), new Uint8Array([8])));
    const d2 = must(eng.snapshot(vm, 'diff'));
    expect(eng.snapshotInfo(d2)?.presentPages).toBe(1);
    const [c] = must(eng.restore(d2, 1));
    const expected = testBytes(10 * PAGE_SIZE, 5);
    expected[3 * PAGE_SIZE + 10] = 9;
    expected[3 * PAGE_SIZE + 11] = 8;
    expect(must(eng.read(c!, guestAddr(0), 10 * PAGE_SIZE))).toEqual(expected);
    expect(must(eng.read(c!, guestAddr(2000 * PAGE_SIZE), 1))[0]).toBe(7);
    // merging the chain gives a full snapshot with the same bytes
    const merged = must(eng.merge(d2));
    expect(eng.snapshotInfo(merged)).toMatchObject({ type: 'full', parent: null, depth: 0 });
    const [m] = must(eng.restore(merged, 1));
    expect(must(eng.read(m!, guestAddr(0), 10 * PAGE_SIZE))).toEqual(expected);
  });

  it('a diff snapshot needs a parent, and dirty bits survive a failed capture', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.write(vm, guestAddr(0), new Uint8Array([1])));
    expect(mustFail(eng.snapshot(vm, 'diff')).kind).toBe('NoParentSnapshot');
    expect(eng.vmInfo(vm)?.dirtyPages).toBe(1);
    expect(eng.vmInfo(vm)?.state).toBe('running');
  });

  it('WIPEONSUSPEND pages read as zero in the snapshot and every clone; other pages are untouched', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16, features: FEAT_WIPEONSUSPEND }));
    const data = testBytes(8 * PAGE_SIZE, 9);
    must(eng.write(vm, guestAddr(0), data));
    must(eng.madvise(vm, guestAddr(2 * PAGE_SIZE), 2 * PAGE_SIZE, 'WIPEONSUSPEND'));
    const snap = must(eng.snapshot(vm, 'full'));
    expect(eng.snapshotInfo(snap)?.wipedPages).toBe(2);
    const snapPages = new Map<number, Uint8Array>();
    must(eng.forEachSnapshotPage(snap, (p, b) => snapPages.set(p, b.slice())));
    expect(snapPages.get(2)!.every((x) => x === 0)).toBe(true);
    expect(snapPages.get(3)!.every((x) => x === 0)).toBe(true);
    expect(snapPages.get(1)).toEqual(data.subarray(PAGE_SIZE, 2 * PAGE_SIZE));
    for (const c of must(eng.restore(snap, 3))) {
      const bytes = must(eng.read(c, guestAddr(0), 8 * PAGE_SIZE));
      const expected = data.slice();
      expected.fill(0, 2 * PAGE_SIZE, 4 * PAGE_SIZE);
      expect(bytes).toEqual(expected);
      expect(must(eng.pageInfo(c, pageNo(2))).wiped).toBe(true);
    }
  });

  it('without kernel support WIPEONSUSPEND pages reach the snapshot unchanged', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16, features: 0 }));
    must(eng.write(vm, guestAddr(0), testBytes(PAGE_SIZE, 2)));
    must(eng.madvise(vm, guestAddr(0), PAGE_SIZE, 'WIPEONSUSPEND'));
    const snap = must(eng.snapshot(vm, 'full'));
    expect(eng.snapshotInfo(snap)?.wipedPages).toBe(0);
    const [c] = must(eng.restore(snap, 1));
    expect(must(eng.read(c!, guestAddr(0), PAGE_SIZE))).toEqual(testBytes(PAGE_SIZE, 2));
  });

  it('lazy restore counts one fault per first-touched page', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.write(vm, guestAddr(0), testBytes(4 * PAGE_SIZE, 1)));
    const snap = must(eng.snapshot(vm, 'full'));
    const [lazy, eager] = [must(eng.restore(snap, 1, { lazy: true }))[0]!, must(eng.restore(snap, 1))[0]!];
    must(eng.read(lazy, guestAddr(10), 1));
    must(eng.read(lazy, guestAddr(20), 1));
    must(eng.read(lazy, guestAddr(PAGE_SIZE - 1), 2)); // touches pages 0 and 1
    must(eng.write(lazy, guestAddr(3 * PAGE_SIZE), new Uint8Array([1])));
    must(eng.write(lazy, guestAddr(3 * PAGE_SIZE + 1), new Uint8Array([1])));
    expect(eng.vmInfo(lazy)?.faults).toBe(3);
    must(eng.read(eager, guestAddr(0), 4 * PAGE_SIZE));
    expect(eng.vmInfo(eager)?.faults).toBe(0);
  });

  it('a snapshot pauses the VM; resuming it counts as a clone', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    const snap = must(eng.snapshot(vm, 'full'));
    expect(eng.vmInfo(vm)?.state).toBe('paused');
    expect(mustFail(eng.write(vm, guestAddr(0), new Uint8Array(1))).kind).toBe('VmPaused');
    must(eng.resume(vm));
    must(eng.restore(snap, 2));
    expect(eng.snapshotInfo(snap)?.clones).toBe(3);
    expect(mustFail(eng.resume(vm)).kind).toBe('VmRunning');
  });

  it('destroy and delete return the frame count to baseline', () => {
    // record frames (VM, ledger and snapshot directories) stay once created and ids are handed
    // out from 0 again only when nothing is live: warm the frames up, then start ids over
    must(eng.deleteSnapshot(must(eng.snapshot(must(eng.bootVm({ memoryMiB: 16 })), 'full'))));
    for (const v of eng.liveVms()) must(eng.destroyVm(v));
    const warm = must(eng.snapshot(must(eng.bootVm({ memoryMiB: 16 })), 'full'));
    must(eng.restore(warm, 6));
    for (const v of eng.liveVms()) must(eng.destroyVm(v));
    must(eng.deleteSnapshot(warm));
    must(eng.resetIds());
    const base = eng.stats();
    const vm = must(eng.bootVm({ memoryMiB: 32 }));
    must(eng.write(vm, guestAddr(0), testBytes(40 * PAGE_SIZE, 1)));
    const s1 = must(eng.snapshot(vm, 'full'));
    must(eng.resume(vm));
    must(eng.write(vm, guestAddr(5 * PAGE_SIZE), testBytes(PAGE_SIZE, 2)));
    const s2 = must(eng.snapshot(vm, 'diff'));
    const clones = must(eng.restore(s2, 5, { lazy: true }));
    for (const c of clones) must(eng.write(c, guestAddr(7 * PAGE_SIZE), testBytes(100, c)));
    expect(mustFail(eng.deleteSnapshot(s1)).kind).toBe('SnapshotHasChildren');
    for (const c of clones) must(eng.destroyVm(c));
    must(eng.destroyVm(vm));
    must(eng.deleteSnapshot(s2));
    must(eng.deleteSnapshot(s1));
    expect(eng.stats()).toMatchObject({ guestFrames: base.guestFrames, metaFrames: base.metaFrames });
    must(eng.resetIds());
    expect(eng.stats()).toMatchObject({ guestFrames: base.guestFrames, metaFrames: base.metaFrames });
    expect(mustFail(eng.destroyVm(vm)).kind).toBe('UnknownVm');
    expect(mustFail(eng.restore(s1, 1)).kind).toBe('UnknownSnapshot');
  });
});

describe('exhaustion', () => {
  it('asking for more memory than the core may grow to returns OutOfGuestMemory and changes nothing', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.write(vm, guestAddr(0), testBytes(PAGE_SIZE * 4, 1)));
    const snap = must(eng.snapshot(vm, 'full'));
    eng.setFrameLimit(eng.stats().guestFrames + eng.stats().metaFrames + 50);
    const before = eng.stats();
    const vmsBefore = eng.liveVms().length;
    const e = mustFail(eng.restore(snap, 100));
    expect(e.kind).toBe('OutOfGuestMemory');
    expect(e.message).toMatch(/nothing was changed/);
    expect(eng.liveVms().length).toBe(vmsBefore);
    expect(eng.stats()).toMatchObject({ guestFrames: before.guestFrames, metaFrames: before.metaFrames });
    must(eng.resume(vm));
    expect(mustFail(eng.write(vm, guestAddr(0), new Uint8Array(PAGE_SIZE * 200))).kind).toBe(
      'OutOfGuestMemory',
    );
    expect(must(eng.read(vm, guestAddr(0), 4 * PAGE_SIZE))).toEqual(testBytes(PAGE_SIZE * 4, 1));
    eng.setFrameLimit(0);
    expect(must(eng.restore(snap, 100))).toHaveLength(100);
  });

  it('restoreFits says whether a fleet fits before any clone is made', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    const snap = must(eng.snapshot(vm, 'full'));
    eng.setFrameLimit(eng.stats().guestFrames + eng.stats().metaFrames + 40);
    const before = { vms: eng.liveVms().length, clones: eng.snapshotInfo(snap)!.clones };
    expect(mustFail(eng.restoreFits(snap, 200)).kind).toBe('OutOfGuestMemory');
    must(eng.restoreFits(snap, 5));
    expect({ vms: eng.liveVms().length, clones: eng.snapshotInfo(snap)!.clones }).toEqual(before);
    expect(mustFail(eng.restoreFits(snapshotId(999), 1)).kind).toBe('UnknownSnapshot');
    eng.setFrameLimit(0);
  });

  it('a guest larger than wasm can hold fails with OutOfGuestMemory when memory cannot grow', () => {
    // 5 x 1 GiB of distinct bytes cannot fit in wasm32's 4 GiB: fill page by page until it fails
    const vms = [must(eng.bootVm({ memoryMiB: 1024 }))];
    eng.setFrameLimit(0);
    let failed = false;
    const chunk = testBytes(64 * MiB, 11);
    outer: for (let v = 0; v < 5; v++) {
      const vm = v === 0 ? vms[0]! : must(eng.bootVm({ memoryMiB: 1024 }));
      for (let off = 0; off < 1024 * MiB; off += chunk.length) {
        const r = eng.write(vm, guestAddr(off), chunk);
        if (!r.ok) {
          expect(r.error.kind).toBe('OutOfGuestMemory');
          expect(must(eng.read(vm, guestAddr(off), 16)).every((b) => b === 0)).toBe(true);
          failed = true;
          break outer;
        }
      }
    }
    expect(failed).toBe(true);
  });
});
