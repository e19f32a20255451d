// Fuzzing the snapshot file reader and loader: at least 10,000 mutated and truncated files from a
// seeded generator (SNAPFILE_FUZZ_SEED / SNAPFILE_FUZZ_CASES change seed and count). Each file is
// either rejected with a typed error whose message is one line, or loads into a consistent lab:
// one clone restores, reads and draws, and once the clone and the loaded snapshots are gone every
// frame is back (record frames aside: records are never freed). No case may throw or hang.
// Half the mutations re-seal the checksum (and the declared length), or almost every file would
// stop at the CRC and the checks behind it would go untested.
import { beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import type { LabError } from '../src/core/lab/api';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { Crc64, decodeSnapshotFile, encodeSnapshotFile, type SnapFileError } from '../src/core/snapfile';
import { guestAddr, PAGE_SIZE, type Result } from '../src/core/types';
import { rng } from './helpers';
import { loadSnapshot } from '../src/core/snapfile';

const SEED = Number(process.env.SNAPFILE_FUZZ_SEED ?? 20261127);
const CASES = Number(process.env.SNAPFILE_FUZZ_CASES ?? 10_000);
/** Stop generating new cases after this long; the count must still reach CASES. */
// a bound on run time, not a speed target: a loaded 2-core machine needs about 20 s
const BUDGET_MS = Number(process.env.SNAPFILE_FUZZ_BUDGET_MS ?? 90_000);

const FILE_KINDS = [
  'BadMagic',
  'NewerVersion',
  'UnsupportedVersion',
  'BadChecksum',
  'Truncated',
  'TrailingData',
  'Oversized',
  'BadPageIndex',
  'InconsistentLayers',
  'BadSection',
  'BadVmstate',
];
/** Errors the engine or lab may give for a file that decoded (none is expected in practice). */
const LOAD_KINDS = [...FILE_KINDS, 'OutOfGuestMemory', 'InvalidArgument', 'NoParentSnapshot', 'InvalidValue'];

type Rng = ReturnType<typeof rng>;

const u32 = (f: Uint8Array, at: number) => new DataView(f.buffer, f.byteOffset, f.length).getUint32(at, true);
const setU32 = (f: Uint8Array, at: number, v: number) =>
  new DataView(f.buffer, f.byteOffset, f.length).setUint32(at, v >>> 0, true);
const pad8 = (n: number) => (n + 7) & ~7;

/** Section offsets of a well-formed file (the base files). */
function sections(f: Uint8Array) {
  const json = { at: 32, len: u32(f, 24) };
  const layers: { at: number; n: number; d: number; index: number; data: number; end: number }[] = [];
  let at = 32 + pad8(json.len);
  for (let k = 0; k < u32(f, 12); k++) {
    const n = u32(f, at + 12);
    const d = u32(f, at + 16);
    layers.push({ at, n, d, index: at + 24, data: at + 24 + 8 * n, end: at + 24 + 8 * n + d * PAGE_SIZE });
    at += 24 + 8 * n + d * PAGE_SIZE;
  }
  return { json, layers, end: at };
}

function reseal(f: Uint8Array, fixLength: boolean): Uint8Array {
  if (f.length < 40) return f;
  if (fixLength) {
    setU32(f, 16, f.length);
    setU32(f, 20, 0);
  }
  const [lo, hi] = new Crc64().update(f.subarray(0, f.length - 8)).halves();
  setU32(f, f.length - 8, lo);
  setU32(f, f.length - 4, hi);
  return f;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const INTERESTING = [
  0, 1, 2, 7, 8, 255, 256, 1023, 1024, 4095, 4096, 4097, 65536, 262144, 262145, 0x7fffffff, 0xffffffff,
];

/** One mutation of a base file: the mutated bytes and what was done (for failure reports). */
function mutate(base: Uint8Array, r: Rng): { bytes: Uint8Array; what: string } {
  const f = base.slice();
  const s = sections(f);
  const seal = r.next() < 0.5;
  const op = r.int(12);
  const anyLayer = () => r.pick(s.layers);
  switch (op) {
    case 0: {
      // truncation, often near a section boundary
      const marks = [
        8,
        32,
        s.json.at + s.json.len,
        ...s.layers.flatMap((l) => [l.at, l.index, l.data, l.end]),
      ];
      const cut = r.next() < 0.5 ? Math.max(0, r.pick(marks) + r.int(17) - 8) : r.int(f.length);
      return { bytes: f.slice(0, Math.min(cut, f.length - 1)), what: `truncate at ${cut}` };
    }
    case 1: {
      const flips = 1 + r.int(4);
      for (let i = 0; i < flips; i++) {
        const at = r.int(f.length);
        f[at] = f[at]! ^ (1 << r.int(8));
      }
      return { bytes: seal ? reseal(f, false) : f, what: `flip ${flips} bits${seal ? ', resealed' : ''}` };
    }
    case 2: {
      // a header field
      const at = r.pick([8, 12, 16, 20, 24, 28]);
      const v = r.next() < 0.7 ? r.pick(INTERESTING) : u32(f, at) + r.int(5) - 2;
      setU32(f, at, v);
      return { bytes: reseal(f, false), what: `header +${at} = ${v}` };
    }
    case 3: {
      // a layer header field
      const l = anyLayer();
      const field = r.pick([0, 4, 8, 12, 16, 20]);
      const v = r.next() < 0.7 ? r.pick(INTERESTING) : u32(f, l.at + field) + r.int(5) - 2;
      setU32(f, l.at + field, v);
      return { bytes: reseal(f, r.next() < 0.8), what: `layer@${l.at} +${field} = ${v}` };
    }
    case 4: {
      // a page number in an index
      const l = anyLayer();
      if (l.n === 0) return { bytes: f, what: 'no-op' };
      const i = r.int(l.n);
      const at = l.index + 8 * i;
      const prev = i > 0 ? u32(f, at - 8) : 0;
      const v = r.pick([prev, prev - 1, prev + 1, u32(f, at) + 1, 4095, 4096, r.int(8192), ...INTERESTING]);
      setU32(f, at, v);
      return { bytes: reseal(f, true), what: `index ${i} page = ${v}` };
    }
    case 5: {
      // an entry's bits
      const l = anyLayer();
      if (l.n === 0) return { bytes: f, what: 'no-op' };
      const i = r.int(l.n);
      const at = l.index + 8 * i + 4;
      const v = r.next() < 0.5 ? u32(f, at) ^ (1 << r.int(32)) : r.int(2 ** 32);
      setU32(f, at, v);
      return { bytes: reseal(f, true), what: `index ${i} entry = 0x${(v >>> 0).toString(16)}` };
    }
    case 6: {
      // page data: any bytes of any page (kernel structures included)
      const l = anyLayer();
      if (l.d === 0) return { bytes: f, what: 'no-op' };
      const page = r.int(l.d);
      const n = 1 + r.int(16);
      for (let i = 0; i < n; i++) f[l.data + page * PAGE_SIZE + r.int(PAGE_SIZE)] = r.int(256);
      // sometimes the first words, where the kernel keeps counters and page numbers
      if (r.next() < 0.5) setU32(f, l.data + page * PAGE_SIZE + 4 * r.int(64), r.pick(INTERESTING));
      return { bytes: reseal(f, true), what: `data page slot ${page} bytes` };
    }
    case 7: {
      // JSON bytes
      const n = 1 + r.int(4);
      for (let i = 0; i < n; i++)
        f[s.json.at + r.int(s.json.len)] = r.pick([
          0x22,
          0x7b,
          0x7d,
          0x30,
          0x39,
          0x2c,
          0x3a,
          0x20,
          0xff,
          r.int(256),
        ]);
      return { bytes: reseal(f, true), what: `JSON ${n} bytes` };
    }
    case 8: {
      // JSON structure: a value replaced
      const meta = JSON.parse(
        new TextDecoder().decode(f.subarray(s.json.at, s.json.at + s.json.len)),
      ) as Record<string, unknown>;
      const paths: (string | number)[][] = [];
      const walk = (v: unknown, p: (string | number)[]) => {
        paths.push(p);
        if (v && typeof v === 'object')
          for (const [k, x] of Object.entries(v)) walk(x, [...p, Array.isArray(v) ? Number(k) : k]);
      };
      walk(meta, []);
      const path = r.pick(paths.slice(1));
      const value = r.pick([
        null,
        0,
        -1,
        1.5,
        4096,
        1e308,
        '',
        'x',
        true,
        [],
        {},
        'ff'.repeat(128),
        undefined,
      ]);
      let o = meta as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const key = path[path.length - 1]!;
      if (value === undefined) delete o[key];
      else o[key] = value;
      return { bytes: withJson(f, meta), what: `JSON ${path.join('.')} = ${JSON.stringify(value)}` };
    }
    case 9: {
      // a byte of a layer's raw vmstate (hex in the JSON)
      const meta = JSON.parse(new TextDecoder().decode(f.subarray(s.json.at, s.json.at + s.json.len))) as {
        layers: { vmstate: string }[];
      };
      const l = r.pick(meta.layers);
      const at = r.int(128);
      const byte = r.pick([0, 1, 0xff, 0x7f, 0x80, r.int(256)]);
      l.vmstate =
        l.vmstate.slice(0, 2 * at) + byte.toString(16).padStart(2, '0') + l.vmstate.slice(2 * at + 2);
      return { bytes: withJson(f, meta as never), what: `vmstate byte ${at} = ${byte}` };
    }
    case 10: {
      // layers spliced: dropped, duplicated, swapped
      const parts = s.layers.map((l) => f.slice(l.at, l.end));
      const kind = r.int(3);
      let layers = parts;
      if (kind === 0 && parts.length > 1) layers = parts.slice(0, -1 - r.int(parts.length - 1)).concat();
      if (kind === 0 && parts.length > 1 && r.next() < 0.5) layers = parts.slice(1);
      if (kind === 1) layers = [...parts, r.pick(parts)];
      if (kind === 2) layers = [...parts].reverse();
      const head = f.slice(0, s.layers[0]!.at);
      setU32(head, 12, layers.length);
      const out = concat(head, ...layers, new Uint8Array(8));
      return { bytes: reseal(out, true), what: `layers spliced (${kind})` };
    }
    default: {
      // bytes added: after the end, or inside with the length fixed
      const extra = Uint8Array.from({ length: 1 + r.int(64) }, () => r.int(256));
      if (r.next() < 0.5) return { bytes: concat(f, extra), what: `${extra.length} bytes appended` };
      const at = r.int(f.length - 8);
      return {
        bytes: reseal(concat(f.slice(0, at), extra, f.slice(at)), true),
        what: `${extra.length} bytes inserted at ${at}`,
      };
    }
  }
}

/** Replaces the JSON section and reseals. */
function withJson(f: Uint8Array, meta: unknown): Uint8Array {
  const s = sections(f);
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const head = f.slice(0, 32);
  setU32(head, 24, json.length);
  const body = new Uint8Array(pad8(json.length));
  body.set(json);
  return reseal(concat(head, body, f.slice(32 + pad8(s.json.len))), true);
}

let guest: GuestManifest;
const bases: { name: string; bytes: Uint8Array }[] = [];

beforeAll(async () => {
  const g = await loadGuestNode(new URL('./fixtures/snapfile/small-guest.json', import.meta.url).pathname);
  if (!g.ok) throw new Error(g.error.message);
  // the smallest image: one kernel page, one heap page (few pages to check per case)
  guest = { ...g.value, layout: { kernelPages: 1, heapPages: 1 } };
  const lab = new Lab(await loadCoreNode('release'));
  const vm = unwrap(lab.boot(guest, { seed: 1 }));
  const full = unwrap(lab.snapshot(vm, 'full'));
  bases.push({ name: 'full', bytes: unwrap(encodeSnapshotFile(lab, full)) });
  unwrap(lab.resume(vm, { notifyDelayUs: 0 }));
  unwrap(lab.touchPages(vm, 2));
  unwrap(lab.draw([vm], 2));
  const diff = unwrap(lab.snapshot(vm, 'diff'));
  unwrap(lab.resume(vm, { notifyDelayUs: 0 }));
  unwrap(lab.touchPages(vm, 1));
  bases.push({
    name: 'chain of 3',
    bytes: unwrap(encodeSnapshotFile(lab, unwrap(lab.snapshot(vm, 'diff')))),
  });
  void diff;
});

function unwrap<T>(r: Result<T, LabError | SnapFileError>): T {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

describe('snapshot file fuzzing', () => {
  it(
    `${CASES} mutated or truncated files are each refused with a typed error or load consistently`,
    async () => {
      // ids are never reused and the core has 16,384 of each kind; a load takes one VM id and one
      // snapshot id per layer, so long campaigns move to a fresh core now and then
      let lab = new Lab(await loadCoreNode('release'));
      let eng = lab.engine;
      // VM records 16 per frame, their entropy ledgers 4 per frame, snapshot records 16 per frame
      const records = () =>
        Math.ceil(eng.core.vmIdsIssued() / 16) +
        Math.ceil(eng.core.vmIdsIssued() / 4) +
        Math.ceil(eng.core.snapshotIdsIssued() / 16);
      let base = { ...eng.stats(), records: records() };
      const r = rng(SEED);
      const kinds = new Map<string, number>();
      const count = (k: string) => kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const start = performance.now();
      let n = 0;
      let loaded = 0;
      for (; n < CASES && performance.now() - start < BUDGET_MS; n++) {
        if (n > 0 && n % 4000 === 0) {
          expect(eng.liveVms()).toEqual([]);
          lab = new Lab(await loadCoreNode('release'));
          eng = lab.engine;
          base = { ...eng.stats(), records: records() };
        }
        const from = bases[n % bases.length]!;
        const { bytes, what } = mutate(from.bytes, r);
        const where = `case ${n} (seed ${SEED}, ${from.name}: ${what})`;
        const decoded = decodeSnapshotFile(bytes);
        if (!decoded.ok) {
          expect(FILE_KINDS, where).toContain(decoded.error.kind);
          expect(decoded.error.message, where).toMatch(
            /^snapshot file [^\n]+$|^not a uniqueness-lab snapshot file[^\n]+$/,
          );
          count(decoded.error.kind);
          continue;
        }
        const snap = loadSnapshot(lab, decoded.value, { secrets: guest.secrets });
        if (!snap.ok) {
          expect(LOAD_KINDS, where).toContain(snap.error.kind);
          count(`load: ${snap.error.kind}`);
        } else {
          loaded++;
          count('loaded');
          const [clone] = unwrap(lab.restore(snap.value, 1, { notifyDelayUs: 0 }));
          const read = eng.read(clone!, guestAddr(0), 80 * PAGE_SIZE);
          expect(read.ok, where).toBe(true);
          let drawn: ReturnType<Lab['draw']>;
          try {
            drawn = lab.draw([clone!], 2);
          } catch (e) {
            throw new Error(`${where}: draw threw ${(e as Error).message}`);
          }
          expect(drawn.ok ? '' : drawn.error.kind, where).toBe('');
          unwrap(lab.destroy(clone!));
          const chain: number[] = [];
          for (let s: number | null = snap.value; s !== null; s = eng.snapshotInfo(s as never)!.parent)
            chain.push(s);
          for (const s of chain) unwrap(lab.deleteSnapshot(s as never));
        }
        const now = eng.stats();
        if (
          now.guestFrames !== base.guestFrames ||
          now.metaFrames - base.metaFrames !== records() - base.records ||
          eng.importsPending() !== 0
        )
          throw new Error(
            `${where}: the lab is not back to its baseline: ${JSON.stringify(now)} vs ${JSON.stringify(base)}`,
          );
      }
      const ms = performance.now() - start;
      // every live VM or snapshot holds frames, so the per-case frame check covers these; once is enough
      expect(eng.liveVms()).toEqual([]);
      expect(eng.liveSnapshots()).toEqual([]);
      console.log(
        `snapshot file fuzz: ${n} cases in ${(ms / 1000).toFixed(1)} s (seed ${SEED}), ${loaded} loaded;`,
        Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1])),
      );
      expect(n, `only ${n} cases in ${BUDGET_MS / 1000} s`).toBeGreaterThanOrEqual(CASES);
      // the generator reaches past the checksum: structural and vmstate checks both fire
      for (const k of ['BadChecksum', 'Truncated', 'BadPageIndex', 'BadVmstate', 'Oversized', 'loaded'])
        expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    },
    BUDGET_MS + 40_000,
  );
});
