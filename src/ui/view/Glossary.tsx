// The glossary drawer: the paper's reference, then every term (view/glossary.ts) by group. Opened
// from a term on screen (it scrolls to and marks that entry), from the orientation, or the
// header's "?" dialog; Esc, Close or a press outside closes it. Not modal: the lab stays usable
// beside it.

import { useEffect, useRef } from 'react';
import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';
import { useDismiss } from '../widgets/useDismiss';
import { GLOSSARY, PAPER, type GlossaryEntry } from './glossary';

const selectGlossary = (s: LabState) => s.glossary;

/** The paper's reference, as one line with its link. */
export function PaperReference() {
  return (
    <p className="paper-ref">
      {PAPER.short}, “{PAPER.title}”, {PAPER.year},{' '}
      <a href={PAPER.url} target="_blank" rel="noopener">
        {PAPER.arxiv}
      </a>
    </p>
  );
}

export function Glossary() {
  const store = useLabStore();
  const g = useLab(selectGlossary);
  const box = useRef<HTMLElement>(null);
  const close = () => store.getState().closeGlossary();
  useDismiss(g !== null, close, [box]);

  useEffect(() => {
    if (!g) return;
    const el = g.term ? box.current?.querySelector<HTMLElement>(`#glossary-${g.term}`) : null;
    (el ?? box.current?.querySelector<HTMLElement>('h2'))?.focus();
    el?.scrollIntoView({ block: 'nearest' });
  }, [g]);

  if (!g) return null;
  const groups = new Map<string, GlossaryEntry[]>();
  for (const e of GLOSSARY) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  return (
    <aside className="glossary" ref={box} role="dialog" aria-labelledby="glossary-h" data-capture="skip">
      <div className="glossary-head">
        <h2 id="glossary-h" tabIndex={-1}>
          Glossary
        </h2>
        <button className="small" onClick={close}>
          Close
        </button>
      </div>
      <div className="glossary-body">
        <p className="hint">The lab is built around this paper:</p>
        <PaperReference />
        {[...groups].map(([group, entries]) => (
          <section key={group} aria-label={group}>
            <h3>{group}</h3>
            <dl>
              {entries.map((e) => (
                <div
                  key={e.key}
                  id={`glossary-${e.key}`}
                  tabIndex={-1}
                  className={g.term === e.key ? 'current' : undefined}
                >
                  <dt>
                    {e.term}
                    {e.aka ? <span className="aka"> ({e.aka})</span> : null}
                  </dt>
                  <dd>{e.text}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </aside>
  );
}
