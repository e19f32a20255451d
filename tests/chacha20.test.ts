// ChaCha20 in the wasm core: the RFC 8439 vectors, scalar/SIMD equivalence, and agreement with the
// plain TypeScript reference and with Node's OpenSSL on random inputs. Inputs are staged in the
// core's static scratch area; every read takes a fresh view because other modules grow memory.
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '../src/core/crypto/chacha20-ref';
import { toHex } from '../src/core/crypto/uuid';
import type { CoreExports } from '../src/core/load/instantiate';
import { loadCoreNode } from '../src/core/load/node';

/** Bytes from an RFC hex dump: whitespace and colons are ignored. */
function hex(text: string): Uint8Array {
  const digits = text.replace(/[\s:]/g, '');
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

const ascii = (text: string) => new TextEncoder().encode(text);
const KEY_00_1F = Uint8Array.from({ length: 32 }, (_, i) => i);
const ZERO_KEY = new Uint8Array(32);
const ZERO_NONCE = new Uint8Array(12);

// Scratch layout used by these tests (offsets from chachaScratch()).
const KEY = 0;
const NONCE = 32;
const IN = 4096;
const OUT = 512 * 1024;

let core: CoreExports;
let scratch: number;

function put(offset: number, data: Uint8Array): void {
  new Uint8Array(core.memory.buffer).set(data, scratch + offset);
}

function get(offset: number, length: number): Uint8Array {
  return new Uint8Array(core.memory.buffer, scratch + offset, length).slice();
}

function wasmBlock(key: Uint8Array, counter: number, nonce: Uint8Array): Uint8Array {
  put(KEY, key);
  put(NONCE, nonce);
  core.chacha20Block(scratch + KEY, counter, scratch + NONCE, scratch + OUT);
  return get(OUT, 64);
}

type KeystreamFn = 'chacha20Keystream' | 'chacha20KeystreamSimd';

function wasmKeystream(
  fn: KeystreamFn,
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  length: number,
  outOffset = OUT,
): Uint8Array {
  put(KEY, key);
  put(NONCE, nonce);
  core[fn](scratch + KEY, scratch + NONCE, counter, scratch + outOffset, length);
  return get(outOffset, length);
}

function wasmXor(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: number,
  input: Uint8Array,
  inOffset = IN,
  outOffset = OUT,
) {
  put(KEY, key);
  put(NONCE, nonce);
  put(inOffset, input);
  core.chacha20Xor(
    scratch + KEY,
    scratch + NONCE,
    counter,
    scratch + inOffset,
    scratch + outOffset,
    input.length,
  );
  return get(outOffset, input.length);
}

function opensslKeystream(key: Uint8Array, nonce: Uint8Array, counter: number, length: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  iv.set(nonce, 4);
  return new Uint8Array(createCipheriv('chacha20', key, iv).update(new Uint8Array(length)));
}

beforeAll(async () => {
  core = await loadCoreNode('release');
  scratch = core.chachaScratch();
});

describe('ChaCha20 block function (RFC 8439)', () => {
  it('§2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1 serialises to the listed block', () => {
    const nonce = hex('00 00 00 09 00 00 00 4a 00 00 00 00');
    const expected = hex(`
      10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4
      c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e
      d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2
      b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e`);
    expect(toHex(wasmBlock(KEY_00_1F, 1, nonce))).toBe(toHex(expected));
    expect(toHex(ref.chacha20Block(KEY_00_1F, 1, nonce))).toBe(toHex(expected));
  });

  // Appendix A.1, test vectors #1..#5: [name, key, nonce, counter, keystream].
  const appendixA1: Array<[string, Uint8Array, Uint8Array, number, string]> = [
    [
      '#1 all-zero key and nonce, counter 0',
      ZERO_KEY,
      ZERO_NONCE,
      0,
      `76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28
       bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
       da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37
       6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86`,
    ],
    [
      '#2 all-zero key and nonce, counter 1',
      ZERO_KEY,
      ZERO_NONCE,
      1,
      `9f 07 e7 be 55 51 38 7a 98 ba 97 7c 73 2d 08 0d
       cb 0f 29 a0 48 e3 65 69 12 c6 53 3e 32 ee 7a ed
       29 b7 21 76 9c e6 4e 43 d5 71 33 b0 74 d8 39 d5
       31 ed 1f 28 51 0a fb 45 ac e1 0a 1f 4b 79 4d 6f`,
    ],
    [
      '#3 key ending in 01, counter 1',
      hex('00'.repeat(31) + '01'),
      ZERO_NONCE,
      1,
      `3a eb 52 24 ec f8 49 92 9b 9d 82 8d b1 ce d4 dd
       83 20 25 e8 01 8b 81 60 b8 22 84 f3 c9 49 aa 5a
       8e ca 00 bb b4 a7 3b da d1 92 b5 c4 2f 73 f2 fd
       4e 27 36 44 c8 b3 61 25 a6 4a dd eb 00 6c 13 a0`,
    ],
    [
      '#4 key 00 ff 00.., counter 2',
      hex('00 ff' + '00'.repeat(30)),
      ZERO_NONCE,
      2,
      `72 d5 4d fb f1 2e c4 4b 36 26 92 df 94 13 7f 32
       8f ea 8d a7 39 90 26 5e c1 bb be a1 ae 9a f0 ca
       13 b2 5a a2 6c b4 a6 48 cb 9b 9d 1b e6 5b 2c 09
       24 a6 6c 54 d5 45 ec 1b 73 74 f4 87 2e 99 f0 96`,
    ],
    [
      '#5 nonce ending in 02, counter 0',
      ZERO_KEY,
      hex('00'.repeat(11) + '02'),
      0,
      `c2 c6 4d 37 8c d5 36 37 4a e2 04 b9 ef 93 3f cd
       1a 8b 22 88 b3 df a4 96 72 ab 76 5b 54 ee 27 c7
       8a 97 0e 0e 95 5c 14 f3 a8 8e 74 1b 97 c2 86 f7
       5f 8f c2 99 e8 14 83 62 fa 19 8a 39 53 1b ed 6d`,
    ],
  ];

  it.each(appendixA1)(
    'A.1 %s: block, both keystreams and the reference give the listed bytes',
    (_, key, nonce, counter, stream) => {
      const expected = toHex(hex(stream));
      expect(toHex(wasmBlock(key, counter, nonce))).toBe(expected);
      expect(toHex(wasmKeystream('chacha20Keystream', key, nonce, counter, 64))).toBe(expected);
      expect(toHex(wasmKeystream('chacha20KeystreamSimd', key, nonce, counter, 64))).toBe(expected);
      expect(toHex(ref.chacha20Block(key, counter, nonce))).toBe(expected);
    },
  );
});

describe('ChaCha20 encryption (RFC 8439)', () => {
  const sunscreen = ascii(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const sunscreenNonce = hex('00 00 00 00 00 00 00 4a 00 00 00 00');
  const sunscreenCiphertext = hex(`
    6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81
    e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b
    f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57
    16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8
    07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e
    52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36
    5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42
    87 4d`);

  it('§2.4.2: the sunscreen plaintext encrypts to the listed ciphertext', () => {
    expect(sunscreen.length).toBe(114);
    expect(toHex(wasmXor(KEY_00_1F, sunscreenNonce, 1, sunscreen))).toBe(toHex(sunscreenCiphertext));
    expect(toHex(ref.chacha20Xor(KEY_00_1F, sunscreenNonce, 1, sunscreen))).toBe(toHex(sunscreenCiphertext));
  });

  it('§2.4.2: the keystream is the listed 114 bytes', () => {
    const keystream = hex(`
      22:4f:51:f3:40:1b:d9:e1:2f:de:27:6f:b8:63:1d:ed:8c:13:1f:82:3d:2c:06
      e2:7e:4f:ca:ec:9e:f3:cf:78:8a:3b:0a:a3:72:60:0a:92:b5:79:74:cd:ed:2b
      93:34:79:4c:ba:40:c6:3e:34:cd:ea:21:2c:4c:f0:7d:41:b7:69:a6:74:9f:3f
      63:0f:41:22:ca:fe:28:ec:4d:c4:7e:26:d4:34:6d:70:b9:8c:73:f3:e9:c5:3a
      c4:0c:59:45:39:8b:6e:da:1a:83:2c:89:c1:67:ea:cd:90:1d:7e:2b:f3:63`);
    expect(keystream.length).toBe(114);
    expect(toHex(wasmKeystream('chacha20Keystream', KEY_00_1F, sunscreenNonce, 1, 114))).toBe(
      toHex(keystream),
    );
    expect(toHex(wasmKeystream('chacha20KeystreamSimd', KEY_00_1F, sunscreenNonce, 1, 114))).toBe(
      toHex(keystream),
    );
  });

  // Appendix A.2, test vectors #1..#3: [name, key, nonce, counter, plaintext, ciphertext].
  const appendixA2: Array<[string, Uint8Array, Uint8Array, number, Uint8Array, string]> = [
    [
      '#1 zeros, counter 0',
      ZERO_KEY,
      ZERO_NONCE,
      0,
      new Uint8Array(64),
      `76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28
       bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
       da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37
       6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86`,
    ],
    [
      '#2 IETF contribution text, counter 1',
      hex('00'.repeat(31) + '01'),
      hex('00'.repeat(11) + '02'),
      1,
      ascii(
        'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF ' +
          'Internet-Draft or RFC and any statement made within the context of an IETF activity is considered ' +
          'an "IETF Contribution". Such statements include oral statements in IETF sessions, as well as ' +
          'written and electronic communications made at any time or place, which are addressed to',
      ),
      `a3 fb f0 7d f3 fa 2f de 4f 37 6c a2 3e 82 73 70
       41 60 5d 9f 4f 4f 57 bd 8c ff 2c 1d 4b 79 55 ec
       2a 97 94 8b d3 72 29 15 c8 f3 d3 37 f7 d3 70 05
       0e 9e 96 d6 47 b7 c3 9f 56 e0 31 ca 5e b6 25 0d
       40 42 e0 27 85 ec ec fa 4b 4b b5 e8 ea d0 44 0e
       20 b6 e8 db 09 d8 81 a7 c6 13 2f 42 0e 52 79 50
       42 bd fa 77 73 d8 a9 05 14 47 b3 29 1c e1 41 1c
       68 04 65 55 2a a6 c4 05 b7 76 4d 5e 87 be a8 5a
       d0 0f 84 49 ed 8f 72 d0 d6 62 ab 05 26 91 ca 66
       42 4b c8 6d 2d f8 0e a4 1f 43 ab f9 37 d3 25 9d
       c4 b2 d0 df b4 8a 6c 91 39 dd d7 f7 69 66 e9 28
       e6 35 55 3b a7 6c 5c 87 9d 7b 35 d4 9e b2 e6 2b
       08 71 cd ac 63 89 39 e2 5e 8a 1e 0e f9 d5 28 0f
       a8 ca 32 8b 35 1c 3c 76 59 89 cb cf 3d aa 8b 6c
       cc 3a af 9f 39 79 c9 2b 37 20 fc 88 dc 95 ed 84
       a1 be 05 9c 64 99 b9 fd a2 36 e7 e8 18 b0 4b 0b
       c3 9c 1e 87 6b 19 3b fe 55 69 75 3f 88 12 8c c0
       8a aa 9b 63 d1 a1 6f 80 ef 25 54 d7 18 9c 41 1f
       58 69 ca 52 c5 b8 3f a3 6f f2 16 b9 c1 d3 00 62
       be bc fd 2d c5 bc e0 91 19 34 fd a7 9a 86 f6 e6
       98 ce d7 59 c3 ff 9b 64 77 33 8f 3d a4 f9 cd 85
       14 ea 99 82 cc af b3 41 b2 38 4d d9 02 f3 d1 ab
       7a c6 1d d2 9c 6f 21 ba 5b 86 2f 37 30 e3 7c fd
       c4 fd 80 6c 22 f2 21`,
    ],
    [
      '#3 Jabberwocky, counter 42',
      hex(`1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0
           47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0`),
      hex('00'.repeat(11) + '02'),
      42,
      ascii(
        "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n" +
          'All mimsy were the borogoves,\nAnd the mome raths outgrabe.',
      ),
      `62 e6 34 7f 95 ed 87 a4 5f fa e7 42 6f 27 a1 df
       5f b6 91 10 04 4c 0d 73 11 8e ff a9 5b 01 e5 cf
       16 6d 3d f2 d7 21 ca f9 b2 1e 5f b1 4c 61 68 71
       fd 84 c5 4f 9d 65 b2 83 19 6c 7f e4 f6 05 53 eb
       f3 9c 64 02 c4 22 34 e3 2a 35 6b 3e 76 43 12 a6
       1a 55 32 05 57 16 ea d6 96 25 68 f8 7d 3f 3f 77
       04 c6 a8 d1 bc d1 bf 4d 50 d6 15 4b 6d a7 31 b1
       87 b5 8d fd 72 8a fa 36 75 7a 79 7a c1 88 d1`,
    ],
  ];

  it.each(appendixA2)(
    'A.2 %s: encrypts to the listed ciphertext',
    (_, key, nonce, counter, plaintext, ciphertext) => {
      const expected = hex(ciphertext);
      expect(plaintext.length).toBe(expected.length);
      expect(toHex(wasmXor(key, nonce, counter, plaintext))).toBe(toHex(expected));
      expect(toHex(ref.chacha20Xor(key, nonce, counter, plaintext))).toBe(toHex(expected));
    },
  );

  it.each(appendixA2)(
    'A.2 %s: decrypting in place (in == out) restores the plaintext',
    (_, key, nonce, counter, plaintext, ciphertext) => {
      expect(toHex(wasmXor(key, nonce, counter, hex(ciphertext), IN, IN))).toBe(toHex(plaintext));
    },
  );

  it('encrypting 1000 bytes in place equals encrypting them to a separate buffer', () => {
    const plaintext = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
    const separate = wasmXor(KEY_00_1F, sunscreenNonce, 5, plaintext, IN, OUT);
    expect(toHex(wasmXor(KEY_00_1F, sunscreenNonce, 5, plaintext, IN, IN))).toBe(toHex(separate));
  });
});

describe('scalar and SIMD keystreams', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => (i * 91 + 3) & 0xff);
  const counters = [0, 1, 42, 0x7fffffff, 0xfffffffd];

  it('are byte-identical for every length from 0 to 600 bytes at several counters', () => {
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
    const mismatches: string[] = [];
    for (const counter of counters) {
      const full = wasmKeystream('chacha20Keystream', key, nonce, counter, 600);
      for (let length = 0; length <= 600; length++) {
        const scalar = wasmKeystream('chacha20Keystream', key, nonce, counter, length);
        const simd = wasmKeystream(
          'chacha20KeystreamSimd',
          key,
          nonce,
          counter,
          length,
          OUT + 1024 + (length % 16),
        );
        if (!same(scalar, full.subarray(0, length)))
          mismatches.push(`scalar prefix, counter ${counter}, length ${length}`);
        if (!same(simd, scalar)) mismatches.push(`simd, counter ${counter}, length ${length}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it.each([0, 1, 63, 64, 65, 255, 256, 257, 511, 1023, 1025, 4097])(
    'write exactly %i bytes and leave the byte after them untouched',
    (length) => {
      for (const fn of ['chacha20Keystream', 'chacha20KeystreamSimd'] as const) {
        put(OUT, new Uint8Array(length + 16).fill(0xa5));
        wasmKeystream(fn, key, nonce, 7, length);
        expect(get(OUT + length, 16)).toEqual(new Uint8Array(16).fill(0xa5));
      }
      put(OUT, new Uint8Array(length + 16).fill(0xa5));
      wasmXor(key, nonce, 7, new Uint8Array(length));
      expect(get(OUT + length, 16)).toEqual(new Uint8Array(16).fill(0xa5));
    },
  );

  it('wrap the 32-bit block counter to 0 and keep the nonce', () => {
    const across = wasmKeystream('chacha20KeystreamSimd', key, nonce, 0xfffffffe, 4 * 64);
    const expected = [0xfffffffe, 0xffffffff, 0, 1].map((counter) => wasmBlock(key, counter, nonce));
    for (let b = 0; b < 4; b++) expect(across.subarray(64 * b, 64 * b + 64)).toEqual(expected[b]);
    expect(wasmKeystream('chacha20Keystream', key, nonce, 0xfffffffe, 4 * 64)).toEqual(across);
  });

  it('may write their output over the key and nonce they were given', () => {
    for (const fn of ['chacha20Keystream', 'chacha20KeystreamSimd'] as const) {
      const expected = wasmKeystream(fn, key, nonce, 3, 700);
      put(KEY, key);
      put(NONCE, nonce);
      core[fn](scratch + KEY, scratch + NONCE, 3, scratch + KEY, 700);
      expect(get(KEY, 700)).toEqual(expected);
    }
  });

  it('the block function may write its output over its key', () => {
    const expected = wasmBlock(key, 9, nonce);
    put(KEY, key);
    put(NONCE, nonce);
    core.chacha20Block(scratch + KEY, 9, scratch + NONCE, scratch + KEY);
    expect(get(KEY, 64)).toEqual(expected);
  });
});

describe('wasm ChaCha20 against independent implementations (fast-check, fixed seed)', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

  it('scalar keystream, SIMD keystream and XOR equal the TypeScript reference on random inputs', () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.nat({ max: 0xffffffff }),
        fc.uint8Array({ maxLength: 1100 }),
        fc.nat({ max: 15 }),
        (key, nonce, counter, input, misalign) => {
          const length = input.length;
          const expected = ref.chacha20Keystream(key, nonce, counter, length);
          expect(wasmKeystream('chacha20Keystream', key, nonce, counter, length, OUT + misalign)).toEqual(
            expected,
          );
          expect(wasmKeystream('chacha20KeystreamSimd', key, nonce, counter, length, OUT + misalign)).toEqual(
            expected,
          );
          expect(wasmXor(key, nonce, counter, input, IN + misalign, OUT + 3)).toEqual(
            ref.chacha20Xor(key, nonce, counter, input),
          );
        },
      ),
      { seed: 8439, numRuns: 300 },
    );
  });

  it("SIMD keystream equals Node's OpenSSL chacha20 when the counter does not wrap", () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.nat({ max: 0xffffffff - 64 }),
        fc.nat({ max: 4096 }),
        (key, nonce, counter, length) => {
          expect(wasmKeystream('chacha20KeystreamSimd', key, nonce, counter, length)).toEqual(
            opensslKeystream(key, nonce, counter, length),
          );
        },
      ),
      { seed: 9562, numRuns: 100 },
    );
  });
});

describe('the debug build', () => {
  it('produces the same keystream as the release build', async () => {
    const debug = await loadCoreNode('debug');
    const base = debug.chachaScratch();
    const key = KEY_00_1F;
    const nonce = hex('00 00 00 09 00 00 00 4a 00 00 00 00');
    new Uint8Array(debug.memory.buffer).set(key, base);
    new Uint8Array(debug.memory.buffer).set(nonce, base + 32);
    for (const length of [0, 65, 300, 1000]) {
      debug.chacha20KeystreamSimd(base, base + 32, 1, base + 4096, length);
      const fromDebug = new Uint8Array(debug.memory.buffer, base + 4096, length).slice();
      expect(fromDebug).toEqual(wasmKeystream('chacha20Keystream', key, nonce, 1, length));
    }
  });
});
