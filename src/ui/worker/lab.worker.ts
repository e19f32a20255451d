// The lab worker: loads the wasm core, owns the one Lab, and serves the protocol (protocol.ts).
// The main thread never blocks on the core; long commands run in chunks and can be cancelled.

import { Lab } from '../../core/lab/lab';
import { loadCoreBrowser } from '../../core/load/browser';
import { fetchGuestText, loadGuests } from './guests';
import { LabHost } from './host';
import type { ToWorker } from './protocol';
import { serve } from './serve';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const base = new URL(import.meta.env.BASE_URL, scope.location.origin).href;

const host = (async () => {
  const lab = await Lab.create(await loadCoreBrowser());
  // the matrix gets a second core of its own: computeMatrix reseeds its core's host entropy
  return new LabHost(lab, lab.engine, () => loadGuests(fetchGuestText(base)), loadCoreBrowser);
})();

serve(host, {
  post: (msg, transfer) => scope.postMessage(msg, transfer),
  onMessage: (fn) => scope.addEventListener('message', (e: MessageEvent<ToWorker>) => fn(e.data)),
});
