// Benchmark harness: each suite returns rows; run.ts prints one table and writes JSON.
// Figures are ratios measured within one run (the machine is shared and noisy).

export interface BenchRow {
  /** What was measured, e.g. "page copy vs Buffer.copy". */
  name: string;
  /** The measured figure (a ratio or an absolute value). */
  value: number;
  /** Unit of value: 'x' for ratios, 'KiB', 'ns', 'ops/s', 'MiB', ... */
  unit: string;
  /** The target as text, e.g. '>= 0.8x'; empty when the row is a report only. */
  target: string;
  /** Whether the target holds; undefined for report-only rows. */
  met?: boolean;
  /** Extra detail (absolute timings behind a ratio). */
  detail?: string;
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchRow[]>;
}

/** Median wall time in ms of fn over `reps` runs after one warm-up run. */
export function medianMs(fn: () => void, reps = 7): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Interleaves a and b `reps` times and returns both medians, so drift hits both alike. */
export function pairedMedians(a: () => void, b: () => void, reps = 9): { a: number; b: number } {
  a();
  b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  ta.sort((x, y) => x - y);
  tb.sort((x, y) => x - y);
  return { a: ta[Math.floor(reps / 2)]!, b: tb[Math.floor(reps / 2)]! };
}
