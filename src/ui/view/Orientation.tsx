// The first-run orientation: one screen that says what the lab shows and where to start (a guided
// scenario, or the buttons), with the glossary and the paper. It opens on a first plain visit (not
// for a link someone sent, nor embedded), closes with "Got it", Esc, or as soon as the person
// starts something, and the header's "?" brings it back. Not modal: the controls it points at
// stay in reach beside it.

import { useEffect, useRef } from 'react';
import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';
import { useDismiss } from '../widgets/useDismiss';
import { PaperReference } from './Glossary';
import { Term } from './Term';

const selectOpen = (s: LabState) => s.orientation;
const FIRST_SCENARIO = 'the-problem';
/** The scenario to start with: the introduction if it loaded, else the first valid one. */
const selectFirst = (s: LabState) =>
  s.scenarios.find((x) => x.id === FIRST_SCENARIO && x.scenario) ??
  s.scenarios.find((x) => x.scenario) ??
  null;

export function Orientation() {
  const store = useLabStore();
  const open = useLab(selectOpen);
  const scenario = useLab(selectFirst);
  const box = useRef<HTMLElement>(null);
  const close = () => store.getState().setOrientation(false);
  useDismiss(open, close, [box]);

  // the person started something: the orientation has done its job
  useEffect(() => {
    if (!open) return;
    return store.subscribe((s, p) => {
      const acted = (s.session?.log.length ?? 0) > (p.session?.log.length ?? 0) && s.busy === null;
      if (s.orientation && ((s.active && !p.active) || acted)) s.setOrientation(false);
    });
  }, [open, store]);

  useEffect(() => {
    if (open) box.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [open]);

  if (!open) return null;
  return (
    <section
      className="orientation"
      ref={box}
      role="dialog"
      aria-labelledby="orientation-h"
      data-capture="skip"
    >
      <h2 id="orientation-h" tabIndex={-1}>
        What this lab shows
      </h2>
      <p>
        Serverless platforms start microVMs from a <Term k="snapshot">snapshot</Term> taken after
        initialisation. Every <Term k="clone">clone</Term> then resumes with the same kernel{' '}
        <Term k="crng">CRNG</Term> key and the same library state, and emits the same “random” UUIDs, nonces
        and keys.
      </p>
      <p>
        Here you boot an emulated guest, snapshot it, restore clones and watch their outputs collide. Then
        switch on the real mitigations (<Term k="vmgenid">VMGenID</Term>, <Term k="sysgenid">SysGenId</Term>,{' '}
        <Term k="wipeonsuspend">MADV_WIPEONSUSPEND</Term>, <Term k="vdso-getrandom">vDSO getrandom</Term>,{' '}
        <Term k="rdrand">RDRAND</Term>) and see when uniqueness comes back, and what each costs per call.
      </p>
      <h3>Where to start</h3>
      <ol className="orientation-start">
        <li>
          <button
            className="primary"
            disabled={!scenario}
            onClick={() => {
              close();
              if (scenario) void store.getState().startScenario(scenario.id);
            }}
          >
            Watch it step by step
          </button>{' '}
          a guided scenario{scenario ? <>, “{scenario.title}”</> : null}: → or Space for the next step, ←
          back, p for presenter mode. More scenarios in the bar at the bottom.
        </li>
        <li>
          <button
            onClick={() => {
              close();
              document.querySelector<HTMLElement>('[aria-label="Lab actions"] button')?.focus();
            }}
          >
            Try it yourself
          </button>{' '}
          with the buttons on the left, in order: Boot, Snapshot, Restore, Draw.
        </li>
      </ol>
      <p className="hint">
        Underlined words open the{' '}
        <a
          href="#glossary"
          onClick={(e) => {
            e.preventDefault();
            store.getState().openGlossary(null);
          }}
        >
          glossary
        </a>
        . The lab follows this paper:
      </p>
      <PaperReference />
      <p className="orientation-foot">
        <button className="primary" onClick={close}>
          Got it
        </button>
        <span className="hint">The “?” at the top right brings this back.</span>
      </p>
    </section>
  );
}
