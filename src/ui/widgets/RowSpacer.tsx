/** Stands in for `rows` off-screen rows of a virtualised table (nothing when there are none). */
export function RowSpacer({ rows, rowH }: { rows: number; rowH: number }) {
  if (rows <= 0 || rowH <= 0) return null;
  return <tr className="spacer" style={{ height: `${rows * rowH}px` }} aria-hidden="true" />;
}
