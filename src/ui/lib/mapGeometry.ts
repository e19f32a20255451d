// Geometry of a memory map: pages laid out row-major in a grid about twice as wide as tall, and
// the conversions between pages and canvas points under a d3-zoom transform.

export interface MapGeometry {
  pages: number;
  cols: number;
  rows: number;
}

/**
 * The grid of square cells for `pages` pages in a box `aspect` times as wide as tall
 * (32,768 pages in a 2:1 box -> 256 x 128).
 */
export function mapGeometry(pages: number, aspect = 2): MapGeometry {
  const cols = Math.max(8, Math.ceil(Math.sqrt(Math.max(1, pages) * aspect)));
  return { pages, cols, rows: Math.max(1, Math.ceil(pages / cols)) };
}

/** The size of the drawn grid (square cells) inside a box of boxW x boxH CSS pixels. */
export function gridSize(
  g: MapGeometry,
  boxW: number,
  boxH: number,
): { width: number; height: number; cell: number } {
  const cell = Math.min(boxW / g.cols, boxH / g.rows);
  return { width: cell * g.cols, height: cell * g.rows, cell };
}

export interface View {
  /** Size of the drawn grid in CSS pixels (at zoom 1). */
  width: number;
  height: number;
  /** d3 ZoomTransform fields. */
  k: number;
  x: number;
  y: number;
}

/** The page under a canvas point (CSS pixels), or null outside the guest. */
export function pageAt(g: MapGeometry, v: View, px: number, py: number): number | null {
  const gx = (px - v.x) / v.k;
  const gy = (py - v.y) / v.k;
  const col = Math.floor((gx / v.width) * g.cols);
  const row = Math.floor((gy / v.height) * g.rows);
  if (col < 0 || row < 0 || col >= g.cols || row >= g.rows) return null;
  const p = row * g.cols + col;
  return p < g.pages ? p : null;
}

/** The centre and size of a page's cell in canvas CSS pixels. */
export function cellOf(
  g: MapGeometry,
  v: View,
  page: number,
): { cx: number; cy: number; w: number; h: number } {
  const cw = (v.width / g.cols) * v.k;
  const ch = (v.height / g.rows) * v.k;
  const col = page % g.cols;
  const row = Math.floor(page / g.cols);
  return { cx: v.x + (col + 0.5) * cw, cy: v.y + (row + 0.5) * ch, w: cw, h: ch };
}

/** Moves a page cursor by a key press; null if the key is not a cursor key. */
export function moveCursor(g: MapGeometry, page: number, key: string): number | null {
  const step: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -g.cols,
    ArrowDown: g.cols,
    PageUp: -g.cols * 16,
    PageDown: g.cols * 16,
  };
  if (key === 'Home') return 0;
  if (key === 'End') return g.pages - 1;
  const d = step[key];
  if (d === undefined) return null;
  return Math.min(g.pages - 1, Math.max(0, page + d));
}

/** Pages from 0 that hold anything but the zero page (a multiple of 64, at least 64). */
export function usedExtent(classes: Uint8Array, zeroClass: number, specialPages: number[]): number {
  let last = -1;
  for (let p = classes.length - 1; p >= 0; p--)
    if (classes[p] !== zeroClass) {
      last = p;
      break;
    }
  for (const p of specialPages) last = Math.max(last, p);
  return Math.min(classes.length, Math.max(64, Math.ceil((last + 1) / 64) * 64));
}
