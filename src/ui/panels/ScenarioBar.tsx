// The guided scenario bar at the bottom (UX.md): a picker, then title, step k/n, the narration in
// large type (its placeholders filled from the step's live run, "…" until it has run), the step
// list, Prev/Next, and the step's claims checked (pass/fail in words), each with its source.
// Keys (not while typing in a field or choosing in a select): ArrowRight, PageDown, Space = next;
// ArrowLeft, PageUp = previous; Esc leaves the scenario (or presenter mode); p toggles presenter
// mode; ? shows the orientation. A control that handles a key itself (a focused button with
// Space, the memory map's cursor with arrows) keeps it, and an open menu takes Esc first.
// While a scenario is recorded as a video, the bar says which step and offers Stop.

import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { fillNarration } from '../../core/scenario/narration';
import { ensureScenarios } from '../lib/scenarios';
import { useLab, useLabStore } from '../store/context';
import type { LabStore } from '../store/store';
import type { LabState } from '../store/types';

const selectBar = (s: LabState) => ({
  scenarios: s.scenarios,
  error: s.scenariosError,
  active: s.active,
  busy: s.busy,
  ready: s.ready,
  lastDraw: s.lastDraw,
  settings: s.session?.settings ?? null,
  recording: s.recording,
});

/** Characters beyond which presenter mode sets a narration smaller (present.css .narration.long). */
const LONG_NARRATION = 240;

/** The host a claim's source is on ("lore.kernel.org"). */
function sourceHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** True if a key press belongs to the focused element rather than to the scenario. */
function ownedByTarget(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || !(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  const tag = t.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (t as HTMLInputElement).type;
    // checkboxes and buttons take Space; text-like inputs take everything
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range'].includes(type) || e.key === ' ';
  }
  if (
    e.key === ' ' &&
    (tag === 'BUTTON' || tag === 'SUMMARY' || tag === 'A' || t.getAttribute('role') === 'button')
  )
    return true;
  return false;
}

/** The scenario and presenter keys, on the window. */
export function handleKey(store: LabStore, e: KeyboardEvent): void {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || ownedByTarget(e)) return;
  const s = store.getState();
  if (e.key === '?') {
    e.preventDefault();
    s.setOrientation(true);
    return;
  }
  if (s.recording) return;
  if (e.key === 'p' || e.key === 'P') {
    e.preventDefault();
    s.setPresenting(!s.presenting);
    return;
  }
  if (e.key === 'Escape') {
    if (s.linkBox) s.closeLinkBox();
    else if (s.active) s.leaveScenario();
    else if (s.presenting) s.setPresenting(false);
    else return;
    e.preventDefault();
    return;
  }
  if (!s.active) return;
  if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') {
    e.preventDefault();
    void s.nextStep();
  } else if (e.key === 'ArrowLeft' || e.key === 'PageUp') {
    e.preventDefault();
    void s.prevStep();
  }
}

export function ScenarioBar() {
  const store = useLabStore();
  const { scenarios, error, active, busy, ready, lastDraw, settings, recording } = useLab(
    useShallow(selectBar),
  );
  const [pick, setPick] = useState('');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleKey(store, e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  useEffect(() => {
    void ensureScenarios(store);
  }, [store]);

  if (!active) {
    const chosen = pick || scenarios.find((x) => x.scenario)?.id || '';
    return (
      <section className="scenario-bar idle" aria-label="Scenario bar">
        <label htmlFor="scenario-pick">Guided scenario</label>
        <select id="scenario-pick" value={chosen} onChange={(e) => setPick(e.target.value)}>
          {scenarios.map((x) => (
            <option key={x.id} value={x.id} disabled={!x.scenario} title={x.description}>
              {x.title}
              {x.scenario ? '' : ' (invalid)'}
            </option>
          ))}
        </select>
        <button
          className="primary"
          disabled={!ready || !!busy || !chosen}
          onClick={() => void store.getState().startScenario(chosen)}
        >
          Start
        </button>
        <span className="hint">
          {error
            ? `Scenario problem: ${error}`
            : (scenarios.find((x) => x.id === chosen)?.description ??
              'Step through a talk: → or PageDown next, ← or PageUp back, Esc leaves, p presents.')}
        </span>
      </section>
    );
  }

  const sc = active.scenario;
  const k = active.step;
  const step = k >= 0 ? sc.steps[k] : undefined;
  const n = sc.steps.length;
  const result = active.result;
  // secrets a claim already names are not listed twice
  const claimed = new Set(
    (step?.expect ?? []).flatMap((e) => (e.secretInSnapshot ? [e.secretInSnapshot.name] : [])),
  );
  const secrets = result?.secrets?.filter((x) => !claimed.has(x.name)) ?? [];
  const narration = step
    ? fillNarration(step.narration, result ? lastDraw : null, result ? settings : null)
    : 'Starting…';
  return (
    <section className="scenario-bar" aria-label={`Scenario: ${sc.title}`}>
      <div className="scenario-top">
        <h2 className="scenario-title">{sc.title}</h2>
        <span className="scenario-count" aria-live="polite">
          step <strong>{k + 1}</strong>/{n}
          {step ? (
            <>
              : <strong className="step-title">{step.title}</strong>
            </>
          ) : null}
        </span>
        <span className="scenario-nav" data-capture="skip">
          <button
            disabled={k <= 0 || !!busy || !!recording}
            onClick={() => void store.getState().prevStep()}
            aria-keyshortcuts="ArrowLeft PageUp"
          >
            ◀ Prev
          </button>
          <button
            className="primary"
            disabled={k + 1 >= n || !!busy || !!recording}
            onClick={() => void store.getState().nextStep()}
            aria-keyshortcuts="ArrowRight PageDown Space"
          >
            Next ▶
          </button>
        </span>
        <ol className="step-list" aria-label="Steps" data-capture="skip">
          {sc.steps.map((st, i) => (
            <li key={i}>
              <button
                className="small"
                aria-current={i === k ? 'step' : undefined}
                aria-label={`Step ${i + 1}: ${st.title}`}
                title={st.title}
                disabled={!!busy || !!recording}
                onClick={() => void store.getState().gotoStep(i, 'to')}
              >
                {i + 1}
              </button>
            </li>
          ))}
        </ol>
        {recording ? (
          <span className="recording" aria-live="polite" data-capture="skip">
            <span aria-hidden="true">●</span> {recording.text}
            {recording.stopping ? ' (stopping after this step)' : ''}{' '}
            <button
              className="small"
              disabled={recording.stopping}
              onClick={() => store.getState().setRecording({ ...recording, stopping: true })}
            >
              Stop recording
            </button>
          </span>
        ) : (
          <button
            className="small"
            onClick={() => store.getState().leaveScenario()}
            aria-keyshortcuts="Escape"
            data-capture="skip"
          >
            Leave
          </button>
        )}
      </div>
      <div className="scenario-body">
        <p className={`narration${narration.length > LONG_NARRATION ? ' long' : ''}`}>{narration}</p>
        <div className="scenario-checks" aria-live="polite">
          {active.error ? (
            <p className="check-fail" role="alert">
              ✗ This step failed: {active.error}
            </p>
          ) : result ? (
            <>
              {result.checks.length > 0 && (
                <ul className="claims" aria-label="Claims of this step">
                  {result.checks.map((c, i) => (
                    <li key={i} className={c.ok ? 'check-pass' : 'check-fail'}>
                      <span aria-hidden="true">{c.ok ? '✓' : '✗'}</span> {c.claim}:{' '}
                      <span className="verdict-word">{c.ok ? 'holds' : 'FAILS'}</span>{' '}
                      <span className="got">({c.got})</span>
                      {c.source && (
                        <>
                          {' '}
                          <a className="source" href={c.source} target="_blank" rel="noopener">
                            source ({sourceHost(c.source)})
                          </a>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              {secrets.length > 0 && (
                <ul className="claims secrets" aria-label="Secrets in the snapshot file">
                  {secrets.map((x) => (
                    <li key={x.name} className={x.inSnapshot ? 'secret-in' : 'secret-out'}>
                      <span aria-hidden="true">{x.inSnapshot ? '⚠' : '✓'}</span>{' '}
                      <span className="mono">{x.name}</span>{' '}
                      {x.inSnapshot
                        ? `is in the snapshot file (${x.occurrences} place${x.occurrences === 1 ? '' : 's'})`
                        : 'is not in the snapshot file'}
                    </li>
                  ))}
                </ul>
              )}
              {result.checks.length === 0 && secrets.length === 0 && (
                <p className="hint">This step makes no claim: look at the highlighted panel.</p>
              )}
              {active.rebuilt && k > 0 && (
                <p className="hint">Rebuilt from step 1 (the lab had moved on, or you stepped back).</p>
              )}
            </>
          ) : (
            <p className="hint">Running the step…</p>
          )}
        </div>
      </div>
    </section>
  );
}
