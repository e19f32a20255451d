// UUID version 4 per RFC 9562: 122 random bits with the version and variant fields fixed. The lab
// turns guest random bytes into UUIDs with these helpers, so two clones that share a CRNG state
// print the same "unique" identifier.
//
// Layout of the 16 bytes (RFC 9562 §5.4), most significant bit first:
//
//    byte:  0  1  2  3   4  5   6  7   8  9   10 11 12 13 14 15
//          [random_a  ] [     ] [ver|random_b] [var|random_c            ]
//                                ^ high nibble of byte 6 = 0100 (version 4)
//                                               ^ top two bits of byte 8 = 10 (variant)
//
// Text form: 32 lowercase hex digits grouped 8-4-4-4-12. Parsing accepts either case (§4).
//
// Invariants: uuidV4FromBytes never mutates its input; byte arrays of the wrong length are caller
// bugs (RangeError), while malformed text is input and comes back as a UuidError.

export type UuidError =
  | { kind: 'WrongTextLength'; length: number }
  | { kind: 'MisplacedHyphen'; index: number }
  | { kind: 'NotHex'; index: number };

const uuidErrorMessages: { [K in UuidError['kind']]: (e: Extract<UuidError, { kind: K }>) => string } = {
  WrongTextLength: (e) => `a UUID is 36 characters (8-4-4-4-12), got ${e.length}`,
  MisplacedHyphen: (e) => `expected '-' at index ${e.index}`,
  NotHex: (e) => `expected a hex digit at index ${e.index}`,
};

/** The human message for a UUID parse error. */
export function uuidErrorMessage(error: UuidError): string {
  return (uuidErrorMessages[error.kind] as (e: UuidError) => string)(error);
}

const HEX_DIGITS = '0123456789abcdef';
const HYPHEN_INDICES = [8, 13, 18, 23];
const UUID_V4_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

function checkSixteen(bytes: Uint8Array): void {
  if (bytes.length !== 16) throw new RangeError(`a UUID is 16 bytes, got ${bytes.length}`);
}

/** Lowercase hex of the bytes, two digits per byte. */
export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += HEX_DIGITS[b >>> 4]! + HEX_DIGITS[b & 15]!;
  return text;
}

/** A copy of 16 random bytes with the version (4) and variant (10xx) fields set per RFC 9562 §5.4. */
export function uuidV4FromBytes(bytes16: Uint8Array): Uint8Array {
  checkSixteen(bytes16);
  const uuid = Uint8Array.from(bytes16);
  uuid[6] = (uuid[6]! & 0x0f) | 0x40;
  uuid[8] = (uuid[8]! & 0x3f) | 0x80;
  return uuid;
}

/** The 8-4-4-4-12 lowercase text form of 16 bytes. */
export function formatUuid(bytes16: Uint8Array): string {
  checkSixteen(bytes16);
  const hex = toHex(bytes16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether text is a UUID of version 4 and variant 10xx (hex digits in either case). */
export function isUuidV4(text: string): boolean {
  return UUID_V4_TEXT.test(text);
}

/** Parses the 8-4-4-4-12 text form (any version) into 16 bytes. */
export function parseUuid(text: string): { ok: true; bytes: Uint8Array } | { ok: false; error: UuidError } {
  if (text.length !== 36) return { ok: false, error: { kind: 'WrongTextLength', length: text.length } };
  for (const index of HYPHEN_INDICES) {
    if (text[index] !== '-') return { ok: false, error: { kind: 'MisplacedHyphen', index } };
  }
  const bytes = new Uint8Array(16);
  let nibble = 0;
  for (let index = 0; index < 36; index++) {
    if (HYPHEN_INDICES.includes(index)) continue;
    const value = HEX_DIGITS.indexOf(text[index]!.toLowerCase());
    if (value < 0) return { ok: false, error: { kind: 'NotHex', index } };
    bytes[nibble >>> 1] = bytes[nibble >>> 1]! | (nibble % 2 === 0 ? value << 4 : value);
    nibble++;
  }
  return { ok: true, bytes };
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * `size` bytes at `offset` as lowercase hex, or (uuid) 16 bytes as UUID text like formatUuid —
 * without making a view per value, so formatting a million outputs stays cheap for the GC.
 */
export function formatAt(bytes: Uint8Array, offset: number, size: number, uuid: boolean): string {
  let s = '';
  for (let k = 0; k < size; k++) {
    if (uuid && (k === 4 || k === 6 || k === 8 || k === 10)) s += '-';
    s += HEX_PAIRS[bytes[offset + k]!]!;
  }
  return s;
}

/** ASCII of each byte value's first and second lowercase hex digit. */
const HEX_HI = Uint8Array.from({ length: 256 }, (_, b) => HEX_PAIRS[b]!.charCodeAt(0));
const HEX_LO = Uint8Array.from({ length: 256 }, (_, b) => HEX_PAIRS[b]!.charCodeAt(1));
const HYPHEN = 0x2d;

/** Characters formatAt makes of `size` bytes (a UUID's four hyphens included). */
export function textLength(size: number, uuid: boolean): number {
  return size * 2 + (uuid ? 4 : 0);
}

/** n bytes at `offset` as hex ASCII into out at `at`; the index after it. */
function hexAt(bytes: Uint8Array, offset: number, n: number, out: Uint8Array, at: number): number {
  for (let k = 0; k < n; k++) {
    const b = bytes[offset + k]!;
    out[at] = HEX_HI[b]!;
    out[at + 1] = HEX_LO[b]!;
    at += 2;
  }
  return at;
}

/**
 * The text formatAt makes, written as ASCII into `out` at `at` (which must have room for
 * textLength(size, uuid) bytes); returns the index after it. Writers of large outputs (the CLI's
 * JSON) use it to make no string per value.
 */
export function writeTextAt(
  bytes: Uint8Array,
  offset: number,
  size: number,
  uuid: boolean,
  out: Uint8Array,
  at: number,
): number {
  if (!uuid || size !== 16) {
    if (!uuid) return hexAt(bytes, offset, size, out, at);
    for (let k = 0; k < size; k++) {
      if (k === 4 || k === 6 || k === 8 || k === 10) out[at++] = HYPHEN;
      at = hexAt(bytes, offset + k, 1, out, at);
    }
    return at;
  }
  // 8-4-4-4-12
  at = hexAt(bytes, offset, 4, out, at);
  out[at++] = HYPHEN;
  at = hexAt(bytes, offset + 4, 2, out, at);
  out[at++] = HYPHEN;
  at = hexAt(bytes, offset + 6, 2, out, at);
  out[at++] = HYPHEN;
  at = hexAt(bytes, offset + 8, 2, out, at);
  out[at++] = HYPHEN;
  return hexAt(bytes, offset + 10, 6, out, at);
}
