// "Why?" beside a verdict: a small button whose popover gives the verdict's reason in one line
// (lab/reason.ts verdictReason, the line the CLI prints) and opens docs/FIDELITY.md at its
// Verdicts section, in the app. The popover is a top-layer popover (light dismiss, Esc), placed
// under its button, so a cell or a panel that clips its content does not clip it.

import { useId, useRef, useState } from 'react';
import { MATRIX_VERDICT_WORDS, type MatrixVerdict } from '../../core/settings/words';
import { FIDELITY_HREF, FidelityReader } from './FidelityReader';
import './why.css';

/** Where the reader opens: the heading of docs/FIDELITY.md that says how verdicts are decided. */
export const VERDICTS_SECTION = 'Verdicts';

interface Props {
  /** What the verdict is about ("openssl-1.1.1", "getrandom, no mitigation · intel"). */
  subject: string;
  verdict: MatrixVerdict;
  /** The reason in one line. */
  reason: string;
  /** The section of docs/FIDELITY.md to open (a heading's first words). */
  section?: string;
  /** A "?" instead of "Why?" where a table column has no room (the accessible name is the same). */
  compact?: boolean;
}

export function WhyVerdict({ subject, verdict, reason, section = VERDICTS_SECTION, compact = false }: Props) {
  const id = `why-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;
  const button = useRef<HTMLButtonElement>(null);
  const pop = useRef<HTMLDivElement>(null);
  const [reading, setReading] = useState(false);
  const words = MATRIX_VERDICT_WORDS[verdict];

  /** Under the button, kept inside the window. */
  function place() {
    const b = button.current?.getBoundingClientRect();
    const p = pop.current;
    if (!b || !p) return;
    const w = Math.min(window.innerWidth - 16, 30 * 16);
    p.style.width = `${w}px`;
    p.style.left = `${Math.max(8, Math.min(window.innerWidth - w - 8, b.left))}px`;
    const below = b.bottom + 6;
    p.style.top = `${below}px`;
    // flip above the button when the popover would leave the window at the bottom
    requestAnimationFrame(() => {
      const h = p.getBoundingClientRect().height;
      if (below + h > window.innerHeight - 8) p.style.top = `${Math.max(8, b.top - 6 - h)}px`;
    });
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        className={compact ? 'why-button compact' : 'why-button'}
        popoverTarget={id}
        aria-label={`Why? ${subject}`}
        title="Why this verdict?"
      >
        {compact ? '?' : 'Why?'}
      </button>
      <div
        ref={pop}
        id={id}
        popover="auto"
        className="why-pop"
        role="dialog"
        aria-label={`Why: ${subject}`}
        onBeforeToggle={(e) => {
          if (e.newState === 'open') place();
        }}
      >
        <p className="why-head">
          <span className={`verdict v-${verdict}`}>
            <span aria-hidden="true">{words.glyph}</span> {words.word}
          </span>{' '}
          <span className="why-subject">{subject}</span>
        </p>
        <p className="why-reason">{reason}</p>
        <p className="why-more">
          <button
            type="button"
            onClick={() => {
              pop.current?.hidePopover();
              setReading(true);
            }}
          >
            How verdicts are decided
          </button>{' '}
          <a href={`${FIDELITY_HREF}`} target="_blank" rel="noopener">
            docs/FIDELITY.md
          </a>
        </p>
      </div>
      {reading && <FidelityReader section={section} onClose={() => setReading(false)} />}
    </>
  );
}
