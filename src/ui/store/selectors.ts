// Module-scope selectors: stable function identities, so React re-renders only on real changes.
// Selectors that build objects are wrapped in useShallow at the call site.

import type { LabState } from './types';
import { bootFingerprint } from './settings';
import { drawingVms } from './actions';

export const selectBusy = (s: LabState) => s.busy;
export const selectNotice = (s: LabState) => s.notice;
export const selectReady = (s: LabState) => s.ready;
export const selectVms = (s: LabState) => s.vms;
export const selectSnapshots = (s: LabState) => s.snapshots;
export const selectStats = (s: LabState) => s.stats;
export const selectLastDraw = (s: LabState) => s.lastDraw;
export const selectDrawing = (s: LabState) => s.drawing;
export const selectDevices = (s: LabState) => s.devices;
export const selectTimeline = (s: LabState) => s.timeline;
export const selectTimelineVm = (s: LabState) => s.timelineVm;
export const selectPageInfo = (s: LabState) => s.pageInfo;
export const selectCursor = (s: LabState) => s.cursor;
export const selectLargeType = (s: LabState) => s.largeType;
export const selectTheme = (s: LabState) => s.theme;
export const selectMapRange = (s: LabState) => s.mapRange;
export const selectOutputsLibrary = (s: LabState) => s.outputsLibrary;
export const selectGuests = (s: LabState) => s.guests;
export const selectGuestFile = (s: LabState) => s.guestFile;
export const selectGuestsError = (s: LabState) => s.guestsError;
export const selectKernel = (s: LabState) => s.kernel;
export const selectLibrary = (s: LabState) => s.library;
export const selectProcessLibraries = (s: LabState) => s.processLibraries;
export const selectConsumer = (s: LabState) => s.consumer;
export const selectSnapshotType = (s: LabState) => s.snapshotType;
export const selectLazy = (s: LabState) => s.lazy;
export const selectSelectedVm = (s: LabState) => s.selectedVm;
export const selectCompareVm = (s: LabState) => s.compareVm;
export const selectSelectedSnapshot = (s: LabState) => s.selectedSnapshot;
export const selectBootVm = (s: LabState) => s.bootVm;

/** The numeric knobs (an object: use with useShallow). */
export const selectNumbers = (s: LabState) => ({
  clones: s.clones,
  draws: s.draws,
  notifyDelayUs: s.notifyDelayUs,
  seed: s.seed,
  memoryMiB: s.memoryMiB,
  touchCount: s.touchCount,
});

/** The selected guest's manifest, or null. */
export const selectManifest = (s: LabState) => s.guests.find((g) => g.file === s.guestFile)?.manifest ?? null;

/** True when boot-time settings changed since the fleet was booted. */
export const selectNeedsReboot = (s: LabState) =>
  s.bootedWith !== null && s.bootedWith !== bootFingerprint(s);

/** What each action may do now (an object: use with useShallow). */
export const selectCan = (s: LabState) => {
  const idle = s.ready && !s.busy;
  const boot = s.bootVm === null ? undefined : s.vms.find((v) => v.id === s.bootVm);
  return {
    boot: idle && s.guestFile !== null,
    snapshot: idle && (s.selectedVm !== null || s.bootVm !== null),
    restore: idle && s.selectedSnapshot !== null,
    draw: idle && drawingVms(s).length > 0,
    reset: idle && (s.vms.length > 0 || s.snapshots.length > 0),
    resume: idle && boot?.state === 'paused',
    touch: idle && s.vms.some((v) => v.id === s.selectedVm && v.state === 'running'),
    destroy: idle && s.selectedVm !== null,
  };
};

/** The VM summary of the selected VM (A), or null. */
export const selectSelectedSummary = (s: LabState) => s.vms.find((v) => v.id === s.selectedVm) ?? null;
