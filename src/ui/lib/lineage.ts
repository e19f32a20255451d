// The lineage as a tree: original VM -> snapshots (diff layers under their parent layer) ->
// clones. d3-hierarchy computes the positions; the panel draws them (SVG links, HTML buttons).

import { hierarchy, tree, type HierarchyPointNode } from 'd3';
import type { SnapshotSummary, VmSummary } from '../../core/lab/api';

export interface LineageNode {
  key: string;
  kind: 'root' | 'vm' | 'snapshot' | 'more';
  id: number | null;
  label: string;
  detail: string;
  /** Shown on hover only: the name of the file a snapshot was opened from (the person's text). */
  note?: string;
  children: LineageNode[];
}

/** Clone nodes shown under one snapshot before the rest fold into one "+N more" node. */
export const VISIBLE_CLONES = 6;

function vmNode(v: VmSummary): LineageNode {
  const role = v.origin === 'clone' ? 'clone' : v.origin === 'resumed' ? 'original, resumed' : 'original';
  return {
    key: `vm:${v.id}`,
    kind: 'vm',
    id: v.id,
    label: `vm ${v.id}`,
    detail: `${role}, ${v.state}`,
    children: [],
  };
}

/**
 * Builds the lineage tree; `keep` are VM ids that must stay visible (the selected ones), `origins`
 * the file names of snapshots opened from files (they hang from the root: no VM of this lab took them).
 */
export function buildLineage(
  vms: VmSummary[],
  snaps: SnapshotSummary[],
  keep: number[] = [],
  origins: Readonly<Record<number, string>> = {},
): LineageNode {
  const root: LineageNode = { key: 'root', kind: 'root', id: null, label: 'lab', detail: '', children: [] };
  const vmNodes = new Map(vms.map((v) => [v.id as number, vmNode(v)]));
  const snapNodes = new Map(
    snaps.map((s) => [
      s.id as number,
      {
        key: `snap:${s.id}`,
        kind: 'snapshot' as const,
        id: s.id as number,
        label: `snap #${s.id}`,
        detail: `${s.type}${s.wipedPages ? `, ${s.wipedPages} wiped` : ''}${origins[s.id] !== undefined ? ', from a file' : ''}`,
        ...(origins[s.id] !== undefined ? { note: origins[s.id] } : {}),
        children: [] as LineageNode[],
      },
    ]),
  );
  for (const s of snaps) {
    const node = snapNodes.get(s.id)!;
    const parent =
      (s.type === 'diff' && s.parent !== null ? snapNodes.get(s.parent) : undefined) ??
      vmNodes.get(s.sourceVm) ??
      root;
    parent.children.push(node);
  }
  const clonesOf = new Map<number, VmSummary[]>();
  for (const v of vms) {
    const from = v.origin === 'clone' && v.restoredFrom !== null ? snapNodes.get(v.restoredFrom) : undefined;
    if (!from) {
      root.children.unshift(vmNodes.get(v.id)!);
      continue;
    }
    const list = clonesOf.get(v.restoredFrom as number) ?? [];
    list.push(v);
    clonesOf.set(v.restoredFrom as number, list);
  }
  const keepSet = new Set(keep);
  for (const [snap, list] of clonesOf) {
    const node = snapNodes.get(snap)!;
    const shown = list.filter(
      (v, i) => i < VISIBLE_CLONES - 1 || keepSet.has(v.id) || list.length <= VISIBLE_CLONES,
    );
    for (const v of shown) node.children.push(vmNodes.get(v.id)!);
    const hidden = list.length - shown.length;
    if (hidden > 0)
      node.children.push({
        key: `more:${snap}`,
        kind: 'more',
        id: snap,
        label: `+${hidden} more`,
        detail: `vm ${list.find((v) => !shown.includes(v))!.id}…${list[list.length - 1]!.id}`,
        children: [],
      });
  }
  return root;
}

export interface PlacedNode {
  node: LineageNode;
  /** Left-to-right position (breadth) and top-to-bottom position (depth), in layout units. */
  x: number;
  y: number;
  parent: { x: number; y: number } | null;
}

/** Positions of every node but the root, top-down: y grows with depth, x with breadth. */
export function layoutLineage(
  root: LineageNode,
  colW: number,
  rowH: number,
): { nodes: PlacedNode[]; width: number; height: number } {
  if (root.children.length === 0) return { nodes: [], width: 0, height: 0 };
  const h = hierarchy(root, (d) => d.children);
  const laid: HierarchyPointNode<LineageNode> = tree<LineageNode>().nodeSize([colW, rowH])(h);
  const all = laid.descendants().filter((d) => d.depth > 0);
  const minX = Math.min(...all.map((d) => d.x));
  const maxX = Math.max(...all.map((d) => d.x));
  const maxDepth = Math.max(...all.map((d) => d.depth));
  const pos = (d: HierarchyPointNode<LineageNode>) => ({ x: d.x - minX, y: (d.depth - 1) * rowH });
  return {
    nodes: all.map((d) => ({
      node: d.data,
      ...pos(d),
      parent: d.parent && d.parent.depth > 0 ? pos(d.parent) : null,
    })),
    width: maxX - minX + colW,
    height: maxDepth * rowH,
  };
}
