// The header's "compare and present" switches: the matrix view, Copy link (with the link, and an
// iframe snippet for a slide deck, in visible text fields, copied or not), presenter mode, the
// Export and View menus, and "?" (the orientation). Popovers close with Esc or a press outside,
// and only one is open at a time. Presenter mode is a class on <html> (view/prefs.ts) so the
// stylesheet can hide chrome and raise contrast in both themes.

import { useEffect, useRef } from 'react';
import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';
import { ViewMenu } from '../view/ViewMenu';
import { useDismiss } from '../widgets/useDismiss';
import { ExportMenu } from './ExportMenu';

const selectView = (s: LabState) => s.view;
const selectPresenting = (s: LabState) => s.presenting;
const selectLinkBox = (s: LabState) => s.linkBox;

/** The page's address with ?embed, for an iframe in a slide deck. */
export function embedUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('embed', '1');
  return u.href;
}

function LinkBox({ trigger }: { trigger: React.RefObject<HTMLButtonElement | null> }) {
  const store = useLabStore();
  const box = useLab(selectLinkBox);
  const field = useRef<HTMLInputElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const close = () => store.getState().closeLinkBox();
  useDismiss(box !== null, close, [panel, trigger], trigger);
  useEffect(() => {
    if (box?.url && !box.copied) field.current?.select();
  }, [box]);
  if (!box) return null;
  return (
    <div className="link-box" role="dialog" aria-label="Link to this lab" ref={panel}>
      <p aria-live="polite">{box.text}</p>
      {box.url && (
        <>
          <input
            ref={field}
            type="text"
            readOnly
            value={box.url}
            aria-label="Link to this lab"
            onFocus={(e) => e.currentTarget.select()}
          />
          <label className="embed-label" htmlFor="embed-snippet">
            In a slide deck (only the step’s panels, no controls):
          </label>
          <input
            id="embed-snippet"
            type="text"
            readOnly
            value={`<iframe src="${embedUrl(box.url)}" width="1280" height="720" style="border:0"></iframe>`}
            onFocus={(e) => e.currentTarget.select()}
          />
        </>
      )}
      <button className="small" onClick={close}>
        Close
      </button>
    </div>
  );
}

export function PresentControls() {
  const store = useLabStore();
  const view = useLab(selectView);
  const presenting = useLab(selectPresenting);
  const copy = useRef<HTMLButtonElement>(null);

  return (
    <span className="present-controls" data-capture="skip">
      <button
        aria-pressed={view === 'matrix'}
        onClick={() => store.getState().setView(view === 'matrix' ? 'lab' : 'matrix')}
        title="every library against every configuration of the guest"
      >
        Matrix
      </button>
      <button
        ref={copy}
        onClick={() => void store.getState().copyLink()}
        title="a link that rebuilds this lab, step by step"
      >
        Copy link
      </button>
      <button
        aria-pressed={presenting}
        onClick={() => store.getState().setPresenting(!presenting)}
        title="presenter mode: type that scales with the screen, high contrast, the step's panels only (key p)"
        aria-keyshortcuts="p"
      >
        Present
      </button>
      <ExportMenu />
      <ViewMenu />
      <button
        className="help-button"
        aria-label="What this lab shows"
        title="what this lab shows and where to start (key ?)"
        aria-keyshortcuts="?"
        onClick={() => store.getState().setOrientation(true)}
      >
        ?
      </button>
      <LinkBox trigger={copy} />
    </span>
  );
}
