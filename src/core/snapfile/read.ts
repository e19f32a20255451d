// Reading a snapshot file from where it lies (a file on disk, a browser File) without trusting
// it: its first 32 bytes are checked against its real size before anything else is read, so a
// file that is not a snapshot file, or larger than one can be, costs a few bytes of reading.
//
// Invariants:
// - Memory: a refused file costs at most HOLD_WHOLE_BYTES, whatever its size. A file up to that
//   size is read whole and decoded; a larger one is first streamed through the CRC-64 in
//   READ_CHUNK_BYTES chunks and its section headers walked, and only a file that passes both is
//   read whole (its checksum is then computed again over the bytes held, so what loads is what
//   was checked).
// - The messages are the decoder's (format.ts): a file gets the same refusal whichever way it is read.
// - No Node or DOM API: a ByteSource is all it needs (blobSource makes one of a Blob or File).

import { ok, err, type Result } from '../types';
import { Crc64 } from './crc64';
import { snapFileError, type SnapFileError } from './errors';
import {
  checkSnapshotFileHead,
  decodeSnapshotFileBytes,
  HEADER_BYTES,
  LAYER_HEADER_BYTES,
  layerHeaderWords,
  TRAILER_BYTES,
  truncation,
  walk,
} from './format';
import type { DecodedSnapshot } from './types';
import type { ByteSource } from '../types';

export type { ByteSource };

/** Files up to this size are read whole at once; larger ones are checksummed in a streaming pass first. */
export const HOLD_WHOLE_BYTES = 64 * 1024 * 1024;
/** The chunk of the streaming pass. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** A ByteSource over a Blob (a browser File): each read slices it, so nothing else is loaded. */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/** A ByteSource over bytes already in memory (tests, a file read another way). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (o, n) => bytes.subarray(o, o + n) };
}

/** Thrown when a source returns fewer bytes than its size promised (the file changed while read). */
export class SourceChanged extends Error {}

async function readExactly(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.length !== length)
    throw new SourceChanged(
      `the file ended at byte ${offset + bytes.length} while being read, not at ${source.size}: it changed while it was read`,
    );
  return bytes;
}

/** The whole source in one array, read in chunks. */
async function readWhole(source: ByteSource, chunk: number): Promise<Uint8Array> {
  const out = new Uint8Array(source.size);
  for (let at = 0; at < source.size; at += chunk)
    out.set(await readExactly(source, at, Math.min(chunk, source.size - at)), at);
  return out;
}

/**
 * Reads and checks a snapshot file from a source: its bytes and the decoded snapshot, or the
 * first problem (the decoder's SnapFileError). Throws only what the source throws (an I/O error)
 * and SourceChanged.
 */
export async function readSnapshotFile(
  source: ByteSource,
  opts: { holdWholeBytes?: number; chunkBytes?: number } = {},
): Promise<Result<{ bytes: Uint8Array; decoded: DecodedSnapshot }, SnapFileError>> {
  const holdWhole = opts.holdWholeBytes ?? HOLD_WHOLE_BYTES;
  const chunk = opts.chunkBytes ?? READ_CHUNK_BYTES;
  const size = source.size;
  const checked = await checkHead(source);
  if (!checked.ok) return checked;
  const { declared, headers } = checked.value;
  if (size > holdWhole) {
    // a big file: its checksum and its sections' sizes, before it is held
    const end = declared - TRAILER_BYTES;
    const crc = new Crc64();
    for (let at = 0; at < end; at += chunk)
      crc.update(await readExactly(source, at, Math.min(chunk, end - at)));
    const t = new DataView((await readExactly(source, end, TRAILER_BYTES)).slice().buffer);
    const stored = hex64(t.getUint32(0, true), t.getUint32(4, true));
    const computed = crc.digest();
    if (stored !== computed) return err(snapFileError('BadChecksum', { stored, computed }));
    const laid = walk(await headers(end), end, size);
    if (!laid.ok) return laid;
  }
  const bytes = await readWhole(source, chunk);
  const decoded = decodeSnapshotFileBytes(bytes);
  return decoded.ok ? ok({ bytes, decoded: decoded.value }) : decoded;
}

/** The header checked against the source's size, and the truncation check: 32 bytes read (more only for a truncated file's message). */
async function checkHead(
  source: ByteSource,
): Promise<
  Result<{ declared: number; headers: (end: number) => ReturnType<typeof layerHeaderWords> }, SnapFileError>
> {
  const size = source.size;
  const head = await readExactly(source, 0, Math.min(HEADER_BYTES, size));
  const checked = checkSnapshotFileHead(head, size);
  if (!checked.ok) return checked;
  const { declared } = checked.value;
  const headers = (end: number) =>
    layerHeaderWords(head, end, (at) => readExactly(source, at, LAYER_HEADER_BYTES));
  if (size < declared) return err(truncation(await headers(size), size, declared));
  return ok({ declared, headers });
}

/**
 * The bytes of a snapshot file whose header holds for its size, read header first: a file that
 * is not a snapshot file, or is truncated, is refused after 32 bytes. The checksum and the rest
 * are left to the decoder that loads it (the app's worker), so a page thread never hashes a
 * large file. Throws what the source throws and SourceChanged.
 */
export async function readSnapshotFileHeadFirst(
  source: ByteSource,
  chunk = READ_CHUNK_BYTES,
): Promise<Result<Uint8Array, SnapFileError>> {
  const checked = await checkHead(source);
  if (!checked.ok) return checked;
  return ok(await readWhole(source, chunk));
}

function hex64(lo: number, hi: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
