// Records when each memory-map canvas last painted which store state, so the benchmark and the
// e2e tests can wait for "the frame after this action" without sleeping.

export interface PaintRecord {
  side: 'a' | 'b';
  mapSeq: number;
  vm: number | null;
  at: number;
  ms: number;
}

const last: Record<'a' | 'b', PaintRecord | null> = { a: null, b: null };
let count = 0;

/** Notes one finished paint. */
export function recordPaint(r: PaintRecord): void {
  last[r.side] = r;
  count++;
}

/** The last paint of each side and the total number of paints. */
export function paints(): { a: PaintRecord | null; b: PaintRecord | null; count: number } {
  return { a: last.a, b: last.b, count };
}
