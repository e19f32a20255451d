// Memory: the maps of VM A and VM B side by side (zoom linked), the legend with counts, a text
// summary for screen readers (and for the back row), and the details of the page under the cursor.

import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PAGE_STYLE } from '../lib/palette';
import { createZoomLink } from '../lib/zoomLink';
import { useLab, useLabStore } from '../store/context';
import { selectCompareVm, selectSelectedVm, selectVms } from '../store/selectors';
import type { LabState } from '../store/types';
import { PAGE_CLASSES, type MemoryMapView, type PageClass } from '../worker/protocol';
import { MemoryMapCanvas } from './MemoryMapCanvas';
import { PageDetails } from './PageDetails';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The maps, for their counts and special pages (the canvases paint the class arrays themselves). */
const selectMaps = (s: LabState) => ({ a: s.mapA, b: s.mapB });
type Summary = Pick<MemoryMapView, 'vm' | 'pages' | 'counts' | 'special'>;

function describe(m: Summary, other: number | null): string {
  const parts = PAGE_CLASSES.filter((c) => m.counts[c] > 0).map(
    (c) => `${fmt(m.counts[c])} ${PAGE_STYLE[c].label}`,
  );
  let text = `vm ${m.vm}: ${fmt(m.pages)} pages: ${parts.join(', ')}.`;
  if (other !== null && m.special.length > 0) {
    const same = m.special.filter((s) => s.identical).length;
    text += ` Of ${m.special.length} marked pages, ${same} hold the same bytes as in vm ${other}.`;
  }
  return text;
}

function SpecialSummary({ m, other }: { m: Summary; other: number | null }) {
  if (m.special.length === 0) return null;
  const byCls = new Map<PageClass, { same: number; diff: number }>();
  for (const s of m.special) {
    const e = byCls.get(s.cls) ?? { same: 0, diff: 0 };
    if (s.identical) e.same++;
    else e.diff++;
    byCls.set(s.cls, e);
  }
  return (
    <p className="special-list">
      {[...byCls].map(([cls, e]) => (
        <span key={cls} style={{ marginRight: '0.8rem' }}>
          {PAGE_STYLE[cls].glyph} {PAGE_STYLE[cls].label}:{' '}
          {other === null ? (
            `${e.same + e.diff} page${e.same + e.diff === 1 ? '' : 's'}`
          ) : (
            <>
              <strong>{e.same} identical</strong>
              {e.diff > 0 ? `, ${e.diff} different` : ''}
            </>
          )}
        </span>
      ))}
    </p>
  );
}

function VmPicker({
  label,
  value,
  onChange,
  allowNone,
}: {
  label: string;
  value: number | null;
  onChange(v: number | null): void;
  allowNone: boolean;
}) {
  const vms = useLab(selectVms);
  const id = `picker-${label.replace(/\W/g, '')}`;
  return (
    <div className="map-head">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
      >
        {(allowNone || value === null) && <option value="">none</option>}
        {vms.map((v) => (
          <option key={v.id} value={v.id}>
            vm {v.id} ({v.origin === 'clone' ? `clone of snap #${v.restoredFrom}` : 'original'}, {v.state})
          </option>
        ))}
      </select>
    </div>
  );
}

export function MemoryPanel() {
  const store = useLabStore();
  const link = useMemo(() => createZoomLink(), []);
  const selectedVm = useLab(selectSelectedVm);
  const compareVm = useLab(selectCompareVm);
  const maps = useLab(useShallow(selectMaps));
  const legendCounts = maps.a?.counts;
  return (
    <section className="panel" aria-labelledby="memory-h">
      <h2 id="memory-h">
        Memory{' '}
        <span className="sub">
          one cell per 4 KiB page · wheel/drag or +/− to zoom · arrows move the cursor
        </span>
      </h2>
      <div className="maps">
        {(['a', 'b'] as const).map((side) => {
          const m = side === 'a' ? maps.a : maps.b;
          const other = side === 'a' ? (maps.b?.vm ?? null) : (maps.a?.vm ?? null);
          return (
            <div key={side}>
              <VmPicker
                label={side === 'a' ? 'Map A' : 'Map B'}
                value={side === 'a' ? selectedVm : compareVm}
                allowNone={side === 'b'}
                onChange={(v) =>
                  side === 'a' ? v !== null && store.getState().selectVm(v) : store.getState().setCompareVm(v)
                }
              />
              <MemoryMapCanvas
                side={side}
                link={link}
                label={m ? `Memory map of vm ${m.vm}` : `Memory map ${side.toUpperCase()} (empty)`}
                describedBy={`map-summary-${side}`}
              />
              <p id={`map-summary-${side}`} className="sr-only">
                {m ? describe(m, other) : 'No VM shown.'}
              </p>
              {m && <SpecialSummary m={m} other={other} />}
            </div>
          );
        })}
      </div>
      <ul className="legend" aria-label="Legend (page counts of map A)">
        {PAGE_CLASSES.map((c) => (
          <li key={c} title={PAGE_STYLE[c].help}>
            <span
              className="swatch"
              style={{
                background: PAGE_STYLE[c].colour,
                color: c === 'zero' || c === 'device' ? '#fff' : '#000',
              }}
            >
              {PAGE_STYLE[c].glyph}
            </span>
            {PAGE_STYLE[c].label}
            {legendCounts ? <span className="mono">&nbsp;{fmt(legendCounts[c])}</span> : null}
          </li>
        ))}
        <li title="marker filled: the page holds the same bytes in A and B; hollow: different">
          ● filled = same bytes in A and B, ○ hollow = different
        </li>
      </ul>
      <PageDetails />
    </section>
  );
}
