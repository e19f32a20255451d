// Clone x clone collision heat-map: cell (a, b) = how many of VM a's outputs also occur in VM b.
// Canvas pixels, a d3 sequential scale (cividis: readable with colour-vision deficiencies) and a
// text summary with the core's colliding-pair count. Its size follows the type (rem), so it grows
// with presenter mode on a large screen.

import { interpolateCividis, rgb, scaleSequential } from 'd3';
import { memo, useEffect, useRef, useState } from 'react';
import type { LibraryDraw } from '../../core/lab/types';
import { count, drawLabel } from '../../core/settings/words';
import { Term } from '../view/Term';
import { useRem } from '../widgets/useRem';

/** The picture's side, in rem. */
const SIZE_REM = 6.2;

/** Memoised: redrawn when its draw changes, not when the lab turns busy and idle. */
export const CollisionHeatmap = memo(function CollisionHeatmap({
  lib,
  vms,
}: {
  lib: LibraryDraw;
  vms: number[];
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ a: number; b: number; v: number } | null>(null);
  const rem = useRem();
  const n = vms.length;
  const has = lib.pairs.length === n * n && n > 1;
  const cell = has ? Math.max(2, Math.floor((SIZE_REM * rem) / n)) : 0;
  const side = cell * n;
  const draws = lib.draws;
  const totalPairs = (n * (n - 1)) / 2;

  // no gaps between cells this small: one pixel per pair, scaled up (pixelated) by CSS
  const pixels = has && cell <= 4;

  useEffect(() => {
    const c = ref.current;
    if (!c || !has) return;
    const colour = scaleSequential(interpolateCividis).domain([0, Math.max(1, draws)]);
    if (pixels) {
      // one ImageData write instead of a fillRect per pair: 65,536 pairs at 256 clones
      c.width = n;
      c.height = n;
      const ctx = c.getContext('2d')!;
      const img = ctx.createImageData(n, n);
      const px = new Uint32Array(img.data.buffer);
      const rgba = new Map<number, number>();
      const at = (v: number) => {
        let x = rgba.get(v);
        if (x === undefined) {
          const { r, g, b } = rgb(colour(v));
          x = (255 << 24) | (b << 16) | (g << 8) | r; // little-endian RGBA bytes
          rgba.set(v, x);
        }
        return x;
      };
      const bg = (255 << 24) | (0x12 << 16) | (0x12 << 8) | 0x12;
      for (let a = 0, i = 0; a < n; a++)
        for (let b = 0; b < n; b++, i++) {
          const v = lib.pairs[i]!;
          px[i] = a === b || v === 0 ? bg : at(v);
        }
      ctx.putImageData(img, 0, 0);
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    c.width = side * dpr;
    c.height = side * dpr;
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#121212';
    ctx.fillRect(0, 0, side, side);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        if (a === b) continue;
        const v = lib.pairs[a * n + b]!;
        if (v === 0) continue;
        ctx.fillStyle = colour(v);
        ctx.fillRect(b * cell, a * cell, cell - 1, cell - 1);
      }
    if (cell >= 14) {
      ctx.font = `${Math.min(0.8 * rem, cell - 4)}px sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          const v = lib.pairs[a * n + b]!;
          if (a === b || v === 0) continue;
          ctx.fillStyle = v > draws / 2 ? '#000' : '#fff';
          ctx.fillText(count(v), b * cell + cell / 2, a * cell + cell / 2);
        }
    }
  }, [lib, n, cell, side, has, draws, rem, pixels]);

  return (
    <div className="heatmap">
      <div className="map-head">VM × VM</div>
      <div className="heatmap-body">
        {has ? (
          <canvas
            ref={ref}
            role="img"
            aria-label={`Heat-map: ${count(lib.collidingPairs)} of ${count(totalPairs)} VM pairs share values`}
            className={pixels ? 'pixelated' : undefined}
            style={{ width: `${side}px`, height: `${side}px` }}
            onPointerMove={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              const b = Math.floor((e.clientX - r.left) / cell);
              const a = Math.floor((e.clientY - r.top) / cell);
              if (a >= 0 && b >= 0 && a < n && b < n) setHover({ a, b, v: lib.pairs[a * n + b]! });
            }}
            onPointerLeave={() => setHover(null)}
          />
        ) : (
          <p className="hint">{n < 2 ? 'needs two or more VMs' : 'too many VMs for a pair matrix'}</p>
        )}
        <p className="hint">
          <Term k="pairs">pairs sharing values</Term>: <strong>{count(lib.collidingPairs)}</strong> of{' '}
          {count(totalPairs)}
          <span className="first-unique">
            <br />
            <Term k="first-unique">first unique draw</Term>: <strong>{drawLabel(lib.firstUniqueDraw)}</strong>
          </span>
          {hover && hover.a !== hover.b ? (
            <>
              <br />
              vm {vms[hover.a]} × vm {vms[hover.b]}: {count(hover.v)} shared
            </>
          ) : null}
        </p>
      </div>
    </div>
  );
});
