// CSV, once: RFC 4180 fields and lines (CRLF line ends; a field with a comma, quote or line break
// quoted, quotes doubled; numbers as String(n), which reads back to the same number). Every CSV the
// lab writes (matrix, outputs, metrics) goes through here.

/** One CSV field. */
export function csvField(v: string | number | boolean | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line with its CRLF. */
export function csvLine(fields: readonly (string | number | boolean | null)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
