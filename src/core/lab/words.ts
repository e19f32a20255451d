// The lab's words, in one place: verdicts, "no unique draw", draw indexes and numbers as the app,
// the CLI, exports and scenario claims print them. Draw indexes are 1-based everywhere a person
// reads them (#1 is the first draw after restore).

/**
 * A verdict of one library's outputs across clones (DESIGN.md "Verdicts"):
 *   dup          every draw gives the same value in every clone
 *   dup-until    duplicated, then unique from a draw on (the report names that draw)
 *   predictable  values differ, but only by inputs an attacker holding the snapshot can enumerate
 *   unique       no value occurs in two clones
 *   mixed        anything else
 */
export const VERDICTS = ['dup', 'dup-until', 'predictable', 'unique', 'mixed'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What each verdict says, in words, and the glyph that marks it (colour is never the only signal). */
export const VERDICT_WORDS: Record<Verdict, { word: string; glyph: string; says: string }> = {
  dup: { word: 'duplicated', glyph: '✖', says: 'every clone emits the same values' },
  'dup-until': { word: 'duplicated until', glyph: '◐', says: 'duplicated, then unique from a draw on' },
  predictable: {
    word: 'predictable',
    glyph: '◑',
    says: 'values differ, but only by inputs an attacker holding the snapshot can enumerate',
  },
  unique: { word: 'unique', glyph: '✔', says: 'no value occurs in two clones' },
  mixed: { word: 'mixed', glyph: '≈', says: 'some draws collide, others do not' },
};

/** A matrix cell's verdict: a verdict, or 'refused' where the configuration cannot run the library. */
export type MatrixVerdict = Verdict | 'refused';

/** VERDICT_WORDS and the matrix's own word for a library the vCPU cannot run. */
export const MATRIX_VERDICT_WORDS: Record<MatrixVerdict, { word: string; glyph: string; says: string }> = {
  ...VERDICT_WORDS,
  refused: { word: 'refused', glyph: '⊘', says: 'this vCPU cannot run the library (no RDRAND)' },
};

/** What the lab says where no draw is followed only by unique draws. */
export const NO_UNIQUE_DRAW = 'never';

/** A 1-based draw index as text: "#3", or "never" for null. */
export function drawLabel(index: number | null): string {
  return index === null ? NO_UNIQUE_DRAW : `#${index}`;
}

/** A verdict as one short phrase: "duplicated until #9", "unique". */
export function verdictPhrase(v: Verdict, firstUniqueDraw: number | null): string {
  if (v === 'dup-until') return `duplicated until ${drawLabel(firstUniqueDraw)}`;
  return VERDICT_WORDS[v].word;
}

/** A whole number with thousands separators ("96,192"). */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** ns per call with one decimal below 100 ("11.5", "176"). */
export function nsText(n: number): string {
  return n >= 100 ? count(n) : (Math.round(n * 10) / 10).toFixed(1);
}

/** A value and its unit for limits in messages: "1 to 10,000", "0 to 1,000,000,000 µs". */
export function rangeText(min: number, max: number, unit?: string): string {
  return `${count(min)} to ${count(max)}${unit ? ` ${unit}` : ''}`;
}
