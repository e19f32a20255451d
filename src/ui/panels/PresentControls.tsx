// The header's "compare and present" switches: the matrix view, Copy link (with the link in a
// visible text field, copied or not), presenter mode, and the export menu. Presenter mode is a
// class on <html> so the stylesheet can hide chrome and raise contrast in both themes.

import { useEffect, useRef } from 'react';
import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';
import { ExportMenu } from './ExportMenu';

const selectView = (s: LabState) => s.view;
const selectPresenting = (s: LabState) => s.presenting;
const selectLinkBox = (s: LabState) => s.linkBox;

function LinkBox() {
  const store = useLabStore();
  const box = useLab(selectLinkBox);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (box?.url && !box.copied) field.current?.select();
  }, [box]);
  if (!box) return null;
  return (
    <div className="link-box" role="dialog" aria-label="Link to this lab">
      <p aria-live="polite">{box.text}</p>
      {box.url && (
        <input
          ref={field}
          type="text"
          readOnly
          value={box.url}
          aria-label="Link to this lab"
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
      <button className="small" onClick={() => store.getState().closeLinkBox()}>
        Close
      </button>
    </div>
  );
}

export function PresentControls() {
  const store = useLabStore();
  const view = useLab(selectView);
  const presenting = useLab(selectPresenting);

  useEffect(() => {
    document.documentElement.classList.toggle('present', presenting);
  }, [presenting]);

  return (
    <span className="present-controls">
      <button
        aria-pressed={view === 'matrix'}
        onClick={() => store.getState().setView(view === 'matrix' ? 'lab' : 'matrix')}
        title="every library against every configuration of the guest"
      >
        Matrix
      </button>
      <button
        onClick={() => void store.getState().copyLink()}
        title="a link that rebuilds this lab, step by step"
      >
        Copy link
      </button>
      <button
        aria-pressed={presenting}
        onClick={() => store.getState().setPresenting(!presenting)}
        title="presenter mode: large type, high contrast, less chrome (key p)"
        aria-keyshortcuts="p"
      >
        Present
      </button>
      <ExportMenu />
      <LinkBox />
    </span>
  );
}
