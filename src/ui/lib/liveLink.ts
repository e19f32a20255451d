// The address bar follows the lab: after every command the hash is replaced by the lab's current
// permalink (history.replaceState: no new history entry, no reload), so a reload or a copied
// address reopens the same view. At startup a hash is opened before anything else runs.

import type { LabStore } from '../store/store';
import { ensureScenarios } from './scenarios';

/** Opens the lab state in the page's hash, if any (after init, before any Boot). */
export async function openStartupLink(store: LabStore): Promise<void> {
  await ensureScenarios(store);
  await store.getState().openHash(window.location.hash);
}

/** Keeps the hash in step with the lab; returns the unsubscribe function. */
export function installLiveLink(store: LabStore): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  const update = async () => {
    const mine = ++seq;
    const hash = await store.getState().currentHash();
    if (mine !== seq || store.getState().busy) return;
    const bare = window.location.pathname + window.location.search;
    if (hash !== window.location.hash) history.replaceState(null, '', hash || bare);
  };
  return store.subscribe((s, prev) => {
    if (!s.ready || s.busy) return;
    const changed =
      prev.busy !== null || s.vms !== prev.vms || s.lastDraw !== prev.lastDraw || s.active !== prev.active;
    if (!changed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void update(), 80);
  });
}
