// The View menu: the theme (follow the system, dark or light), Large type, the glossary and full
// screen. The choices are kept across reloads (view/prefs.ts). Esc or a press outside closes it.

import { useRef, useSyncExternalStore } from 'react';
import { useLab, useLabStore } from '../store/context';
import type { LabState, ThemeChoice } from '../store/types';
import { useDismiss } from '../widgets/useDismiss';

const selectOpen = (s: LabState) => s.menu === 'view';
const selectChoice = (s: LabState) => s.themeChoice;
const selectSystem = (s: LabState) => s.systemTheme;
const selectLarge = (s: LabState) => s.largeType;
const selectPresenting = (s: LabState) => s.presenting;

const THEMES: Array<{ value: ThemeChoice; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'dark', label: 'Dark' },
  { value: 'light', label: 'Light' },
];

function onFullscreen(cb: () => void): () => void {
  document.addEventListener('fullscreenchange', cb);
  return () => document.removeEventListener('fullscreenchange', cb);
}
const fullscreen = () => typeof document !== 'undefined' && document.fullscreenElement !== null;

export function ViewMenu() {
  const store = useLabStore();
  const open = useLab(selectOpen);
  const choice = useLab(selectChoice);
  const system = useLab(selectSystem);
  const large = useLab(selectLarge);
  const presenting = useLab(selectPresenting);
  const isFull = useSyncExternalStore(onFullscreen, fullscreen, () => false);
  const panel = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const close = () => store.getState().setMenu(null);
  useDismiss(open, close, [panel, toggle], toggle);
  const canFull = typeof document !== 'undefined' && document.fullscreenEnabled;

  return (
    <span className="view-menu">
      <button
        ref={toggle}
        className="menu-button"
        aria-expanded={open}
        aria-controls="view-items"
        onClick={() => store.getState().setMenu(open ? null : 'view')}
      >
        View
      </button>
      {open && (
        <div className="view-items" id="view-items" role="group" aria-label="View options" ref={panel}>
          <fieldset>
            <legend>Theme</legend>
            {THEMES.map((t) => (
              <label key={t.value} className="check">
                <input
                  type="radio"
                  name="theme"
                  value={t.value}
                  checked={choice === t.value}
                  onChange={() => store.getState().setThemeChoice(t.value)}
                />
                {t.label}
                {t.value === 'system' ? <span className="hint"> (now {system})</span> : null}
              </label>
            ))}
          </fieldset>
          <label className="check" title={presenting ? 'presenter mode sets its own type size' : undefined}>
            <input
              type="checkbox"
              checked={large}
              onChange={(e) => store.getState().setLargeType(e.target.checked)}
            />
            Large type
          </label>
          <button className="small" onClick={() => store.getState().openGlossary(null)}>
            Glossary
          </button>
          {canFull && (
            <button
              className="small"
              onClick={() => {
                close();
                if (isFull) void document.exitFullscreen();
                else void document.documentElement.requestFullscreen();
              }}
            >
              {isFull ? 'Leave full screen' : 'Full screen'}
            </button>
          )}
        </div>
      )}
    </span>
  );
}
