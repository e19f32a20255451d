// The app's "Real kernel" region (DESIGN.md UI contract): a real Linux 6.1 (Debian i386) in v86,
// restored from one saved state as N clones in a Web Worker, beside the model. Restore clones,
// Read (each clone's /dev/urandom, $RANDOM, boot_id, uptime), Auto-read with a live timeline of
// distinct values, Agent reseed. Values that occur in more than one clone are marked the way the
// Outputs panel marks them: a shared colour, a glyph and the word "duplicate".
//
// The region stays compact until a fleet exists, so the lab's panels keep their room; its worker
// starts on the first Restore clones (no emulator code runs before someone asks for it).
//
// Beside the real clones, the lab model's prediction for the same setup (ModelVsReal), asked of
// the lab's worker (SessionHost.predictReal) once the saved state's uptime is known. A guided
// scenario step with `real` drives the region: it restores clones and reads them every few
// seconds, or runs the agent reseed; without the assets it says so, and the model stands alone.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { REAL_DEFAULTS, REAL_LIMITS, realModelOptions } from '../../core/real/limits';
import type { RealStepAction } from '../../core/scenario/types';
import type { CloneReading } from '../../core/real/reading';
import { groupStyle } from '../lib/palette';
import { useLab, useLabStore } from '../store/context';
import { driverOf, type LabStore } from '../store/store';
import type { LabState } from '../store/types';
import { NumberField } from '../widgets/NumberField';
import { realWorkerClient } from './client';
import { DistinctTimeline } from './DistinctTimeline';
import { ModelVsReal, ModelVsRealWhy } from './ModelVsReal';
import { createRealStore, FETCH_COMMAND, selectDistinct, type RealState, type RealStore } from './store';
import './real.css';

let shared: RealStore | null = null;
/** The region's store, created on first render (one per page). */
function realStore(): RealStore {
  shared ??= createRealStore(realWorkerClient());
  return shared;
}

/** Measured in Chromium: each clone adds 155-210 MB to the tab (README "A real kernel"). */
const MB_PER_CLONE = 170;

const selectControls = (s: RealState) => ({
  clonesWanted: s.clonesWanted,
  restoring: s.restoring,
  reading: s.reading,
  reseeding: s.reseeding,
  hasFleet: s.restoredAt !== null,
  autoRead: s.autoRead,
  autoEveryS: s.autoEveryS,
});
const selectStatus = (s: RealState) => ({
  kernel: s.kernel,
  assetsMissing: s.assetsMissing,
  assetsProblem: s.assetsProblem,
  error: s.error,
  restoreMs: s.restoreMs,
});
const selectLatest = (s: RealState) => s.latest;
const selectTimeline = (s: RealState) => ({
  history: s.history,
  reseedAtS: s.reseedAtS,
  clones: s.restoreMs.length,
});
const selectReseedMs = (s: RealState) => s.reseedMs;
const selectModel = (s: RealState) => ({
  saved: s.saved,
  model: s.model,
  modelKey: s.modelKey,
  modelError: s.modelError,
  autoEveryS: s.autoEveryS,
});

/** The guided scenario's step, when it asks something of this region: "id:step" and what. */
const selectRealStep = (s: LabState): string | null => {
  const a = s.active;
  const real = a && a.step >= 0 ? a.scenario.steps[a.step]?.real : undefined;
  return a && real ? `${a.scenario.id}:${a.step}:${real}` : null;
};

/** The words a scenario step shows when the real kernel cannot run here. */
export const SCENARIO_WITHOUT_ASSETS =
  "This step runs the real kernel beside the model, but its assets are not on this server: the model's prediction is shown alone.";

/**
 * What a scenario step asks: restore the clones (if there are none) and read them every few
 * seconds, or run the agent reseed and read. False when the assets are missing.
 */
async function driveStep(store: RealStore, action: RealStepAction): Promise<boolean> {
  if (store.getState().restoredAt === null) {
    if (!(await store.getState().probe())) return false;
    await store.getState().restore();
    if (store.getState().restoredAt === null) return true; // failed or cancelled: the region says why
  }
  if (action === 'agent-reseed') await store.getState().agentReseed();
  await store.getState().read();
  store.getState().setAutoRead(true);
  return true;
}

/** Asks the lab's worker for the model's prediction of these clones, once per request. */
async function askModel(lab: LabStore, store: RealStore, opts: ReturnType<typeof realModelOptions>) {
  const key = JSON.stringify(opts);
  if (store.getState().modelKey === key) return;
  store.getState().setModel(key, null, null);
  const d = driverOf(lab);
  if (!d) {
    store.getState().setModel(key, null, 'the lab worker is not connected');
    return;
  }
  const r = await d.client.request('predictReal', opts);
  if (store.getState().modelKey !== key) return;
  if (!r.ok) store.getState().setModel(key, null, r.error.message);
  else if (!r.value.ok) store.getState().setModel(key, null, r.value.error.message);
  else store.getState().setModel(key, r.value.value, null);
}

type Column = 'urandom' | 'shellRandom' | 'bootId';

/** Per column: value -> duplicate group (dense, in clone order) for values more than one clone holds. */
function duplicateGroups(readings: readonly CloneReading[], col: Column): Map<string, number> {
  const count = new Map<string, number>();
  for (const r of readings) count.set(String(r[col]), (count.get(String(r[col])) ?? 0) + 1);
  const groups = new Map<string, number>();
  for (const r of readings) {
    const v = String(r[col]);
    if ((count.get(v) ?? 0) > 1 && !groups.has(v)) groups.set(v, groups.size);
  }
  return groups;
}

const COLUMN_WORDS: Record<Column, string> = {
  urandom: '/dev/urandom',
  shellRandom: '$RANDOM',
  bootId: 'boot_id',
};
/** Each column's duplicate groups start at a different colour, so equal colours mean equal values. */
const GROUP_OFFSET: Record<Column, number> = { urandom: 0, shellRandom: 1, bootId: 2 };
/**
 * boot_id is shown by its first 8 digits (the whole value is in the label and the tooltip); the
 * 32 hex digits of /dev/urandom may break into two lines of 16 where the column is narrow.
 */
function shown(col: Column, v: string): ReactNode {
  if (col === 'bootId') return `${v.slice(0, 8)}…`;
  if (col === 'urandom')
    return (
      <>
        {v.slice(0, 16)}
        <wbr />
        {v.slice(16)}
      </>
    );
  return v;
}

function ValueCell({
  readings,
  r,
  col,
  groups,
}: {
  readings: readonly CloneReading[];
  r: CloneReading;
  col: Column;
  groups: Map<string, number>;
}) {
  const v = String(r[col]);
  const g = groups.get(v);
  const what = `clone ${r.clone + 1} ${COLUMN_WORDS[col]}: ${v}`;
  if (g === undefined)
    return (
      <td className={`real-val ${col}`} aria-label={`${what}, unique`} title={v}>
        <span className="cell">
          <span className="glyph" aria-hidden="true">
            {'  '}
          </span>
          <span className="v">{shown(col, v)}</span>
        </span>
      </td>
    );
  const st = groupStyle(g + GROUP_OFFSET[col]);
  const also = readings.filter((o) => o.clone !== r.clone && String(o[col]) === v).map((o) => o.clone + 1);
  const where = `also in clone${also.length > 1 ? 's' : ''} ${also.join(', ')}`;
  return (
    <td
      className={`real-val ${col} dup`}
      style={{ background: st.colour, color: st.ink }}
      aria-label={`${what}, duplicate (group ${g + 1}, ${where})`}
      title={`${v}: duplicate, ${where}`}
    >
      <span className="cell">
        <span className="glyph" aria-hidden="true">
          {st.glyph}
        </span>
        <span className="v">{shown(col, v)}</span>
      </span>
    </td>
  );
}

function Readings({ store }: { store: RealStore }) {
  const latest = useStore(store, selectLatest);
  const { restoreMs } = useStore(store, useShallow(selectStatus));
  if (!latest)
    return (
      <p className="hint">
        {restoreMs.length} clones running. Press Read: each clone reads 16 bytes of /dev/urandom.
      </p>
    );
  const rs = latest.readings;
  const groups = {
    urandom: duplicateGroups(rs, 'urandom'),
    shellRandom: duplicateGroups(rs, 'shellRandom'),
    bootId: duplicateGroups(rs, 'bootId'),
  };
  return (
    <>
      <table className="real-table" aria-label={`Latest read at ${latest.tS.toFixed(1)} s after the restore`}>
        <thead>
          <tr>
            <th scope="col">clone</th>
            <th scope="col">/dev/urandom (16 bytes)</th>
            <th scope="col">$RANDOM</th>
            <th scope="col">boot_id</th>
            <th scope="col" className="num">
              uptime
            </th>
          </tr>
        </thead>
        <tbody>
          {rs.map((r) => (
            <tr key={r.clone}>
              <th scope="row" aria-label={`clone ${r.clone + 1}`}>
                {r.clone + 1}
              </th>
              <ValueCell readings={rs} r={r} col="urandom" groups={groups.urandom} />
              <ValueCell readings={rs} r={r} col="shellRandom" groups={groups.shellRandom} />
              <ValueCell readings={rs} r={r} col="bootId" groups={groups.bootId} />
              <td className="num">{r.uptimeS.toFixed(1)} s</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="real-dups">{duplicateSummary(rs, groups)}</p>
    </>
  );
}

/** The duplicates in words: how many clones share a value, per column. */
function duplicateSummary(
  readings: readonly CloneReading[],
  groups: Record<Column, Map<string, number>>,
): string {
  const parts = (Object.keys(groups) as Column[]).flatMap((col) => {
    const n = readings.filter((r) => groups[col].has(String(r[col]))).length;
    return n > 0 ? [`${COLUMN_WORDS[col]} in ${n} of ${readings.length} clones`] : [];
  });
  return parts.length > 0 ? `duplicate ${parts.join(' · ')}` : 'no duplicates: every value differs';
}

function Progress({ store }: { store: RealStore }) {
  const { restoring } = useStore(store, useShallow(selectControls));
  if (!restoring) return null;
  const { stage, done, total } = restoring;
  const text =
    stage === 'download'
      ? total > 0
        ? `loading the saved state: ${(done / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB`
        : 'loading the saved state…'
      : `restoring clones: ${done} of ${total}`;
  return (
    <div className="real-progress" aria-live="polite">
      <progress max={total || 1} value={done} aria-label="Real-kernel restore progress" />
      <span>{text}</span>
      <button type="button" onClick={() => store.getState().cancel()} aria-label="Cancel real-kernel restore">
        Cancel
      </button>
    </div>
  );
}

export function RealKernelPanel() {
  const [store] = useState(realStore);
  const lab = useLabStore();
  const c = useStore(store, useShallow(selectControls));
  const st = useStore(store, useShallow(selectStatus));
  const distinct = useStore(store, selectDistinct);
  const tl = useStore(store, useShallow(selectTimeline));
  const reseedMs = useStore(store, selectReseedMs);
  const m = useStore(store, useShallow(selectModel));
  const step = useLab(selectRealStep);
  const [scenarioNote, setScenarioNote] = useState<string | null>(null);
  const region = useRef<HTMLElement>(null);
  const a = store.getState();
  const limit = REAL_LIMITS.clonesBrowser;
  const idle = !c.restoring;

  // a scenario step that asks for the real kernel: shown, then driven (once per step)
  const driven = useRef<string | null>(null);
  useEffect(() => {
    if (step === null) driven.current = null;
    if (step === null || driven.current === step) return;
    driven.current = step;
    if (!lab.getState().presenting) region.current?.scrollIntoView?.({ block: 'start' });
    setScenarioNote(null);
    void driveStep(store, step.slice(step.lastIndexOf(':') + 1) as RealStepAction).then(
      (ran) => !ran && setScenarioNote(SCENARIO_WITHOUT_ASSETS),
    );
  }, [step, store, lab]);

  // the model beside the real clones: once the saved state's uptime is known (or, when a scenario
  // shows the model alone, the uptime the asset script saves at)
  const uptime = st.kernel
    ? { s: st.kernel.snapshotUptimeS, from: 'state' as const }
    : m.saved
      ? { s: m.saved.uptimeS, from: 'state' as const }
      : { s: REAL_DEFAULTS.snapshotUptimeS, from: 'default' as const };
  const wantModel = c.hasFleet || m.saved !== null || scenarioNote !== null;
  const fleet = tl.clones || c.clonesWanted;
  useEffect(() => {
    if (wantModel)
      void askModel(
        lab,
        store,
        realModelOptions({ uptimeS: uptime.s, clones: fleet, readIntervalS: m.autoEveryS }),
      );
  }, [wantModel, lab, store, uptime.s, fleet, m.autoEveryS]);

  return (
    <section className="panel real-kernel" aria-labelledby="real-h" ref={region}>
      <div className="panel-head">
        <h2 id="real-h">Real kernel</h2>
        <span className="sub">
          {st.kernel
            ? `Linux ${st.kernel.release} (Debian ${st.kernel.version}) in v86 · clones of a state saved at ${st.kernel.snapshotUptimeS.toFixed(0)} s uptime`
            : 'Debian’s i386 Linux 6.1 in the v86 emulator, restored from one saved state'}
        </span>
      </div>
      <div className="real-controls">
        <NumberField
          label="Real clones"
          value={c.clonesWanted}
          min={limit.min}
          max={limit.max}
          onChange={(n) => a.setClonesWanted(n)}
          help={`Clones of the real kernel, ${limit.min} to ${limit.max}`}
        />
        <span className="hint real-limit">
          max {limit.max} in a tab (~{MB_PER_CLONE} MB each)
        </span>
        <button type="button" className="primary" disabled={!idle} onClick={() => void a.restore()}>
          Restore clones
        </button>
        <button type="button" disabled={!idle || !c.hasFleet} onClick={() => void a.read()}>
          Read
        </button>
        <button
          type="button"
          disabled={!idle || !c.hasFleet || c.reseeding}
          onClick={() => void a.agentReseed()}
        >
          Agent reseed
        </button>
        <label className="check real-auto">
          <input
            type="checkbox"
            checked={c.autoRead}
            disabled={!c.hasFleet}
            onChange={(e) => a.setAutoRead(e.target.checked)}
          />
          Auto-read
        </label>
        <NumberField
          className="real-every"
          label="Read every (s)"
          value={c.autoEveryS}
          min={REAL_LIMITS.autoReadEveryS.min}
          max={REAL_LIMITS.autoReadEveryS.max}
          onChange={(n) => a.setAutoEveryS(n)}
          help="Seconds between automatic reads"
        />
        <span className="real-distinct">
          distinct:{' '}
          <span className="big-number" data-testid="real-distinct-count">
            {distinct ?? '–'}
          </span>
          {distinct !== null && <> of {tl.clones}</>}
        </span>
      </div>
      <Progress store={store} />
      {st.assetsMissing && (
        <p className="real-missing" aria-live="polite">
          The real-kernel assets are not on this server. Build them once (Debian/Ubuntu with apt; ~53 MB of
          Debian packages) with <code>{FETCH_COMMAND}</code>, then reload.
          {st.assetsProblem && <span className="real-detail"> ({st.assetsProblem})</span>}
        </p>
      )}
      {st.error && (
        <p className="real-error" aria-live="assertive">
          {st.error}
        </p>
      )}
      {scenarioNote && (
        <p className="real-scenario-note" role="alert">
          {scenarioNote}
        </p>
      )}
      {c.hasFleet && (
        <>
          <p className="hint real-facts">
            Restore per clone: {st.restoreMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}
            {reseedMs && ` · agent reseed: ${reseedMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}`}
            {c.reading && ' · reading…'}
          </p>
          <Readings store={store} />
        </>
      )}
      {(wantModel || tl.history.length > 0) && (
        <div className="real-compare">
          {wantModel && (
            <ModelVsReal
              model={m.model}
              modelError={m.modelError}
              history={tl.history}
              clones={fleet}
              reseedAtS={tl.reseedAtS}
              alone={!c.hasFleet && st.assetsMissing}
            />
          )}
          {c.hasFleet && tl.history.length > 0 && (
            <DistinctTimeline
              history={tl.history}
              clones={tl.clones}
              reseedAtS={tl.reseedAtS}
              modelS={m.model?.firstDistinctS ?? null}
            />
          )}
          {wantModel && <ModelVsRealWhy model={m.model} uptime={uptime} />}
        </div>
      )}
    </section>
  );
}
