// The matrix as files: CSV (one line per cell, for spreadsheets and scripts) and a standalone SVG
// table (for slides and papers).
//
// Invariants:
// - CSV follows RFC 4180: CRLF line ends, fields with a comma, quote or line break are quoted and
//   quotes doubled; numbers are written with String(n), which reads back to the same number.
//   Columns: library, column (id@cpu), columnTitle, cpu, verdict, duplicates, collidingPairs,
//   firstUniqueDraw, nsPerCall, reseeds, aborts, freshBits (fewest ledger bits in one clone), then
//   one `secret:NAME` column per secret (true = in the file).
// - The SVG is one self-contained document: inline presentation attributes only (no <style>, no
//   CSS classes, no external fonts or images, no scripts), every text node escaped. Colour is
//   never the only signal: each cell also says its verdict in words and with a glyph.

import type { Matrix, MatrixCell } from './matrix';
import { csvField } from '../export/csv';
import { drawLabel, MATRIX_VERDICT_WORDS, NO_UNIQUE_DRAW, type MatrixVerdict } from '../settings/words';

/** The CSV header's fixed columns (then one `secret:NAME` per secret). */
export const CSV_COLUMNS = [
  'library',
  'column',
  'columnTitle',
  'cpu',
  'verdict',
  'duplicates',
  'collidingPairs',
  'firstUniqueDraw',
  'nsPerCall',
  'reseeds',
  'aborts',
  'freshBits',
] as const;

/** The matrix as CSV text, one line per cell, rows in library order then column order. */
export function matrixToCsv(m: Matrix): string {
  const secretNames = m.columns[0]?.secrets.map((s) => s.name) ?? [];
  const lines = [[...CSV_COLUMNS, ...secretNames.map((n) => `secret:${n}`)].map(csvField).join(',')];
  m.cells.forEach((row) =>
    row.forEach((cell, c) => {
      const col = m.columns[c]!;
      const fields: (string | number | boolean)[] = [
        cell.library,
        cell.column,
        col.title,
        col.cpu,
        cell.verdict,
        cell.duplicates,
        cell.collidingPairs,
        cell.firstUniqueDraw ?? NO_UNIQUE_DRAW,
        cell.nsPerCall,
        cell.reseeds,
        cell.aborts,
        cell.freshBits,
        ...secretNames.map((n) => cell.secrets.find((s) => s.name === n)?.inSnapshot ?? false),
      ];
      lines.push(fields.map(csvField).join(','));
    }),
  );
  return lines.join('\r\n') + '\r\n';
}

export interface SvgOptions {
  theme?: 'light' | 'dark';
  /** A caption above the table (default: the guest, clones, draws and seed). */
  title?: string;
}

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

interface Palette {
  bg: string;
  fg: string;
  muted: string;
  grid: string;
  verdict: Record<MatrixVerdict, { fill: string; fg: string }>;
}

const PALETTES: Record<'light' | 'dark', Palette> = {
  light: {
    bg: '#ffffff',
    fg: '#1a1a1a',
    muted: '#5a5a5a',
    grid: '#c8c8c8',
    verdict: {
      dup: { fill: '#f6c9c4', fg: '#7a1208' },
      unique: { fill: '#c9ebd0', fg: '#0b5a1e' },
      'dup-until': { fill: '#fbe3b0', fg: '#6b4400' },
      predictable: { fill: '#e8d8f5', fg: '#4a2270' },
      mixed: { fill: '#dcd3f0', fg: '#3d2a75' },
      refused: { fill: '#e4e4e4', fg: '#3a3a3a' },
    },
  },
  dark: {
    bg: '#15171a',
    fg: '#eceff2',
    muted: '#a4abb3',
    grid: '#3a3f46',
    verdict: {
      dup: { fill: '#5c1f1a', fg: '#ffd5cf' },
      unique: { fill: '#173f24', fg: '#c9f5d3' },
      'dup-until': { fill: '#4d3a0f', fg: '#ffe6b0' },
      predictable: { fill: '#3b2552', fg: '#ecdcff' },
      mixed: { fill: '#342a52', fg: '#e0d6ff' },
      refused: { fill: '#2a2d31', fg: '#d0d4d9' },
    },
  },
};

function cellLines(cell: MatrixCell): [string, string] {
  const ns = cell.nsPerCall >= 100 ? Math.round(cell.nsPerCall) : Math.round(cell.nsPerCall * 10) / 10;
  const dups = cell.duplicates === 0 ? 'no duplicates' : `${cell.duplicates} dup`;
  const v = MATRIX_VERDICT_WORDS[cell.verdict];
  const word = cell.verdict === 'dup-until' ? `dup until ${drawLabel(cell.firstUniqueDraw)}` : v.word;
  return [`${v.glyph} ${word}`, `${dups} · ${ns} ns`];
}

/** A word-wrapped header title: at most `max` characters a line, at most 3 lines. */
function wrap(text: string, max: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && (line + ' ' + w).length > max) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.length > 3 ? [...out.slice(0, 2), out.slice(2).join(' ')] : out;
}

/** The matrix as a standalone SVG table (a string; UTF-8 when written to a file). */
export function matrixToSvg(m: Matrix, opts: SvgOptions = {}): string {
  const p = PALETTES[opts.theme ?? 'light'];
  const font = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
  const labelW = 130;
  const cellW = 150;
  const cellH = 44;
  const pad = 16;
  const captionH = 30;
  const headH = 64;
  const footH = 22 * (1 + (m.columns[0]?.secrets.length ?? 0));
  const width = pad * 2 + labelW + cellW * m.columns.length;
  const height = pad * 2 + captionH + headH + cellH * m.rows.length + footH + 8;
  const caption =
    opts.title ??
    `Uniqueness Lab mitigation matrix: guest ${m.guest.name}, ${m.clones} clones x ${m.draws} draws, seed ${m.seed}`;
  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs = '', fill = p.fg) =>
    out.push(`<text x="${x}" y="${y}" fill="${fill}"${attrs}>${escapeXml(s)}</text>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(caption)}" font-family="${escapeXml(font)}" font-size="12">`,
  );
  out.push(`<title>${escapeXml(caption)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${p.bg}"/>`);
  text(pad, pad + 18, caption, ' font-size="15" font-weight="600"');
  const top = pad + captionH;
  const left = pad + labelW;
  // column headers
  m.columns.forEach((col, c) => {
    const x = left + c * cellW;
    out.push(`<g>`);
    out.push(`<title>${escapeXml(col.description)}</title>`);
    wrap(col.title, 22).forEach((line, i) =>
      text(x + 6, top + 16 + i * 15, line, ' font-weight="600" font-size="11.5"'),
    );
    out.push(`</g>`);
  });
  text(pad, top + headH - 8, 'library', ` fill-opacity="0.8" font-weight="600"`);
  // cells
  m.rows.forEach((lib, r) => {
    const y = top + headH + r * cellH;
    text(pad, y + cellH / 2 + 4, lib, ' font-family="ui-monospace, Menlo, Consolas, monospace"');
    m.cells[r]!.forEach((cell, c) => {
      const x = left + c * cellW;
      const v = p.verdict[cell.verdict];
      const [l1, l2] = cellLines(cell);
      out.push(`<g>`);
      out.push(
        `<title>${escapeXml(`${lib} / ${m.columns[c]!.title}: ${cell.verdict}, ${cell.duplicates} duplicates, first unique draw ${drawLabel(cell.firstUniqueDraw)}, ${cell.nsPerCall} ns per call`)}</title>`,
      );
      out.push(
        `<rect x="${x + 1}" y="${y + 1}" width="${cellW - 2}" height="${cellH - 2}" rx="4" fill="${v.fill}" stroke="${p.grid}"/>`,
      );
      out.push(`<text x="${x + 8}" y="${y + 18}" fill="${v.fg}" font-weight="600">${escapeXml(l1)}</text>`);
      out.push(`<text x="${x + 8}" y="${y + 34}" fill="${v.fg}" font-size="11">${escapeXml(l2)}</text>`);
      out.push(`</g>`);
    });
  });
  // secrets: in the snapshot file or not, per column
  const fy = top + headH + m.rows.length * cellH + 18;
  text(pad, fy, 'secrets in the snapshot file', ' font-weight="600"', p.muted);
  (m.columns[0]?.secrets ?? []).forEach((s, i) => {
    const y = fy + 20 * (i + 1);
    text(pad, y, s.name, ` font-family="ui-monospace, Menlo, Consolas, monospace" font-size="11"`);
    m.columns.forEach((col, c) => {
      const inFile = col.secrets.find((x) => x.name === s.name)?.inSnapshot ?? false;
      text(left + c * cellW + 8, y, inFile ? '⚠ in the file' : '✓ absent (wiped)', ` font-size="11"`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
