// Colours and glyphs. The palette is Okabe-Ito (safe for the common colour-vision deficiencies);
// colour is never the only signal: every class and duplicate group also has a glyph and a word.

import type { MarkKind, PageClass } from '../../core/lab/inspect';

export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
} as const;

/** How each page state (the cell's fill) looks and reads. */
export const PAGE_STYLE: Record<PageClass, { colour: string; glyph: string; label: string; help: string }> = {
  zero: { colour: '#3b3b3b', glyph: '·', label: 'zero', help: 'never written: maps the shared zero frame' },
  shared: {
    colour: OKABE_ITO.sky,
    glyph: '=',
    label: 'shared',
    help: 'maps the same host frame as the snapshot (or another table)',
  },
  private: {
    colour: OKABE_ITO.orange,
    glyph: '+',
    label: 'private',
    help: 'copied on write: this VM alone holds the frame',
  },
  dirty: {
    colour: OKABE_ITO.vermillion,
    glyph: '✎',
    label: 'dirty',
    help: 'written since the last snapshot or restore',
  },
  flagged: {
    colour: OKABE_ITO.purple,
    glyph: '□',
    label: 'WIPEONSUSPEND',
    help: 'madvise(MADV_WIPEONSUSPEND) flag set, not wiped',
  },
  wiped: {
    colour: OKABE_ITO.yellow,
    glyph: '✕',
    label: 'wiped',
    help: 'zeroed at suspend (MADV_WIPEONSUSPEND)',
  },
};

/** How each marked role looks: a glyph drawn over the page's cell. */
export const MARK_STYLE: Record<MarkKind, { colour: string; glyph: string; label: string; help: string }> = {
  rng: {
    colour: OKABE_ITO.green,
    glyph: '●',
    label: 'RNG state',
    help: 'kernel CRNG or a library DRBG state page',
  },
  secret: { colour: '#FFFFFF', glyph: '◆', label: 'secret', help: 'holds a named secret' },
  device: { colour: OKABE_ITO.blue, glyph: '▲', label: 'device', help: 'VMGenID or SysGenId page' },
};

/** Colours of duplicate groups: group g gets GROUP_COLOURS[g % n] and GROUP_GLYPHS[g % m]. */
export const GROUP_COLOURS = [
  OKABE_ITO.orange,
  OKABE_ITO.sky,
  OKABE_ITO.green,
  OKABE_ITO.yellow,
  OKABE_ITO.purple,
  OKABE_ITO.vermillion,
  OKABE_ITO.blue,
];
export const GROUP_GLYPHS = ['●', '▲', '■', '◆', '★'];

/** Colour, glyph and readable ink of a duplicate group; 35 distinct looks before any repeats. */
export function groupStyle(g: number): { colour: string; glyph: string; ink: string } {
  const colour = GROUP_COLOURS[g % GROUP_COLOURS.length]!;
  return {
    colour,
    glyph: GROUP_GLYPHS[Math.floor(g / GROUP_COLOURS.length) % GROUP_GLYPHS.length]!,
    ink: inkOn(colour),
  };
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours. */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/** Text colour that reads best on a background: black or white. */
export function inkOn(bg: string): '#000000' | '#ffffff' {
  return contrast(bg, '#000000') >= contrast(bg, '#ffffff') ? '#000000' : '#ffffff';
}
