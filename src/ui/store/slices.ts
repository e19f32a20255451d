// The plain-state slices (fleet, run, inspect, maps, view): initial values and trivial setters.
// Everything that talks to the worker lives in actions.ts.

import type { FleetSlice, InspectSlice, MapsSlice, RunSlice, SliceCreator, ViewSlice } from './types';

export const initialFleet: FleetSlice = {
  vms: [],
  snapshots: [],
  stats: null,
  bootVm: null,
  bootedWith: null,
  selectedVm: null,
  selectedSnapshot: null,
  compareVm: null,
  ids: null,
};
export const createFleetSlice: SliceCreator<FleetSlice> = () => ({ ...initialFleet });

export const initialRun: RunSlice = {
  ready: false,
  busy: null,
  notice: null,
  lastDraw: null,
  drawing: false,
  outputsLibrary: 0,
};
export const createRunSlice: SliceCreator<RunSlice> = () => ({ ...initialRun });

export const initialInspect: InspectSlice = {
  devices: [],
  timeline: [],
  timelineVm: null,
  pageInfo: null,
  cursor: null,
};
export const createInspectSlice: SliceCreator<InspectSlice> = () => ({ ...initialInspect });

export const initialMaps: MapsSlice = { mapA: null, mapB: null, mapSeq: 0 };
export const createMapsSlice: SliceCreator<MapsSlice> = () => ({ ...initialMaps });

export const createViewSlice: SliceCreator<ViewSlice> = (set) => ({
  largeType: false,
  theme: 'dark',
  mapRange: 'used',
  setMapRange: (mapRange) => set({ mapRange }),
  setLargeType: (largeType) => set({ largeType }),
  setTheme: (theme) => set({ theme }),
  setOutputsLibrary: (outputsLibrary) => set({ outputsLibrary }),
});
