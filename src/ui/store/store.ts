// The app's one vanilla zustand store, assembled from slices. React reads it with useStore and
// module-scope selectors (selectors.ts); canvases subscribe to it directly.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LabClient } from '../worker/client';
import { createActionsSlice } from './actions';
import { createFilesSlice } from './filesSlice';
import { createPresentSlice } from './presentSlice';
import { createSettingsSlice } from './settings';
import {
  createFleetSlice,
  createInspectSlice,
  createMapsSlice,
  createRunSlice,
  createViewSlice,
} from './slices';
import type { LabState } from './types';

export type LabStore = StoreApi<LabState>;

/** Builds the store around a client of the lab worker. */
export function createLabStore(client: LabClient): LabStore {
  return createStore<LabState>()((...a) => ({
    ...createSettingsSlice(...a),
    ...createFleetSlice(...a),
    ...createRunSlice(...a),
    ...createInspectSlice(...a),
    ...createMapsSlice(...a),
    ...createViewSlice(...a),
    ...createActionsSlice(client)(...a),
    ...createPresentSlice(client)(...a),
    ...createFilesSlice(client)(...a),
  }));
}
