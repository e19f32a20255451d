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

/** Reads guest files from the app's own origin. */
export function fetchText(base: string): ReadText {
  return async (path) => {
    const res = await fetch(new URL(`guest/${path}`, base));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  };
}

const loading = new WeakMap<object, Promise<void>>();

/** Loads the scenario list into the store once (the bar and a startup link both need it). */
export function ensureScenarios(store: {
  getState(): { setScenarios(list: ScenarioEntry[], error: string | null): void };
}): Promise<void> {
  let p = loading.get(store);
  if (!p) {
    const base = new URL(import.meta.env.BASE_URL, window.location.origin).href;
    p = loadScenarioList(fetchText(base)).then(
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
