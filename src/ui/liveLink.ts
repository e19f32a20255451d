// The address bar follows the lab: after every command the hash is replaced by the lab's current
// permalink (history.replaceState: no new history entry, no reload), so a reload or a copied
// address reopens the same view. At startup a hash is opened before anything else runs, and a
// link pasted into the tab later (only the hash changes, so no reload) is opened the same way.

import type { LabStore } from './store/store';

/** Runs the startup link after `init`, then keeps the hash and the lab in step; returns the undo. */
export function startLinks(store: LabStore, init: Promise<void>): () => void {
  const started = init.then(() => store.getState().openHash(window.location.hash));
  // the app's own updates use replaceState, which fires no hashchange: this is a person's link
  const onHash = () => void started.then(() => store.getState().openHash(window.location.hash));
  window.addEventListener('hashchange', onHash);
  let unsubscribe = () => {};
  void started.then(() => (unsubscribe = followLab(store)));
  return () => {
    unsubscribe();
    window.removeEventListener('hashchange', onHash);
  };
}

/** Replaces the hash with the lab's link after each change; returns the unsubscribe function. */
function followLab(store: LabStore): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  const update = async () => {
    const mine = ++seq;
    // an empty lab leaves the address bare (Copy link still gives its settings)
    const empty = (store.getState().session?.log.length ?? 0) === 0;
    const hash = empty ? '' : await store.getState().currentHash();
    if (mine !== seq || store.getState().busy) return;
    const bare = window.location.pathname + window.location.search;
    if (hash !== window.location.hash) history.replaceState(null, '', hash || bare);
  };
  return store.subscribe((s, prev) => {
    if (!s.ready || s.busy) return;
    const changed = prev.busy !== null || s.session !== prev.session || s.active !== prev.active;
    if (!changed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void update(), 80);
  });
}
