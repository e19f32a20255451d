// Outputs of the last Draw: per library (tabs), per VM (rows) and draw (columns). Outputs arrive
// as bytes; only the rows and columns on screen are turned into text (outputText). A value that
// also occurs in another VM is marked three ways: its group's colour, its group's glyph, and the
// word "duplicate" in its accessible name. Counts and the verdict are the core's.

import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { outputText } from '../../core/lab/draw';
import { verdictReason } from '../../core/lab/reason';
import type { LibraryDraw } from '../../core/lab/types';
import { count as fmt, drawLabel, VERDICT_WORDS, verdictPhrase } from '../../core/settings/words';
import { useRowWindow } from '../widgets/useRowWindow';
import { groupStyle } from '../lib/palette';
import { useLab, useLabStore } from '../store/context';
import { selectBusy, selectLastDraw, selectOutputsLibrary } from '../store/selectors';
import type { LabState } from '../store/types';
import { CollisionHeatmap } from './CollisionHeatmap';
import { RowSpacer } from '../widgets/RowSpacer';
import { RecoverButton, RecoverDialog } from '../recover/RecoverPanel';
import { WhyVerdict } from '../why/WhyVerdict';

const COLS = 32;
/** Compact values are half as wide: a page holds twice the draws (a 40-draw step needs no pager). */
const COMPACT_COLS = 64;

/** Presenter mode and embedded slides show 4 hex digits per value, so a screen holds twice the draws. */
const selectCompact = (s: LabState) => s.presenting || s.embed;

function short(v: string, compact: boolean): string {
  return v.replace(/-/g, '').slice(0, compact ? 4 : 8);
}

function Pager({
  what,
  from,
  size,
  total,
  onChange,
}: {
  what: string;
  from: number;
  size: number;
  total: number;
  onChange(n: number): void;
}) {
  if (total <= size) return null;
  return (
    <span className="hint">
      {what} {fmt(from + 1)}–{fmt(Math.min(total, from + size))} of {fmt(total)}{' '}
      <button
        className="small"
        disabled={from === 0}
        onClick={() => onChange(Math.max(0, from - size))}
        aria-label={`Previous ${what}`}
      >
        ◀
      </button>{' '}
      <button
        className="small"
        disabled={from + size >= total}
        onClick={() => onChange(from + size)}
        aria-label={`Next ${what}`}
      >
        ▶
      </button>
    </span>
  );
}

/** The VMs that hold one duplicate group: the first four (enough to name three others) and how many. */
interface Holders {
  first: number[];
  n: number;
}

/** "vm 2, vm 3" or, for many, "vm 2, vm 3, vm 4 and 60 more VMs": the holders other than self. */
function others(h: Holders, self: number): string {
  const head = h.first
    .filter((x) => x !== self)
    .slice(0, 3)
    .map((v) => `vm ${v}`);
  const rest = h.n - 1 - head.length; // self is one of the holders
  return rest > 0 ? `${head.join(', ')} and ${rest} more VMs` : head.join(', ');
}

// memo: the panel re-renders when the lab turns busy and idle; the table (its visible rows of
// cells with their accessible names) only when its draw changes
const OutputsTable = memo(function OutputsTable({
  lib,
  vms,
  draws,
}: {
  lib: LibraryDraw;
  vms: number[];
  draws: number;
}) {
  const unique = lib.firstUniqueDraw;
  const compact = useLab(selectCompact);
  const size = compact ? COMPACT_COLS : COLS;
  // the page of draws that holds the switch to unique (and the draw before it)
  const [col0, setCol0] = useState(() =>
    unique !== null && unique > size ? Math.floor((unique - 2) / size) * size : 0,
  );
  const box = useRef<HTMLDivElement>(null);
  const { first, last, rowH } = useRowWindow(box, vms.length);
  const cols = Array.from({ length: Math.max(0, Math.min(size, draws - col0)) }, (_, i) => col0 + i);
  // which VMs hold each group (for the accessible name), once per draw
  const holders = useMemo(() => {
    const h = new Map<number, Holders & { last: number }>();
    for (let c = 0; c < vms.length; c++)
      for (let d = 0; d < draws; d++) {
        const g = lib.groups[c * draws + d]!;
        if (g < 0) continue;
        let x = h.get(g);
        if (!x) h.set(g, (x = { first: [], n: 0, last: -1 }));
        if (x.last === c) continue; // a VM that drew the value twice holds it once
        x.last = c;
        x.n++;
        if (x.first.length < 4) x.first.push(vms[c]!);
      }
    return h;
  }, [lib, vms, draws]);
  // the draw where the outputs turn unique, with the one before it, scrolled into view: the
  // moment a talk is about (the race window's #9) never hides behind the panel's edge
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || unique === null || unique <= 1) return;
    const heads = el.querySelectorAll<HTMLElement>('thead th');
    const th = heads[unique - col0];
    if (!th || !heads[0]) return;
    const right = th.offsetLeft + th.offsetWidth;
    if (right > el.scrollLeft + el.clientWidth) el.scrollLeft = right - el.clientWidth + th.offsetWidth / 2;
  }, [unique, col0, compact]);
  return (
    <>
      <div className="hint">
        <Pager what="outputs" from={col0} size={size} total={draws} onChange={setCol0} />
      </div>
      <div
        className="scroll"
        tabIndex={0}
        aria-label={`Output values of ${lib.library}`}
        role="region"
        ref={box}
      >
        <table>
          <thead>
            <tr>
              <th scope="col">VM</th>
              {cols.map((d) => (
                <th key={d} scope="col" className="num">
                  {drawLabel(d + 1)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <RowSpacer rows={first} rowH={rowH} />
            {vms.slice(first, last).map((vm, i) => {
              const c = first + i;
              return (
                <tr key={vm}>
                  <th scope="row">vm {vm}</th>
                  {cols.map((d) => {
                    const v = outputText(lib, c, d);
                    const g = lib.groups[c * draws + d]!;
                    if (g < 0)
                      return (
                        <td
                          key={d}
                          className="out-cell"
                          title={v}
                          aria-label={`vm ${vm} output ${d + 1}: ${v}, unique`}
                        >
                          {'  '}
                          {short(v, compact)}
                        </td>
                      );
                    const st = groupStyle(g);
                    const also = others(holders.get(g) ?? { first: [], n: 1 }, vm);
                    return (
                      <td
                        key={d}
                        className="out-cell dup"
                        style={{ background: st.colour, color: st.ink }}
                        title={`${v} (duplicate group ${g + 1}, also in ${also})`}
                        aria-label={`vm ${vm} output ${d + 1}: ${v}, duplicate (group ${g + 1}, also in ${also})`}
                      >
                        {st.glyph} {short(v, compact)}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
            <RowSpacer rows={vms.length - last} rowH={rowH} />
          </tbody>
        </table>
      </div>
    </>
  );
});

export function OutputsPanel() {
  const store = useLabStore();
  const draw = useLab(selectLastDraw);
  const libIndex = useLab(selectOutputsLibrary);
  const busy = useLab(selectBusy);
  const lib = draw?.libraries[libIndex] ?? draw?.libraries[0];
  const total = draw ? draw.libraries.reduce((n, l) => n + l.duplicates, 0) : 0;
  return (
    <section className="panel outputs" aria-labelledby="outputs-h">
      <div className="panel-head">
        <h2 id="outputs-h">
          Outputs
          {draw ? (
            <span className="sub">
              <span className="big-number">{fmt(total)}</span> duplicates · {fmt(draw.vms.length)} VM
              {draw.vms.length === 1 ? '' : 's'} × {fmt(draw.draws)}
              {lib && (
                <>
                  {' · '}
                  {lib.library}{' '}
                  <span
                    className={`verdict v-${lib.verdict}`}
                    title={`${VERDICT_WORDS[lib.verdict].says}; first unique draw ${drawLabel(lib.firstUniqueDraw)}`}
                  >
                    <span aria-hidden="true">{VERDICT_WORDS[lib.verdict].glyph}</span>{' '}
                    {verdictPhrase(lib.verdict, lib.firstUniqueDraw)}
                  </span>
                  <WhyVerdict subject={lib.library} verdict={lib.verdict} reason={verdictReason(lib)} />
                  <RecoverButton lib={lib} proc={draw.libraries.indexOf(lib)} />
                </>
              )}
            </span>
          ) : (
            <span className="sub">
              {busy?.op === 'draw' ? 'drawing…' : 'press Draw: every running VM draws'}
            </span>
          )}
        </h2>
        {draw && lib && (
          <div className="tabs" role="tablist" aria-label="Libraries">
            {draw.libraries.map((l, i) => (
              <button
                key={`${l.library}-${i}`}
                role="tab"
                aria-selected={l === lib}
                aria-controls="outputs-tabpanel"
                className="small"
                onClick={() => store.getState().setOutputsLibrary(i)}
              >
                {l.library} ({l.consumer}): {fmt(l.duplicates)} dup
              </button>
            ))}
          </div>
        )}
      </div>
      {draw && lib ? (
        <div className="outputs-body" role="tabpanel" id="outputs-tabpanel">
          <div className="outputs-table">
            <OutputsTable
              key={`${draw.vms.join()}-${libIndex}`}
              lib={lib}
              vms={draw.vms}
              draws={draw.draws}
            />
          </div>
          <CollisionHeatmap lib={lib} vms={draw.vms} />
        </div>
      ) : (
        <p className="empty">No outputs yet.</p>
      )}
      <RecoverDialog />
    </section>
  );
}
