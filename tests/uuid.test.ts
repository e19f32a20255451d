// UUIDv4 helpers against RFC 9562: the version and variant fields (§5.4), the 8-4-4-4-12 text form
// (§4) and the Appendix A.4 example.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatUuid,
  isUuidV4,
  parseUuid,
  toHex,
  uuidErrorMessage,
  uuidV4FromBytes,
} from '../src/core/crypto/uuid';

// RFC 9562 Appendix A.4, "Example of a UUIDv4 Value".
const RFC_9562_A4 = '919108f7-52d1-4320-9bac-f847db4148a8';

describe('uuidV4FromBytes', () => {
  it('sets version 0100 in the high nibble of byte 6 and variant 10 in the top bits of byte 8', () => {
    const uuid = uuidV4FromBytes(new Uint8Array(16).fill(0xff));
    expect(uuid[6]).toBe(0x4f);
    expect(uuid[8]).toBe(0xbf);
    const fromZeros = uuidV4FromBytes(new Uint8Array(16));
    expect(fromZeros[6]).toBe(0x40);
    expect(fromZeros[8]).toBe(0x80);
  });

  it('keeps the other 122 bits of its input and does not modify the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (random) => {
        const before = random.slice();
        const uuid = uuidV4FromBytes(random);
        expect(random).toEqual(before);
        for (let i = 0; i < 16; i++) {
          const mask = i === 6 ? 0x0f : i === 8 ? 0x3f : 0xff;
          expect(uuid[i]! & mask).toBe(random[i]! & mask);
        }
        expect(isUuidV4(formatUuid(uuid))).toBe(true);
      }),
      { seed: 9562, numRuns: 200 },
    );
  });

  it('rejects byte arrays that are not 16 bytes long', () => {
    expect(() => uuidV4FromBytes(new Uint8Array(15))).toThrow(RangeError);
    expect(() => formatUuid(new Uint8Array(17))).toThrow(RangeError);
  });
});

describe('UUID text form', () => {
  it('formats 16 bytes as lowercase 8-4-4-4-12 hex', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    expect(formatUuid(bytes)).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  it('the RFC 9562 Appendix A.4 example parses as a v4 UUID and round-trips', () => {
    expect(isUuidV4(RFC_9562_A4)).toBe(true);
    const parsed = parseUuid(RFC_9562_A4);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(toHex(parsed.bytes)).toBe('919108f752d143209bacf847db4148a8');
    expect(parsed.bytes[6]! >>> 4).toBe(4);
    expect(parsed.bytes[8]! >>> 6).toBe(0b10);
    expect(uuidV4FromBytes(parsed.bytes)).toEqual(parsed.bytes);
    expect(formatUuid(parsed.bytes)).toBe(RFC_9562_A4);
  });

  it('accepts upper-case hex digits but formats in lower case', () => {
    const upper = RFC_9562_A4.toUpperCase();
    expect(isUuidV4(upper)).toBe(true);
    const parsed = parseUuid(upper);
    expect(parsed.ok && formatUuid(parsed.bytes)).toBe(RFC_9562_A4);
  });

  it.each([
    ['version 1', '919108f7-52d1-1320-9bac-f847db4148a8'],
    ['variant 0xxx', '919108f7-52d1-4320-7bac-f847db4148a8'],
    ['variant 110x (Microsoft)', '919108f7-52d1-4320-cbac-f847db4148a8'],
    ['no hyphens', '919108f752d143209bacf847db4148a8'],
    ['a non-hex digit', '919108f7-52d1-4320-9bac-f847db4148ag'],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
  ])('isUuidV4 rejects %s', (_, text) => {
    expect(isUuidV4(text)).toBe(false);
  });

  it('parseUuid reports what is wrong with malformed text', () => {
    const cases: Array<[string, string]> = [
      ['919108f752d143209bacf847db4148a8', 'a UUID is 36 characters (8-4-4-4-12), got 32'],
      ['919108f7-52d1-4320-9bac_f847db4148a8', "expected '-' at index 23"],
      ['919108f7-52d1-4320-9bac-f847db4148ag', 'expected a hex digit at index 35'],
    ];
    for (const [text, message] of cases) {
      const parsed = parseUuid(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(uuidErrorMessage(parsed.error)).toBe(message);
    }
  });

  it('toHex writes two lowercase digits per byte', () => {
    expect(toHex(Uint8Array.from([0, 1, 0x0f, 0x10, 0xab, 0xff]))).toBe('00010f10abff');
    expect(toHex(new Uint8Array(0))).toBe('');
  });
});

describe('formatAt', () => {
  it('formats UUIDs and hex in place exactly as formatUuid and toHex do', async () => {
    const { formatAt, formatUuid, toHex } = await import('../src/core/crypto/uuid');
    const bytes = Uint8Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const off of [0, 16, 33, 64]) {
      expect(formatAt(bytes, off, 16, true)).toBe(formatUuid(bytes.subarray(off, off + 16)));
      expect(formatAt(bytes, off, 12, false)).toBe(toHex(bytes.subarray(off, off + 12)));
    }
  });
});
