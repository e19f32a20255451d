// CRC-64/XZ (ECMA-182 polynomial, reflected; init and xorout all ones): the checksum of snapshot
// files. Pure TypeScript so the browser computes the same value as Node (no node:crypto).
// 64-bit arithmetic runs on two 32-bit halves (BigInt per byte would be far slower), and the
// bytes are taken eight at a time through eight tables ("slicing by 8").
// Check value: crc64('123456789') = 0x995dc9bbdf1939fa.

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** T[k][b]: the CRC of byte b followed by k zero bytes, as (hi, lo) halves. */
const TABLE_HI: Uint32Array[] = [];
const TABLE_LO: Uint32Array[] = [];

function buildTables(): void {
  const hi0 = new Uint32Array(256);
  const lo0 = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let hi = 0;
    let lo = b;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi >>>= 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    hi0[b] = hi;
    lo0[b] = lo;
  }
  TABLE_HI.push(hi0);
  TABLE_LO.push(lo0);
  for (let k = 1; k < 8; k++) {
    const ph = TABLE_HI[k - 1]!;
    const pl = TABLE_LO[k - 1]!;
    const hi = new Uint32Array(256);
    const lo = new Uint32Array(256);
    for (let b = 0; b < 256; b++) {
      // one more zero byte: crc = (crc >>> 8) ^ T0[crc & 0xff]
      const h = ph[b]!;
      const l = pl[b]!;
      const i = l & 0xff;
      hi[b] = (h >>> 8) ^ hi0[i]!;
      lo[b] = ((l >>> 8) | (h << 24)) ^ lo0[i]!;
    }
    TABLE_HI.push(hi);
    TABLE_LO.push(lo);
  }
}
buildTables();

/** A running CRC-64/XZ: feed bytes with update, read the value with digest (hex, 16 digits). */
export class Crc64 {
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  /** Feeds bytes. */
  update(bytes: Uint8Array): this {
    const [t0h, t1h, t2h, t3h, t4h, t5h, t6h, t7h] = TABLE_HI as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    const [t0l, t1l, t2l, t3l, t4l, t5l, t6l, t7l] = TABLE_LO as [
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
      Uint32Array,
    ];
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const n = bytes.length;
    const end8 = n - (n & 7);
    // whole words through a u32 view (little-endian hosts: every engine this runs on)
    const words =
      (bytes.byteOffset & 3) === 0 && LITTLE_ENDIAN
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, end8 >>> 2)
        : null;
    for (; i < end8; i += 8) {
      const w0 = words
        ? words[i >>> 2]!
        : bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
      const w1 = words
        ? words[(i >>> 2) + 1]!
        : bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
      const a = (lo ^ w0) >>> 0;
      const b = (hi ^ w1) >>> 0;
      hi =
        t7h[a & 0xff]! ^
        t6h[(a >>> 8) & 0xff]! ^
        t5h[(a >>> 16) & 0xff]! ^
        t4h[a >>> 24]! ^
        t3h[b & 0xff]! ^
        t2h[(b >>> 8) & 0xff]! ^
        t1h[(b >>> 16) & 0xff]! ^
        t0h[b >>> 24]!;
      lo =
        t7l[a & 0xff]! ^
        t6l[(a >>> 8) & 0xff]! ^
        t5l[(a >>> 16) & 0xff]! ^
        t4l[a >>> 24]! ^
        t3l[b & 0xff]! ^
        t2l[(b >>> 8) & 0xff]! ^
        t1l[(b >>> 16) & 0xff]! ^
        t0l[b >>> 24]!;
    }
    for (; i < n; i++) {
      const x = (lo ^ bytes[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ t0l[x]!;
      hi = (hi >>> 8) ^ t0h[x]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** The CRC of everything fed so far as 16 lowercase hex digits. */
  digest(): string {
    const h = (~this.hi >>> 0).toString(16).padStart(8, '0');
    const l = (~this.lo >>> 0).toString(16).padStart(8, '0');
    return h + l;
  }

  /** The CRC as two little-endian u32 halves (how the file stores it): [low, high]. */
  halves(): [number, number] {
    return [~this.lo >>> 0, ~this.hi >>> 0];
  }
}

/** CRC-64/XZ of bytes, as 16 lowercase hex digits. */
export function crc64(bytes: Uint8Array): string {
  return new Crc64().update(bytes).digest();
}
