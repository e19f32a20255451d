// Metrics: per library the verdict (word, glyph and colour), the core's collision statistics and
// virtual ns per call (a log-scale bar in each row: d3 computes the scale, React draws the SVG;
// the cost model's source in a tooltip and, for keyboard users, in the line under the table),
// then host memory and faults. Words and numbers are the core's (settings/words.ts).

import { scaleLog } from 'd3';
import { verdictReason } from '../../core/lab/reason';
import { useState } from 'react';
import { count as fmt, drawLabel, nsText, VERDICT_WORDS, verdictPhrase } from '../../core/settings/words';
import { COST_SOURCES } from '../lib/costSources';
import { formatBytes } from '../lib/format';
import { useLab } from '../store/context';
import { selectLastDraw, selectStats, selectVms } from '../store/selectors';
import { WhyVerdict } from '../why/WhyVerdict';
import { Term } from '../view/Term';

const BAR_W = 28;

export function MetricsPanel() {
  const draw = useLab(selectLastDraw);
  const vms = useLab(selectVms);
  const stats = useLab(selectStats);
  const [focus, setFocus] = useState<number | null>(null);
  const clones = vms.filter((v) => v.origin !== 'boot');
  const perClone = clones.length ? clones.reduce((s, v) => s + v.privateBytes, 0) / clones.length : null;
  const faults = vms.reduce((s, v) => s + v.faults, 0);
  const libs = draw?.libraries ?? [];
  const maxNs = Math.max(200, ...libs.map((l) => l.nsPerCall));
  const x = scaleLog().domain([0.5, maxNs]).range([2, BAR_W]).clamp(true);
  return (
    <section className="panel metrics" aria-labelledby="metrics-h">
      <h2 id="metrics-h">Metrics</h2>
      <div className="scroll">
        {libs.length === 0 ? (
          <p className="empty">Draw to see duplicates and cost per library.</p>
        ) : (
          <table className="metrics-table">
            <thead>
              <tr>
                <th scope="col">library</th>
                <th scope="col" title="the verdict from the outputs themselves">
                  <Term k="verdict">verdict</Term>
                </th>
                <th scope="col" className="num" title="outputs whose value also occurs in another VM">
                  <Term k="duplicate">dups</Term>
                </th>
                <th scope="col" title="virtual ns per call from the cost model (log scale)">
                  <Term k="ns-per-call">ns/call</Term>
                </th>
              </tr>
            </thead>
            <tbody>
              {libs.map((l, i) => (
                <tr
                  key={`${l.library}-${i}`}
                  tabIndex={0}
                  title={`${fmt(l.collidingPairs)} VM pairs share values · ${COST_SOURCES[l.library]}${l.reseeds ? ` · ${fmt(l.reseeds)} reseeds` : ''}${l.aborts ? ` · ${fmt(l.aborts)} aborted calls` : ''}`}
                  onFocus={() => setFocus(i)}
                  onBlur={() => setFocus(null)}
                  onPointerEnter={() => setFocus(i)}
                  onPointerLeave={() => setFocus(null)}
                >
                  <th scope="row">{l.library}</th>
                  <td
                    className={`verdict v-${l.verdict}`}
                    title={`${VERDICT_WORDS[l.verdict].says}; first unique draw ${drawLabel(l.firstUniqueDraw)}`}
                  >
                    <span aria-hidden="true">{VERDICT_WORDS[l.verdict].glyph}</span>{' '}
                    {verdictPhrase(l.verdict, l.firstUniqueDraw)}
                    <WhyVerdict subject={l.library} verdict={l.verdict} reason={verdictReason(l)} compact />
                  </td>
                  <td className="num">
                    <strong>{fmt(l.duplicates)}</strong>
                  </td>
                  <td className="bar-cell">
                    <span className="num">{nsText(l.nsPerCall)} </span>
                    <svg width={BAR_W} height={14} aria-hidden="true">
                      <rect
                        x={0}
                        y={1}
                        width={x(Math.max(0.5, l.nsPerCall))}
                        height={12}
                        fill="#56B4E9"
                        stroke="#000"
                      />
                    </svg>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {libs.length > 0 && (
          <p className="hint" aria-live="polite">
            {focus !== null && libs[focus]
              ? `${libs[focus].library}: first unique draw ${drawLabel(libs[focus].firstUniqueDraw)}, ${fmt(libs[focus].collidingPairs)} VM pairs share values; ${COST_SOURCES[libs[focus].library]}${libs[focus].reseeds ? ` (${fmt(libs[focus].reseeds)} reseeds)` : ''}`
              : 'Hover or focus a row for the source of its cost.'}
          </p>
        )}
        <p className="hint">
          host memory per clone: <strong>{perClone === null ? '–' : formatBytes(perClone)}</strong> · faults:{' '}
          <strong>{fmt(faults)}</strong>
          {stats ? (
            <>
              {' '}
              · wasm memory: <strong>{formatBytes(stats.wasmMemoryBytes)}</strong>
            </>
          ) : null}
        </p>
      </div>
    </section>
  );
}
