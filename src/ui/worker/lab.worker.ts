// The lab worker: waits for the page's hello (where the guest files are), loads the wasm core
// and the guests, creates the one SessionHost and serves the protocol (serve.ts). The main thread
// never blocks on the core; long commands run in chunks and can be cancelled.

import '../csp';
import { SessionHost } from '../../core/host/host';
import { loadCoreBrowser } from '../../core/load/browser';
import { fetchGuestText, loadGuests } from './guests';
import type { ToWorker } from './protocol';
import { serve } from './serve';

const scope = self as unknown as DedicatedWorkerGlobalScope;

let hello: (guests: string) => void = () => {};
const guestFolder = new Promise<string>((resolve) => (hello = resolve));

const host = guestFolder.then(async (folder) => {
  const [core, guests] = await Promise.all([loadCoreBrowser(), loadGuests(fetchGuestText(folder))]);
  // the matrix gets a second core of its own: it resets its core for every column
  return new SessionHost(core, guests, loadCoreBrowser);
});

serve(host, {
  post: (msg, transfer) => scope.postMessage(msg, transfer),
  onMessage: (fn) =>
    scope.addEventListener('message', (e: MessageEvent<ToWorker>) => {
      if (e.data.kind === 'hello') hello(e.data.guests);
      else fn(e.data);
    }),
});
