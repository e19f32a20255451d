import { describe, expect, it } from 'vitest';
import { loadCoreNode } from '../src/core/load/node';
import { toHex } from '../src/core/crypto/uuid';

describe('BLAKE2s (RFC 7693)', () => {
  it('hashes "abc" to the RFC 7693 Appendix B digest', async () => {
    const core = await loadCoreNode('debug');
    const io = core.ioBuffer();
    const mem = () => new Uint8Array(core.memory.buffer);
    mem().set(new TextEncoder().encode('abc'), io);
    core.blake2s(io + 512, 32, io, 3, 0, 0, io + 1024);
    expect(toHex(mem().slice(io + 512, io + 544))).toBe(
      '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982',
    );
  });

  it('keyed hashes match the BLAKE2 reference KAT (key 00..1f, messages 00..n-1)', async () => {
    const core = await loadCoreNode('release');
    const io = core.ioBuffer();
    const mem = () => new Uint8Array(core.memory.buffer);
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const msg = Uint8Array.from({ length: 255 }, (_, i) => i);
    mem().set(key, io);
    mem().set(msg, io + 64);
    const digest = (n: number) => {
      core.blake2s(io + 512, 32, io + 64, n, io, 32, io + 1024);
      return toHex(mem().slice(io + 512, io + 544));
    };
    // blake2s-kat.txt entries for in = "" and in = 00
    expect(digest(0)).toBe('48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49');
    expect(digest(1)).toBe('40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1');
    // streaming in odd pieces equals one shot
    const one = digest(255);
    const st = io + 2048;
    core.blake2sInit(st, 32, io, 32);
    for (const [a, b] of [
      [0, 1],
      [1, 64],
      [64, 65],
      [65, 200],
      [200, 255],
    ] as const)
      core.blake2sUpdate(st, io + 64 + a, b - a);
    core.blake2sFinal(st, io + 512);
    expect(toHex(mem().slice(io + 512, io + 544))).toBe(one);
  });
});
