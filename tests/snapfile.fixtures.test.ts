// Kept snapshot files (tests/fixtures/snapfile/*.ulsnap): the interesting cases of the fuzzer as
// small files, each with the error kind and message it must give (expected.json). One of them is
// valid and must load, restore and draw. UPDATE_SNAPFILE_FIXTURES=1 writes them again from the
// small guest (deterministic: same seed, same bytes).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMPORT_DATA } from '../src/core/engine';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import {
  Crc64,
  decodeSnapshotFile,
  encodeSnapshotFile,
  encodeSnapshotFileContent,
} from '../src/core/snapfile';
import { PAGE_SIZE } from '../src/core/types';
import { loadSnapshotFile, snapshotFileContent } from '../src/core/snapfile';

const DIR = new URL('./fixtures/snapfile/', import.meta.url);
const EXPECTED = new URL('expected.json', DIR);

interface Expected {
  file: string;
  /** What the case is. */
  about: string;
  /** The SnapFileError kind, or "valid". */
  kind: string;
  /** A fragment the message must contain. */
  message: string;
}

const u32 = (f: Uint8Array, at: number) => new DataView(f.buffer, f.byteOffset, f.length).getUint32(at, true);
const setU32 = (f: Uint8Array, at: number, v: number) =>
  new DataView(f.buffer, f.byteOffset, f.length).setUint32(at, v >>> 0, true);

function reseal(f: Uint8Array): Uint8Array {
  setU32(f, 16, f.length);
  setU32(f, 20, 0);
  const [lo, hi] = new Crc64().update(f.subarray(0, f.length - 8)).halves();
  setU32(f, f.length - 8, lo);
  setU32(f, f.length - 4, hi);
  return f;
}

function layerAt(f: Uint8Array, k: number): number {
  let at = 32 + ((u32(f, 24) + 7) & ~7);
  for (let i = 0; i < k; i++) at += 24 + 8 * u32(f, at + 12) + PAGE_SIZE * u32(f, at + 16);
  return at;
}

/** Writes every fixture and expected.json (run with UPDATE_SNAPFILE_FIXTURES=1). */
async function writeFixtures(): Promise<void> {
  const g = await loadGuestNode(new URL('small-guest.json', DIR).pathname);
  if (!g.ok) throw new Error(g.error.message);
  const guest = { ...g.value, layout: { kernelPages: 1, heapPages: 1 } };
  const lab = new Lab(await loadCoreNode('release'));
  const vm = lab.boot(guest, { seed: 1 });
  if (!vm.ok) throw new Error(vm.error.message);
  const full = lab.snapshot(vm.value, 'full');
  if (!full.ok) throw new Error(full.error.message);
  lab.resume(vm.value, { notifyDelayUs: 0 });
  lab.touchPages(vm.value, 1);
  const diff = lab.snapshot(vm.value, 'diff');
  if (!diff.ok) throw new Error(diff.error.message);
  const content = (s: typeof full.value) => {
    const c = snapshotFileContent(lab, s);
    if (!c.ok) throw new Error(c.error.message);
    return c.value;
  };
  /** Keeps the bytes of `keep` pages only (the rest become zero pages): small files. */
  const thin = (c: ReturnType<typeof content>, keep: (page: number) => boolean) => ({
    ...c,
    meta: { ...c.meta, description: 'fixture' },
    layers: c.layers.map((l) => {
      const data: Uint8Array[] = [];
      let slot = 0;
      const entries = Uint32Array.from(l.entries, (e, i) => {
        if (!(e & IMPORT_DATA)) return e;
        const page = l.pageNumbers[i]!;
        const bytes = l.data.subarray(slot * PAGE_SIZE, ++slot * PAGE_SIZE);
        if (keep(page)) {
          data.push(bytes);
          return e;
        }
        return (e & ~IMPORT_DATA) >>> 0;
      });
      const joined = new Uint8Array(data.length * PAGE_SIZE);
      data.forEach((d, i) => joined.set(d, i * PAGE_SIZE));
      return { ...l, entries, data: joined };
    }),
  });
  // kdata (page 1) and the process table (page 2) are all the checks need to accept a file
  const valid = encodeSnapshotFileContent(thin(content(full.value), (p) => p === 1 || p === 2));
  const bare = encodeSnapshotFileContent(thin(content(full.value), () => false));
  const chain = encodeSnapshotFileContent(thin(content(diff.value), (p) => p === 1 || p === 2));
  const out: [string, Uint8Array, Omit<Expected, 'file'>][] = [];
  const add = (file: string, bytes: Uint8Array, kind: string, message: string, about: string) =>
    out.push([file, bytes, { about, kind, message }]);

  add(
    'valid.ulsnap',
    valid,
    'valid',
    '',
    'a valid file: kdata and process table only, every other page zero',
  );
  add('empty.ulsnap', new Uint8Array(0), 'Truncated', 'the header at byte 0 needs 32 bytes', 'an empty file');
  add(
    'text.ulsnap',
    new TextEncoder().encode('{"guest":"default"}\n'),
    'BadMagic',
    'it starts with 7b 22 67 75',
    'JSON, not a snapshot file',
  );
  const newer = bare.slice();
  setU32(newer, 8, 2);
  add('newer-version.ulsnap', newer, 'NewerVersion', 'format version 2 is newer', 'format version 2');
  const crc = bare.slice();
  crc[40] = crc[40]! ^ 4;
  add('bad-checksum.ulsnap', crc, 'BadChecksum', 'its CRC-64 says', 'one bit flipped in the JSON');
  add(
    'truncated-index.ulsnap',
    bare.slice(0, layerAt(bare, 0) + 40),
    'Truncated',
    "layer 0's page index",
    'cut inside the page index',
  );
  add(
    'truncated-chain.ulsnap',
    chain.slice(0, layerAt(chain, 1) + 10),
    'Truncated',
    "layer 1's header",
    'a chain cut inside its second layer header',
  );
  const trailing = new Uint8Array(bare.length + 5);
  trailing.set(bare);
  add(
    'trailing-data.ulsnap',
    trailing,
    'TrailingData',
    '5 bytes after its declared end',
    'five bytes appended',
  );
  const huge = bare.slice();
  setU32(huge, layerAt(huge, 0) + 8, 1 << 20);
  add(
    'oversized-guest.ulsnap',
    reseal(huge),
    'Oversized',
    "layer 0's guest pages = 1048576, beyond the limit of 262144",
    'a 4 GiB guest',
  );
  const many = bare.slice();
  setU32(many, layerAt(many, 0) + 12, 100000);
  add(
    'oversized-index.ulsnap',
    reseal(many),
    'Oversized',
    "layer 0's index entries = 100000",
    'more index entries than guest pages',
  );
  const idx = layerAt(bare, 0) + 24;
  const dup = bare.slice();
  setU32(dup, idx + 8, u32(dup, idx));
  add(
    'duplicate-page.ulsnap',
    reseal(dup),
    'BadPageIndex',
    'the page is listed twice',
    'a page listed twice',
  );
  const unsorted = bare.slice();
  setU32(unsorted, idx + 16, 0);
  add('unsorted-pages.ulsnap', reseal(unsorted), 'BadPageIndex', 'out of order', 'pages out of order');
  const far = bare.slice();
  setU32(far, idx + 8 * (u32(far, layerAt(far, 0) + 12) - 1), 4096);
  add(
    'page-out-of-range.ulsnap',
    reseal(far),
    'BadPageIndex',
    "outside the guest's 4096 pages",
    'the last page past the guest',
  );
  const bits = bare.slice();
  setU32(bits, idx + 4, 0x00800100);
  add(
    'frame-bits.ulsnap',
    reseal(bits),
    'BadPageIndex',
    'has bits no page-table entry carries (0x100)',
    'an entry naming a host frame',
  );
  const orphan = chain.slice();
  setU32(orphan, layerAt(orphan, 0) + 4, 1);
  add(
    'diff-without-parent.ulsnap',
    reseal(orphan),
    'InconsistentLayers',
    'a diff layer needs a parent layer below it',
    'the base layer marked diff',
  );
  const sizes = chain.slice();
  setU32(sizes, layerAt(sizes, 1) + 8, 8192);
  add(
    'layer-sizes-disagree.ulsnap',
    reseal(sizes),
    'InconsistentLayers',
    "its guest has 8192 pages but layer 0's has 4096",
    'layers of different guest sizes',
  );
  const tag = bare.slice();
  tag[layerAt(tag, 0)] = 0x58;
  add('bad-layer-tag.ulsnap', reseal(tag), 'BadSection', 'not "LAYR"', 'a layer without its tag');
  const json = bare.slice();
  json[32] = 0x5b;
  add('bad-json.ulsnap', reseal(json), 'BadVmstate', 'is not valid JSON text', 'the JSON opens with [');
  add(
    'zero-process-table.ulsnap',
    bare,
    'BadVmstate',
    'process 0: keeps its state at page 0',
    'the process table page left out: every state page would be page 0',
  );
  // found by the fuzzer: a kdata page whose input pool claims more buffered bytes than it has;
  // the kernel used it as a byte count and wrote past the pool (a trap in the core)
  const pool = valid.slice();
  const kdataAt = layerAt(pool, 0) + 24 + 8 * u32(pool, layerAt(pool, 0) + 12); // first data page: kdata
  setU32(pool, kdataAt + 88 + 40, 1000);
  add(
    'kdata-pool-overflow.ulsnap',
    reseal(pool),
    'BadVmstate',
    "the input pool's buffer holds 1000 bytes (at most 64)",
    'fuzz case: BLAKE2s buffer length 1000 in the kdata page',
  );
  const moved = valid.slice();
  const procAt = kdataAt + PAGE_SIZE;
  setU32(moved, procAt + 12, 4); // process 0's state page -> the SysGenId counter page
  add(
    'state-page-moved.ulsnap',
    reseal(moved),
    'BadVmstate',
    'process 0: keeps its state at page 4',
    "a process whose state page is the SysGenId counter's (the library would loop on its own writes)",
  );

  const expected: Expected[] = [];
  for (const [file, bytes, e] of out) {
    writeFileSync(new URL(file, DIR), bytes);
    expected.push({ file, ...e });
  }
  writeFileSync(EXPECTED, `${JSON.stringify(expected, null, 2)}\n`);
}

if (process.env.UPDATE_SNAPFILE_FIXTURES === '1' || !existsSync(EXPECTED)) await writeFixtures();
const expected = JSON.parse(readFileSync(EXPECTED, 'utf8')) as Expected[];

describe('kept snapshot files', () => {
  it('are small', () => {
    for (const e of expected)
      expect(readFileSync(new URL(e.file, DIR)).length, e.file).toBeLessThan(16 * 1024);
  });

  for (const e of expected) {
    it(`${e.file}: ${e.about} -> ${e.kind}`, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(e.file, DIR)));
      const d = decodeSnapshotFile(bytes);
      if (e.kind !== 'valid') {
        expect(d.ok ? 'valid' : d.error.kind).toBe(e.kind);
        if (!d.ok) expect(d.error.message).toContain(e.message);
        return;
      }
      expect(d.ok ? '' : d.error.message).toBe('');
      const lab = new Lab(await loadCoreNode('release'));
      const snap = loadSnapshotFile(lab, bytes);
      if (!snap.ok) throw new Error(snap.error.message);
      const clones = lab.restore(snap.value, 2, { notifyDelayUs: 0 });
      if (!clones.ok) throw new Error(clones.error.message);
      const drawn = lab.draw(clones.value, 3);
      expect(drawn.ok).toBe(true);
      // and it writes back to the same layers
      const again = encodeSnapshotFile(lab, snap.value);
      const back = again.ok ? decodeSnapshotFile(again.value) : null;
      expect(back?.ok && d.ok && back.value.layers[0]!.data).toEqual(d.ok && d.value.layers[0]!.data);
    });
  }
});
