// Renders only the table rows a scroll box shows (plus some overscan): a draw of hundreds of VMs
// must not put thousands of cells into the DOM. Rows share one height, measured from the table.

import { useEffect, useState, type RefObject } from 'react';

const OVERSCAN = 8;
/** Rows rendered before the box is measured (and in server rendering). */
const INITIAL = 40;

/** The [first, last) rows to render in a scroll box of `rows` rows, and the row height in px. */
export function useRowWindow(
  box: RefObject<HTMLElement | null>,
  rows: number,
): { first: number; last: number; rowH: number } {
  const [range, setRange] = useState({ first: 0, last: INITIAL, rowH: 0 });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => {
      const row = el.querySelector('tbody tr:not(.spacer)');
      const rowH = row ? row.getBoundingClientRect().height : 0;
      if (!rowH) return;
      const first = Math.max(0, Math.floor(el.scrollTop / rowH) - OVERSCAN);
      const last = Math.ceil((el.scrollTop + el.clientHeight) / rowH) + OVERSCAN;
      setRange((r) => (r.first === first && r.last === last && r.rowH === rowH ? r : { first, last, rowH }));
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      ro.disconnect();
    };
  }, [box, rows]);
  return { first: Math.min(range.first, rows), last: Math.min(range.last, rows), rowH: range.rowH };
}
