// Snapshot files (src/core/snapfile): the byte layout, a lab snapshot's round trip through a file,
// clones of a loaded snapshot behaving exactly like clones of the original, every rejection's
// typed error and message, and the secret scanner.
import { beforeAll, describe, expect, it } from 'vitest';
import { E_FRAME_MASK } from '../src/core/engine';
import { Lab } from '../src/core/lab/lab';
import type { LabError } from '../src/core/lab/api';
import { LIBRARY_IDS, type GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import {
  crc64,
  Crc64,
  decodeSnapshotFile,
  encodeSnapshotFile,
  FORMAT_VERSION,
  MAGIC,
  scanSecrets,
  type SnapFileError,
} from '../src/core/snapfile';
import { guestAddr, PAGE_SIZE, type Result, type VmId } from '../src/core/types';
import { loadSnapshotFile } from '../src/core/snapfile';
import { outputRows } from '../src/core/lab/draw';

const GUEST_FILE = new URL('./fixtures/snapfile/small-guest.json', import.meta.url).pathname;
let guest: GuestManifest;

beforeAll(async () => {
  const g = await loadGuestNode(GUEST_FILE);
  if (!g.ok) throw new Error(g.error.message);
  guest = g.value;
});

function must<T>(r: Result<T, LabError | SnapFileError>): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function mustFail<T>(r: Result<T, SnapFileError | LabError>): SnapFileError | LabError {
  if (r.ok) throw new Error('expected an error, got success');
  return r.error;
}

async function freshLab(): Promise<Lab> {
  return new Lab(await loadCoreNode('release'));
}

/** A lab with the small guest booted (VM 0) and a full snapshot of it. */
async function booted(seed = 7, over: Partial<GuestManifest['kernel']> = {}) {
  const lab = await freshLab();
  const vm = must(lab.boot({ ...guest, kernel: { ...guest.kernel, ...over } }, { seed }));
  const snap = must(lab.snapshot(vm, 'full'));
  return { lab, vm, snap };
}

/** Recomputes the trailer's CRC-64 (and optionally the declared length) after an edit. */
function reseal(file: Uint8Array, fixLength = true): Uint8Array {
  const v = new DataView(file.buffer, file.byteOffset, file.length);
  if (fixLength) {
    v.setUint32(16, file.length, true);
    v.setUint32(20, 0, true);
  }
  const [lo, hi] = new Crc64().update(file.subarray(0, file.length - 8)).halves();
  v.setUint32(file.length - 8, lo, true);
  v.setUint32(file.length - 4, hi, true);
  return file;
}

/** Replaces the JSON section (same padded size or not) and reseals. */
function withJson(file: Uint8Array, edit: (meta: Record<string, unknown>) => void): Uint8Array {
  const v = new DataView(file.buffer, file.byteOffset, file.length);
  const len = v.getUint32(24, true);
  const meta = JSON.parse(new TextDecoder().decode(file.subarray(32, 32 + len))) as Record<string, unknown>;
  edit(meta);
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const pad = (n: number) => (n + 7) & ~7;
  const rest = file.subarray(32 + pad(len));
  const out = new Uint8Array(32 + pad(json.length) + rest.length);
  out.set(file.subarray(0, 32));
  out.set(json, 32);
  out.set(rest, 32 + pad(json.length));
  new DataView(out.buffer).setUint32(24, json.length, true);
  return reseal(out);
}

const u32 = (f: Uint8Array, at: number) => new DataView(f.buffer, f.byteOffset).getUint32(at, true);
const setU32 = (f: Uint8Array, at: number, x: number) =>
  new DataView(f.buffer, f.byteOffset).setUint32(at, x, true);
/** Offset of layer k's header. */
function layerAt(f: Uint8Array, k: number): number {
  let at = 32 + ((u32(f, 24) + 7) & ~7);
  for (let i = 0; i < k; i++) at += 24 + 8 * u32(f, at + 12) + PAGE_SIZE * u32(f, at + 16);
  return at;
}

/** A VM's page-table entries without frame numbers (which differ between labs). */
function entryBits(lab: Lab, vm: VmId): number[] {
  return Array.from(must(lab.memoryEntries(vm)), (e) => (e & ~E_FRAME_MASK) >>> 0);
}

function memoryOf(lab: Lab, vm: VmId): Uint8Array {
  return must(lab.engine.read(vm, guestAddr(0), lab.engine.vmInfo(vm)!.pages * PAGE_SIZE));
}

describe('CRC-64/XZ', () => {
  it('gives the catalogued check value and the same value fed in pieces', () => {
    expect(crc64(new TextEncoder().encode('123456789'))).toBe('995dc9bbdf1939fa');
    expect(crc64(new Uint8Array(0))).toBe('0000000000000000');
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 255);
    const pieces = new Crc64()
      .update(data.subarray(0, 13))
      .update(data.subarray(13, 500))
      .update(data.subarray(500));
    expect(pieces.digest()).toBe(crc64(data));
    expect(crc64(data.subarray(1))).not.toBe(crc64(data.subarray(0, 999)));
  });
});

describe('the file layout', () => {
  it('starts with the magic and version, declares its length, and ends with the CRC of the rest', async () => {
    const { lab, snap } = await booted();
    const file = must(encodeSnapshotFile(lab, snap));
    expect([...file.subarray(0, 8)]).toEqual([...MAGIC]);
    expect(u32(file, 8)).toBe(FORMAT_VERSION);
    expect(u32(file, 12)).toBe(1); // one layer
    expect(u32(file, 16)).toBe(file.length);
    const at = layerAt(file, 0);
    expect(new TextDecoder().decode(file.subarray(at, at + 4))).toBe('LAYR');
    expect(u32(file, at + 8)).toBe(4096); // 16 MiB
    const crc = new DataView(file.buffer)
      .getBigUint64(file.length - 8, true)
      .toString(16)
      .padStart(16, '0');
    expect(crc).toBe(crc64(file.subarray(0, file.length - 8)));
    // a small guest: only its non-zero pages are in the file
    expect(file.length).toBeLessThan(100 * 1024);
  });

  it('the JSON holds what lab.vmstate() returns, the layers and no secret value', async () => {
    const { lab, snap } = await booted();
    const file = must(encodeSnapshotFile(lab, snap));
    const d = must(decodeSnapshotFile(file));
    const vmstate = must(lab.vmstate(snap));
    for (const key of Object.keys(vmstate)) expect(d.meta, key).toHaveProperty(key);
    expect(d.meta.guest).toBe('small-guest');
    expect(d.meta.processes).toEqual(guest.processes);
    expect(d.meta.layers).toHaveLength(1);
    expect(d.meta.layers[0]!.vmstate).toMatch(/^[0-9a-f]{256}$/);
    const json = new TextDecoder().decode(file.subarray(32, 32 + u32(file, 24)));
    expect(json).not.toContain('5e1c0ffee');
    expect(json).not.toContain('orders-db');
  });
});

describe('loading a snapshot file', () => {
  it("clones of a loaded snapshot equal the original's clones: memory byte for byte, draws value for value", async () => {
    const all = {
      ...guest,
      processes: LIBRARY_IDS.map((library) => ({ name: library, library, consumer: 'uuid' as const })),
    };
    const a = await freshLab();
    const vm = must(a.boot(all, { seed: 11 }));
    const snap = must(a.snapshot(vm, 'full'));
    const file = must(encodeSnapshotFile(a, snap));
    const cloneA = must(a.restore(snap, 3, { notifyDelayUs: 40 }));

    const b = await freshLab();
    const loaded = must(loadSnapshotFile(b, file, { secrets: guest.secrets }));
    const cloneB = must(b.restore(loaded, 3, { notifyDelayUs: 40 }));
    // VMGenIDs come from (seed, VM id): both labs used VM 0 before the clones (boot / the loader)
    expect(cloneB).toEqual(cloneA);
    for (let i = 0; i < 3; i++) {
      expect(Buffer.compare(memoryOf(a, cloneA[i]!), memoryOf(b, cloneB[i]!)), `clone ${i}`).toBe(0);
      expect(entryBits(b, cloneB[i]!)).toEqual(entryBits(a, cloneA[i]!));
    }
    const da = must(a.draw(cloneA, 12));
    const db = must(b.draw(cloneB, 12));
    expect(db.libraries.map((l) => outputRows(l))).toEqual(da.libraries.map((l) => outputRows(l)));
    expect(db.libraries.map((l) => l.duplicates)).toEqual(da.libraries.map((l) => l.duplicates));
    for (let i = 0; i < 3; i++)
      expect(Buffer.compare(memoryOf(a, cloneA[i]!), memoryOf(b, cloneB[i]!)), `after draws ${i}`).toBe(0);
    expect(must(b.secrets(loaded))).toEqual(must(a.secrets(snap)));
  });

  it('a diff chain loads as a chain: the top layer is a diff on a loaded full one', async () => {
    const a = await freshLab();
    const vm = must(a.boot(guest, { seed: 5 }));
    must(a.snapshot(vm, 'full'));
    must(a.resume(vm, { notifyDelayUs: 0 }));
    must(a.touchPages(vm, 3));
    const top = must(a.snapshot(vm, 'diff'));
    const file = must(encodeSnapshotFile(a, top));
    const d = must(decodeSnapshotFile(file));
    expect(d.layers.map((l) => l.type)).toEqual(['full', 'diff']);
    // align VM ids with the loader's two scratch VMs (VMGenIDs derive from the VM id)
    must(a.engine.destroyVm(must(a.engine.bootVm({ memoryMiB: 16 }))));
    const cloneA = must(a.restore(top, 2, { notifyDelayUs: 0 }));

    const b = await freshLab();
    const loaded = must(loadSnapshotFile(b, file));
    const info = b.engine.snapshotInfo(loaded)!;
    expect(info.type).toBe('diff');
    expect(b.engine.snapshotInfo(info.parent!)!.type).toBe('full');
    const cloneB = must(b.restore(loaded, 2, { notifyDelayUs: 0 }));
    expect(cloneB).toEqual(cloneA);
    for (let i = 0; i < 2; i++)
      expect(Buffer.compare(memoryOf(a, cloneA[i]!), memoryOf(b, cloneB[i]!))).toBe(0);
    expect(must(b.draw(cloneB, 4)).libraries.map((l) => outputRows(l))).toEqual(
      must(a.draw(cloneA, 4)).libraries.map((l) => outputRows(l)),
    );
  });

  it('a loaded snapshot exports to the same layers again', async () => {
    const { lab, snap } = await booted();
    const file = must(encodeSnapshotFile(lab, snap));
    const loaded = must(loadSnapshotFile(lab, file, { secrets: guest.secrets }));
    const again = must(decodeSnapshotFile(must(encodeSnapshotFile(lab, loaded))));
    const first = must(decodeSnapshotFile(file));
    expect(again.layers.map((l) => [l.pageNumbers, l.entries, l.data, l.vmstate])).toEqual(
      first.layers.map((l) => [l.pageNumbers, l.entries, l.data, l.vmstate]),
    );
    expect(again.meta.secrets).toEqual(first.meta.secrets);
    // what the original suspend wiped is part of the snapshot's facts, loaded or taken
    expect(lab.engine.snapshotInfo(loaded)!.wipedPages).toBe(lab.engine.snapshotInfo(snap)!.wipedPages);
    expect(again.meta.layers[0]!.wipedPages).toBeGreaterThan(0);
  });

  it('a rejected file leaves every VM and snapshot as it was and takes no frame', async () => {
    const { lab, snap } = await booted();
    const file = must(encodeSnapshotFile(lab, snap));
    const bad = reseal(file.slice());
    setU32(bad, layerAt(bad, 0) + 24 + 8, 7); // second index entry: a page before the first
    reseal(bad);
    const before = { vms: lab.vms(), snaps: lab.snapshots(), stats: lab.stats() };
    expect(mustFail(loadSnapshotFile(lab, bad)).kind).toBe('BadPageIndex');
    expect({ vms: lab.vms(), snaps: lab.snapshots(), stats: lab.stats() }).toEqual(before);
    // out of frames in the engine: also nothing changes
    lab.engine.setFrameLimit(lab.stats().guestFrames + lab.stats().metaFrames + 4);
    const e = mustFail(loadSnapshotFile(lab, file));
    expect(e.kind).toBe('OutOfGuestMemory');
    expect(lab.snapshots()).toEqual(before.snaps);
    expect(lab.stats().guestFrames).toBe(before.stats.guestFrames);
    lab.engine.setFrameLimit(0);
    expect(loadSnapshotFile(lab, file).ok).toBe(true);
    expect(lab.engine.importsPending()).toBe(0);
  });
});

describe('rejected files: one typed error naming what is wrong', () => {
  let file: Uint8Array;
  let chain: Uint8Array;
  beforeAll(async () => {
    const { lab, vm, snap } = await booted();
    file = must(encodeSnapshotFile(lab, snap));
    must(lab.resume(vm, { notifyDelayUs: 0 }));
    must(lab.touchPages(vm, 2));
    chain = must(encodeSnapshotFile(lab, must(lab.snapshot(vm, 'diff'))));
  });
  const decodeErr = (f: Uint8Array) => mustFail(decodeSnapshotFile(f)) as SnapFileError;

  it('wrong magic', () => {
    const e = decodeErr(new TextEncoder().encode('{"not":"a snapshot"}'));
    expect(e.kind).toBe('BadMagic');
    expect(e.message).toMatch(/not a uniqueness-lab snapshot file: it starts with 7b 22 6e 6f/);
    expect(decodeErr(new Uint8Array(0)).kind).toBe('Truncated');
  });

  it('newer and never-written versions', () => {
    const f = file.slice();
    setU32(f, 8, 2);
    const e = decodeErr(f);
    expect(e).toMatchObject({ kind: 'NewerVersion', version: 2, supported: 1 });
    expect(e.message).toMatch(/version 2 is newer than this uniqueness-lab reads \(up to 1\)/);
    setU32(f, 8, 0);
    expect(decodeErr(f).kind).toBe('UnsupportedVersion');
  });

  it('bad checksum', () => {
    const f = file.slice();
    const at = layerAt(f, 0) + 200;
    f[at] = f[at]! ^ 1;
    const e = decodeErr(f);
    expect(e.kind).toBe('BadChecksum');
    expect(e.message).toMatch(/corrupt: its CRC-64 says [0-9a-f]{16} but its bytes give [0-9a-f]{16}/);
  });

  it('truncated: the message names the section and the byte where the file ends', () => {
    const cases: [number, RegExp][] = [
      [20, /the header at byte 0 needs 32 bytes but the file ends at byte 20/],
      [40, /the vmstate JSON at byte 32/],
      [layerAt(file, 0) + 10, /layer 0's header/],
      [layerAt(file, 0) + 30, /layer 0's page index/],
      [file.length - 5000, /layer 0's page data/],
      [file.length - 3, /the trailer \(CRC-64\)/],
    ];
    for (const [len, message] of cases) {
      const e = decodeErr(file.slice(0, len));
      expect(e.kind, String(len)).toBe('Truncated');
      expect(e.message, String(len)).toMatch(message);
    }
    const tail = decodeErr(chain.slice(0, layerAt(chain, 1) + 4));
    expect(tail.message).toMatch(/layer 1's header/);
  });

  it('trailing data after the declared end', () => {
    const f = new Uint8Array(file.length + 3);
    f.set(file);
    expect(decodeErr(f)).toMatchObject({
      kind: 'TrailingData',
      declared: file.length,
      length: file.length + 3,
    });
  });

  it('oversized: sizes beyond the limits are refused before anything is allocated', () => {
    const at = layerAt(file, 0);
    const cases: [number, number, RegExp][] = [
      [at + 8, 262144 * 2, /layer 0's guest pages = 524288, beyond the limit of 262144/],
      [at + 12, 5000, /layer 0's index entries = 5000, beyond the limit of 4096/],
      [at + 16, u32(file, at + 12) + 1, /layer 0's data pages/],
      [12, 5000, /the layer count = 5000, beyond the limit of 1024/],
      [24, 2 << 20, /the vmstate JSON length = 2097152/],
    ];
    for (const [off, value, message] of cases) {
      const f = file.slice();
      setU32(f, off, value);
      const e = decodeErr(reseal(f));
      expect(e.kind, message.source).toBe('Oversized');
      expect(e.message).toMatch(message);
    }
    const huge = file.slice();
    setU32(huge, 20, 1); // a declared length over 4 GiB
    expect(decodeErr(huge).kind).toBe('Oversized');
  });

  it('inconsistent page index: duplicate, unsorted, out-of-range pages and bad entry bits', () => {
    const idx = layerAt(file, 0) + 24;
    const edit = (i: number, page: number | null, entry: number | null) => {
      const f = file.slice();
      if (page !== null) setU32(f, idx + 8 * i, page);
      if (entry !== null) setU32(f, idx + 8 * i + 4, entry);
      return decodeErr(reseal(f));
    };
    const p0 = u32(file, idx);
    expect(edit(1, p0, null)).toMatchObject({ kind: 'BadPageIndex', layer: 0, index: 1 });
    expect(edit(1, p0, null).message).toMatch(/page index entry 1 \(page \d+\): the page is listed twice/);
    expect(edit(2, p0, null).message).toMatch(/out of order/);
    expect(edit(0, 4096, null).message).toMatch(/outside the guest's 4096 pages/);
    expect(edit(0, null, 0).message).toMatch(/lacks the PRESENT bit/);
    expect(edit(0, null, 0x00800002).message).toMatch(/has bits no page-table entry carries \(0x2\)/);
  });

  it('inconsistent layers: a diff without its parent, a second full layer, sizes that disagree', () => {
    // drop layer 0 from the chain: the diff is left without a parent
    const l1 = layerAt(chain, 1);
    const orphan = new Uint8Array(chain.length - (l1 - layerAt(chain, 0)));
    orphan.set(chain.subarray(0, layerAt(chain, 0)));
    orphan.set(chain.subarray(l1), layerAt(chain, 0));
    setU32(orphan, 12, 1);
    const e = decodeErr(reseal(orphan));
    expect(e).toMatchObject({ kind: 'InconsistentLayers', layer: 0 });
    expect(e.message).toMatch(/a diff layer needs a parent layer below it/);
    const twoFull = chain.slice();
    setU32(twoFull, layerAt(twoFull, 1) + 4, 0);
    expect(decodeErr(reseal(twoFull)).message).toMatch(/layer 1: only the base layer may be full/);
    const sizes = chain.slice();
    setU32(sizes, layerAt(sizes, 1) + 8, 8192);
    expect(decodeErr(reseal(sizes)).message).toMatch(/its guest has 8192 pages but layer 0's has 4096/);
    const odd = file.slice();
    setU32(odd, layerAt(odd, 0) + 8, 4100);
    expect(decodeErr(reseal(odd)).message).toMatch(/4100 pages is not a supported size/);
    // the header's data page count and the index's marks disagree
    const marks = file.slice();
    const idx = layerAt(marks, 0) + 24;
    const n = u32(marks, layerAt(marks, 0) + 12);
    let flipped = false;
    for (let i = 0; i < n && !flipped; i++) {
      const e2 = u32(marks, idx + 8 * i + 4);
      if (!(e2 & 1)) {
        setU32(marks, idx + 8 * i + 4, e2 | 1);
        flipped = true;
      }
    }
    expect(flipped).toBe(true);
    expect(decodeErr(reseal(marks)).message).toMatch(/declares \d+ data pages but its page index marks \d+/);
  });

  it('bad sections and a bad vmstate', () => {
    const tag = file.slice();
    tag[layerAt(tag, 0)] = 0x4d;
    expect(decodeErr(reseal(tag))).toMatchObject({ kind: 'BadSection' });
    const json = file.slice();
    json[33] = 0x7b; // '{"' -> '{{'
    const e = decodeErr(reseal(json));
    expect(e.kind).toBe('BadVmstate');
    expect(e.message).toMatch(/vmstate JSON: is not valid JSON text/);
    const kernel = decodeErr(withJson(file, (m) => ((m.kernel as Record<string, unknown>).sysgenid = 'yes')));
    expect(kernel.message).toMatch(/vmstate kernel.sysgenid: must be one of/);
    const layers = decodeErr(withJson(file, (m) => (m.layers = [])));
    expect(layers.message).toMatch(/vmstate layers: lists 0 layers but the file holds 1/);
    const size = decodeErr(withJson(file, (m) => (m.memoryMiB = 32)));
    expect(size.message).toMatch(/memoryMiB: says 32 MiB but the layers hold a guest of 4096 pages/);
    // a raw vmstate that moves the process table: the kernel would write to a page it names
    const moved = decodeErr(
      withJson(file, (m) => {
        const l = (m.layers as { vmstate: string }[])[0]!;
        l.vmstate = l.vmstate.slice(0, 88) + 'ff000000' + l.vmstate.slice(96);
      }),
    );
    expect(moved.message).toMatch(
      /vmstate procTable page: is 255, but a kernel of 2 pages keeps it at page 3/,
    );
    const procs = decodeErr(withJson(file, (m) => (m.processes as unknown[]).pop()));
    expect(procs.message).toMatch(/process count: is 4 but the JSON lists 3 processes/);
  });

  it('a feature mismatch between the JSON kernel and the raw vmstate is refused by the lab', async () => {
    const lab = await freshLab();
    const f = withJson(file, (m) => ((m.kernel as Record<string, unknown>).vdsoGetrandom = false));
    const e = mustFail(loadSnapshotFile(lab, f));
    expect(e.kind).toBe('BadVmstate');
    expect(e.message).toMatch(/features: 0x\w+ disagree with the kernel the JSON describes/);
    expect(lab.snapshots()).toEqual([]);
  });
});

describe('the secret scanner', () => {
  it('finds unflagged secrets in the file at their page, and no WIPEONSUSPEND secret when the kernel wipes', async () => {
    const { lab, snap } = await booted(7, { wipeOnSuspend: true });
    const file = must(encodeSnapshotFile(lab, snap));
    const decoded = must(decodeSnapshotFile(file));
    const scan = scanSecrets(file, guest.secrets, decoded);
    const byName = Object.fromEntries(scan.map((s) => [s.name, s]));
    expect(byName['tls-session-key']).toMatchObject({ wipeOnSuspend: true, inFile: false, hits: [] });
    const db = byName['db-password']!;
    expect(db.inFile).toBe(true);
    const placed = decoded.meta.secrets.find((s) => s.name === 'db-password')!;
    expect(db.hits).toEqual([{ offset: db.hits[0]!.offset, layer: 0, page: placed.page, pageOffset: 0 }]);
    expect(new TextDecoder().decode(file.subarray(db.hits[0]!.offset, db.hits[0]!.offset + 9))).toBe(
      'orders-db',
    );
  });

  it('without kernel support every secret is in the file', async () => {
    const { lab, snap } = await booted(7, { wipeOnSuspend: false });
    const file = must(encodeSnapshotFile(lab, snap));
    expect(scanSecrets(file, guest.secrets).map((s) => s.inFile)).toEqual([true, true]);
  });

  it('scans any bytes, even a file that does not decode', () => {
    const bytes = new TextEncoder().encode('xx orders-db:Small!Guest#42-prod yy');
    const [, db] = scanSecrets(bytes, guest.secrets);
    expect(db!.hits).toEqual([{ offset: 3, layer: null, page: null, pageOffset: null }]);
  });
});
