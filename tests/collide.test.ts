// Collision detection (lab/collide.ts) against a plain reference: a Map from each value's hex to
// the outputs that hold it. Small random fleets (fast-check), and fleets large enough for the
// partitioned path, mostly distinct and mostly repeated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collide, MATRIX_MAX_CLONES, type Collisions } from '../src/core/lab/collide';
import { analyseClasses } from '../src/core/lab/verdict';

/** What collide() must say, computed the obvious way. */
function reference(bytes: Uint8Array, clones: number, draws: number, size: number): Collisions {
  const n = clones * draws;
  const key = (i: number) => Buffer.from(bytes.subarray(i * size, (i + 1) * size)).toString('hex');
  const holders = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = key(i);
    const list = holders.get(k);
    if (list) list.push(i);
    else holders.set(k, [i]);
  }
  const groups = new Int32Array(n).fill(-1);
  const clonesOf = (list: number[]) => [...new Set(list.map((i) => Math.floor(i / draws)))];
  let groupCount = 0;
  let duplicates = 0;
  let lastDup = -1;
  const pairs = new Uint32Array(clones <= MATRIX_MAX_CLONES ? clones * clones : 0);
  const colliding = new Set<number>();
  for (let i = 0; i < n; i++) {
    const list = holders.get(key(i))!;
    if (list[0] !== i) continue; // each value once, at its first output
    const cs = clonesOf(list);
    if (cs.length < 2) continue;
    const g = groupCount++;
    for (const j of list) {
      groups[j] = g;
      duplicates++;
      lastDup = Math.max(lastDup, j % draws);
    }
    for (const a of cs)
      for (const b of cs) {
        if (a === b) continue;
        if (pairs.length) pairs[a * clones + b]!++;
        if (a < b) colliding.add(a * clones + b);
      }
  }
  return {
    groups,
    groupCount,
    pairs,
    duplicates,
    collidingPairs: colliding.size,
    firstUniqueIndex: lastDup + 1,
  };
}

/** A fleet's outputs: each output one of `values` random values (few values: many duplicates). */
function fleet(clones: number, draws: number, size: number, values: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const pool = Uint8Array.from({ length: values * size }, () => next() & 0xff);
  const out = new Uint8Array(clones * draws * size);
  for (let i = 0; i < clones * draws; i++) {
    const v = next() % values;
    out.set(pool.subarray(v * size, (v + 1) * size), i * size);
  }
  return out;
}

describe('collision detection over contiguous outputs', () => {
  it('agrees with a map of values for random small fleets (groups, pairs, counts, first unique draw)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(12, 16, 32, 5),
        fc.integer({ min: 1, max: 900 }),
        fc.integer(),
        (clones, draws, size, values, seed) => {
          const bytes = fleet(clones, draws, size, values, seed);
          expect(collide(bytes, clones, draws, size)).toEqual(reference(bytes, clones, draws, size));
        },
      ),
      { numRuns: 200, seed: 20261202 },
    );
  });

  it('agrees with it on a large fleet of mostly distinct values (the partitioned path)', () => {
    const [clones, draws, size] = [300, 100, 16];
    const bytes = fleet(clones, draws, size, 25_000, 7); // a few thousand shared values among 30,000
    expect(collide(bytes, clones, draws, size)).toEqual(reference(bytes, clones, draws, size));
  });

  it('agrees with it on a large fleet of repeated values, above the matrix limit', () => {
    const [clones, draws, size] = [400, 60, 12];
    const bytes = fleet(clones, draws, size, 50, 11);
    const c = collide(bytes, clones, draws, size);
    expect(c.pairs.length).toBe(0);
    expect(c).toEqual(reference(bytes, clones, draws, size));
  });

  it('a fully duplicated fleet: every output a duplicate, every pair colliding, no unique draw', () => {
    const [clones, draws, size] = [50, 30, 16];
    const one = fleet(1, draws, size, 1 << 20, 3);
    const bytes = new Uint8Array(clones * draws * size);
    for (let c = 0; c < clones; c++) bytes.set(one, c * draws * size);
    const c = collide(bytes, clones, draws, size);
    expect(c.duplicates).toBe(clones * draws);
    expect(c.collidingPairs).toBe((clones * (clones - 1)) / 2);
    expect(c.firstUniqueIndex).toBe(draws);
    expect(c.groupCount).toBe(draws);
    expect(c.pairs[1]).toBe(draws); // clones 0 and 1 share every draw's value
  });
});

describe('the per-draw facts of the classes', () => {
  it('read clone by clone, they agree with reading each draw down the clones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        (clones, draws, seed) => {
          const c = collide(fleet(clones, draws, 12, 1 + (seed & 31), seed), clones, draws, 12);
          const a = analyseClasses(c.groups, clones, draws);
          for (let d = 0; d < draws; d++) {
            const column = Array.from({ length: clones }, (_, k) => c.groups[k * draws + d]!);
            expect(a.unique[d]).toBe(column.every((g) => g < 0));
            expect(a.allSame[d]).toBe(clones >= 2 && column.every((g) => g >= 0 && g === column[0]));
          }
          expect(a.duplicates).toBe(c.duplicates);
          expect(a.firstUniqueDraw).toBe(c.firstUniqueIndex < draws ? c.firstUniqueIndex + 1 : null);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
