// Loads the guest presets the lab offers: the guest folder's index.json and each manifest it
// lists, checked by the core's own validator. A broken manifest stays in the list with its error,
// so the app can say which file and field is wrong instead of hiding it.

import { parseGuestIndexText, parseManifestText } from '../../core/manifest/validate';
import type { GuestEntry } from './protocol';

/** Reads text at a path under the guest folder ('index.json', 'default.json'). */
export type ReadGuestText = (file: string) => Promise<string>;

/** Lists the shipped guests with their parsed manifests. */
export async function loadGuests(read: ReadGuestText): Promise<GuestEntry[]> {
  const index = parseGuestIndexText(await read('index.json'), 'index.json');
  if (!index.ok) throw new Error(index.error.message);
  return Promise.all(
    index.value.map(async (e): Promise<GuestEntry> => {
      let text: string;
      try {
        text = await read(e.file);
      } catch (x) {
        return { ...e, manifest: null, error: `${e.file}: cannot be read (${String(x)})` };
      }
      const m = parseManifestText(text, e.file);
      return m.ok
        ? { ...e, manifest: m.value, error: null }
        : { ...e, manifest: null, error: m.error.message };
    }),
  );
}

/** Reads guest files from a folder URL (the page's `guest/`, resolved against the page). */
export function fetchGuestText(folder: string): ReadGuestText {
  return async (file) => {
    const res = await fetch(new URL(file, folder));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  };
}
