// The lab model's prediction beside the real clones' measurement: seconds after the restore until
// every clone's /dev/urandom differs, the model's (real/model.ts, through the lab's worker) and the
// first real read at which they all differed, the difference shown as a number, and the one line
// of why the two can differ. Large numbers: this is what a room compares.

import { CAUSE_WORDS } from '../../core/lab/reason';
import type { CauseName } from '../../core/lab/types';
import {
  MODEL_VS_REAL_WHY,
  predictionWords,
  REAL_MODEL_SETUP,
  type ModelPrediction,
} from '../../core/real/prediction';
import type { RealHistoryPoint } from './store';

interface Props {
  model: ModelPrediction | null;
  modelError: string | null;
  history: readonly RealHistoryPoint[];
  clones: number;
  reseedAtS: number | null;
  /** No real clones can run here (the assets are missing): the model is shown alone. */
  alone: boolean;
}

const s1 = (x: number) => `${x.toFixed(1)} s`;

/** The first read at which every clone differed (seconds after the restore), or null. */
export function measuredDivergence(history: readonly RealHistoryPoint[]): RealHistoryPoint | null {
  return history.find((p) => p.clones > 1 && p.distinct === p.clones) ?? null;
}

export function ModelVsReal({ model, modelError, history, clones, reseedAtS, alone }: Props) {
  const first = measuredDivergence(history);
  const last = history[history.length - 1];
  const afterAgent = first !== null && reseedAtS !== null && reseedAtS <= first.tS;
  // tenths of a second, as shown: the sign and the words follow the number on screen
  const diff =
    model?.firstDistinctS != null && first !== null && !afterAgent
      ? Math.round((first.tS - model.firstDistinctS) * 10) / 10
      : null;
  return (
    <section className="model-vs-real" aria-labelledby="mvr-h">
      <h3 id="mvr-h">
        Model vs real: seconds after the restore until every clone&apos;s /dev/urandom differs
      </h3>
      <div className="mvr-grid">
        <div className="mvr-cell">
          <span className="mvr-label">model</span>
          <span className="mvr-value" data-testid="model-divergence">
            {model ? (model.firstDistinctS === null ? '–' : `${model.firstDistinctS} s`) : '…'}
          </span>
          <span className="mvr-text" title={model ? predictionWords(model) : undefined}>
            {model
              ? model.endedBy && model.endedBy in CAUSE_WORDS
                ? `at ${CAUSE_WORDS[model.endedBy as CauseName]}`
                : predictionWords(model)
              : (modelError ?? 'the lab model runs the same setup…')}
          </span>
        </div>
        <div className="mvr-cell">
          <span className="mvr-label">real</span>
          <span className="mvr-value" data-testid="real-divergence">
            {alone ? 'n/a' : first ? s1(first.tS) : '–'}
          </span>
          <span className="mvr-text">
            {alone
              ? 'no real clones here: the assets are missing'
              : first
                ? `the first read with all ${first.clones} clones distinct${afterAgent ? `, after the agent reseed at ${s1(reseedAtS)}` : ''}`
                : last
                  ? `not yet: no read so far has all ${clones} clones distinct (latest at ${s1(last.tS)})`
                  : 'Read, or Auto-read, to measure it'}
          </span>
        </div>
        <div className="mvr-cell">
          <span className="mvr-label">real − model</span>
          <span className="mvr-value" data-testid="divergence-difference">
            {diff === null ? '–' : `${diff > 0 ? '+' : diff < 0 ? '−' : ''}${s1(Math.abs(diff))}`}
          </span>
          <span className="mvr-text">
            {afterAgent
              ? "not comparable: the agent reseeded them (the model's line is without it)"
              : diff === null
                ? 'once both are known'
                : diff < 0
                  ? 'the real clones diverged sooner'
                  : diff > 0
                    ? 'the real clones diverged later'
                    : 'the same'}
          </span>
        </div>
      </div>
    </section>
  );
}

/** The model's setup and why it and the real clones can differ, under both. */
export function ModelVsRealWhy({
  model,
  uptime,
}: {
  model: ModelPrediction | null;
  /** The uptime the model ran with, and where it came from. */
  uptime: { s: number; from: 'state' | 'default' };
}) {
  const saved =
    uptime.from === 'state'
      ? `the saved state's ${uptime.s.toFixed(0)} s of uptime`
      : `${uptime.s.toFixed(0)} s of uptime (what npm run guest:real saves)`;
  return (
    <div className="mvr-foot">
      <p className="mvr-why">
        <strong>Why they can differ.</strong> {MODEL_VS_REAL_WHY}
      </p>
      <p className="mvr-setup">
        The model: {REAL_MODEL_SETUP}, {saved}
        {model ? `, a read every ${model.readIntervalS} s` : ''}.
      </p>
    </div>
  );
}
