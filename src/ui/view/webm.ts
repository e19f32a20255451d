// A WebM file's duration. MediaRecorder streams its WebM and never goes back to write how long it
// was, so players show no length and some cannot seek. This writes the Duration element into the
// Segment's Info once the recording is done.
//
//   EBML header   1A 45 DF A3  size  ...
//   Segment       18 53 80 67  size (usually "unknown": all ones)
//     Info        15 49 A9 66  size  TimecodeScale (2A D7 B1), MuxingApp, WritingApp, [Duration 44 89]
//     Tracks, Clusters ...
//
// An element is an ID (a variable-length integer, its length marker kept), a size (a
// variable-length integer, marker removed) and that many bytes of data. Duration is a float in
// TimecodeScale units (1,000,000 ns by default: milliseconds).

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;

/** The length of the variable-length integer starting with byte `b` (1 to 8), or 0 when invalid. */
function vintLength(b: number): number {
  for (let i = 0; i < 8; i++) if (b & (0x80 >> i)) return i + 1;
  return 0;
}

interface Vint {
  length: number;
  /** The value without its length marker (sizes); `unknown` when every value bit is set. */
  value: number;
  unknown: boolean;
  /** The value with its marker (element IDs are written that way). */
  raw: number;
}

function readVint(bytes: Uint8Array, at: number): Vint | null {
  if (at >= bytes.length) return null;
  const length = vintLength(bytes[at]!);
  if (length === 0 || at + length > bytes.length) return null;
  let raw = 0;
  for (let i = 0; i < length; i++) raw = raw * 256 + bytes[at + i]!;
  const marker = 2 ** (7 * length);
  const value = raw - marker;
  return { length, value, unknown: value === marker - 1, raw };
}

/** A size as an 8-byte variable-length integer. */
function size8(n: number): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = 0x01;
  let v = n;
  for (let i = 7; i >= 1; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

interface Element {
  id: number;
  /** Offset of the ID, of the data, and of the byte after the element. */
  start: number;
  data: number;
  end: number;
  unknownSize: boolean;
}

function readElement(bytes: Uint8Array, at: number): Element | null {
  const id = readVint(bytes, at);
  if (!id) return null;
  const size = readVint(bytes, at + id.length);
  if (!size) return null;
  const data = at + id.length + size.length;
  const end = size.unknown ? bytes.length : data + size.value;
  if (end > bytes.length) return null;
  return { id: id.raw, start: at, data, end, unknownSize: size.unknown };
}

/**
 * The WebM with its Duration set to `durationMs` (in the file's TimecodeScale); the bytes unchanged
 * when they are not a WebM this understands.
 */
export function withDuration(bytes: Uint8Array<ArrayBuffer>, durationMs: number): Uint8Array<ArrayBuffer> {
  const header = readElement(bytes, 0);
  if (!header || header.id !== 0x1a45dfa3) return bytes;
  const segment = readElement(bytes, header.end);
  if (!segment || segment.id !== SEGMENT) return bytes;
  let info: Element | null = null;
  for (let at = segment.data; at < segment.end;) {
    const e = readElement(bytes, at);
    if (!e || e.unknownSize) break;
    if (e.id === INFO) {
      info = e;
      break;
    }
    at = e.end;
  }
  if (!info) return bytes;
  let scale = 1_000_000;
  let duration: Element | null = null;
  for (let at = info.data; at < info.end;) {
    const e = readElement(bytes, at);
    if (!e) return bytes;
    if (e.id === TIMECODE_SCALE) {
      scale = 0;
      for (let i = e.data; i < e.end; i++) scale = scale * 256 + bytes[i]!;
    }
    if (e.id === DURATION) duration = e;
    at = e.end;
  }
  const value = (durationMs * 1_000_000) / (scale || 1_000_000);
  if (duration && (duration.end - duration.data === 8 || duration.end - duration.data === 4)) {
    const out = bytes.slice();
    const view = new DataView(out.buffer, out.byteOffset + duration.data, duration.end - duration.data);
    if (view.byteLength === 8) view.setFloat64(0, value);
    else view.setFloat32(0, value);
    return out;
  }
  if (duration) return bytes;
  // a new Duration element (ID, 1-byte size 8, a float64) at the end of Info
  const element = new Uint8Array(11);
  element.set([0x44, 0x89, 0x88]);
  new DataView(element.buffer).setFloat64(3, value);
  const infoData = bytes.subarray(info.data, info.end);
  const infoId = bytes.subarray(info.start, info.start + 4);
  const parts = [
    bytes.subarray(0, info.start),
    infoId,
    size8(infoData.length + element.length),
    infoData,
    element,
    bytes.subarray(info.end),
  ];
  const grown = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    grown.set(p, at);
    at += p.length;
  }
  if (segment.unknownSize) return grown;
  // a Segment of known size grows by what Info grew (its size written in the same length)
  const grew = grown.length - bytes.length;
  const sizeAt = segment.start + 4;
  const old = readVint(bytes, sizeAt)!;
  let v = old.value + grew;
  if (v >= 2 ** (7 * old.length) - 1) return bytes;
  for (let i = old.length - 1; i >= 0; i--) {
    grown[sizeAt + i] = v % 256;
    v = Math.floor(v / 256);
  }
  grown[sizeAt] = grown[sizeAt]! | (0x80 >> (old.length - 1));
  return grown;
}
