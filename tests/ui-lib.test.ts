// Pure helpers of the app: map geometry and cursor keys, the lineage tree, duplicate marks,
// palette contrast, number formats.

import { describe, expect, it } from 'vitest';
import type { SnapshotSummary, VmSummary } from '../src/core/lab/api';
import { duplicateMarks } from '../src/ui/lib/duplicates';
import { formatBytes, formatNs } from '../src/ui/lib/format';
import { buildLineage, layoutLineage, VISIBLE_CLONES, type LineageNode } from '../src/ui/lib/lineage';
import { cellOf, gridSize, mapGeometry, moveCursor, pageAt, usedExtent } from '../src/ui/lib/mapGeometry';
import { contrast, GROUP_COLOURS, groupStyle, inkOn, MARK_STYLE, PAGE_STYLE } from '../src/ui/lib/palette';
import { MARK_KINDS, PAGE_CLASSES } from '../src/ui/worker/protocol';

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

describe('duplicate marks', () => {
  it('renumbers the core group heads densely in first-seen order', () => {
    const m = duplicateMarks(
      [
        [-1, 1, 2],
        [7, 1, 2],
        [7, -1, 2],
      ],
      [
        [0, 2, 1],
        [2, 0, 2],
        [1, 2, 0],
      ],
    );
    expect(Array.from(m.groups)).toEqual([-1, 0, 1, 2, 0, 1, 2, -1, 1]);
    expect(m.groupCount).toBe(3);
    expect(m.marked).toBe(7);
    expect(Array.from(m.pairs)).toEqual([0, 2, 1, 2, 0, 2, 1, 2, 0]);
  });

  it('has no pair matrix above the core limit', () => {
    expect(duplicateMarks([[-1], [-1]], null).pairs).toHaveLength(0);
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
