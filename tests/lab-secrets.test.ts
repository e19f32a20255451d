import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { repeatedByteProblem, searchImage, SECRET_OFFSETS_SHOWN } from '../src/core/lab/secrets';
import { PAGE_SIZE } from '../src/core/types';
import { testBytes } from './helpers';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';

const big = Array.from({ length: 5000 }, (_, i) => ((i * 7 + 3) & 0xff).toString(16).padStart(2, '0')).join(
  '',
);

function guest(wipeOnSuspend: boolean): GuestManifest {
  return {
    name: 'secrets',
    description: 'a secret that spans two pages',
    memoryMiB: 16,
    kernel: {
      version: '6.11',
      vmgenid: true,
      sysgenid: 'off',
      wipeOnSuspend,
      vdsoGetrandom: false,
      jitterEntropy: false,
      agentReseed: false,
      agentDelayUs: 0,
    },
    processes: [{ name: 'app', library: 'getrandom', consumer: 'key' }],
    secrets: [
      { name: 'long-key', hex: big, wipeOnSuspend: true },
      { name: 'short', text: 'hunter2-and-more', wipeOnSuspend: false },
    ],
    layout: { kernelPages: 16, heapPages: 16 },
  };
}

describe('the secret scanner', () => {
  it('finds a secret that crosses a page boundary exactly once, at its guest address', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const vm = lab.boot(guest(false), { seed: 1 });
    if (!vm.ok) throw new Error(vm.error.message);
    const snap = lab.snapshot(vm.value, 'full');
    if (!snap.ok) throw new Error(snap.error.message);
    const found = lab.secrets(snap.value);
    if (!found.ok) throw new Error(found.error.message);
    const [long, short] = found.value;
    expect(long!.offsets).toHaveLength(1);
    expect(long!.offsets[0]! % 4096).toBe(0);
    expect(short!.inSnapshot).toBe(true);
    // the offset is where the bytes really are in the memory image
    const image = lab.memoryImage(snap.value);
    if (!image.ok) throw new Error('no image');
    const at = long!.offsets[0]!;
    expect(Buffer.from(image.value.memory.subarray(at, at + 5000)).toString('hex')).toBe(big);
  });

  it('a flagged secret is wiped from the snapshot when the kernel supports WIPEONSUSPEND', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const vm = lab.boot(guest(true), { seed: 1 });
    if (!vm.ok) throw new Error(vm.error.message);
    const snap = lab.snapshot(vm.value, 'full');
    if (!snap.ok) throw new Error(snap.error.message);
    const found = lab.secrets(snap.value);
    if (!found.ok) throw new Error(found.error.message);
    expect(found.value.map((s) => [s.name, s.inSnapshot])).toEqual([
      ['long-key', false],
      ['short', true],
    ]);
  });
});

describe('searchImage: one pass, exact counts, bounded offsets', () => {
  /** The plain search: every start position, the first SECRET_OFFSETS_SHOWN of them kept. */
  function reference(image: Uint8Array, p: Uint8Array) {
    let occurrences = 0;
    const offsets: number[] = [];
    for (let i = 0; i + p.length <= image.length; i++) {
      let k = 0;
      while (k < p.length && image[i + k] === p[k]) k++;
      if (k < p.length) continue;
      occurrences++;
      if (offsets.length < SECRET_OFFSETS_SHOWN) offsets.push(i);
    }
    return { occurrences, offsets };
  }

  /** searchImage over a flat image, pages listed as a layer would (absent pages skipped). */
  function search(image: Uint8Array, absent: ReadonlySet<number>, patterns: Uint8Array[]) {
    const pages = image.length / PAGE_SIZE;
    return searchImage(pages, patterns, (fn) => {
      for (let p = 0; p < pages; p++)
        if (!absent.has(p)) fn(p, image.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    });
  }

  const page = fc.record({
    kind: fc.constantFrom('absent', 'zero', 'sparse', 'dense'),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  });
  // a three-letter alphabet with zero in it: matches overlap, run into zero pages and holes
  const pattern = fc.uint8Array({ minLength: 1, maxLength: 12, max: 2 });

  it('agrees with the plain search on any image and secrets (zero secrets included)', () => {
    fc.assert(
      fc.property(
        fc.array(page, { minLength: 1, maxLength: 4 }),
        fc.array(pattern, { minLength: 1, maxLength: 6 }),
        (pages, patterns) => {
          const image = new Uint8Array(pages.length * PAGE_SIZE);
          const absent = new Set<number>();
          pages.forEach((pg, i) => {
            if (pg.kind === 'absent') absent.add(i);
            if (pg.kind !== 'sparse' && pg.kind !== 'dense') return;
            const noise = testBytes(PAGE_SIZE, pg.seed);
            for (let b = 0; b < PAGE_SIZE; b++)
              image[i * PAGE_SIZE + b] = pg.kind === 'dense' || noise[b]! < 8 ? noise[b]! % 3 : 0;
          });
          const found = search(image, absent, patterns);
          patterns.forEach((p, i) => expect(found[i]).toEqual(reference(image, p)));
        },
      ),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it('a text that matches everywhere costs one pass: every occurrence counted, 64 offsets kept', () => {
    // (ab)^k for k = 1..64 over 16 MiB of "abab...": each position ends up to 64 matches
    const patterns = Array.from({ length: 64 }, (_, k) =>
      Uint8Array.from({ length: 2 * (k + 1) }, (_, j) => (j % 2 ? 0x62 : 0x61)),
    );
    const image = Uint8Array.from({ length: 16 << 20 }, (_, j) => (j % 2 ? 0x62 : 0x61));
    const started = performance.now();
    const found = search(image, new Set(), patterns);
    const ms = performance.now() - started;
    patterns.forEach((p, i) => {
      expect(found[i]!.occurrences).toBe((image.length - p.length) / 2 + 1);
      expect(found[i]!.offsets).toEqual(Array.from({ length: SECRET_OFFSETS_SHOWN }, (_, j) => 2 * j));
    });
    // a bound on work, not a speed target: a search quadratic in the matches takes minutes
    expect(ms).toBeLessThan(20_000);
  });

  it('64 secrets of 4 KiB that almost match everywhere: linear in the image, not in image x secret', () => {
    // "aaa...ab" against "aaaa...": a search that restarts at each position does 4096 steps per byte
    const patterns = Array.from({ length: 64 }, (_, k) => {
      const p = new Uint8Array(4096).fill(0x61);
      p[4095] = 0x62 + k;
      return p;
    });
    const image = new Uint8Array(16 << 20).fill(0x61);
    image.set(patterns[5]!, 3 << 20);
    const started = performance.now();
    const found = search(image, new Set(), patterns);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(found.map((h) => h.occurrences)).toEqual(patterns.map((_, k) => (k === 5 ? 1 : 0)));
    expect(found[5]!.offsets).toEqual([3 << 20]);
  });

  it('refuses to call a secret of one repeated byte meaningful, in words', () => {
    expect(repeatedByteProblem(new Uint8Array([0]))).toMatch(
      /^is one byte \(0x00\): a secret needs at least two different bytes/,
    );
    expect(repeatedByteProblem(new Uint8Array(4096))).toMatch(/^is one byte repeated \(0x00 x 4096\)/);
    expect(repeatedByteProblem(Uint8Array.from([1, 1, 2]))).toBeNull();
  });

  it('a lab refuses to boot a guest with such a secret, naming it (a manifest made in code, unchecked)', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const g = guest(false);
    g.secrets = [{ name: 'zeros', hex: '00'.repeat(64), wipeOnSuspend: false }];
    const vm = lab.boot(g, { seed: 1 });
    expect(vm.ok ? null : vm.error.message).toMatch(
      /^secrets\[0\]: secret "zeros" is one byte repeated \(0x00 x 64\)/,
    );
  });
});
