// The app's one vanilla zustand store, assembled from slices around one driver of the lab worker.
// React reads it with useLab and module-scope selectors (selectors.ts); canvases subscribe to it.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LabClient } from '../worker/client';
import type { LabStorage } from '../persist/labStorage';
import { createActionsSlice } from './actions';
import { createDriver } from './driver';
import { createFilesSlice } from './filesSlice';
import { createPresentSlice } from './presentSlice';
import { createSettingsSlice } from './settings';
import { createInspectSlice, createLabSlice, createRunSlice, createViewSlice } from './slices';
import type { LabState } from './types';

export type LabStore = StoreApi<LabState>;

/** Builds the store around a client of the lab worker (and the browser's storage, if given). */
export function createLabStore(client: LabClient, storage?: LabStorage): LabStore {
  return createStore<LabState>()((set, get, api) => {
    const d = createDriver(client, set, get);
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
}
