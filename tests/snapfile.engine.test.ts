// The engine's import path (assembly/snapshot/import.ts through Engine.importSnapshot): layers
// read back from snapshots build snapshots whose clones equal the originals' byte for byte and
// entry for entry; bad records and exhaustion change nothing and leak no frame.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  E_FRAME_MASK,
  FEAT_WIPEONSUSPEND,
  IMPORT_DATA,
  type Engine,
  type LayerPages,
} from '../src/core/engine';
import { guestAddr, PAGE_SIZE, type SnapshotId, type VmId } from '../src/core/types';
import { freshEngine, must, mustFail, testBytes } from './helpers';

let eng: Engine;
beforeEach(async () => {
  eng = await freshEngine();
});

/** Every page's bytes and entry (frame field dropped) of a VM. */
function image(vm: VmId): { bytes: Uint8Array; entries: number[] } {
  const pages = eng.vmInfo(vm)!.pages;
  const bytes = must(eng.read(vm, guestAddr(0), pages * PAGE_SIZE));
  const entries = Array.from(eng.vmEntries(vm)!, (e) => (e & ~E_FRAME_MASK) >>> 0);
  return { bytes, entries };
}

/** The layers of a chain, base first. */
function chain(top: SnapshotId): LayerPages[] {
  const out: LayerPages[] = [];
  for (let s: SnapshotId | null = top; s !== null; s = eng.snapshotInfo(s)!.parent)
    out.unshift(must(eng.snapshotLayer(s)));
  return out;
}

/** A VM with data, zero pages on frames, flags and roles; full then diff snapshot. */
function sample(): { full: SnapshotId; diff: SnapshotId } {
  const vm = must(eng.bootVm({ memoryMiB: 16, features: FEAT_WIPEONSUSPEND }));
  must(eng.write(vm, guestAddr(0), testBytes(5 * PAGE_SIZE, 1)));
  must(eng.write(vm, guestAddr(1023 * PAGE_SIZE), testBytes(2 * PAGE_SIZE, 2)));
  must(eng.write(vm, guestAddr(3000 * PAGE_SIZE), new Uint8Array(PAGE_SIZE))); // zero bytes, own frame
  must(eng.madvise(vm, guestAddr(2 * PAGE_SIZE), PAGE_SIZE, 'WIPEONSUSPEND'));
  must(eng.madvise(vm, guestAddr(4 * PAGE_SIZE), PAGE_SIZE, 'DONTDUMP'));
  must(eng.setRole(vm, 10 as never, 3, 'heap'));
  const full = must(eng.snapshot(vm, 'full'));
  must(eng.resume(vm));
  must(eng.write(vm, guestAddr(1024 * PAGE_SIZE + 7), testBytes(100, 3)));
  must(eng.write(vm, guestAddr(4095 * PAGE_SIZE), testBytes(PAGE_SIZE, 4)));
  const diff = must(eng.snapshot(vm, 'diff'));
  return { full, diff };
}

describe('importing snapshot layers', () => {
  it('a full layer lists only pages that are not plain zero pages; a diff layer lists its dirty pages', () => {
    const { full, diff } = sample();
    const base = must(eng.snapshotLayer(full));
    expect(base.type).toBe('full');
    expect([...base.pageNumbers]).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 1023, 1024, 3000]);
    const wiped = base.entries[2]!;
    expect(wiped & IMPORT_DATA).toBe(0); // wiped at suspend: the zero page
    expect(base.data.length).toBe(7 * PAGE_SIZE); // 0, 1, 3, 4, 1023, 1024, 3000 (10..12: roles on the zero page)
    const top = must(eng.snapshotLayer(diff));
    expect([...top.pageNumbers]).toEqual([1024, 4095]);
    expect(top.vmstate.length).toBe(128);
  });

  it("clones of an imported chain equal the original chain's clones, bytes and entries", () => {
    const { diff } = sample();
    const ids = must(eng.importSnapshot(chain(diff)));
    expect(ids).toHaveLength(2);
    const info = eng.snapshotInfo(ids[1]!)!;
    expect(info).toMatchObject({ type: 'diff', parent: ids[0], presentPages: 2, depth: 1 });
    const [a] = must(eng.restore(diff, 1));
    const [b] = must(eng.restore(ids[1]!, 1));
    const ia = image(a!);
    const ib = image(b!);
    expect(Buffer.compare(ia.bytes, ib.bytes)).toBe(0);
    expect(ib.entries).toEqual(ia.entries);
    expect(eng.snapshotVmstate(ids[1]!)).toEqual(eng.snapshotVmstate(diff));
    expect(eng.importsPending()).toBe(0);
  });

  it('a rejected layer changes nothing and leaks no frame', () => {
    const { diff } = sample();
    const layers = chain(diff);
    const before = eng.stats();
    const snapsBefore = eng.liveSnapshots();
    // the diff layer lists a page twice: the core refuses it after the base layer was built
    const bad: LayerPages = {
      ...layers[1]!,
      pageNumbers: Uint32Array.from([1024, 1024]),
    };
    expect(mustFail(eng.importSnapshot([layers[0]!, bad])).kind).toBe('InvalidArgument');
    // a page beyond the guest
    const far: LayerPages = { ...layers[1]!, pageNumbers: Uint32Array.from([1024, 4096]) };
    expect(mustFail(eng.importSnapshot([layers[0]!, far])).kind).toBe('AddressOutOfRange');
    // an entry without PRESENT, or with a frame number
    const bits: LayerPages = { ...layers[1]!, entries: Uint32Array.from([IMPORT_DATA, 0x00800003]) };
    expect(mustFail(eng.importSnapshot([layers[0]!, bits])).kind).toBe('InvalidArgument');
    // a diff layer with no parent
    expect(mustFail(eng.importSnapshot([layers[1]!])).kind).toBe('NoParentSnapshot');
    expect(eng.liveSnapshots()).toEqual(snapsBefore);
    const after = eng.stats();
    expect(after.guestFrames).toBe(before.guestFrames);
    // the scratch VMs took records (never freed, like every record) and nothing else
    const recordFrames = (n: number) => Math.ceil(n / 16);
    expect(after.metaFrames - before.metaFrames).toBeLessThanOrEqual(recordFrames(eng.core.vmIdsIssued()));
    expect(eng.importsPending()).toBe(0);
  });

  it('out of frames: the import fails with OutOfGuestMemory, and works once frames are back', () => {
    const { diff } = sample();
    const layers = chain(diff);
    const used = eng.stats().guestFrames + eng.stats().metaFrames;
    eng.setFrameLimit(used + 8);
    const before = eng.stats();
    const e = mustFail(eng.importSnapshot(layers));
    expect(e.kind).toBe('OutOfGuestMemory');
    expect(e.message).toMatch(/nothing was changed/);
    expect(eng.stats().guestFrames).toBe(before.guestFrames);
    expect(eng.stats().metaFrames).toBe(before.metaFrames);
    eng.setFrameLimit(0);
    expect(must(eng.importSnapshot(layers))).toHaveLength(2);
  });

  it('a layer bigger than the io buffer goes in several chunks', () => {
    const vm = must(eng.bootVm({ memoryMiB: 16 }));
    must(eng.write(vm, guestAddr(0), testBytes(600 * PAGE_SIZE, 9)));
    const snap = must(eng.snapshot(vm, 'full'));
    const [id] = must(eng.importSnapshot([must(eng.snapshotLayer(snap))]));
    const [a] = must(eng.restore(snap, 1));
    const [b] = must(eng.restore(id!, 1));
    expect(Buffer.compare(image(a!).bytes, image(b!).bytes)).toBe(0);
  });
});
