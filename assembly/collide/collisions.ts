// Collision detection over all clones' outputs of one library, in wasm over raw bytes: an
// open-addressing hash set of output indices, groups of equal values, and the statistics the
// lab reports (DESIGN.md): duplicates, colliding clone pairs, first unique draw.
//
// Output i belongs to clone i / draws and draw i % draws; its bytes are at stride * i in the
// output vector. Every work array is a frame vector (memory/frame_vector.ts):
//   slots  u32 x cap (cap = power of two >= 2n; 0 = empty, else head index + 1)
//   group  u32 x n   (index of the first output with the same value: the group's head)
//   flag   u8  x n   (bit 0: the value occurs in another clone; bit 1 on heads: multi-clone group)
//   count, start, members  u32 x n  (dup outputs bucketed by head, for the pair walk)
//   pairs  bit per ordered clone pair (a * clones + b), matrix u32 x clones^2 (shared values)
// Invariant: members of a group are visited in index order, so their clones never decrease.

import { E_OUT_OF_GUEST_MEMORY, E_INVALID_ARGUMENT, fail } from '../errors';
import { freeVector, newVector, vecAddr, vectorFrames } from '../memory/frame_vector';
import { reserveFrames } from '../memory/frames';

const STATS = memory.data(32, 8);
export const MATRIX_MAX_CLONES: u32 = 256;

// @ts-ignore: decorator
@inline function mix64(x: u64): u64 {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccd;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53;
  x ^= x >> 33;
  return x;
}

function hashBytes(p: usize, size: u32): u64 {
  let h: u64 = <u64>size * 0x9e3779b97f4a7c15;
  let i: u32 = 0;
  for (; i + 8 <= size; i += 8) h = mix64(h ^ load<u64>(p + i));
  for (; i < size; i++) h = mix64(h ^ <u64>load<u8>(p + i));
  return h;
}

/** Statistics of the last collide() call: 0 duplicates, 1 colliding pairs, 2 first unique draw. */
export function collideStat(i: u32): f64 {
  return i < 3 ? load<f64>(STATS + (<usize>i << 3)) : -1;
}

/**
 * Finds collisions among clones x draws outputs of `size` bytes (at `stride` in vector out).
 * Writes group heads into vector groupTop (u32 each), flags into vector flagTop (u8 each) and,
 * when matrixTop != 0 (clones <= MATRIX_MAX_CLONES), shared-value counts per clone pair.
 * Returns 0 or an error code (nothing changed).
 */
export function collide(out: u32, clones: u32, draws: u32, size: u32, stride: u32, groupTop: u32, flagTop: u32, matrixTop: u32): i32 {
  const n = <u64>clones * <u64>draws;
  if (clones == 0 || draws == 0 || size == 0 || size > stride || n > 0x7fffffff) return fail(E_INVALID_ARGUMENT, <f64>n);
  if (matrixTop != 0 && clones > MATRIX_MAX_CLONES) return fail(E_INVALID_ARGUMENT, clones);
  let cap: u64 = 16;
  while (cap < 2 * n) cap <<= 1;
  const pairBits = <f64>clones * <f64>clones;
  const need = vectorFrames(<f64>cap * 4) + 3 * vectorFrames(<f64>n * 4) + vectorFrames(Math.ceil(pairBits / 8));
  if (!reserveFrames(need)) return fail(E_OUT_OF_GUEST_MEMORY, need);
  const slots = newVector(<f64>cap * 4);
  const count = newVector(<f64>n * 4);
  const start = newVector(<f64>n * 4);
  const members = newVector(<f64>n * 4);
  const pairs = newVector(Math.ceil(pairBits / 8));
  const mask = cap - 1;

  // 1. group equal values; a group is multi-clone if a member's clone differs from its head's
  for (let i: u64 = 0; i < n; i++) {
    const p = vecAddr(out, i * stride);
    let s = mix64(hashBytes(p, size)) & mask;
    let head: u64 = i;
    while (true) {
      const a = vecAddr(slots, s << 2);
      const v = load<u32>(a);
      if (v == 0) {
        store<u32>(a, <u32>(i + 1));
        break;
      }
      const j = <u64>(v - 1);
      if (memory.compare(vecAddr(out, j * stride), p, size) == 0) {
        head = j;
        break;
      }
      s = (s + 1) & mask;
    }
    store<u32>(vecAddr(groupTop, i << 2), <u32>head);
    if (head != i && head / draws != i / draws) {
      const fa = vecAddr(flagTop, head);
      store<u8>(fa, load<u8>(fa) | 2);
    }
  }

  // 2. duplicates and the last draw that collides; bucket dup outputs by head
  let duplicates: f64 = 0;
  let lastDup: i64 = -1;
  for (let i: u64 = 0; i < n; i++) {
    const head = <u64>load<u32>(vecAddr(groupTop, i << 2));
    if (!(load<u8>(vecAddr(flagTop, head)) & 2)) continue;
    const fa = vecAddr(flagTop, i);
    store<u8>(fa, load<u8>(fa) | 1);
    duplicates++;
    const d = <i64>(i % draws);
    if (d > lastDup) lastDup = d;
    const ca = vecAddr(count, head << 2);
    store<u32>(ca, load<u32>(ca) + 1);
  }
  let offset: u32 = 0;
  for (let i: u64 = 0; i < n; i++) {
    const c = load<u32>(vecAddr(count, i << 2));
    store<u32>(vecAddr(start, i << 2), offset);
    offset += c;
    store<u32>(vecAddr(count, i << 2), 0); // reused as the fill cursor
  }
  for (let i: u64 = 0; i < n; i++) {
    if (!(load<u8>(vecAddr(flagTop, i)) & 1)) continue;
    const head = <u64>load<u32>(vecAddr(groupTop, i << 2));
    const ca = vecAddr(count, head << 2);
    const k = load<u32>(ca);
    store<u32>(ca, k + 1);
    store<u32>(vecAddr(members, <u64>(load<u32>(vecAddr(start, head << 2)) + k) << 2), <u32>i);
  }

  // 3. colliding pairs (and the matrix): every pair of distinct clones within each group
  const totalPairs = <f64>clones * <f64>(clones - 1) / 2;
  let colliding: f64 = 0;
  let fullGroups: u32 = 0;
  let allPairsMarked = false;
  for (let h: u64 = 0; h < n; h++) {
    const cnt = load<u32>(vecAddr(count, h << 2));
    if (cnt == 0) continue;
    if (colliding == totalPairs && matrixTop == 0) break;
    const s0 = load<u32>(vecAddr(start, h << 2));
    // a value every clone drew (the common case of full duplication) touches every pair: count
    // such groups once instead of walking their clones^2 / 2 pairs
    let distinct: u32 = 0;
    let last: u64 = 0xffffffffffffffff;
    for (let x: u32 = 0; x < cnt; x++) {
      const c = <u64>load<u32>(vecAddr(members, <u64>(s0 + x) << 2)) / draws;
      if (c != last) distinct++;
      last = c;
    }
    if (distinct == clones) {
      fullGroups++;
      if (!allPairsMarked) {
        allPairsMarked = true;
        colliding = totalPairs;
      }
      continue;
    }
    let prevA: u64 = 0xffffffffffffffff;
    for (let x: u32 = 0; x < cnt; x++) {
      const a = <u64>load<u32>(vecAddr(members, <u64>(s0 + x) << 2)) / draws;
      if (a == prevA) continue;
      prevA = a;
      let prevB: u64 = a;
      for (let y = x + 1; y < cnt; y++) {
        const b = <u64>load<u32>(vecAddr(members, <u64>(s0 + y) << 2)) / draws;
        if (b == prevB) continue;
        prevB = b;
        const bit = a * clones + b;
        const pa = vecAddr(pairs, bit >> 3);
        const m = <u8>(1 << <u8>(bit & 7));
        if (!allPairsMarked && !(load<u8>(pa) & m)) {
          store<u8>(pa, load<u8>(pa) | m);
          colliding++;
        }
        if (matrixTop != 0) {
          const ab = vecAddr(matrixTop, (a * clones + b) << 2);
          store<u32>(ab, load<u32>(ab) + 1);
          const ba = vecAddr(matrixTop, (b * clones + a) << 2);
          store<u32>(ba, load<u32>(ba) + 1);
        }
      }
    }
  }

  if (matrixTop != 0 && fullGroups > 0) {
    for (let a: u64 = 0; a < clones; a++) {
      for (let b: u64 = 0; b < clones; b++) {
        if (a == b) continue;
        const ab = vecAddr(matrixTop, (a * clones + b) << 2);
        store<u32>(ab, load<u32>(ab) + fullGroups);
      }
    }
  }
  store<f64>(STATS, duplicates);
  store<f64>(STATS + 8, colliding);
  store<f64>(STATS + 16, <f64>(lastDup + 1));
  freeVector(slots, <f64>cap * 4);
  freeVector(count, <f64>n * 4);
  freeVector(start, <f64>n * 4);
  freeVector(members, <f64>n * 4);
  freeVector(pairs, Math.ceil(pairBits / 8));
  return 0;
}
