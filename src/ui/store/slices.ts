// The plain-state slices (lab, run, inspect, view): initial values and trivial setters. Everything
// that talks to the worker lives in actions.ts, presentSlice.ts and filesSlice.ts.

import type { InspectSlice, LabSlice, RunSlice, SliceCreator, ViewSlice } from './types';

export const initialLab: LabSlice = {
  vms: [],
  snapshots: [],
  stats: null,
  session: null,
  selection: { vm: null, compare: null, snapshot: null },
  mapA: null,
  mapB: null,
  mapSeq: 0,
  devices: [],
  timeline: [],
  timelineVm: null,
  lastDraw: null,
};
export const createLabSlice: SliceCreator<LabSlice> = () => ({ ...initialLab });

export const initialRun: RunSlice = {
  ready: false,
  busy: null,
  notice: null,
  drawing: false,
  outputsLibrary: 0,
};
export const createRunSlice: SliceCreator<RunSlice> = () => ({ ...initialRun });

export const initialInspect: InspectSlice = { pageInfo: null, cursor: null };
export const createInspectSlice: SliceCreator<InspectSlice> = () => ({ ...initialInspect });

export const createViewSlice: SliceCreator<ViewSlice> = (set, get) => ({
  largeType: false,
  theme: 'dark',
  themeChoice: 'system',
  systemTheme: 'dark',
  embed: false,
  menu: null,
  glossary: null,
  orientation: false,
  recording: null,
  mapRange: 'used',
  moreSettings: false,
  setMapRange: (mapRange) => set({ mapRange }),
  setLargeType: (largeType) => set({ largeType }),
  setThemeChoice: (themeChoice) =>
    set({ themeChoice, theme: themeChoice === 'system' ? get().systemTheme : themeChoice }),
  setSystemTheme: (systemTheme) =>
    set({ systemTheme, theme: get().themeChoice === 'system' ? systemTheme : get().theme }),
  // one popover at a time: opening a menu closes the link box (and Copy link closes the menu)
  setMenu: (menu) => set(menu ? { menu, linkBox: null } : { menu }),
  openGlossary: (term) => set({ glossary: { term }, menu: null, orientation: false }),
  closeGlossary: () => set({ glossary: null }),
  setOrientation: (orientation) => set(orientation ? { orientation, menu: null } : { orientation }),
  setRecording: (recording) => set({ recording }),
  setOutputsLibrary: (outputsLibrary) => set({ outputsLibrary }),
  setMoreSettings: (moreSettings) => set({ moreSettings }),
});
