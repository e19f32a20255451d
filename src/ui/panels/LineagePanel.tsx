// Lineage, top-down: original VM -> snapshots (diff layers chained) -> clones. d3-hierarchy
// places the nodes (lib/lineage.ts); React draws SVG links and real buttons, so every node is
// focusable. Click or Enter on a VM: show it as map A (Shift: map B); on a snapshot: clone from it.

import { useMemo } from 'react';
import { buildLineage, layoutLineage } from '../lib/lineage';
import { useLab, useLabStore } from '../store/context';
import {
  selectCompareVm,
  selectSelectedSnapshot,
  selectSelectedVm,
  selectSnapshots,
  selectVms,
} from '../store/selectors';
import type { LabState } from '../store/types';
import { SnapshotFilesBar, useSnapshotDrop } from './SnapshotFilesPanel';

const selectOrigins = (s: LabState) => s.snapshotOrigins;

/** Layout units are rem, so Large type scales the tree with the text. */
const COL = 6.9;
const ROW = 2.15;
const NODE_W = 6.2;
const NODE_H = 1.45;

export function LineagePanel() {
  const store = useLabStore();
  const vms = useLab(selectVms);
  const snaps = useLab(selectSnapshots);
  const selectedVm = useLab(selectSelectedVm);
  const compareVm = useLab(selectCompareVm);
  const selectedSnapshot = useLab(selectSelectedSnapshot);
  const origins = useLab(selectOrigins);
  const drop = useSnapshotDrop();

  const { nodes, width, height } = useMemo(() => {
    const keep = [selectedVm, compareVm].filter((v): v is number => v !== null);
    return layoutLineage(buildLineage(vms, snaps, keep, origins), COL, ROW);
  }, [vms, snaps, selectedVm, compareVm, origins]);

  const running = vms.filter((v) => v.state === 'running').length;
  const W = width;
  const H = height + NODE_H;
  return (
    <section
      className={`panel${drop.over ? ' drop-target' : ''}`}
      aria-labelledby="lineage-h"
      {...drop.props}
    >
      <h2 id="lineage-h">
        Lineage
        <span className="sub">
          {vms.length} VM{vms.length === 1 ? '' : 's'} ({running} running), {snaps.length} snap
          {snaps.length === 1 ? '' : 's'} · click: map A · Shift+click: map B · ◇ click: clone source
        </span>
      </h2>
      <div className="scroll lineage-scroll">
        {nodes.length === 0 ? (
          <p className="empty">
            Nothing yet: press Boot to start the original VM, or open a .ulsnap file (or drop one here).
          </p>
        ) : (
          <div className="lineage" style={{ width: `${W}rem`, height: `${H}rem` }}>
            <svg width={`${W}rem`} height={`${H}rem`} viewBox={`0 0 ${W} ${H}`} aria-hidden="true">
              {nodes
                .filter((n) => n.parent)
                .map((n) => {
                  const p = n.parent!;
                  const px = p.x + NODE_W / 2;
                  const py = p.y + NODE_H;
                  const cx = n.x + NODE_W / 2;
                  const mid = (py + n.y) / 2;
                  return (
                    <path
                      key={n.node.key}
                      d={`M${px},${py} C${px},${mid} ${cx},${mid} ${cx},${n.y}`}
                      fill="none"
                      stroke="var(--muted)"
                      strokeWidth={0.07}
                      strokeDasharray={n.node.kind === 'snapshot' ? '0.25 0.15' : undefined}
                    />
                  );
                })}
            </svg>
            {nodes.map(({ node, x, y }) => {
              const style = {
                left: `${x}rem`,
                top: `${y}rem`,
                width: `${NODE_W}rem`,
                height: `${NODE_H}rem`,
              };
              if (node.kind === 'more')
                return (
                  <span
                    key={node.key}
                    className="node more"
                    style={style}
                    title={`${node.detail}: pick them in Map A / Map B`}
                  >
                    {node.label}
                  </span>
                );
              const isVm = node.kind === 'vm';
              const id = node.id!;
              const badge = isVm ? (id === selectedVm ? 'A' : id === compareVm ? 'B' : null) : null;
              const pressed = isVm ? id === selectedVm || id === compareVm : id === selectedSnapshot;
              const paused = node.detail.endsWith('paused');
              return (
                <button
                  key={node.key}
                  className={`node ${node.kind}`}
                  style={style}
                  aria-pressed={pressed}
                  aria-label={`${node.label}, ${node.detail}${badge ? `, map ${badge}` : ''}${!isVm && pressed ? ', clone source' : ''}`}
                  title={`${node.label}: ${node.detail}${node.note ? ` (${node.note})` : ''}`}
                  onClick={(e) => {
                    const s = store.getState();
                    if (!isVm) s.selectSnapshot(id);
                    else if (e.shiftKey) s.setCompareVm(id);
                    else s.selectVm(id);
                  }}
                >
                  {isVm ? (paused ? '‖ ' : '▶ ') : '◇ '}
                  {node.label}
                  {badge && <span className="badge">{badge}</span>}
                  {node.note !== undefined && (
                    <span className="badge file" aria-hidden="true" title="opened from a file">
                      ⤒
                    </span>
                  )}
                </button>
              );
            })}
          </div>
        )}
      </div>
      {drop.over && (
        <p className="drop-hint" aria-hidden="true">
          Drop a .ulsnap file to open it as a new snap
        </p>
      )}
      <SnapshotFilesBar />
    </section>
  );
}
