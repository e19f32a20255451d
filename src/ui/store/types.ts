// The shape of the app's one store: slices of state plus the actions that drive the worker.
// Slices are plain data; only actions talk to the worker (through the LabClient).

import type { StateCreator } from 'zustand/vanilla';
import type { EngineStats } from '../../core/engine';
import type { SnapshotSummary, VmSummary } from '../../core/lab/api';
import type { Consumer, DeviceView, LibraryId, TimelineEvent } from '../../core/lab/types';
import type { DrawView, GuestEntry, MemoryMapView, PageInfoView } from '../worker/protocol';
import type { IdCounters } from '../worker/filesProtocol';
import type { FilesSlice } from './filesSlice';
import type { JournalEntry } from './actions';
import type { PresentSlice } from './presentSlice';

export interface KernelToggles {
  vmgenid: boolean;
  sysgenid: boolean;
  wipeOnSuspend: boolean;
  vdsoGetrandom: boolean;
  jitterEntropy: boolean;
  agentReseed: boolean;
}

/** 'guest': keep the guest's processes (each with its own library); 'all': one process per library; else one process of that library. */
export type LibraryChoice = LibraryId | 'guest' | 'all';

export interface SettingsSlice {
  guests: GuestEntry[];
  guestsError: string | null;
  guestFile: string | null;
  kernel: KernelToggles;
  library: LibraryChoice;
  /** Library of each of the guest's processes (used when library === 'guest'). */
  processLibraries: LibraryId[];
  consumer: Consumer | 'guest';
  clones: number;
  draws: number;
  notifyDelayUs: number;
  snapshotType: 'full' | 'diff';
  seed: number;
  memoryMiB: number;
  touchCount: number;
  lazy: boolean;
  setGuests(guests: GuestEntry[], error: string | null): void;
  selectGuest(file: string): void;
  setKernel<K extends keyof KernelToggles>(key: K, value: KernelToggles[K]): void;
  setLibrary(library: LibraryChoice): void;
  setProcessLibrary(index: number, library: LibraryId): void;
  setSetting<K extends NumberSetting>(key: K, value: SettingsSlice[K]): void;
  setConsumer(c: Consumer | 'guest'): void;
  setSnapshotType(t: 'full' | 'diff'): void;
  setLazy(lazy: boolean): void;
}
export type NumberSetting = 'clones' | 'draws' | 'notifyDelayUs' | 'seed' | 'memoryMiB' | 'touchCount';

export interface FleetSlice {
  vms: VmSummary[];
  snapshots: SnapshotSummary[];
  stats: EngineStats | null;
  /** The booted VM of the current lineage. */
  bootVm: number | null;
  /** Settings the current fleet was booted with (to say when a change needs a new Boot). */
  bootedWith: string | null;
  /** VM A: memory map, timeline, the target of Snapshot / Touch / Destroy. */
  selectedVm: number | null;
  /** The snapshot Restore clones from. */
  selectedSnapshot: number | null;
  /** VM B: the memory map shown beside A. */
  compareVm: number | null;
  /** The core's id counters after the last command (null before the first answer). */
  ids: IdCounters | null;
}

export interface Busy {
  op: string;
  label: string;
  done: number;
  total: number;
  requestId: number | null;
  /** How Cancel works: at the next chunk boundary, or by restarting the worker and replaying. */
  cancel: 'chunks' | 'restart' | null;
  cancelRequested: boolean;
}

export interface Notice {
  tone: 'info' | 'warn' | 'error';
  text: string;
}

export interface RunSlice {
  ready: boolean;
  busy: Busy | null;
  notice: Notice | null;
  lastDraw: DrawView | null;
  /** A draw is under way: lastDraw is the previous one (its count is hidden meanwhile). */
  drawing: boolean;
  /** Library whose outputs the Outputs panel shows. */
  outputsLibrary: number;
}

export interface InspectSlice {
  devices: DeviceView[];
  timeline: TimelineEvent[];
  timelineVm: number | null;
  pageInfo: PageInfoView | null;
  /** The map side and page under the pointer or keyboard cursor. */
  cursor: { side: 'a' | 'b'; page: number } | null;
}

export interface MapsSlice {
  /** Read by the canvases through subscribe (never by React renders). */
  mapA: MemoryMapView | null;
  mapB: MemoryMapView | null;
  /** Bumped each time the maps change, so a canvas can tell a new frame is due. */
  mapSeq: number;
}

export interface ViewSlice {
  largeType: boolean;
  theme: 'dark' | 'light';
  /** Memory maps show the pages in use (from page 0 to the last non-zero page) or the whole guest. */
  mapRange: 'used' | 'all';
  setMapRange(r: 'used' | 'all'): void;
  setLargeType(on: boolean): void;
  setTheme(t: 'dark' | 'light'): void;
  setOutputsLibrary(i: number): void;
}

export interface ActionsSlice {
  init(): Promise<void>;
  boot(): Promise<void>;
  snapshot(): Promise<void>;
  restore(): Promise<void>;
  draw(): Promise<void>;
  reset(): Promise<void>;
  resume(): Promise<void>;
  destroy(vm: number): Promise<void>;
  touch(): Promise<void>;
  cancel(): void;
  selectVm(vm: number): void;
  selectSnapshot(snap: number): void;
  setCompareVm(vm: number | null): void;
  setCursor(cursor: { side: 'a' | 'b'; page: number } | null): void;
  dismissNotice(): void;
  /** The successful commands so far (what a cancel replays, and the saved session's steps). */
  journal(): JournalEntry[];
  /** Re-reads maps, devices and the timeline from the worker; `extra` lands in the same commit. */
  refreshViews(extra?: Partial<LabState>): Promise<void>;
  /** Replaces the commands a cancelled draw replays (after a link or a scenario step rebuilt the lab). */
  setJournal(entries: JournalEntry[]): void;
}

export type LabState = SettingsSlice &
  FleetSlice &
  RunSlice &
  InspectSlice &
  MapsSlice &
  ViewSlice &
  ActionsSlice &
  FilesSlice &
  PresentSlice;
export type SliceCreator<T> = StateCreator<LabState, [], [], T>;
