// One VM's memory map on a canvas: one cell per page, coloured by class (palette.ts), special
// pages (RNG state, secrets, devices, wiped) marked with glyphs large enough to see at any zoom.
// Data arrives through store.subscribe and is painted in a requestAnimationFrame: no React
// re-render per update. d3-zoom supplies the zoom behaviour (it only binds listeners on the
// canvas React renders); the pixels are ours. An export paints the same view, without the cursor,
// into a canvas of its own at a slide's resolution (mapForExport).

import { select, zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from 'd3';
import { useEffect, useRef } from 'react';
import {
  cellOf,
  gridSize,
  mapGeometry,
  moveCursor,
  pageAt,
  usedExtent,
  type MapGeometry,
  type View,
} from '../lib/mapGeometry';
import { MARK_STYLE, PAGE_STYLE } from '../lib/palette';
import { recordPaint } from '../lib/paintLog';
import type { ZoomLink } from '../lib/zoomLink';
import { useLabStore } from '../store/context';
import type { LabState } from '../store/types';
import { PAGE_CLASSES, type MemoryMapView, type SpecialPage } from '../../core/lab/inspect';

interface Props {
  side: 'a' | 'b';
  link: ZoomLink;
  label: string;
  describedBy: string;
}

const MAX_ZOOM = 64;

/** Each side's painter into a new canvas at `scale` times the on-screen size (set while mounted). */
const exporters = new Map<'a' | 'b', (scale: number) => HTMLCanvasElement>();

/**
 * The map of a side as a canvas at least `minWidth` pixels wide (at least twice its on-screen size),
 * as the screen shows it (zoom included), without the cursor; null when the map is not shown.
 */
export function mapForExport(side: 'a' | 'b', minWidth = 1600): HTMLCanvasElement | null {
  const paint = exporters.get(side);
  const shown = document.querySelector<HTMLCanvasElement>(`canvas[data-side="${side}"]`);
  if (!paint || !shown) return null;
  return paint(Math.max(2, Math.ceil(minWidth / Math.max(1, shown.clientWidth))));
}

/** Colour of each class as little-endian RGBA words for ImageData. */
const CLASS_RGBA = new Uint32Array(
  PAGE_CLASSES.map((c) => {
    const h = PAGE_STYLE[c].colour;
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
    return (255 << 24) | (b << 16) | (g << 8) | r;
  }),
);

function mapOf(s: LabState, side: 'a' | 'b'): MemoryMapView | null {
  return side === 'a' ? s.mapA : s.mapB;
}

const ZERO = PAGE_CLASSES.indexOf('zero');
const extents = new WeakMap<MemoryMapView, number>();
function usedOf(m: MemoryMapView): number {
  let e = extents.get(m);
  if (e === undefined)
    extents.set(
      m,
      (e = usedExtent(
        m.classes,
        ZERO,
        m.special.map((x) => x.page),
      )),
    );
  return e;
}

/** Pages a map shows: the whole guest, or (both sides alike) page 0 up to the last page in use. */
export function shownPages(s: LabState, side: 'a' | 'b'): number {
  const own = mapOf(s, side);
  if (!own) return 0;
  if (s.mapRange === 'all') return own.pages;
  const used = Math.max(usedOf(own), s.mapA ? usedOf(s.mapA) : 0, s.mapB ? usedOf(s.mapB) : 0);
  return Math.min(own.pages, used);
}

/** Paints the class bitmap (one pixel per page) into a reusable canvas. */
function paintBitmap(bitmap: HTMLCanvasElement, map: MemoryMapView, g: MapGeometry): void {
  // g.pages may be fewer than map.pages (only the pages in use are shown)
  if (bitmap.width !== g.cols || bitmap.height !== g.rows) {
    bitmap.width = g.cols;
    bitmap.height = g.rows;
  }
  const ctx = bitmap.getContext('2d')!;
  const img = ctx.createImageData(g.cols, g.rows);
  const px = new Uint32Array(img.data.buffer);
  const cls = map.classes;
  for (let p = 0; p < g.pages; p++) px[p] = CLASS_RGBA[cls[p]!]!;
  ctx.putImageData(img, 0, 0);
}

/**
 * A marked page: a square in the page's state colour (what the tiny cell shows, made visible),
 * and on it the role's shape: filled when the page holds the same bytes as in the other map,
 * hollow when they differ (or there is no other map).
 */
function marker(ctx: CanvasRenderingContext2D, sp: SpecialPage, cx: number, cy: number, r: number): void {
  const s = r + 1.5;
  ctx.fillStyle = PAGE_STYLE[sp.cls].colour;
  ctx.fillRect(cx - s, cy - s, 2 * s, 2 * s);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#000';
  ctx.strokeRect(cx - s, cy - s, 2 * s, 2 * s);
  if (!sp.kind) return;
  const colour = MARK_STYLE[sp.kind].colour;
  ctx.beginPath();
  if (sp.kind === 'secret') {
    ctx.moveTo(cx, cy - r);
    ctx.lineTo(cx + r, cy);
    ctx.lineTo(cx, cy + r);
    ctx.lineTo(cx - r, cy);
    ctx.closePath();
  } else if (sp.kind === 'device') {
    ctx.moveTo(cx, cy - r);
    ctx.lineTo(cx + r, cy + r * 0.8);
    ctx.lineTo(cx - r, cy + r * 0.8);
    ctx.closePath();
  } else ctx.arc(cx, cy, r * 0.85, 0, 2 * Math.PI);
  if (sp.identical) {
    ctx.fillStyle = colour;
    ctx.fill();
  }
  ctx.lineWidth = 4;
  ctx.strokeStyle = '#000';
  ctx.stroke();
  ctx.lineWidth = 2;
  ctx.strokeStyle = colour;
  ctx.stroke();
}

export function MemoryMapCanvas({ side, link, label, describedBy }: Props) {
  const store = useLabStore();
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const bitmap = document.createElement('canvas');
    let painted: MemoryMapView | null = null;
    let paintedKey = '';
    let geometry: MapGeometry = mapGeometry(32768);
    let box = { w: 1, h: 1 };
    let view: View = { width: 1, height: 1, k: 1, x: 0, y: 0 };
    let frame = 0;
    let fromLink = false;

    /** Paints the view into `target` at `dpr` device pixels per CSS pixel; false when no map. */
    const draw = (target: HTMLCanvasElement, dpr: number, withCursor: boolean): boolean => {
      const s = store.getState();
      const map = mapOf(s, side);
      const ctx = target.getContext('2d')!;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, target.width, target.height);
      if (!map) return false;
      const shown = shownPages(s, side);
      const key = `${shown}:${box.w}x${box.h}`;
      if (map !== painted || key !== paintedKey) {
        const g = mapGeometry(shown, box.w / box.h);
        const regrid = g.cols !== geometry.cols || g.rows !== geometry.rows;
        geometry = g;
        paintBitmap(bitmap, map, geometry);
        painted = map;
        paintedKey = key;
        fitGrid();
        if (regrid && view.k !== 1) {
          sel.call(z.transform, zoomIdentity);
          link.set({ k: 1, x: 0, y: 0 }, canvas);
        }
      }
      ctx.imageSmoothingEnabled = false;
      ctx.setTransform(dpr * view.k, 0, 0, dpr * view.k, dpr * view.x, dpr * view.y);
      ctx.drawImage(bitmap, 0, 0, view.width, view.height);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const cell = (view.width / geometry.cols) * view.k;
      if (cell >= 10) {
        // grid lines once cells are big enough to tell apart
        ctx.strokeStyle = 'rgba(0,0,0,0.55)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        const right = Math.min(box.w, view.x + view.width * view.k);
        const bottom = Math.min(box.h, view.y + view.height * view.k);
        for (let c = Math.max(0, Math.floor(-view.x / cell)); c <= geometry.cols; c++) {
          const x = view.x + c * cell;
          if (x > right + 0.5) break;
          ctx.moveTo(x, Math.max(0, view.y));
          ctx.lineTo(x, bottom);
        }
        for (let r = Math.max(0, Math.floor(-view.y / cell)); r <= geometry.rows; r++) {
          const y = view.y + r * cell;
          if (y > bottom + 0.5) break;
          ctx.moveTo(Math.max(0, view.x), y);
          ctx.lineTo(right, y);
        }
        ctx.stroke();
      }
      const r = Math.max(6, Math.min(14, cell * 0.4));
      for (const sp of map.special) {
        if (sp.page >= geometry.pages) continue;
        const c = cellOf(geometry, view, sp.page);
        if (c.cx < -r || c.cy < -r || c.cx > box.w + r || c.cy > box.h + r) continue;
        marker(ctx, sp, c.cx, c.cy, r);
      }
      const cur = withCursor ? s.cursor : null;
      if (cur && cur.page < geometry.pages) {
        const c = cellOf(geometry, view, cur.page);
        const w = Math.max(12, c.w + 6);
        const h = Math.max(12, c.h + 6);
        ctx.lineWidth = 4;
        ctx.strokeStyle = '#000';
        ctx.strokeRect(c.cx - w / 2, c.cy - h / 2, w, h);
        ctx.lineWidth = 2;
        ctx.strokeStyle = cur.side === side ? '#F0E442' : '#ffffff';
        ctx.strokeRect(c.cx - w / 2, c.cy - h / 2, w, h);
      }
      return true;
    };
    const paint = () => {
      frame = 0;
      const t0 = performance.now();
      const drawn = draw(canvas, window.devicePixelRatio || 1, true);
      const s = store.getState();
      const vm = drawn ? (mapOf(s, side)?.vm ?? null) : null;
      recordPaint({ side, mapSeq: s.mapSeq, vm, at: performance.now(), ms: performance.now() - t0 });
    };
    exporters.set(side, (scale) => {
      const c = document.createElement('canvas');
      c.width = Math.round(box.w * scale);
      c.height = Math.round(box.h * scale);
      draw(c, scale, false);
      // the map's background (the canvas's CSS one on screen) under the pages
      const ctx = c.getContext('2d')!;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalCompositeOperation = 'destination-over';
      ctx.fillStyle = getComputedStyle(canvas).backgroundColor || '#121212';
      ctx.fillRect(0, 0, c.width, c.height);
      return c;
    });
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(paint);
    };

    const z: ZoomBehavior<HTMLCanvasElement, unknown> = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1, MAX_ZOOM])
      .on('zoom', (e: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        view = { ...view, k: e.transform.k, x: e.transform.x, y: e.transform.y };
        if (!fromLink) link.set({ k: view.k, x: view.x, y: view.y }, canvas);
        schedule();
      });
    const sel = select(canvas);
    sel.call(z).on('dblclick.zoom', null);

    /** Sizes the drawn grid (square cells) to the box and bounds panning to it. */
    function fitGrid() {
      const g = gridSize(geometry, box.w, box.h);
      view = { ...view, width: g.width, height: g.height };
      z.extent([
        [0, 0],
        [g.width, g.height],
      ]).translateExtent([
        [0, 0],
        [g.width, g.height],
      ]);
    }

    /** Matches the canvas's backing store to its CSS box. */
    function resize() {
      const w = canvas.clientWidth || 1;
      const h = canvas.clientHeight || 1;
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
      }
      box = { w, h };
      fitGrid();
    }
    resize();
    const ro = new ResizeObserver(() => {
      resize();
      schedule();
    });
    ro.observe(canvas);

    const unlink = link.subscribe(canvas, (t) => {
      fromLink = true;
      sel.call(z.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
      fromLink = false;
    });
    const t = link.get();
    if (t.k !== 1) {
      fromLink = true;
      sel.call(z.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
      fromLink = false;
    }

    const unsub = store.subscribe((s, p) => {
      if (
        mapOf(s, side) !== mapOf(p, side) ||
        s.cursor !== p.cursor ||
        s.mapRange !== p.mapRange ||
        s.mapA !== p.mapA ||
        s.mapB !== p.mapB
      )
        schedule();
    });

    let pending: { x: number; y: number } | null = null;
    const onMove = (e: PointerEvent) => {
      const rect = canvas.getBoundingClientRect();
      const first = pending === null;
      pending = { x: e.clientX - rect.left, y: e.clientY - rect.top };
      if (!first) return;
      requestAnimationFrame(() => {
        if (!pending) return;
        const page = pageAt(geometry, view, pending.x, pending.y);
        pending = null;
        const cur = store.getState().cursor;
        if (page !== null && mapOf(store.getState(), side) && (cur?.page !== page || cur.side !== side))
          store.getState().setCursor({ side, page });
      });
    };
    const onKey = (e: KeyboardEvent) => {
      const s = store.getState();
      const cur = s.cursor?.page ?? 0;
      if (e.key === '+' || e.key === '=' || e.key === '-') {
        e.preventDefault();
        const c = cellOf(geometry, view, cur);
        sel.call(z.scaleBy, e.key === '-' ? 0.5 : 2, [c.cx, c.cy]);
        return;
      }
      if (e.key === '0') {
        e.preventDefault();
        sel.call(z.transform, zoomIdentity);
        return;
      }
      const next = moveCursor(geometry, cur, e.key);
      if (next === null) return;
      e.preventDefault();
      if (mapOf(s, side)) s.setCursor({ side, page: next });
    };
    const onFocus = () => {
      const s = store.getState();
      if (mapOf(s, side) && (!s.cursor || s.cursor.side !== side))
        s.setCursor({ side, page: s.cursor?.page ?? 0 });
    };
    canvas.addEventListener('pointermove', onMove);
    canvas.addEventListener('keydown', onKey);
    canvas.addEventListener('focus', onFocus);
    schedule();
    return () => {
      if (frame) cancelAnimationFrame(frame);
      exporters.delete(side);
      ro.disconnect();
      unlink();
      unsub();
      sel.on('.zoom', null);
      canvas.removeEventListener('pointermove', onMove);
      canvas.removeEventListener('keydown', onKey);
      canvas.removeEventListener('focus', onFocus);
    };
  }, [store, side, link]);

  return (
    <canvas
      ref={canvasRef}
      className="map-canvas"
      tabIndex={0}
      role="application"
      aria-roledescription="memory map"
      aria-label={label}
      aria-describedby={describedBy}
      data-side={side}
    />
  );
}
