// How the lab is looked at, kept across reloads: the theme (the person's choice, else the
// operating system's light or dark preference, followed live), Large type, whether the first-run
// orientation was seen (localStorage), and presenter mode (sessionStorage: a reload during a talk
// keeps it, a new tab starts without it). URL flags: ?embed shows only the step's panels, for an
// iframe in a slide deck; ?present opens in presenter mode.
//
// These are conveniences, not the lab's state: where the browser refuses storage (an embedding
// page may), they are simply not kept. The classes on <html> (light, large, present, embed) are set
// here, in one place, so the first paint already has them.

import type { LabStore } from '../store/store';
import type { LabState, ThemeChoice } from '../store/types';

export const PREFS_KEY = 'uniqueness-lab/view';
export const PRESENT_KEY = 'uniqueness-lab/presenting';

export interface ViewPrefs {
  theme: ThemeChoice;
  largeType: boolean;
  orientationSeen: boolean;
}

const DEFAULTS: ViewPrefs = { theme: 'system', largeType: false, orientationSeen: false };

/** The stored preferences, each checked (a hand-edited or older value falls back to its default). */
export function readPrefs(text: string | null): ViewPrefs {
  if (!text) return { ...DEFAULTS };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ...DEFAULTS };
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  return {
    theme: o.theme === 'dark' || o.theme === 'light' || o.theme === 'system' ? o.theme : DEFAULTS.theme,
    largeType: typeof o.largeType === 'boolean' ? o.largeType : DEFAULTS.largeType,
    orientationSeen: typeof o.orientationSeen === 'boolean' ? o.orientationSeen : DEFAULTS.orientationSeen,
  };
}

/** The URL's view flags: ?embed (or embed=1) and ?present. */
export function urlFlags(search: string): { embed: boolean; present: boolean } {
  const q = new URLSearchParams(search);
  const on = (k: string) => q.has(k) && !['0', 'false', 'no'].includes(q.get(k)!.toLowerCase());
  return { embed: on('embed'), present: on('present') };
}

/** The classes <html> carries for a state. */
export function rootClasses(s: Pick<LabState, 'theme' | 'largeType' | 'presenting' | 'embed'>): string[] {
  const out: string[] = [];
  if (s.theme === 'light') out.push('light');
  if (s.largeType && !s.presenting && !s.embed) out.push('large');
  // an embedded lab is a slide: presenter type and contrast, and no chrome
  if (s.presenting || s.embed) out.push('present');
  if (s.embed) out.push('embed');
  return out;
}

function storage(kind: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

function read(st: Storage | null, key: string): string | null {
  try {
    return st?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(st: Storage | null, key: string, value: string | null): void {
  try {
    if (value === null) st?.removeItem(key);
    else st?.setItem(key, value);
  } catch {
    // not kept: storage is refused or full
  }
}

/**
 * Reads the preferences and flags into the store, keeps them saved as they change, follows the
 * system theme, and keeps <html>'s classes in step. Returns the undo.
 */
export function installViewPrefs(store: LabStore): () => void {
  const local = storage('localStorage');
  const session = storage('sessionStorage');
  const prefs = readPrefs(read(local, PREFS_KEY));
  const flags = urlFlags(window.location.search);
  const media = window.matchMedia?.('(prefers-color-scheme: light)');
  const system = media?.matches ? 'light' : 'dark';
  // a link someone sent opens on its own results; the orientation waits for a plain visit
  const link = /^#s=/.test(window.location.hash);
  const s = store.getState();
  s.setSystemTheme(system);
  s.setThemeChoice(prefs.theme);
  s.setLargeType(prefs.largeType);
  store.setState({
    embed: flags.embed,
    presenting: !flags.embed && (flags.present || read(session, PRESENT_KEY) === '1'),
    orientation: !prefs.orientationSeen && !flags.embed && !link,
  });

  const apply = (st: LabState) => {
    const root = document.documentElement;
    const want = new Set(rootClasses(st));
    for (const c of ['light', 'large', 'present', 'embed']) root.classList.toggle(c, want.has(c));
  };
  apply(store.getState());

  const onSystem = (e: MediaQueryListEvent) => store.getState().setSystemTheme(e.matches ? 'light' : 'dark');
  media?.addEventListener?.('change', onSystem);

  let seen = prefs.orientationSeen;
  const unsubscribe = store.subscribe((st, prev) => {
    if (
      st.theme !== prev.theme ||
      st.largeType !== prev.largeType ||
      st.presenting !== prev.presenting ||
      st.embed !== prev.embed
    )
      apply(st);
    if (prev.orientation && !st.orientation) seen = true;
    if (
      st.themeChoice !== prev.themeChoice ||
      st.largeType !== prev.largeType ||
      (prev.orientation && !st.orientation)
    )
      write(
        local,
        PREFS_KEY,
        JSON.stringify({ theme: st.themeChoice, largeType: st.largeType, orientationSeen: seen }),
      );
    if (st.presenting !== prev.presenting && !st.embed)
      write(session, PRESENT_KEY, st.presenting ? '1' : null);
  });
  return () => {
    unsubscribe();
    media?.removeEventListener?.('change', onSystem);
  };
}
