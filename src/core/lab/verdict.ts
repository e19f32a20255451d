// The verdict of one library's outputs across clones, recomputed from the outputs themselves
// (their equality classes, found over the raw bytes), in the words of settings/words.ts. The
// report, the matrix, the scenario checks and the tests all use this one function, so a claim on
// a slide and a cell of the matrix can never disagree about what "duplicated" means.
//
// Invariants: pure, no wasm, no DOM. With fewer than two clones nothing can collide: 'unique'.

import type { Verdict } from './words';
import type { LibraryDraw } from './types';

/** Collision facts of one library's outputs, per draw and in total. */
export interface OutputAnalysis {
  clones: number;
  draws: number;
  /** Outputs whose value also occurs in another clone. */
  duplicates: number;
  /** Per draw: the value is the same in every clone. */
  allSame: boolean[];
  /** Per draw: no clone's value occurs in another clone. */
  unique: boolean[];
  /** First draw (1-based) from which every draw is unique; null if the last one is not. */
  firstUniqueDraw: number | null;
}

/** Facts from equality classes: cls[c * draws + d] equal numbers for equal values, -1 for a value no other clone has. */
export function analyseClasses(cls: ArrayLike<number>, clones: number, draws: number): OutputAnalysis {
  // one pass in memory order (clone by clone), a flag pair per draw
  const same = new Uint8Array(draws).fill(clones >= 2 ? 1 : 0);
  const uniq = new Uint8Array(draws).fill(1);
  let duplicates = 0;
  for (let c = 0, i = 0; c < clones; c++) {
    for (let d = 0; d < draws; d++, i++) {
      const g = cls[i]!;
      if (g < 0) {
        same[d] = 0;
        continue;
      }
      duplicates++;
      uniq[d] = 0;
      if (g !== cls[d]) same[d] = 0;
    }
  }
  const allSame = Array.from(same, (x) => x === 1);
  const unique = Array.from(uniq, (x) => x === 1);
  let k = draws;
  while (k > 0 && unique[k - 1]) k--;
  return { clones, draws, duplicates, allSame, unique, firstUniqueDraw: k < draws ? k + 1 : null };
}

/** The analysis of a library's draw (from its equality classes over the bytes). */
export function analyseDraw(lib: LibraryDraw): OutputAnalysis {
  return analyseClasses(lib.groups, lib.clones, lib.draws);
}

/**
 * The analysis of outputs given as text, rows[clone][draw]: an independent reference (a JS map of
 * strings) that tests hold the core's marks against.
 */
export function analyseRows(rows: readonly (readonly string[])[]): OutputAnalysis {
  const clones = rows.length;
  const draws = rows[0]?.length ?? 0;
  const where = new Map<string, Set<number>>();
  rows.forEach((row, c) =>
    row.forEach((v) => {
      let s = where.get(v);
      if (!s) where.set(v, (s = new Set()));
      s.add(c);
    }),
  );
  const ids = new Map<string, number>();
  const cls = new Int32Array(clones * draws).fill(-1);
  rows.forEach((row, c) =>
    row.forEach((v, d) => {
      if (where.get(v)!.size < 2) return;
      let id = ids.get(v);
      if (id === undefined) ids.set(v, (id = ids.size));
      cls[c * draws + d] = id;
    }),
  );
  return analyseClasses(cls, clones, draws);
}

/**
 * What the entropy ledger says about one library in each clone: from which draw (1-based) its
 * generator held SAFE_BITS of input nobody holding the snapshot knows (0: not in this run).
 */
export interface LedgerFacts {
  safeFrom: readonly number[];
}

/**
 * The verdict of an analysis. Without a ledger, from the outputs alone (values that differ count
 * as unique). With one, a draw is safe only if its values differ in every clone AND every
 * clone's generator held SAFE_BITS by then:
 *   dup          every draw gives the same value in every clone
 *   unique       every draw is safe
 *   dup-until    the same values in every clone, then safe from a draw on
 *   predictable  values differ, but no draw is safe: only guessable inputs (timer, pid) went in
 *   mixed        anything else
 */
export function verdictOf(a: OutputAnalysis, ledger?: LedgerFacts): Verdict {
  if (a.clones < 2) return 'unique';
  if (a.allSame.every(Boolean)) return 'dup';
  const safeFrom = ledger ? safeFromDraw(ledger) : 1;
  const safe = a.unique.map((u, d) => u && safeFrom !== null && d + 1 >= safeFrom);
  if (safe.every(Boolean)) return 'unique';
  const k = safe.indexOf(true);
  if (k > 0 && safe.slice(k).every(Boolean) && a.allSame.slice(0, k).every(Boolean)) return 'dup-until';
  if (k < 0) return ledger ? 'predictable' : 'mixed';
  return 'mixed';
}

/** The draw (1-based) from which every clone's generator was safe; null if one never was. */
export function safeFromDraw(ledger: LedgerFacts): number | null {
  let worst = 1;
  for (const s of ledger.safeFrom) {
    if (s <= 0) return null;
    worst = Math.max(worst, s);
  }
  return worst;
}

/** The first safe draw of a dup-until verdict: where duplication ended (1-based). */
export function firstSafeDraw(a: OutputAnalysis, ledger?: LedgerFacts): number | null {
  const safeFrom = ledger ? safeFromDraw(ledger) : 1;
  if (safeFrom === null) return null;
  const i = a.unique.findIndex((u, d) => u && d + 1 >= safeFrom);
  return i < 0 ? null : i + 1;
}

/** Per-draw pattern for messages: "same 1100 unique 0011" (1 = true). */
export function describePattern(a: OutputAnalysis): string {
  return `same ${a.allSame.map(Number).join('')} unique ${a.unique.map(Number).join('')}`;
}
