// Number formatting for virtual time and bytes, shared by the panels.

/** Virtual nanoseconds as a short human string: 850 ns, 12.5 µs, 3.2 ms, 1.05 s. */
export function formatNs(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${+ns.toFixed(ns % 1 ? 1 : 0)} ns`;
  if (a < 1e6) return `${+(ns / 1e3).toPrecision(3)} µs`;
  if (a < 1e9) return `${+(ns / 1e6).toPrecision(3)} ms`;
  return `${+(ns / 1e9).toPrecision(3)} s`;
}

/** Bytes as KiB / MiB / GiB with three significant digits. */
export function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${+(b / 1024).toPrecision(3)} KiB`;
  if (b < 1024 ** 3) return `${+(b / 1024 ** 2).toPrecision(3)} MiB`;
  return `${+(b / 1024 ** 3).toPrecision(3)} GiB`;
}
