// Turns the core's duplicate marks into what the Outputs panel paints. The core (collide in wasm)
// says, for every output, which earlier output holds the same value (its group head) or -1 when
// no other clone has the value, and how many values each clone pair shares. Here the heads are
// only renumbered densely (first occurrence first) so groups can take colours in order, and the
// nested arrays become typed arrays that travel to the main thread without copying.

export interface DuplicateMarks {
  /** groups[clone * draws + draw] = dense group number, or -1 for a value no other clone has. */
  groups: Int32Array;
  groupCount: number;
  /** pairs[a * n + b]: distinct values clones a and b share (the core's matrix); empty if none. */
  pairs: Uint32Array;
  /** Outputs marked as duplicates. */
  marked: number;
}

/** Dense marks from the core's per-output group heads and pair matrix. */
export function duplicateMarks(heads: number[][], matrix: number[][] | null): DuplicateMarks {
  const n = heads.length;
  const draws = heads.reduce((m, row) => Math.max(m, row.length), 0);
  const groups = new Int32Array(n * draws).fill(-1);
  const dense = new Map<number, number>();
  let marked = 0;
  for (let c = 0; c < n; c++) {
    const row = heads[c]!;
    for (let d = 0; d < row.length; d++) {
      const h = row[d]!;
      if (h < 0) continue;
      let g = dense.get(h);
      if (g === undefined) dense.set(h, (g = dense.size));
      groups[c * draws + d] = g;
      marked++;
    }
  }
  const pairs = new Uint32Array(matrix ? n * n : 0);
  if (matrix) for (let a = 0; a < n; a++) pairs.set(matrix[a]!.slice(0, n), a * n);
  return { groups, groupCount: dense.size, pairs, marked };
}
