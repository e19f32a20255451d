// A word on screen that the glossary explains: a link (dotted underline) that opens the glossary
// at its entry, by mouse, keyboard or touch, so no explanation hides in a hover-only title.

import type { ReactNode } from 'react';
import { useLabStore } from '../store/context';
import { glossaryEntry } from './glossary';

export function Term({ k, children }: { k: string; children: ReactNode }) {
  const store = useLabStore();
  const entry = glossaryEntry(k);
  if (!entry) return <>{children}</>;
  return (
    <a
      className="term"
      href={`#glossary-${k}`}
      title={`${entry.term}: ${entry.text}`}
      onClick={(e) => {
        e.preventDefault();
        store.getState().openGlossary(k);
      }}
    >
      {children}
    </a>
  );
}
