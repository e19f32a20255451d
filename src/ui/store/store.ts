// The app's one vanilla zustand store, assembled from slices around one driver of the lab worker.
// React reads it with useLab and module-scope selectors (selectors.ts); canvases subscribe to it.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LabClient } from '../worker/client';
import type { LabStorage } from '../persist/labStorage';
import { createActionsSlice } from './actions';
import { createDriver, type Driver } from './driver';
import { createFilesSlice } from './filesSlice';
import { createPresentSlice } from './presentSlice';
import { createSettingsSlice } from './settings';
import { createInspectSlice, createLabSlice, createRunSlice, createViewSlice } from './slices';
import type { LabState } from './types';

export type LabStore = StoreApi<LabState>;

const drivers = new WeakMap<LabStore, Driver>();

/**
 * The driver of a store built by createLabStore (undefined for a store built otherwise, such as a
 * test's snapshot of a state): for views that keep their own small store but send the lab's
 * commands under its busy line (src/ui/recover/, src/ui/real/).
 */
export function driverOf(store: LabStore): Driver | undefined {
  return drivers.get(store);
}

/** Builds the store around a client of the lab worker (and the browser's storage, if given). */
export function createLabStore(client: LabClient, storage?: LabStorage): LabStore {
  const made: { driver?: Driver } = {};
  const store = createStore<LabState>()((set, get, api) => {
    const d = createDriver(client, set, get);
    made.driver = d;
    return {
      ...createSettingsSlice(set, get, api),
      ...createLabSlice(set, get, api),
      ...createRunSlice(set, get, api),
      ...createInspectSlice(set, get, api),
      ...createViewSlice(set, get, api),
      ...createActionsSlice(d)(set, get, api),
      ...createPresentSlice(d)(set, get, api),
      ...createFilesSlice(d, storage)(set, get, api),
    };
  });
  if (made.driver) drivers.set(store, made.driver);
  return store;
}
