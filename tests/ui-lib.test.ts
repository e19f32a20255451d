// Pure helpers of the app: map geometry and cursor keys, the lineage tree, palette contrast,
// number formats, permalinks of a history, and the export files of a draw.

import { describe, expect, it } from 'vitest';
import type { SnapshotSummary, VmSummary } from '../src/core/lab/api';
import { formatBytes, formatNs } from '../src/ui/lib/format';
import { buildLineage, layoutLineage, VISIBLE_CLONES, type LineageNode } from '../src/ui/lib/lineage';
import { cellOf, gridSize, mapGeometry, moveCursor, pageAt, usedExtent } from '../src/ui/lib/mapGeometry';
import { contrast, GROUP_COLOURS, groupStyle, inkOn, MARK_STYLE, PAGE_STYLE } from '../src/ui/lib/palette';
import { MARK_KINDS, PAGE_CLASSES } from '../src/core/lab/inspect';
import { LIBRARY_IDS, type DrawResult } from '../src/core/lab/types';
import { csvLine } from '../src/core/export/csv';
import { parseManifestText } from '../src/core/manifest/validate';
import type { Action } from '../src/core/session/actions';
import { resolveSettings } from '../src/core/settings/settings';
import {
  METRIC_CSV_HEADER,
  metricsCsv,
  OUTPUT_CSV_HEADER,
  outputsCsv,
  outputsJson,
} from '../src/ui/lib/exportViews';
import { hashOf, linkState, readHash } from '../src/ui/lib/permalink';
import { libraryChoice } from '../src/ui/panels/SettingControl';
import { readGuest } from './ui-setup';

const vm = (
  id: number,
  origin: VmSummary['origin'],
  restoredFrom: number | null,
  state: VmSummary['state'] = 'running',
) =>
  ({
    id,
    origin,
    restoredFrom,
    state,
    pages: 32768,
    dirtyPages: 0,
    faults: 0,
    privateBytes: 0,
  }) as unknown as VmSummary;
const snap = (id: number, type: 'full' | 'diff', parent: number | null, sourceVm: number) =>
  ({ id, type, parent, sourceVm, presentPages: 1, wipedPages: 0, clones: 0 }) as unknown as SnapshotSummary;

describe('map geometry', () => {
  it('lays 32,768 pages out as 256 x 128 in a 2:1 box', () => {
    expect(mapGeometry(32768, 2)).toEqual({ pages: 32768, cols: 256, rows: 128 });
    expect(mapGeometry(262144, 2)).toMatchObject({ cols: 725, rows: 362 });
  });

  it('pageAt and cellOf agree at every zoom', () => {
    const g = mapGeometry(32768, 2);
    const size = gridSize(g, 512, 256);
    for (const t of [
      { k: 1, x: 0, y: 0 },
      { k: 8, x: -300, y: -120 },
    ]) {
      const v = { width: size.width, height: size.height, ...t };
      for (const p of [0, 1, 255, 256, 12345, 32767]) {
        const c = cellOf(g, v, p);
        if (c.cx < 0 || c.cy < 0 || c.cx > 512 || c.cy > 256) continue;
        expect(pageAt(g, v, c.cx, c.cy)).toBe(p);
      }
    }
    expect(pageAt(g, { width: size.width, height: size.height, k: 1, x: 0, y: 0 }, -1, 5)).toBeNull();
  });

  it('cursor keys move by one page, one row, sixteen rows, and stop at the ends', () => {
    const g = mapGeometry(32768, 2);
    expect(moveCursor(g, 10, 'ArrowRight')).toBe(11);
    expect(moveCursor(g, 10, 'ArrowDown')).toBe(10 + g.cols);
    expect(moveCursor(g, 10, 'ArrowUp')).toBe(0);
    expect(moveCursor(g, 10, 'PageDown')).toBe(10 + 16 * g.cols);
    expect(moveCursor(g, 5, 'End')).toBe(32767);
    expect(moveCursor(g, 5, 'Home')).toBe(0);
    expect(moveCursor(g, 5, 'x')).toBeNull();
  });

  it('the used extent ends after the last non-zero page, in steps of 64', () => {
    const classes = new Uint8Array(32768);
    expect(usedExtent(classes, 0, [])).toBe(64);
    classes[1300] = 1;
    expect(usedExtent(classes, 0, [])).toBe(1344);
    expect(usedExtent(classes, 0, [5000])).toBe(5056);
  });
});

describe('lineage', () => {
  const find = (n: LineageNode, key: string): LineageNode | undefined =>
    n.key === key ? n : n.children.map((c) => find(c, key)).find(Boolean);

  it('chains diff layers under their parent and clones under their snapshot', () => {
    const root = buildLineage(
      [vm(0, 'boot', null, 'paused'), vm(1, 'clone', 0), vm(2, 'clone', 1)],
      [snap(0, 'full', null, 0), snap(1, 'diff', 0, 0)],
    );
    expect(root.children.map((c) => c.key)).toEqual(['vm:0']);
    expect(find(root, 'vm:0')!.children.map((c) => c.key)).toEqual(['snap:0']);
    expect(find(root, 'snap:0')!.children.map((c) => c.key)).toEqual(['snap:1', 'vm:1']);
    expect(find(root, 'snap:1')!.children.map((c) => c.key)).toEqual(['vm:2']);
  });

  it('folds clones beyond the visible few into one node, keeping the selected ones', () => {
    const clones = Array.from({ length: 20 }, (_, i) => vm(i + 1, 'clone', 0));
    const root = buildLineage([vm(0, 'boot', null, 'paused'), ...clones], [snap(0, 'full', null, 0)], [17]);
    const kids = find(root, 'snap:0')!.children;
    expect(kids.filter((k) => k.kind === 'vm').map((k) => k.id)).toEqual([1, 2, 3, 4, 5, 17]);
    expect(kids.at(-1)).toMatchObject({ kind: 'more', label: `+${20 - VISIBLE_CLONES} more` });
  });

  it('lays the tree out top-down without overlaps', () => {
    const root = buildLineage(
      [vm(0, 'boot', null, 'paused'), vm(1, 'clone', 0), vm(2, 'clone', 0), vm(3, 'clone', 0)],
      [snap(0, 'full', null, 0)],
    );
    const { nodes, height } = layoutLineage(root, 7, 2);
    const byKey = Object.fromEntries(nodes.map((n) => [n.node.key, n]));
    expect(byKey['vm:0']!.y).toBe(0);
    expect(byKey['snap:0']!.y).toBe(2);
    expect(byKey['vm:1']!.y).toBe(4);
    expect(height).toBe(6);
    const xs = ['vm:1', 'vm:2', 'vm:3'].map((k) => byKey[k]!.x);
    expect(new Set(xs).size).toBe(3);
    expect(Math.min(...xs.slice(1).map((x, i) => x - xs[i]!))).toBeGreaterThanOrEqual(7);
  });
});

describe('palette', () => {
  it('group ink reads on every group colour (WCAG AA for large bold text and better)', () => {
    for (const c of GROUP_COLOURS) expect(contrast(c, inkOn(c))).toBeGreaterThanOrEqual(4.5);
    expect(groupStyle(0)).not.toEqual(groupStyle(7));
  });

  it('every page state and mark has a distinct colour, glyph and label', () => {
    const styles = [...PAGE_CLASSES.map((c) => PAGE_STYLE[c]), ...MARK_KINDS.map((k) => MARK_STYLE[k])];
    expect(new Set(styles.map((s) => s.colour)).size).toBe(styles.length);
    expect(new Set(styles.map((s) => s.glyph)).size).toBe(styles.length);
    expect(new Set(styles.map((s) => s.label)).size).toBe(styles.length);
  });

  it('page colours other than zero stand out from the map background', () => {
    for (const c of PAGE_CLASSES.filter((c) => c !== 'zero'))
      expect(contrast(PAGE_STYLE[c].colour, '#121212')).toBeGreaterThanOrEqual(3);
  });
});

describe('formats', () => {
  it('prints virtual time and bytes in short units', () => {
    expect(formatNs(711)).toBe('711 ns');
    expect(formatNs(50711)).toBe('50.7 µs');
    expect(formatNs(2_500_000)).toBe('2.5 ms');
    expect(formatBytes(33075)).toBe('32.3 KiB');
    expect(formatBytes(23.9 * 2 ** 20)).toBe('23.9 MiB');
  });
});

describe('permalinks and exports of a history', () => {
  const settings = async () => {
    const m = parseManifestText(await readGuest('default.json'), 'default.json');
    if (!m.ok) throw new Error(m.error.message);
    return resolveSettings(m.value, { seed: 7 });
  };
  const actions: Action[] = [
    { a: 'boot' },
    { a: 'snapshot', t: 'full' },
    { a: 'restore', n: 2 },
    { a: 'draw', n: 2 },
  ];
  /** Two clones x two draws of 4-byte outputs: clone 0 and 1 share their first value. */
  const draw: DrawResult = {
    vms: [1, 2],
    draws: 2,
    libraries: [
      {
        library: 'naive',
        consumer: 'nonce',
        width: 4,
        clones: 2,
        draws: 2,
        bytes: new Uint8Array([1, 2, 3, 4, 9, 9, 9, 9, 1, 2, 3, 4, 8, 8, 8, 8]),
        groups: new Int32Array([0, -1, 0, -1]),
        groupCount: 1,
        pairs: new Uint32Array([0, 1, 1, 0]),
        duplicates: 2,
        collidingPairs: 1,
        firstUniqueDraw: 2,
        verdict: 'dup-until',
        nsPerCall: 11.5,
        aborts: 0,
        reseeds: 0,
        freshEntropyBits: [0, 0],
        perCallBits: 0,
        safeFromDraw: null,
        firstSafeDraw: null,
        endedBy: null,
      },
    ],
  };

  it('a link holds the starting settings and the log whole, and decodes back to them', async () => {
    const s = await settings();
    const state = linkState(s, actions, { id: 'the-problem', step: 2 });
    expect(state).toEqual({ v: 2, settings: s, actions, scenario: { id: 'the-problem', step: 2 } });
    const hash = await hashOf(state);
    if (!hash.ok) throw new Error(hash.error.message);
    expect(hash.value).toMatch(/^#s=[A-Za-z0-9_-]+$/);
    const back = await readHash(hash.value);
    expect(back).toEqual({ ok: true, value: state });
    expect(await readHash('#other')).toBeNull();
  });

  it('the JSON export is the CLI report: every setting, the actions, per library the verdict, counts and outputs', async () => {
    const s = await settings();
    const json = JSON.parse(JSON.stringify(outputsJson(draw, { settings: s, actions }))) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      seed: 7,
      clones: 2,
      draws: 2,
      guest: 'default',
      settings: s,
      actions,
      duplicates: 2,
    });
    expect(json.libraries).toMatchObject([
      {
        library: 'naive',
        consumer: 'nonce',
        verdict: 'dup-until',
        duplicates: 2,
        collidingPairs: 1,
        firstUniqueDraw: 2,
        nsPerCall: 11.5,
        reseeds: 0,
        aborts: 0,
        outputs: [
          ['01020304', '09090909'],
          ['01020304', '08080808'],
        ],
      },
    ]);
  });

  it('the CSV exports open with the history, then one line per output or per library', async () => {
    const s = await settings();
    const out = outputsCsv(draw, { settings: s, actions }).split('\r\n');
    expect(out[0]).toBe(csvLine(['settings', JSON.stringify(s)]).trimEnd());
    expect(out[1]).toBe(csvLine(['actions', JSON.stringify(actions)]).trimEnd());
    expect(out.slice(2)).toEqual([
      OUTPUT_CSV_HEADER.join(','),
      'naive,nonce,1,1,01020304,true,1',
      'naive,nonce,1,2,09090909,false,',
      'naive,nonce,2,1,01020304,true,1',
      'naive,nonce,2,2,08080808,false,',
      '',
    ]);
    const met = metricsCsv(draw, { settings: s, actions }).split('\r\n');
    expect(met.slice(2)).toEqual([METRIC_CSV_HEADER.join(','), 'naive,nonce,dup-until,2,1,2,11.5,0,0', '']);
  });

  it('the Library select reads a library list as guest, all, one id, or a list of its own', () => {
    expect(libraryChoice('guest')).toBe('guest');
    expect(libraryChoice([...LIBRARY_IDS])).toBe('all');
    expect(libraryChoice(['vdso'])).toBe('vdso');
    expect(libraryChoice(['vdso', 'naive'])).toBe('list:vdso,naive');
  });
});
