// The snapshot file: one file holds a snapshot with its whole diff chain, its vmstate and its
// pages, so a snapshot can leave the lab (a download, the CLI's --export-snapshot) and come back
// (--from-snapshot, the app's "load"). Firecracker keeps memory and a CRC64-checked state file;
// this format keeps both in one file under one CRC-64.
//
// Layout (all integers little-endian; every section starts 8-byte aligned):
//
//   0        8        12       16                24       28       32
//   +--------+--------+--------+-----------------+--------+--------+
//   | magic  |version | layers |  file length    |  JSON  |reserved|   header (32 bytes)
//   |8 bytes |  u32   |  u32 L |  u64 (all of it)|bytes J |  u32 0 |
//   +--------+--------+--------+-----------------+--------+--------+
//   32       vmstate JSON: J bytes of UTF-8, then zeros up to the next multiple of 8
//   +--------------------------------------------------------------+
//   | {"format":"uniqueness-lab/snapshot@1","guest":…,"kernel":…,  |
//   |  "seed":…,"snapshot":…,"processes":…,"secrets":…,"heap":…,   |
//   |  "description":…,"memoryMiB":…,"layout":…,"layers":[…]}      |
//   +--------------------------------------------------------------+
//   L layer sections, base first (layer 0 full, each later one a diff on the one before):
//   +0       +4       +8       +12      +16      +20      +24
//   +--------+--------+--------+--------+--------+--------+
//   | "LAYR" | type   | guest  | index  | data   |reserved|            layer header (24 bytes)
//   |        |0 full  | pages  |entries |pages D |  u32 0 |
//   |        |1 diff  |  u32   |  u32 N |  u32   |        |
//   +--------+--------+--------+--------+--------+--------+
//   +24      page index: N x (page u32, entry u32), pages strictly ascending
//   +24+8N   page data: D x 4096 bytes, one per index entry with IMPORT_DATA, in index order
//   +--------------------------------------------------------------+
//   file length - 8: CRC-64/XZ (u64) of every byte before it               trailer (8 bytes)
//
// magic: 89 55 4c 53 4e 50 0d 0a ("\x89ULSNP\r\n": a high byte and CR LF catch 7-bit and
//   text-mode transfers, as PNG's does).
// entry: the engine's page-table entry bits (src/core/engine.ts E_*: PRESENT always set, the
//   madvise flags, WIPED, the role) with the frame field replaced by IMPORT_DATA (bit 0) when the
//   page has bytes of its own; without it the page is the zero page. A full layer lists only the
//   pages that are not plain zero pages (entry exactly PRESENT); a diff layer every page it holds.
// JSON: what Lab.vmstate() returns, plus the guest's description, memory size and layout, where
//   each secret sits (name, pages, length; never its bytes: the pages hold them or not), and per
//   layer its type, present and wiped pages and the engine's raw 128-byte vmstate as hex.
//
// Reading checks, in this order, and stops at the first problem (one SnapFileError): magic,
// version, the declared length against the real one (a short file names the section it ends
// in), the checksum, then every section's bounds and limits before anything is allocated, the
// page indexes, the layers against each other, and the JSON (nesting bounded before it is
// parsed) and raw vmstate against the pages. checkSnapshotFileHead runs the first checks on the
// first 32 bytes and the file's size alone, so read.ts can refuse a file before reading the rest.

import { IMPORT_DATA, LAYER_ENTRY_BITS, E_PRESENT, VMSTATE_BYTES, type LayerPages } from '../engine';
import { parseJson } from '../check/json';
import { parseManifest } from '../manifest/validate';
import { err, ok, PAGE_SIZE, type Result } from '../types';
import { Crc64 } from './crc64';
import { snapFileError, type SnapFileError } from './errors';
import { checkLayerVmstate } from './vmstate';
import type {
  DecodedLayer,
  DecodedSnapshot,
  FileLayerMeta,
  SecretPlacement,
  SnapshotFileContent,
  SnapshotFileMeta,
} from './types';

export type {
  DecodedLayer,
  DecodedSnapshot,
  FileLayerMeta,
  SecretPlacement,
  SnapshotFileContent,
  SnapshotFileMeta,
} from './types';

export const MAGIC = Uint8Array.from([0x89, 0x55, 0x4c, 0x53, 0x4e, 0x50, 0x0d, 0x0a]);
export const FORMAT_VERSION = 1;
/** The JSON's "format" tag. */
export { SNAPSHOT_FILE_FORMAT } from './types';
import { SNAPSHOT_FILE_FORMAT } from './types';
export const HEADER_BYTES = 32;
export const LAYER_HEADER_BYTES = 24;
export const TRAILER_BYTES = 8;
const LAYER_TAG = 0x5259414c; // "LAYR" read as a little-endian u32

/** What a reader accepts; every size is checked against these before anything is allocated. */
export const SNAPSHOT_FILE_LIMITS = {
  /** 1 GiB of guest memory, the engine's largest guest. */
  maxGuestPages: 262144,
  minGuestPages: 4096,
  /** The engine's longest snapshot chain. */
  maxLayers: 1024,
  maxJsonBytes: 1 << 20,
  /** Deepest nesting in the vmstate JSON (the format needs 4): nothing recurses deeper. */
  maxJsonDepth: 16,
  maxFileBytes: 0xffffffff,
} as const;

const pad8 = (n: number) => (n + 7) & ~7;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Bytes of the whole file for these layers and this much JSON. */
function fileLength(jsonBytes: number, layers: readonly LayerPages[]): number {
  let n = HEADER_BYTES + pad8(jsonBytes) + TRAILER_BYTES;
  for (const l of layers) n += LAYER_HEADER_BYTES + 8 * l.pageNumbers.length + l.data.length;
  return n;
}

/** Writes a snapshot file (the layout at the top of this file). */
export function encodeSnapshotFileContent(content: SnapshotFileContent): Uint8Array {
  const meta: SnapshotFileMeta = {
    format: SNAPSHOT_FILE_FORMAT,
    ...content.meta,
    layers: content.layers.map((l) => ({
      type: l.type,
      presentPages: l.type === 'full' ? l.pages : l.pageNumbers.length,
      wipedPages: l.wipedPages,
      vmstate: hex(l.vmstate),
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const total = fileLength(json.length, content.layers);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, content.layers.length, true);
  view.setUint32(16, total % 2 ** 32, true);
  view.setUint32(20, Math.floor(total / 2 ** 32), true);
  view.setUint32(24, json.length, true);
  out.set(json, HEADER_BYTES);
  let at = HEADER_BYTES + pad8(json.length);
  for (const l of content.layers) {
    const n = l.pageNumbers.length;
    view.setUint32(at, LAYER_TAG, true);
    view.setUint32(at + 4, l.type === 'full' ? 0 : 1, true);
    view.setUint32(at + 8, l.pages, true);
    view.setUint32(at + 12, n, true);
    view.setUint32(at + 16, l.data.length / PAGE_SIZE, true);
    at += LAYER_HEADER_BYTES;
    for (let i = 0; i < n; i++) {
      view.setUint32(at + 8 * i, l.pageNumbers[i]!, true);
      view.setUint32(at + 8 * i + 4, l.entries[i]!, true);
    }
    at += 8 * n;
    out.set(l.data, at);
    at += l.data.length;
  }
  const [lo, hi] = new Crc64().update(out.subarray(0, at)).halves();
  view.setUint32(at, lo, true);
  view.setUint32(at + 4, hi, true);
  return out;
}

// --- Reading. -------------------------------------------------------------------------------

/** Where the sections lie (from the headers, bounds checked against `end`). */
interface Layout {
  layers: number;
  jsonBytes: number;
  layerAt: number[];
}

type Fail = { ok: false; error: SnapFileError };

function truncated(section: string, offset: number, needed: number, length: number): Fail {
  return err(snapFileError('Truncated', { section, offset, needed, length }));
}

/** The little-endian u32 at a byte offset of the file (a DataView over it, or the words read so far). */
export type WordAt = (offset: number) => number;

/**
 * Walks the header and the section headers, checking that each section fits before `end` and
 * that every declared size is within the limits. Used on the declared content (end = length - 8)
 * and, for a short file, on what there is, to name the section the file ends in. It reads only
 * the header's words and, for each layer whose header ends by `end`, the words at +8, +12 and
 * +16 of that header (what layerHeaderWords reads for a file not yet held).
 */
export function walk(u32: WordAt, end: number, fileLen: number): Result<Layout, SnapFileError> {
  const L = SNAPSHOT_FILE_LIMITS;
  const layers = u32(12);
  const jsonBytes = u32(24);
  if (layers > L.maxLayers)
    return err(snapFileError('Oversized', { field: 'the layer count', value: layers, limit: L.maxLayers }));
  if (jsonBytes > L.maxJsonBytes)
    return err(
      snapFileError('Oversized', {
        field: 'the vmstate JSON length',
        value: jsonBytes,
        limit: L.maxJsonBytes,
      }),
    );
  if (HEADER_BYTES + pad8(jsonBytes) > end)
    return truncated('the vmstate JSON', HEADER_BYTES, jsonBytes, fileLen);
  const layerAt: number[] = [];
  let at = HEADER_BYTES + pad8(jsonBytes);
  for (let k = 0; k < layers; k++) {
    if (at + LAYER_HEADER_BYTES > end)
      return truncated(`layer ${k}'s header`, at, LAYER_HEADER_BYTES, fileLen);
    const pages = u32(at + 8);
    const n = u32(at + 12);
    const d = u32(at + 16);
    if (pages > L.maxGuestPages)
      return err(
        snapFileError('Oversized', {
          field: `layer ${k}'s guest pages`,
          value: pages,
          limit: L.maxGuestPages,
        }),
      );
    if (n > pages)
      return err(snapFileError('Oversized', { field: `layer ${k}'s index entries`, value: n, limit: pages }));
    if (d > n)
      return err(snapFileError('Oversized', { field: `layer ${k}'s data pages`, value: d, limit: n }));
    if (at + LAYER_HEADER_BYTES + 8 * n > end)
      return truncated(`layer ${k}'s page index`, at + LAYER_HEADER_BYTES, 8 * n, fileLen);
    if (at + LAYER_HEADER_BYTES + 8 * n + d * PAGE_SIZE > end)
      return truncated(`layer ${k}'s page data`, at + LAYER_HEADER_BYTES + 8 * n, d * PAGE_SIZE, fileLen);
    layerAt.push(at);
    at += LAYER_HEADER_BYTES + 8 * n + d * PAGE_SIZE;
  }
  return ok({ layers, jsonBytes, layerAt });
}

/**
 * The offsets of the layer headers walk() reads, found from the header (32 bytes) and a reader of
 * 24-byte layer headers: what a streaming reader fetches before it holds the file.
 */
export async function layerHeaderWords(
  head: Uint8Array,
  end: number,
  readHeader: (offset: number) => Promise<Uint8Array>,
): Promise<WordAt> {
  const words = new Map<number, number>();
  const hv = new DataView(head.buffer, head.byteOffset, head.length);
  for (let i = 0; i + 4 <= Math.min(head.length, HEADER_BYTES); i += 4) words.set(i, hv.getUint32(i, true));
  const layers = Math.min(words.get(12) ?? 0, SNAPSHOT_FILE_LIMITS.maxLayers);
  const jsonBytes = words.get(24) ?? 0;
  if (jsonBytes <= SNAPSHOT_FILE_LIMITS.maxJsonBytes) {
    let at = HEADER_BYTES + pad8(jsonBytes);
    for (let k = 0; k < layers && at + LAYER_HEADER_BYTES <= end; k++) {
      const h = await readHeader(at);
      if (h.length < LAYER_HEADER_BYTES) break;
      const v = new DataView(h.buffer, h.byteOffset, LAYER_HEADER_BYTES);
      for (let i = 0; i < LAYER_HEADER_BYTES; i += 4) words.set(at + i, v.getUint32(i, true));
      at += LAYER_HEADER_BYTES + 8 * v.getUint32(12, true) + v.getUint32(16, true) * PAGE_SIZE;
    }
  }
  return (offset) => {
    const w = words.get(offset);
    if (w === undefined) throw new Error(`snapshot file word at byte ${offset} was not read`);
    return w;
  };
}

/** What a file's first 32 bytes say, checked (magic, version, declared length) against its real size. */
export interface SnapshotFileHead {
  version: number;
  /** The declared length of the whole file (equal to its size for a file that is not cut short). */
  declared: number;
}

/**
 * Checks a snapshot file's first bytes (at least 32, or the whole file if shorter) against the
 * file's real size, before anything else is read: the magic, the version, the declared length
 * against the limit and against the size (bytes after the declared end). A file shorter than it
 * declares passes: truncation() names the section it ends in.
 */
export function checkSnapshotFileHead(
  head: Uint8Array,
  size: number,
): Result<SnapshotFileHead, SnapFileError> {
  const L = SNAPSHOT_FILE_LIMITS;
  if (size > L.maxFileBytes) return err(snapFileError('TooLarge', { size, limit: L.maxFileBytes }));
  const magic = head.subarray(0, Math.min(8, size, head.length));
  if (magic.some((b, i) => b !== MAGIC[i])) return err(snapFileError('BadMagic', { found: spaced(magic) }));
  if (size < HEADER_BYTES || head.length < HEADER_BYTES)
    return truncated('the header', 0, HEADER_BYTES, size);
  const view = new DataView(head.buffer, head.byteOffset, HEADER_BYTES);
  const version = view.getUint32(8, true);
  if (version === 0) return err(snapFileError('UnsupportedVersion', { version }));
  if (version > FORMAT_VERSION)
    return err(snapFileError('NewerVersion', { version, supported: FORMAT_VERSION }));
  const declaredHi = view.getUint32(20, true);
  const declared = view.getUint32(16, true) + declaredHi * 2 ** 32;
  if (declaredHi !== 0 || declared > L.maxFileBytes)
    return err(
      snapFileError('Oversized', { field: 'the file length', value: declared, limit: L.maxFileBytes }),
    );
  if (declared < HEADER_BYTES + TRAILER_BYTES)
    return err(
      snapFileError(
        'BadSection',
        { section: 'the header', offset: 16 },
        `the declared file length ${declared} cannot hold the header and the checksum (${HEADER_BYTES + TRAILER_BYTES} bytes)`,
      ),
    );
  if (size > declared) return err(snapFileError('TrailingData', { declared, length: size }));
  return ok({ version, declared });
}

/** Why a file of `size` bytes that declares `declared` is short: the section it ends in. */
export function truncation(u32: WordAt, size: number, declared: number): SnapFileError {
  // the headers may be fine: the tail is what is missing
  const where = walk(u32, size, size);
  if (!where.ok && where.error.kind === 'Truncated') return where.error;
  if (where.ok) return truncated('the trailer (CRC-64)', declared - TRAILER_BYTES, TRAILER_BYTES, size).error;
  return truncated('the file (its declared length)', 0, declared, size).error;
}

/** Reads and checks a snapshot file: the decoded snapshot, or the first problem found. */
export function decodeSnapshotFileBytes(bytes: Uint8Array): Result<DecodedSnapshot, SnapFileError> {
  const len = bytes.length;
  const head = checkSnapshotFileHead(bytes.subarray(0, HEADER_BYTES), len);
  if (!head.ok) return head;
  const { version, declared } = head.value;
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const u32: WordAt = (at) => view.getUint32(at, true);
  if (len < declared) return err(truncation(u32, len, declared));
  const end = declared - TRAILER_BYTES;
  const crc = new Crc64().update(bytes.subarray(0, end));
  const stored = hex64(view.getUint32(end, true), view.getUint32(end + 4, true));
  const computed = crc.digest();
  if (stored !== computed) return err(snapFileError('BadChecksum', { stored, computed }));

  const laid = walk(u32, end, len);
  if (!laid.ok) return laid;
  const { layers: count, jsonBytes, layerAt } = laid.value;
  if (view.getUint32(28, true) !== 0)
    return err(
      snapFileError('BadSection', { section: 'the header', offset: 28 }, 'reserved bytes are not zero'),
    );
  for (let i = HEADER_BYTES + jsonBytes; i < HEADER_BYTES + pad8(jsonBytes); i++) {
    if (bytes[i] !== 0)
      return err(
        snapFileError('BadSection', { section: 'the vmstate JSON', offset: i }, 'padding bytes are not zero'),
      );
  }
  if (count === 0)
    return err(
      snapFileError('InconsistentLayers', { layer: 0 }, 'the file holds no layer (at least a full one)'),
    );
  const last = layerAt[count - 1]!;
  const after =
    last +
    LAYER_HEADER_BYTES +
    8 * view.getUint32(last + 12, true) +
    view.getUint32(last + 16, true) * PAGE_SIZE;
  if (after !== end)
    return err(
      snapFileError(
        'BadSection',
        { section: 'the trailer (CRC-64)', offset: after },
        `${end - after} bytes lie between the last layer and the checksum`,
      ),
    );

  const layers: DecodedLayer[] = [];
  for (let k = 0; k < count; k++) {
    const layer = readLayer(bytes, view, k, layerAt[k]!, layers[0]?.pages);
    if (!layer.ok) return layer;
    layers.push(layer.value);
  }

  const meta = readMeta(bytes.subarray(HEADER_BYTES, HEADER_BYTES + jsonBytes), layers);
  if (!meta.ok) return meta;
  for (let k = 0; k < count; k++) {
    const checked = checkLayerVmstate(layers, k, meta.value);
    if (!checked.ok) return checked;
  }
  return ok({ version, meta: meta.value, layers, checksum: computed, bytes: len });
}

function hex64(lo: number, hi: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function spaced(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** One layer section: header fields, the page index (checked entry by entry), the data view. */
function readLayer(
  bytes: Uint8Array,
  view: DataView,
  k: number,
  at: number,
  basePages: number | undefined,
): Result<DecodedLayer, SnapFileError> {
  const L = SNAPSHOT_FILE_LIMITS;
  const tag = view.getUint32(at, true);
  if (tag !== LAYER_TAG)
    return err(
      snapFileError(
        'BadSection',
        { section: `layer ${k}'s header`, offset: at },
        `the tag is ${spaced(bytes.subarray(at, at + 4))}, not "LAYR"`,
      ),
    );
  const typeCode = view.getUint32(at + 4, true);
  if (typeCode > 1)
    return err(
      snapFileError(
        'BadSection',
        { section: `layer ${k}'s header`, offset: at + 4 },
        `layer type ${typeCode} is neither 0 (full) nor 1 (diff)`,
      ),
    );
  if (view.getUint32(at + 20, true) !== 0)
    return err(
      snapFileError(
        'BadSection',
        { section: `layer ${k}'s header`, offset: at + 20 },
        'reserved bytes are not zero',
      ),
    );
  const type = typeCode === 0 ? 'full' : 'diff';
  if (k === 0 && type !== 'full')
    return err(
      snapFileError(
        'InconsistentLayers',
        { layer: 0 },
        'the base layer is a diff: a diff layer needs a parent layer below it',
      ),
    );
  if (k > 0 && type !== 'diff')
    return err(
      snapFileError(
        'InconsistentLayers',
        { layer: k },
        'only the base layer may be full; the layers above are diffs',
      ),
    );
  const pages = view.getUint32(at + 8, true);
  if (pages < L.minGuestPages || pages % 256 !== 0)
    return err(
      snapFileError(
        'InconsistentLayers',
        { layer: k },
        `a guest of ${pages} pages is not a supported size (16 MiB to 1 GiB in whole MiB: ${L.minGuestPages} to ${L.maxGuestPages} pages, a multiple of 256)`,
      ),
    );
  if (basePages !== undefined && pages !== basePages)
    return err(
      snapFileError(
        'InconsistentLayers',
        { layer: k },
        `its guest has ${pages} pages but layer 0's has ${basePages}: the layers of a chain describe one guest`,
      ),
    );
  const n = view.getUint32(at + 12, true);
  const d = view.getUint32(at + 16, true);
  const indexOffset = at + LAYER_HEADER_BYTES;
  const pageNumbers = new Uint32Array(n);
  const entries = new Uint32Array(n);
  let marked = 0;
  for (let i = 0; i < n; i++) {
    const p = view.getUint32(indexOffset + 8 * i, true);
    const e = view.getUint32(indexOffset + 8 * i + 4, true);
    const bad = (why: string) => err(snapFileError('BadPageIndex', { layer: k, index: i, page: p }, why));
    if (p >= pages) return bad(`the page lies outside the guest's ${pages} pages`);
    if (i > 0 && p === pageNumbers[i - 1]) return bad('the page is listed twice');
    if (i > 0 && p < pageNumbers[i - 1]!)
      return bad(`the pages are out of order (page ${pageNumbers[i - 1]} came before it)`);
    if (!(e & E_PRESENT))
      return bad(`entry 0x${e.toString(16)} lacks the PRESENT bit (0x${E_PRESENT.toString(16)})`);
    if ((e & ~LAYER_ENTRY_BITS) !== 0)
      return bad(
        `entry 0x${e.toString(16)} has bits no page-table entry carries (0x${((e & ~LAYER_ENTRY_BITS) >>> 0).toString(16)})`,
      );
    if (e & IMPORT_DATA) marked++;
    pageNumbers[i] = p;
    entries[i] = e;
  }
  if (marked !== d)
    return err(
      snapFileError(
        'InconsistentLayers',
        { layer: k },
        `its header declares ${d} data pages but its page index marks ${marked}`,
      ),
    );
  const dataOffset = indexOffset + 8 * n;
  return ok({
    type,
    pages,
    pageNumbers,
    entries,
    data: bytes.subarray(dataOffset, dataOffset + d * PAGE_SIZE),
    vmstate: new Uint8Array(VMSTATE_BYTES), // filled from the JSON
    wipedPages: 0,
    indexOffset,
    dataOffset,
  });
}

// --- The JSON. ------------------------------------------------------------------------------

class Bad extends Error {
  constructor(
    readonly field: string,
    readonly why: string,
  ) {
    super(why);
  }
}

type Obj = Record<string, unknown>;

const shown = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 38)}…` : s;
};

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Bad(field, `must be an object (got ${shown(v)})`);
  return v as Obj;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new Bad(field, `must be an array (got ${shown(v)})`);
  return v;
}

function whole(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new Bad(field, `must be a whole number from ${min} to ${max} (got ${shown(v)})`);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new Bad(field, `must be a string (got ${shown(v)})`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new Bad(field, `must be true or false (got ${shown(v)})`);
  return v;
}

/** Parses and checks the vmstate JSON against the layers; fills each layer's vmstate and wiped pages. */
function readMeta(json: Uint8Array, layers: DecodedLayer[]): Result<SnapshotFileMeta, SnapFileError> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    return err(snapFileError('BadVmstate', { field: 'JSON' }, 'is not valid JSON text (it is not UTF-8)'));
  }
  // the strict scanner bounds the nesting before anything recurses (JSON.parse, the checks, shown)
  const L = SNAPSHOT_FILE_LIMITS;
  const scanned = parseJson(text, { maxBytes: L.maxJsonBytes, maxDepth: L.maxJsonDepth });
  if (!scanned.ok)
    return err(
      snapFileError(
        'BadVmstate',
        { field: scanned.error.field || 'JSON' },
        scanned.error.field
          ? scanned.error.problem
          : scanned.error.problem.startsWith('nested deeper')
            ? `is ${scanned.error.problem}`
            : `is not valid JSON text (${scanned.error.problem})`,
      ),
    );
  const parsed = scanned.value;
  try {
    return ok(meta(parsed, layers));
  } catch (e) {
    if (e instanceof Bad) return err(snapFileError('BadVmstate', { field: e.field }, e.why));
    throw e;
  }
}

function meta(v: unknown, layers: DecodedLayer[]): SnapshotFileMeta {
  const o = obj(v, 'JSON');
  if (o.format !== SNAPSHOT_FILE_FORMAT)
    throw new Bad('format', `must be "${SNAPSHOT_FILE_FORMAT}" (got ${shown(o.format)})`);
  const pages = layers[0]!.pages;
  const memoryMiB = whole(o.memoryMiB, 'memoryMiB', 16, 1024);
  if (memoryMiB * 256 !== pages)
    throw new Bad('memoryMiB', `says ${memoryMiB} MiB but the layers hold a guest of ${pages} pages`);
  const layout = o.layout === null ? null : obj(o.layout, 'layout');
  const processes = arr(o.processes, 'processes');
  // the guest's kernel, processes and layout are a manifest without secrets: check them as one
  const asManifest: Obj = {
    name: o.guest,
    description: o.description,
    memoryMiB,
    kernel: o.kernel,
    processes,
    secrets: [],
  };
  if (layout !== null) asManifest.layout = layout;
  const manifest = parseManifest(asManifest, 'vmstate');
  if (!manifest.ok) {
    const field = manifest.error.field === 'name' ? 'guest' : manifest.error.field || 'JSON';
    throw new Bad(field, manifest.error.message.replace(/^vmstate: (?:[^:]*: )?/, ''));
  }
  const g = manifest.value;
  const seed = whole(o.seed, 'seed', 0, 0xffffffff);
  const snapshot = obj(o.snapshot, 'snapshot');
  const top = layers[layers.length - 1]!;
  if (snapshot.type !== top.type)
    throw new Bad('snapshot.type', `says ${shown(snapshot.type)} but the top layer is ${top.type}`);
  if (snapshot.pages !== pages)
    throw new Bad('snapshot.pages', `says ${shown(snapshot.pages)} but the layers hold ${pages} pages`);
  const secrets = arr(o.secrets, 'secrets').map((s, i) => secretPlacement(s, `secrets[${i}]`, pages));
  const names = new Set<string>();
  secrets.forEach((s, i) => {
    if (names.has(s.name)) throw new Bad(`secrets[${i}].name`, `"${s.name}" is listed twice`);
    names.add(s.name);
  });
  let heap: SnapshotFileMeta['heap'] = null;
  if (o.heap !== null) {
    const h = obj(o.heap, 'heap');
    const firstPage = whole(h.firstPage, 'heap.firstPage', 0, pages);
    heap = { firstPage, pages: whole(h.pages, 'heap.pages', 0, pages - firstPage) };
  }
  const fileLayers = arr(o.layers, 'layers');
  if (fileLayers.length !== layers.length)
    throw new Bad('layers', `lists ${fileLayers.length} layers but the file holds ${layers.length}`);
  const out = fileLayers.map((l, k) => layerMeta(l, k, layers[k]!));
  return {
    format: SNAPSHOT_FILE_FORMAT,
    guest: g.name,
    description: g.description,
    memoryMiB,
    kernel: g.kernel,
    layout: g.layout ?? null,
    seed,
    snapshot,
    processes: g.processes,
    secrets,
    heap,
    layers: out,
  };
}

function secretPlacement(v: unknown, field: string, guestPages: number): SecretPlacement {
  const s = obj(v, field);
  const name = str(s.name, `${field}.name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 64)
    throw new Bad(
      `${field}.name`,
      `must be a name of letters, digits, ".", "_" and "-" (got ${shown(name)})`,
    );
  const page = whole(s.page, `${field}.page`, 0, guestPages - 1);
  const pages = whole(s.pages, `${field}.pages`, 1, guestPages - page);
  const bytes = whole(s.bytes, `${field}.bytes`, 0, pages * PAGE_SIZE);
  return { name, page, pages, bytes, wipeOnSuspend: bool(s.wipeOnSuspend, `${field}.wipeOnSuspend`) };
}

function layerMeta(v: unknown, k: number, layer: DecodedLayer): FileLayerMeta {
  const field = `layers[${k}]`;
  const l = obj(v, field);
  if (l.type !== layer.type)
    throw new Bad(`${field}.type`, `says ${shown(l.type)} but layer ${k} is ${layer.type}`);
  const present = layer.type === 'full' ? layer.pages : layer.pageNumbers.length;
  if (l.presentPages !== present)
    throw new Bad(`${field}.presentPages`, `says ${shown(l.presentPages)} but layer ${k} holds ${present}`);
  const wipedPages = whole(l.wipedPages, `${field}.wipedPages`, 0, layer.pages);
  const vm = str(l.vmstate, `${field}.vmstate`);
  if (!/^[0-9a-f]{256}$/.test(vm))
    throw new Bad(`${field}.vmstate`, `must be ${VMSTATE_BYTES} bytes as 256 lowercase hex digits`);
  for (let i = 0; i < VMSTATE_BYTES; i++) layer.vmstate[i] = parseInt(vm.slice(2 * i, 2 * i + 2), 16);
  layer.wipedPages = wipedPages;
  return { type: layer.type, presentPages: present, wipedPages, vmstate: vm };
}
