// Loads the guided scenarios the app offers (public/guest/scenarios/index.json and each file it
// lists), checked by the core's own parsers. A broken file stays in the list with its error, so
// the picker can say which file and field is wrong instead of hiding it.

import { parseScenarioIndexText, parseScenarioText } from '../../core/scenario/parse';
import type { Scenario } from '../../core/scenario/types';

export interface ScenarioEntry {
  id: string;
  title: string;
  description: string;
  scenario: Scenario | null;
  error: string | null;
}

/** Reads a file under public/guest/ ('scenarios/index.json'). */
export type ReadText = (path: string) => Promise<string>;

/** The shipped scenarios, in the index's order. */
export async function loadScenarioList(read: ReadText): Promise<ScenarioEntry[]> {
  const index = parseScenarioIndexText(await read('scenarios/index.json'), 'index.json');
  if (!index.ok) throw new Error(index.error.message);
  return Promise.all(
    index.value.map(async (e): Promise<ScenarioEntry> => {
      const head = { id: e.id, title: e.title, description: e.description };
      let text: string;
      try {
        text = await read(`scenarios/${e.file}`);
      } catch (x) {
        return { ...head, scenario: null, error: `${e.file}: cannot be read (${String(x)})` };
      }
      const s = parseScenarioText(text, e.file);
      if (!s.ok) return { ...head, scenario: null, error: s.error.message };
      if (s.value.id !== e.id)
        return { ...head, scenario: null, error: `${e.file}: id: must be "${e.id}" (got "${s.value.id}")` };
      return { ...head, scenario: s.value, error: null };
    }),
  );
}

/** Reads files under a guest folder URL (the page's `guest/`, resolved against the page). */
export function fetchText(folder: string): ReadText {
  return async (path) => {
    const res = await fetch(new URL(path, folder));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  };
}

/** The guest folder of the page, wherever the app is served (a sub-path, an iframe). */
export function guestFolder(): string {
  return new URL('guest/', document.baseURI).href;
}

const loading = new WeakMap<object, Promise<void>>();

/** Loads the scenario list into the store once (the bar and a startup link both need it). */
export function ensureScenarios(store: {
  getState(): {
    scenarios: readonly ScenarioEntry[];
    setScenarios(list: ScenarioEntry[], error: string | null): void;
  };
}): Promise<void> {
  let p = loading.get(store);
  if (!p && store.getState().scenarios.length > 0) p = Promise.resolve();
  if (!p) {
    p = loadScenarioList(fetchText(guestFolder())).then(
      (list) => {
        const bad = list.filter((x) => x.error);
        store.getState().setScenarios(list, bad.length ? bad.map((x) => x.error).join('; ') : null);
      },
      (e: unknown) => store.getState().setScenarios([], String(e)),
    );
    loading.set(store, p);
  }
  return p;
}
