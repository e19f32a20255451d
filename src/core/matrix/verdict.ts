// The verdict of one library's outputs across clones, recomputed from the output text itself
// (not from the core's counters), in DESIGN.md's truth-table vocabulary:
//   'dup'          every draw returns the same value in every clone
//   'unique'       no value occurs in two clones
//   'dup until δ'  draws 0..k-1 are the same in every clone, draws k.. are unique (k > 0)
//   'mixed'        anything else (partial collisions: a bug or an unusual configuration)
// The matrix, the scenario checks and the tests all use this one function, so a claim on a slide
// and a cell of the matrix can never disagree about what "duplicated" means.
//
// Invariants: pure, no wasm, no DOM; outputs[clone][draw] as in LibraryReport.outputs (every row
// the same length). With fewer than two clones nothing can collide: the verdict is 'unique'.

/** A verdict of DESIGN.md's truth table (plus 'mixed' for anything outside it). */
export type Verdict = 'dup' | 'unique' | 'dup until δ' | 'mixed';

export const VERDICTS: readonly Verdict[] = ['dup', 'unique', 'dup until δ', 'mixed'];

/** Collision facts of one library's outputs, per draw and in total. */
export interface OutputAnalysis {
  clones: number;
  draws: number;
  /** Outputs whose value also occurs in another clone (the core's `duplicates`). */
  duplicates: number;
  /** Unordered clone pairs sharing at least one value (the core's `collidingPairs`). */
  collidingPairs: number;
  /** Per draw: the value is the same in every clone. */
  allSame: boolean[];
  /** Per draw: no clone's value occurs in another clone. */
  unique: boolean[];
  /** First draw index from which every draw is unique (the core's `firstUniqueDraw`). */
  firstUniqueDraw: number;
}

/** Recomputes the collision facts of outputs[clone][draw] from the values themselves. */
export function analyseOutputs(outputs: readonly (readonly string[])[]): OutputAnalysis {
  const clones = outputs.length;
  const draws = outputs[0]?.length ?? 0;
  const where = new Map<string, Set<number>>();
  outputs.forEach((row, c) =>
    row.forEach((v) => {
      let s = where.get(v);
      if (!s) where.set(v, (s = new Set()));
      s.add(c);
    }),
  );
  const pairs = new Set<number>();
  for (const cs of where.values()) {
    if (cs.size < 2) continue;
    const l = [...cs];
    for (let a = 0; a < l.length; a++)
      for (let b = a + 1; b < l.length; b++) pairs.add(l[a]! * clones + l[b]!);
  }
  let duplicates = 0;
  for (const row of outputs) for (const v of row) if (where.get(v)!.size > 1) duplicates++;
  const allSame: boolean[] = [];
  const unique: boolean[] = [];
  for (let d = 0; d < draws; d++) {
    const column = outputs.map((row) => row[d]!);
    allSame.push(column.every((v) => v === column[0]));
    unique.push(column.every((v) => where.get(v)!.size === 1));
  }
  let firstUniqueDraw = draws;
  while (firstUniqueDraw > 0 && unique[firstUniqueDraw - 1]) firstUniqueDraw--;
  return { clones, draws, duplicates, collidingPairs: pairs.size, allSame, unique, firstUniqueDraw };
}

/** The truth-table verdict of an analysis. */
export function verdictOf(a: OutputAnalysis): Verdict {
  if (a.clones < 2 || a.unique.every(Boolean)) return 'unique';
  if (a.allSame.every(Boolean)) return 'dup';
  const k = a.firstUniqueDraw;
  if (k > 0 && a.allSame.slice(0, k).every(Boolean) && a.unique.slice(k).every(Boolean)) return 'dup until δ';
  return 'mixed';
}

/** The verdict of outputs[clone][draw]. */
export function outputsVerdict(outputs: readonly (readonly string[])[]): Verdict {
  return verdictOf(analyseOutputs(outputs));
}

/** Per-draw pattern for messages: "same 1100 unique 0011" (1 = true), as the truth-table test prints. */
export function describePattern(a: OutputAnalysis): string {
  return `same ${a.allSame.map(Number).join('')} unique ${a.unique.map(Number).join('')}`;
}
