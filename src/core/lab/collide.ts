// Collision detection over one library's outputs (DESIGN.md "Collision detection"): which
// outputs have a value another clone also drew, the groups of equal values, the clone pairs
// that share one, and the first draw from which no clone shares any. Over the raw bytes, exact.
//
// Output i belongs to clone i / draws and draw i % draws; its bytes are bytes[i * size ..][..size].
// Every array is contiguous and sized once (typed arrays, no Map, no object per output):
//
//   table  i32 x cap    open addressing (output index + 1), cap = 2^k >= 2 x the outputs it holds
//   byPart i32 x 2n     (mostly distinct values) (hash, index) of each output by partition (the
//                       hash's top bits), ascending index within one; the table (index + 1,
//                       hash) holds ONE partition at a time, so it stays in cache whatever n
//                       is, and is emptied slot by slot after each. Mostly repeated values (a
//                       duplicated fleet) skip this: one table in index order holds only the
//                       few distinct values and stays hot.
//   groups i32 x n      first each output's head (the first output with its value), then in place
//                       its dense group number (-1: no other clone has the value)
//   multi  u8  x n      1 on a head whose value another clone also drew
//   start, members      the duplicate outputs bucketed by group, for the clone-pair walk
//   marked bit per clone pair (a * clones + b): pairs already counted
//
// Invariants:
// - A head is the smallest index with its value: partitions keep indices ascending and the
//   first of a value to reach the table stays there. Group numbers follow their heads' order.
// - Memory is O(n) and freed when the call returns (only groups and pairs are kept); time is
//   O(n) plus the clone-pair walk of groups that span some but not all clones.

/** The largest fleet whose clone x clone matrix of shared values is computed. */
export const MATRIX_MAX_CLONES = 256;

/** Outputs per partition the hash table aims at (a few hundred KiB of table: in cache). */
const PARTITION_TARGET = 1 << 14;

export interface Collisions {
  /** groups[i]: -1 if no other clone has output i's value, else its dense group number. */
  groups: Int32Array;
  groupCount: number;
  /** pairs[a * clones + b]: distinct values clones a and b share (empty above MATRIX_MAX_CLONES). */
  pairs: Uint32Array;
  /** Outputs whose value also occurs in another clone. */
  duplicates: number;
  /** Unordered clone pairs sharing at least one value. */
  collidingPairs: number;
  /** The first draw (0-based) from which no draw collides; `draws` if the last one does. */
  firstUniqueIndex: number;
}

/** The outputs as 32-bit words, `words` per output (zero-padded to whole words where needed). */
function asWords(bytes: Uint8Array, n: number, size: number): { w: Int32Array; words: number } {
  if (size % 4 === 0 && bytes.byteOffset % 4 === 0)
    return { w: new Int32Array(bytes.buffer, bytes.byteOffset, (n * size) / 4), words: size / 4 };
  const words = Math.ceil(size / 4);
  const padded = new Uint8Array(n * words * 4);
  for (let i = 0; i < n; i++) padded.set(bytes.subarray(i * size, (i + 1) * size), i * words * 4);
  return { w: new Int32Array(padded.buffer), words };
}

/** The 32-bit hash of `words` words at w[at..]. */
function hashAt(w: Int32Array, at: number, words: number): number {
  let h = 0x9e3779b1 ^ words;
  for (let k = 0; k < words; k++) {
    h = Math.imul(h ^ w[at + k]!, 0x85ebca6b);
    h ^= h >>> 15;
  }
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** True if outputs a and b (word offsets) hold the same words. */
function sameAt(w: Int32Array, a: number, b: number, words: number): boolean {
  let k = 0;
  while (k < words && w[a + k] === w[b + k]) k++;
  return k === words;
}

/**
 * Whether most values repeat across clones (the duplicated fleets the lab is about): then one
 * table in index order stays small and hot (few distinct values), while for mostly distinct
 * values partitions keep the table in cache. A sample: clone 0's values, looked up for clone 1.
 */
function mostlyRepeated(w: Int32Array, words: number, clones: number, draws: number): boolean {
  if (clones < 2) return false;
  const k = Math.min(draws, 4096);
  let cap = 16;
  while (cap < 2 * k) cap *= 2;
  const table = new Int32Array(cap);
  const mask = cap - 1;
  for (let i = 0; i < k; i++) {
    let s = hashAt(w, i * words, words) & mask;
    while (table[s] !== 0) s = (s + 1) & mask;
    table[s] = i + 1;
  }
  let found = 0;
  for (let d = 0; d < k; d++) {
    const at = (draws + d) * words;
    let s = hashAt(w, at, words) & mask;
    for (let v = table[s]!; v !== 0; s = (s + 1) & mask, v = table[s]!) {
      if (sameAt(w, (v - 1) * words, at, words)) {
        found++;
        break;
      }
    }
  }
  return found * 2 > k;
}

/** Heads in index order, one table for all outputs (few distinct values: it stays hot). */
function headsInOrder(
  w: Int32Array,
  words: number,
  n: number,
  draws: number,
  heads: Int32Array,
  multi: Uint8Array,
) {
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const table = new Int32Array(cap); // output index + 1; 0 = empty
  const mask = cap - 1;
  for (let i = 0, at = 0; i < n; i++, at += words) {
    let s = hashAt(w, at, words) & mask;
    let head = i;
    for (;;) {
      const v = table[s]!;
      if (v === 0) {
        table[s] = i + 1;
        break;
      }
      if (sameAt(w, (v - 1) * words, at, words)) {
        head = v - 1;
        break;
      }
      s = (s + 1) & mask;
    }
    heads[i] = head;
    if (head !== i && ((head / draws) | 0) !== ((i / draws) | 0)) multi[head] = 1;
  }
}

/** Heads partition by partition (mostly distinct values: each partition's table stays in cache). */
function headsPartitioned(
  w: Int32Array,
  words: number,
  n: number,
  draws: number,
  heads: Int32Array,
  multi: Uint8Array,
) {
  let bits = 0;
  while (bits < 16 && n >>> bits > PARTITION_TARGET) bits++;
  const parts = 1 << bits;
  const shift = 32 - bits;
  // pass 1: the hashes (kept in heads for now) and the partition sizes
  const start = new Int32Array(parts + 1);
  for (let i = 0; i < n; i++) {
    const h = hashAt(w, i * words, words);
    heads[i] = h;
    start[(h >>> shift) + 1]!++;
  }
  let largest = 0;
  for (let p = 0; p < parts; p++) {
    largest = Math.max(largest, start[p + 1]!);
    start[p + 1]! += start[p]!;
  }
  // pass 2: (hash, index) by partition, ascending index within one, read in order from here on
  const byPart = new Int32Array(2 * n);
  const cursor = start.slice(0, parts);
  for (let i = 0; i < n; i++) {
    const h = heads[i]!;
    const q = cursor[h >>> shift]!++;
    byPart[2 * q] = h;
    byPart[2 * q + 1] = i;
  }
  let cap = 16;
  while (cap < 2 * largest) cap *= 2;
  const table = new Int32Array(2 * cap); // (output index + 1, hash); 0 = empty
  const mask = cap - 1;
  for (let p = 0; p < parts; p++) {
    const from = start[p]!;
    const to = start[p + 1]!;
    for (let q = from; q < to; q++) {
      const h = byPart[2 * q]!;
      const i = byPart[2 * q + 1]!;
      let s = h & mask;
      let head = i;
      for (;;) {
        const v = table[2 * s]!;
        if (v === 0) {
          table[2 * s] = i + 1;
          table[2 * s + 1] = h;
          break;
        }
        if (table[2 * s + 1] === h && sameAt(w, (v - 1) * words, i * words, words)) {
          head = v - 1;
          break;
        }
        s = (s + 1) & mask;
      }
      heads[i] = head;
      if (head !== i && ((head / draws) | 0) !== ((i / draws) | 0)) multi[head] = 1;
    }
    for (let q = from; q < to; q++) {
      let s = byPart[2 * q]! & mask;
      while (table[2 * s] !== 0) {
        table[2 * s] = 0;
        s = (s + 1) & mask;
      }
    }
  }
}

/** Writes each output's head into heads[i]; marks multi[head] where another clone drew the value. */
function findHeads(
  bytes: Uint8Array,
  n: number,
  size: number,
  clones: number,
  draws: number,
  heads: Int32Array,
  multi: Uint8Array,
): void {
  const { w, words } = asWords(bytes, n, size);
  if (n <= PARTITION_TARGET || mostlyRepeated(w, words, clones, draws))
    headsInOrder(w, words, n, draws, heads, multi);
  else headsPartitioned(w, words, n, draws, heads, multi);
}

/**
 * Collisions among clones x draws outputs of `size` bytes each (bytes holds them back to back,
 * clone by clone).
 */
export function collide(bytes: Uint8Array, clones: number, draws: number, size: number): Collisions {
  const n = clones * draws;
  if (!Number.isInteger(n) || n < 0 || size < 1 || bytes.length < n * size)
    throw new RangeError(`collide: ${clones} x ${draws} outputs of ${size} bytes need ${n * size} bytes`);
  const groups = new Int32Array(n);
  const multi = new Uint8Array(n);
  findHeads(bytes, n, size, clones, draws, groups, multi);

  // dense group numbers in place (a head comes before its members), duplicates, last colliding draw
  let groupCount = 0;
  let duplicates = 0;
  let lastDup = -1;
  for (let c = 0, i = 0; c < clones; c++) {
    for (let d = 0; d < draws; d++, i++) {
      const h = groups[i]!;
      if (multi[h] === 0) {
        groups[i] = -1;
        continue;
      }
      groups[i] = h === i ? groupCount++ : groups[h]!;
      duplicates++;
      if (d > lastDup) lastDup = d;
    }
  }

  const withMatrix = clones <= MATRIX_MAX_CLONES;
  const pairs = new Uint32Array(withMatrix ? clones * clones : 0);
  const collidingPairs =
    groupCount === 0 ? 0 : pairWalk(groups, groupCount, duplicates, clones, draws, pairs);
  return { groups, groupCount, pairs, duplicates, collidingPairs, firstUniqueIndex: lastDup + 1 };
}

/**
 * Colliding clone pairs (and the matrix, when `pairs` has room for it): every pair of distinct
 * clones within each group. A group every clone drew touches every pair: it is counted once. A
 * group whose clones all lie in the last group walked adds no new pair: it is skipped when no
 * matrix is kept.
 */
function pairWalk(
  groups: Int32Array,
  groupCount: number,
  duplicates: number,
  clones: number,
  draws: number,
  pairs: Uint32Array,
): number {
  const withMatrix = pairs.length > 0;
  // the duplicate outputs bucketed by group, in index order (so their clones never decrease)
  const start = new Int32Array(groupCount + 1);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g >= 0) start[g + 1]!++;
  }
  for (let g = 0; g < groupCount; g++) start[g + 1]! += start[g]!;
  const members = new Int32Array(duplicates);
  const fill = start.slice(0, groupCount);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g >= 0) members[fill[g]!++] = i;
  }

  const totalPairs = (clones * (clones - 1)) / 2;
  let colliding = 0;
  let fullGroups = 0;
  let allPairs = false;
  let marked: Uint8Array | null = null;
  const distinct = new Int32Array(clones);
  const inLast = new Uint8Array(clones);
  let last: Int32Array | null = null;
  let lastCount = 0;
  for (let g = 0; g < groupCount; g++) {
    if (colliding === totalPairs && !withMatrix) break;
    let count = 0;
    let prev = -1;
    for (let x = start[g]!; x < start[g + 1]!; x++) {
      const c = (members[x]! / draws) | 0;
      if (c !== prev) distinct[count++] = c;
      prev = c;
    }
    if (count === clones) {
      fullGroups++;
      if (!allPairs) {
        allPairs = true;
        colliding = totalPairs;
      }
      continue;
    }
    if (!withMatrix) {
      if (allPairs) break;
      let covered = last !== null;
      for (let x = 0; covered && x < count; x++) covered = inLast[distinct[x]!] === 1;
      if (covered) continue;
      if (last) for (let x = 0; x < lastCount; x++) inLast[last[x]!] = 0;
      last = distinct.slice(0, count);
      lastCount = count;
      for (let x = 0; x < count; x++) inLast[distinct[x]!] = 1;
    }
    marked ??= new Uint8Array(Math.ceil((clones * clones) / 8));
    for (let x = 0; x < count; x++) {
      const a = distinct[x]!;
      for (let y = x + 1; y < count; y++) {
        const b = distinct[y]!;
        if (!allPairs) {
          const bit = a * clones + b;
          const m = 1 << (bit & 7);
          if ((marked[bit >>> 3]! & m) === 0) {
            marked[bit >>> 3] = marked[bit >>> 3]! | m;
            colliding++;
          }
        }
        if (withMatrix) {
          pairs[a * clones + b]!++;
          pairs[b * clones + a]!++;
        }
      }
    }
  }
  if (withMatrix && fullGroups > 0)
    for (let a = 0; a < clones; a++)
      for (let b = 0; b < clones; b++) if (a !== b) pairs[a * clones + b]! += fullGroups;
  return colliding;
}
