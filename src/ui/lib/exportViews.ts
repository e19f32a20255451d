// Export: the views as files a person can put on a slide or into a spreadsheet, and the last
// draw as files the CLI can run again. Everything is made in the page (canvas pixels, serialised
// SVG, text) and handed over as a Blob download (download.ts); nothing goes to the network.
//
// - Memory maps: the canvas as PNG (toBlob); as SVG, that PNG embedded as a data URI under a
//   caption that says in words what the map shows.
// - Timeline: the React-rendered SVG, serialised with every CSS-resolved paint written inline
//   (theme variables, text colours), so the file looks the same outside the app; PNG by drawing
//   that SVG onto a canvas at a slide's resolution (1,600 px across or more).
// - Heat-map: built as SVG from the draw's pair counts (cividis, a number in every cell that fits).
// - The last draw: JSON (the CLI's --json shape: every setting, the action log, per library the
//   verdict, counts and outputs), so `uniqueness-lab run --settings FILE` runs it again; CSV of
//   outputs and of metrics (RFC 4180 through the core's csvLine), each opened by two records
//   `settings,<JSON>` and `actions,<JSON>` carrying the same history.

import { interpolateCividis, scaleSequential } from 'd3';
import { outputText } from '../../core/lab/draw';
import type { DrawResult, LibraryDraw } from '../../core/lab/types';
import { csvLine } from '../../core/export/csv';
import type { Action } from '../../core/session/actions';
import { librarySummary } from '../../core/session/report';
import type { LabSettings } from '../../core/settings/settings';
import { count } from '../../core/settings/words';
import { svgBlob } from './download';

/** The history an export carries: the session's starting settings and its action log. */
export interface ExportHistory {
  settings: LabSettings;
  actions: readonly Action[];
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A canvas as PNG bytes. */
export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png'),
  );
}

function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** The page's theme colours (resolved custom properties). */
export function themeColours(): { bg: string; fg: string; muted: string } {
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, dflt: string) => cs.getPropertyValue(name).trim() || dflt;
  return { bg: v('--panel', '#ffffff'), fg: v('--fg', '#000000'), muted: v('--muted', '#444444') };
}

/** Splits text into lines of at most `max` characters, at spaces. */
export function wrapText(text: string, max: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > max) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/**
 * A canvas as a standalone SVG: caption lines above the canvas's pixels (an embedded PNG), shown
 * at least twice their on-screen size (page cells stay crisp: pixelated scaling) for a slide.
 */
export function canvasSvg(canvas: HTMLCanvasElement, caption: string[]): string {
  const { bg, fg, muted } = themeColours();
  const cw = canvas.clientWidth || canvas.width;
  const ch = canvas.clientHeight || canvas.height;
  const scale = Math.max(1, Math.min(2, 900 / cw));
  const w = Math.round(cw * scale);
  const h = Math.round(ch * scale);
  const pad = 12;
  const lineH = 18;
  const width = Math.max(w + pad * 2, 480);
  // about 7 px per character at 12-14 px: wrap the caption to the picture's width
  const wrapped = caption.flatMap((t, i) =>
    wrapText(t, Math.floor((width - pad * 2) / (i === 0 ? 8 : 7))).map((l) => ({ l, head: i === 0 })),
  );
  const top = pad + wrapped.length * lineH + 6;
  const height = top + h + pad;
  const lines = wrapped
    .map(
      ({ l, head }, i) =>
        `<text x="${pad}" y="${pad + 13 + i * lineH}" fill="${head ? fg : muted}" font-size="${head ? 14 : 12}"${head ? ' font-weight="700"' : ''}>${escapeXml(l)}</text>`,
    )
    .join('\n');
  return [
    `<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, DejaVu Sans, Arial, sans-serif" role="img" aria-label="${escapeXml(caption.join('. '))}">`,
    `<title>${escapeXml(caption[0] ?? '')}</title>`,
    `<rect width="${width}" height="${height}" fill="${bg}"/>`,
    lines,
    `<image x="${pad}" y="${top}" width="${w}" height="${h}" href="${canvas.toDataURL('image/png')}" style="image-rendering: pixelated"/>`,
    '</svg>',
    '',
  ].join('\n');
}

const PAINT_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'opacity',
  'font-size',
  'font-weight',
  'font-family',
] as const;

/** Serialises a rendered SVG element as a standalone document with its CSS paint inlined. */
export function standaloneSvg(svg: SVGSVGElement, title: string): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...svg.querySelectorAll('*')];
  const dst = [clone, ...clone.querySelectorAll('*')];
  src.forEach((el, i) => {
    const out = dst[i] as SVGElement;
    if (el === svg || !(el instanceof SVGElement)) return;
    if (['defs', 'pattern', 'title', 'desc'].includes(el.tagName) || el.closest('pattern')) return;
    const cs = getComputedStyle(el);
    const style = PAINT_PROPS.map((p) => `${p}: ${cs.getPropertyValue(p)}`).join('; ');
    out.setAttribute('style', style);
  });
  const vb = svg.viewBox.baseVal;
  const w = vb && vb.width ? vb.width : svg.clientWidth;
  const h = vb && vb.height ? vb.height : svg.clientHeight;
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${w} ${h}`);
  clone.removeAttribute('aria-describedby');
  clone.setAttribute('font-family', getComputedStyle(svg).fontFamily);
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('x', String(vb?.x ?? 0));
  bg.setAttribute('y', String(vb?.y ?? 0));
  bg.setAttribute('width', String(w));
  bg.setAttribute('height', String(h));
  bg.setAttribute('fill', themeColours().bg);
  const t = document.createElementNS(SVG_NS, 'title');
  t.textContent = title;
  clone.prepend(bg);
  clone.prepend(t);
  return new XMLSerializer().serializeToString(clone) + '\n';
}

/**
 * Renders SVG text to a PNG at `scale` times its size, or more where that is narrower than
 * `minWidth` pixels (through an <img> and a canvas).
 */
export async function svgToPng(text: string, scale = 2, minWidth = 1600): Promise<Blob> {
  const url = URL.createObjectURL(svgBlob(text));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    scale = Math.max(scale, minWidth / Math.max(1, img.naturalWidth));
    const c = document.createElement('canvas');
    c.width = Math.ceil(img.naturalWidth * scale);
    c.height = Math.ceil(img.naturalHeight * scale);
    const ctx = c.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await canvasPng(c);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The VM x VM heat-map of one library as SVG: shared values per pair, a number in each cell. */
export function heatmapSvg(lib: LibraryDraw, vms: number[], caption: string): string {
  const { bg, fg, muted } = themeColours();
  const n = vms.length;
  const draws = lib.draws;
  const has = lib.pairs.length === n * n && n > 1;
  const cell = Math.max(6, Math.min(40, Math.floor(480 / Math.max(1, n))));
  const left = 70;
  const top = 64;
  const side = has ? cell * n : 0;
  const sub = `${lib.library}: ${count(lib.collidingPairs)} of ${count((n * (n - 1)) / 2)} VM pairs share values; cell = values two VMs share (of ${count(draws)})`;
  // about 8.6 px per character of the 14 px caption, 7.2 of the 12 px line
  const width = Math.max(left + side + 20, 24 + caption.length * 8.6, 24 + sub.length * 7.2);
  const height = top + side + 50;
  const colour = scaleSequential(interpolateCividis).domain([0, Math.max(1, draws)]);
  const out: string[] = [
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, DejaVu Sans, Arial, sans-serif" role="img" aria-label="${escapeXml(caption)}">`,
    `<title>${escapeXml(caption)}</title>`,
    `<rect width="${width}" height="${height}" fill="${bg}"/>`,
    `<text x="12" y="22" fill="${fg}" font-size="14" font-weight="700">${escapeXml(caption)}</text>`,
    `<text x="12" y="42" fill="${muted}" font-size="12">${escapeXml(sub)}</text>`,
  ];
  if (has) {
    const label = cell >= 14;
    vms.forEach((vm, i) => {
      if (!label && n > 16 && i % Math.ceil(n / 16) !== 0) return;
      out.push(
        `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" fill="${fg}" font-size="11" text-anchor="end">vm ${vm}</text>`,
      );
    });
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        const v = a === b ? 0 : lib.pairs[a * n + b]!;
        const fill = a === b ? '#121212' : v === 0 ? '#121212' : colour(v);
        out.push(
          `<rect x="${left + b * cell}" y="${top + a * cell}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>vm ${vms[a]} x vm ${vms[b]}: ${v} shared</title></rect>`,
        );
        if (label && a !== b && v > 0)
          out.push(
            `<text x="${left + b * cell + cell / 2}" y="${top + a * cell + cell / 2 + 4}" fill="${v > draws / 2 ? '#000000' : '#ffffff'}" font-size="${Math.min(12, cell - 4)}" text-anchor="middle">${v}</text>`,
          );
      }
  } else {
    out.push(
      `<text x="12" y="${top + 16}" fill="${fg}" font-size="12">${n < 2 ? 'needs two or more VMs' : 'too many VMs for a pair matrix'}</text>`,
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}

export const OUTPUT_CSV_HEADER = ['library', 'consumer', 'vm', 'draw', 'value', 'duplicate', 'group'];
export const METRIC_CSV_HEADER = [
  'library',
  'consumer',
  'verdict',
  'duplicates',
  'collidingPairs',
  'firstUniqueDraw',
  'nsPerCall',
  'reseeds',
  'aborts',
];

/** The two records that open every CSV export: the history, as JSON in one field each. */
function historyLines(h: ExportHistory): string {
  return csvLine(['settings', JSON.stringify(h.settings)]) + csvLine(['actions', JSON.stringify(h.actions)]);
}

/** One line per output: library, consumer, vm, draw (1-based), value, duplicate, group (1-based or empty). */
export function outputsCsv(d: DrawResult, h: ExportHistory): string {
  let out = historyLines(h) + csvLine(OUTPUT_CSV_HEADER);
  for (const l of d.libraries)
    d.vms.forEach((vm, c) => {
      for (let k = 0; k < l.draws; k++) {
        const g = l.groups[c * l.draws + k]!;
        out += csvLine([
          l.library,
          l.consumer,
          vm,
          k + 1,
          outputText(l, c, k),
          g >= 0,
          g >= 0 ? g + 1 : null,
        ]);
      }
    });
  return out;
}

/** One line per library: the verdict, the core's collision statistics and ns per call. */
export function metricsCsv(d: DrawResult, h: ExportHistory): string {
  return (
    historyLines(h) +
    csvLine(METRIC_CSV_HEADER) +
    d.libraries
      .map((l) =>
        csvLine([
          l.library,
          l.consumer,
          l.verdict,
          l.duplicates,
          l.collidingPairs,
          l.firstUniqueDraw,
          l.nsPerCall,
          l.reseeds,
          l.aborts,
        ]),
      )
      .join('')
  );
}

/** Every output of a library as text, rows[clone][draw] (made only for an export). */
function outputRows(l: LibraryDraw): string[][] {
  return Array.from({ length: l.clones }, (_, c) =>
    Array.from({ length: l.draws }, (_, k) => outputText(l, c, k)),
  );
}

/**
 * The last draw as one JSON object in the CLI's --json shape: the history (whole settings and
 * every action, so `uniqueness-lab run --settings FILE` runs it again), then per library the
 * verdict, the core's counts and every output.
 */
export function outputsJson(d: DrawResult, h: ExportHistory) {
  return {
    seed: h.settings.seed,
    clones: d.vms.length,
    draws: d.draws,
    guest: h.settings.guest,
    settings: h.settings,
    actions: h.actions,
    vms: d.vms,
    duplicates: d.libraries.reduce((n, l) => n + l.duplicates, 0),
    libraries: d.libraries.map((l) => ({ ...librarySummary(l), outputs: outputRows(l) })),
  };
}
