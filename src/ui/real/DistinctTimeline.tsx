// A small SVG timeline: distinct /dev/urandom values among the real clones, one point per read,
// over real seconds since the restore, with the agent reseed and the lab model's predicted
// divergence as marked lines (the axis reaches the prediction from the first read, so the room
// watches the real points walk towards it). React owns the pixels; the scales are two lines of
// arithmetic. A sentence gives the same facts as text.

import type { RealHistoryPoint } from './store';

interface Props {
  history: readonly RealHistoryPoint[];
  clones: number;
  reseedAtS: number | null;
  /** The model's first read with every clone distinct, seconds after the restore (null: none). */
  modelS?: number | null;
}

const W = 560;
const H = 150;
const PAD = { left: 44, right: 12, top: 10, bottom: 34 };

export function DistinctTimeline({ history, clones, reseedAtS, modelS = null }: Props) {
  const tMax = Math.max(10, ...history.map((p) => p.tS), reseedAtS ?? 0, modelS === null ? 0 : modelS * 1.1);
  const yMax = Math.max(1, clones);
  const x = (t: number) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
  const y = (d: number) => H - PAD.bottom - (d / yMax) * (H - PAD.top - PAD.bottom);
  const path = history
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.tS).toFixed(1)},${y(p.distinct).toFixed(1)}`)
    .join(' ');
  const ticks = [0, tMax / 2, tMax].map((t) => Math.round(t));
  const last = history[history.length - 1];
  const firstAll = history.find((p) => p.distinct === p.clones && p.clones > 1);
  const summary = last
    ? `${history.length} reads; latest at ${last.tS.toFixed(1)} s: ${last.distinct} distinct of ${last.clones}` +
      (firstAll
        ? `; first read with all clones distinct at ${firstAll.tS.toFixed(1)} s`
        : '; no read yet with all clones distinct') +
      (reseedAtS !== null ? `; agent reseed at ${reseedAtS.toFixed(1)} s` : '') +
      (modelS !== null ? `; the model predicts all distinct from ${modelS} s` : '')
    : modelS !== null
      ? `no reads yet; the model predicts all distinct from ${modelS} s`
      : 'no reads yet';
  return (
    <figure className="real-timeline">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Timeline of distinct /dev/urandom values: ${summary}`}
      >
        <line className="axis" x1={PAD.left} y1={y(0)} x2={W - PAD.right} y2={y(0)} />
        <line className="axis" x1={PAD.left} y1={y(0)} x2={PAD.left} y2={PAD.top} />
        {[1, yMax].map((d) => (
          <g key={d}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(d)} y2={y(d)} />
            <text className="tick" x={PAD.left - 6} y={y(d) + 5} textAnchor="end">
              {d}
            </text>
          </g>
        ))}
        {firstAll && (
          <text
            className="tick real-mark"
            x={x(firstAll.tS) + (x(firstAll.tS) > W - 100 ? -8 : 6)}
            y={y(firstAll.distinct) + 18}
            textAnchor={x(firstAll.tS) > W - 100 ? 'end' : 'start'}
          >
            real: {firstAll.tS.toFixed(1)} s
          </text>
        )}
        {ticks.map((t, i) => (
          <text
            key={i}
            className="tick"
            x={x(t)}
            y={H - PAD.bottom + 18}
            textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}
          >
            {t} s
          </text>
        ))}
        <text className="tick" x={(PAD.left + W - PAD.right) / 2} y={H - 2} textAnchor="middle">
          real time since the restore
        </text>
        {reseedAtS !== null && (
          <g className="reseed">
            <line x1={x(reseedAtS)} x2={x(reseedAtS)} y1={PAD.top} y2={y(0)} />
            <text x={x(reseedAtS) + 4} y={y(0) - 6}>
              ⚡ agent reseed
            </text>
          </g>
        )}
        {modelS !== null && (
          <g className="model-line">
            <line x1={x(modelS)} x2={x(modelS)} y1={PAD.top} y2={y(0)} />
            {/* half-way down: the real label sits at the top, the agent's at the bottom */}
            <text x={x(modelS) - 4} y={(PAD.top + y(0)) / 2 + 5} textAnchor="end">
              model: {modelS} s
            </text>
          </g>
        )}
        <path className="line" d={path} />
        {history.map((p, i) => (
          <circle
            key={i}
            className={p.distinct < p.clones ? 'pt dup' : 'pt'}
            cx={x(p.tS)}
            cy={y(p.distinct)}
            r={p.distinct < p.clones ? 5 : 4}
          />
        ))}
      </svg>
      <figcaption className="hint">
        Distinct values per read (of {clones}): {summary}.
      </figcaption>
    </figure>
  );
}
