// Shared set-up of the app's Node tests: the core's SessionHost over a fresh wasm instance and the
// shipped guests read from public/guest/, served to a LabClient over the in-process transport
// (the same protocol, structured clone and transfers as the worker), and a store around it.

import { readFile } from 'node:fs/promises';
import { SessionHost } from '../src/core/host/host';
import { loadCoreNode } from '../src/core/load/node';
import { parseScenarioText } from '../src/core/scenario/parse';
import type { Scenario } from '../src/core/scenario/types';
import { createLabStore, type LabStore } from '../src/ui/store/store';
import { LabClient } from '../src/ui/worker/client';
import { loadGuests } from '../src/ui/worker/guests';
import type { ChunkContext } from '../src/ui/worker/protocol';
import { inProcessTransport } from '../src/ui/worker/serve';

const guestDir = new URL('../public/guest/', import.meta.url);

/** Reads a file under public/guest/. */
export const readGuest = (file: string) => readFile(new URL(file, guestDir), 'utf8');

/** A SessionHost as the worker builds it: a fresh core, the shipped guests, a second core for the matrix. */
export async function newHost(): Promise<SessionHost> {
  const [core, guests] = await Promise.all([loadCoreNode(), loadGuests(readGuest)]);
  return new SessionHost(core, guests, () => loadCoreNode());
}

/** A client of a fresh host per "worker" (a restarted worker gets a fresh wasm instance too). */
export function newClient(onRequest?: (op: string) => void): LabClient {
  const client = new LabClient(inProcessTransport(newHost));
  if (onRequest) {
    const request = client.request.bind(client);
    client.request = ((op, args, opts) => {
      onRequest(op);
      return request(op, args, opts);
    }) as typeof client.request;
  }
  return client;
}

/** A store over a fresh worker, its guests loaded. */
export async function newStore(onRequest?: (op: string) => void): Promise<LabStore> {
  const store = createLabStore(newClient(onRequest));
  await store.getState().init();
  return store;
}

/** Boot, Snapshot, Restore `clones`, Draw `draws`, as the buttons do. */
export async function journey(store: LabStore, clones: number, draws: number) {
  const a = store.getState();
  await a.boot();
  await a.snapshot();
  a.setSetting('clones', clones);
  await store.getState().restore();
  store.getState().setSetting('draws', draws);
  await store.getState().draw();
  return store.getState();
}

/** A chunk context that records progress. */
export function chunks(over: Partial<ChunkContext> = {}): ChunkContext & { seen: Array<[number, number]> } {
  const seen: Array<[number, number]> = [];
  return {
    seen,
    progress: (d, t) => seen.push([d, t]),
    cancelled: () => false,
    yieldNow: () => Promise.resolve(),
    ...over,
  };
}

/** A shipped scenario, parsed. */
export async function scenario(id: string): Promise<Scenario> {
  const r = parseScenarioText(await readGuest(`scenarios/${id}.json`), `${id}.json`);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
