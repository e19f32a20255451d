// Memory: the maps of VM A and VM B side by side (zoom linked), the legend with counts, a text
// summary for screen readers (and for the back row), and the details of the page under the cursor.

import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { inkOn, MARK_STYLE, PAGE_STYLE } from '../lib/palette';
import { createZoomLink } from '../lib/zoomLink';
import { useLab, useLabStore } from '../store/context';
import { selectCompareVm, selectMapRange, selectSelectedVm, selectVms } from '../store/selectors';
import type { LabState } from '../store/types';
import { MARK_KINDS, PAGE_CLASSES, type MemoryMapView } from '../../core/lab/inspect';
import { MemoryMapCanvas } from './MemoryMapCanvas';
import { Term } from '../view/Term';

/** The glossary entry behind a legend word, where there is one. */
const LEGEND_TERMS: Partial<Record<string, string>> = {
  zero: 'zero-page',
  shared: 'copy-on-write',
  private: 'copy-on-write',
  dirty: 'dirty',
  WIPEONSUSPEND: 'wipeonsuspend',
  wiped: 'wipeonsuspend',
  secret: 'secret-in-file',
  device: 'vmgenid',
};

/** A legend word, linked to the glossary when it has an entry. */
function LegendWord({ label }: { label: string }) {
  const k = LEGEND_TERMS[label];
  return k ? <Term k={k}>{label}</Term> : <>{label}</>;
}
import { PageDetails } from './PageDetails';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The maps, for their counts and marked pages (the canvases paint the state arrays themselves). */
const selectMaps = (s: LabState) => ({ a: s.mapA, b: s.mapB });
type Summary = Pick<MemoryMapView, 'vm' | 'pages' | 'counts' | 'marks' | 'special'>;

function describe(m: Summary, other: number | null): string {
  const parts = PAGE_CLASSES.filter((c) => m.counts[c] > 0).map(
    (c) => `${fmt(m.counts[c])} ${PAGE_STYLE[c].label}`,
  );
  const marks = MARK_KINDS.filter((k) => m.marks[k] > 0).map((k) => `${m.marks[k]} ${MARK_STYLE[k].label}`);
  let text = `vm ${m.vm}: ${fmt(m.pages)} pages: ${parts.join(', ')}. Marked: ${marks.join(', ') || 'none'}.`;
  if (other !== null && m.special.length > 0) {
    const same = m.special.filter((s) => s.identical).length;
    text += ` Of ${m.special.length} marked pages, ${same} hold the same bytes as in vm ${other}.`;
  }
  return text;
}

/** One line for both maps: of the marked pages of A, how many hold the same bytes in B. */
function Comparison({ a, b }: { a: Summary | null; b: Summary | null }) {
  if (!a || a.special.length === 0) return null;
  const groups: Array<{ key: string; glyph: string; label: string; same: number; total: number }> = [];
  const add = (key: string, glyph: string, label: string, same: boolean | null) => {
    let g = groups.find((x) => x.key === key);
    if (!g) groups.push((g = { key, glyph, label, same: 0, total: 0 }));
    g.total++;
    if (same) g.same++;
  };
  for (const s of a.special) {
    if (s.kind) add(s.kind, MARK_STYLE[s.kind].glyph, MARK_STYLE[s.kind].label, s.identical);
    if (s.cls === 'wiped') add('wiped', PAGE_STYLE.wiped.glyph, 'wiped', s.identical);
  }
  return (
    <p className="special-list" data-testid="map-comparison">
      <span className="special-item">
        {b ? (
          <>
            vm {a.vm} vs vm {b.vm}, <strong>same bytes</strong>:
          </>
        ) : (
          <>vm {a.vm} marked pages:</>
        )}
      </span>
      {groups.map((g) => (
        <span key={g.key} className="special-item">
          {g.glyph} {g.label} {b ? <strong>{`${g.same} of ${g.total}`}</strong> : <strong>{g.total}</strong>}
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
            vm {v.id}: {v.origin === 'clone' ? `clone of #${v.restoredFrom}` : 'original'}
            {v.state === 'running' ? '' : `, ${v.state}`}
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
  const mapRange = useLab(selectMapRange);
  const legendCounts = maps.a?.counts;
  const legendMarks = maps.a?.marks;
  return (
    <section className="panel" aria-labelledby="memory-h">
      <div className="panel-head">
        <h2 id="memory-h">
          Memory{' '}
          <span className="sub">a cell per 4 KiB page · hover or arrows: a page · wheel or +/−: zoom</span>
        </h2>
        <label
          className="check small-check"
          title={`show every page of the guest${maps.a ? ` (${fmt(maps.a.pages)})` : ''}, not only up to the last page in use`}
        >
          <input
            type="checkbox"
            checked={mapRange === 'all'}
            onChange={(e) => store.getState().setMapRange(e.target.checked ? 'all' : 'used')}
          />
          All pages
        </label>
      </div>
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
            </div>
          );
        })}
      </div>
      <Comparison a={maps.a} b={maps.b} />
      <ul className="legend" aria-label="Legend (page counts of map A)">
        {PAGE_CLASSES.map((c) => (
          <li key={c} title={PAGE_STYLE[c].help}>
            <span
              className="swatch"
              style={{ background: PAGE_STYLE[c].colour, color: inkOn(PAGE_STYLE[c].colour) }}
            >
              {PAGE_STYLE[c].glyph}
            </span>
            <LegendWord label={PAGE_STYLE[c].label} />
            {legendCounts ? <span className="mono">&nbsp;{fmt(legendCounts[c])}</span> : null}
          </li>
        ))}
        {MARK_KINDS.map((k) => (
          <li key={k} title={MARK_STYLE[k].help}>
            <span className="mark" style={{ color: MARK_STYLE[k].colour }}>
              {MARK_STYLE[k].glyph}
            </span>
            <LegendWord label={MARK_STYLE[k].label} />
            {legendMarks ? <span className="mono">&nbsp;{fmt(legendMarks[k])}</span> : null}
          </li>
        ))}
        <li title="a marker is filled when the page holds the same bytes in A and B, hollow when they differ">
          filled = same bytes in A and B
        </li>
      </ul>
      <PageDetails />
    </section>
  );
}
