// Reading a snapshot file from a source (a file on disk, a browser File) without trusting it:
// the first 32 bytes are checked against the real size before anything else is read, a large
// file is checksummed in a stream before it is held, and whichever way a file is read it gets
// the decoder's own verdict, word for word.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  blobSource,
  bytesSource,
  Crc64,
  decodeSnapshotFile,
  readSnapshotFile,
  readSnapshotFileHeadFirst,
  SourceChanged,
  type ByteSource,
} from '../src/core/snapfile';
import { rng } from './helpers';

const DIR = new URL('./fixtures/snapfile/', import.meta.url);
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.ulsnap'))
  .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(new URL(f, DIR))) }));
const valid = fixtures.find((f) => f.name === 'valid.ulsnap')!.bytes;

/** A source that records its reads: the largest single read and the bytes read in all. */
function recorded(source: ByteSource) {
  const log = { largest: 0, total: 0, reads: 0 };
  return {
    log,
    source: {
      size: source.size,
      read: async (offset: number, length: number) => {
        log.largest = Math.max(log.largest, length);
        log.total += length;
        log.reads++;
        return source.read(offset, length);
      },
    } satisfies ByteSource,
  };
}

/** The outcome as the decoder words it: '' for a valid file. */
const verdict = (r: { ok: true } | { ok: false; error: { message: string } }) =>
  r.ok ? '' : r.error.message;

/** Streamed: every file counts as large, read in odd-sized chunks. */
const streamed = { holdWholeBytes: 0, chunkBytes: 4096 * 3 + 5 };

function reseal(f: Uint8Array, length = f.length): Uint8Array {
  const v = new DataView(f.buffer, f.byteOffset, f.length);
  v.setUint32(16, length, true);
  v.setUint32(20, 0, true);
  const [lo, hi] = new Crc64().update(f.subarray(0, f.length - 8)).halves();
  v.setUint32(f.length - 8, lo, true);
  v.setUint32(f.length - 4, hi, true);
  return f;
}

describe('readSnapshotFile', () => {
  it('reads a valid file to what decodeSnapshotFile gives, held whole or streamed', async () => {
    const want = decodeSnapshotFile(valid);
    expect(verdict(want)).toBe('');
    for (const opts of [{}, streamed]) {
      const r = await readSnapshotFile(bytesSource(valid), opts);
      if (!r.ok || !want.ok) throw new Error(verdict(r));
      expect(r.value.bytes).toEqual(valid);
      expect(r.value.decoded.checksum).toBe(want.value.checksum);
      expect(r.value.decoded.meta).toEqual(want.value.meta);
    }
  });

  it('gives every kept fixture the decoder’s verdict, word for word, either way', async () => {
    for (const f of fixtures) {
      const want = verdict(decodeSnapshotFile(f.bytes));
      expect(verdict(await readSnapshotFile(bytesSource(f.bytes))), f.name).toBe(want);
      expect(verdict(await readSnapshotFile(bytesSource(f.bytes), streamed)), f.name).toBe(want);
    }
  });

  it('gives cut, extended, flipped and resealed files the decoder’s verdict either way', async () => {
    const { int } = rng(20261202);
    for (let i = 0; i < 300; i++) {
      let f: Uint8Array = valid.slice();
      const cut = int(3);
      if (cut === 1) f = f.slice(0, int(f.length));
      if (cut === 2) f = Uint8Array.from([...f, ...new Uint8Array(1 + int(64))]);
      for (let k = int(4); k > 0 && f.length > 0; k--) f[int(f.length)]! ^= 1 << int(8);
      if (int(2) && f.length >= 40) f = reseal(f);
      const want = verdict(decodeSnapshotFile(f));
      expect(verdict(await readSnapshotFile(bytesSource(f), streamed)), `case ${i}`).toBe(want);
    }
  });

  it('reads only the first 32 bytes of a file with the wrong magic, however large', async () => {
    const big: ByteSource = { size: 1.5e9, read: async (_o, n) => new Uint8Array(n) };
    const { source, log } = recorded(big);
    const r = await readSnapshotFile(source);
    expect(verdict(r)).toMatch(/^not a uniqueness-lab snapshot file: it starts with 00 00 00 00/);
    expect(log.total).toBe(32);
  });

  it('refuses a file over the format limit before reading past its header', async () => {
    const head = valid.slice(0, 32);
    const { source, log } = recorded({ size: 5 * 2 ** 30, read: async (o, n) => head.subarray(o, o + n) });
    expect(verdict(await readSnapshotFile(source))).toBe(
      'not a snapshot file uniqueness-lab can read: it is 5368709120 bytes and a snapshot file is at most 4294967295 bytes (4 GiB)',
    );
    expect(log.total).toBe(32);
  });

  it('refuses a large file with a bad checksum in chunks, never reading it whole', async () => {
    const size = 96 * 2 ** 20;
    const head = valid.slice(0, 32);
    new DataView(head.buffer).setUint32(16, size, true);
    const { source, log } = recorded({
      size,
      read: async (o, n) => {
        const out = new Uint8Array(n);
        if (o < 32) out.set(head.subarray(o, Math.min(32, o + n)));
        return out;
      },
    });
    expect(verdict(await readSnapshotFile(source))).toMatch(/^snapshot file is corrupt: its CRC-64 says /);
    expect(log.largest).toBeLessThanOrEqual(4 * 2 ** 20);
  });

  it('names the section a short file ends in, reading only its headers', async () => {
    const short = valid.slice(0, valid.length - 100);
    const { source, log } = recorded(bytesSource(short));
    const r = await readSnapshotFile(source);
    expect(verdict(r)).toBe(verdict(decodeSnapshotFile(short)));
    expect(log.total).toBeLessThan(200);
  });

  it('says so when the file changes while it is read', async () => {
    const shrinking: ByteSource = {
      size: valid.length,
      read: async (o, n) => valid.subarray(o, Math.min(o + n, 1000)),
    };
    await expect(readSnapshotFile(shrinking)).rejects.toBeInstanceOf(SourceChanged);
  });

  it('reads a Blob (a browser File) by slices', async () => {
    const r = await readSnapshotFile(blobSource(new Blob([valid])));
    expect(verdict(r)).toBe('');
  });
});

// The app's page reads a File this way and leaves the checksum to its worker's decoder.
describe('readSnapshotFileHeadFirst', () => {
  it('refuses a 1.5 GB file of zeros after its first 32 bytes, in the decoder’s words', async () => {
    const { source, log } = recorded({ size: 1.5e9, read: async (_o, n) => new Uint8Array(n) });
    const r = await readSnapshotFileHeadFirst(source);
    expect(verdict(r)).toBe(verdict(decodeSnapshotFile(new Uint8Array(32))));
    expect(log.total).toBe(32);
  });

  it('refuses a cut-short file reading only its headers, as the decoder words it', async () => {
    const short = valid.slice(0, valid.length - 100);
    const { source, log } = recorded(bytesSource(short));
    expect(verdict(await readSnapshotFileHeadFirst(source))).toBe(verdict(decodeSnapshotFile(short)));
    expect(log.total).toBeLessThan(200);
  });

  it('hands a file whose header holds over whole, in chunks, checksum left to the decoder', async () => {
    const flipped = valid.slice();
    flipped[valid.length - 20]! ^= 1;
    for (const bytes of [valid, flipped]) {
      const { source, log } = recorded(bytesSource(bytes));
      const r = await readSnapshotFileHeadFirst(source, 1000);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value).toEqual(bytes);
      expect(log.largest).toBeLessThanOrEqual(1000);
    }
    expect(verdict(decodeSnapshotFile(flipped))).toMatch(/^snapshot file is corrupt: its CRC-64 says /);
  });
});
