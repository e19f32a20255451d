// The shape of the app's one store: slices of state and the actions that drive the worker.
// Every slice's interface is here, so slice files import this one and never each other.
//
// What the store holds of the lab comes from the worker's bundles (LabBundle, one per lab
// change): the fleet, the session (its starting settings and action log: the ONLY history the
// app keeps; links, saved sessions, exports and a rebuild after a cancelled draw all read it),
// the selection, the maps, devices, timeline and the last draw. The controls are one draft of
// the whole settings (LabSettings), which every action sends along.

import type { StateCreator } from 'zustand/vanilla';
import type { EngineStats } from '../../core/engine';
import type { SnapshotSummary, VmSummary } from '../../core/lab/api';
import type { MemoryMapView } from '../../core/lab/inspect';
import type { DeviceView, DrawResult, TimelineEvent } from '../../core/lab/types';
import type { Matrix } from '../../core/matrix/matrix';
import type { Scenario } from '../../core/scenario/types';
import type { LabSettings, SettingKey } from '../../core/settings/settings';
import type { ScenarioEntry } from '../lib/scenarios';
import type { SavedFileMeta } from '../persist/records';
import type { StorageEstimateLike } from '../persist/storageErrors';
import type {
  GuestEntry,
  PageInfoView,
  SecretScanView,
  Selection,
  SessionView,
  StepOutcomeView,
} from '../worker/protocol';

export interface SettingsSlice {
  guests: GuestEntry[];
  guestsError: string | null;
  /** The controls: whole settings, every value within its limits (null until guests load). */
  draft: LabSettings | null;
  /**
   * What a person typed into a number field that is not a value within its limits: the field
   * shows it as typed (nothing is rewritten), and no action runs until it is fixed.
   */
  typed: Partial<Record<SettingKey, string>>;
  /** Sets one control (a new guest brings its own kernel defaults, as applyPatch says). */
  setSetting<K extends SettingKey>(key: K, value: LabSettings[K]): void;
  /** Records the text of a number field (null: the field holds a valid value again). */
  setTyped(key: SettingKey, text: string | null): void;
}

/** The lab as the last bundle showed it. */
export interface LabSlice {
  vms: VmSummary[];
  snapshots: SnapshotSummary[];
  stats: EngineStats | null;
  /** The session: settings in effect, its history (initial + log), lineage, drawing VMs, files. */
  session: SessionView | null;
  /** VM A (maps, timeline, Touch, Destroy), VM B (the second map), the snapshot Restore uses. */
  selection: Selection;
  /** Read by the canvases through subscribe (never by React renders). */
  mapA: MemoryMapView | null;
  mapB: MemoryMapView | null;
  /** Bumped each time the maps change, so a canvas can tell a new frame is due. */
  mapSeq: number;
  devices: DeviceView[];
  timeline: TimelineEvent[];
  timelineVm: number | null;
  /** The session's last draw: outputs as bytes, duplicate marks as typed arrays. */
  lastDraw: DrawResult | null;
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
  /** A draw is under way: lastDraw is the previous one (its count is hidden meanwhile). */
  drawing: boolean;
  /** Library whose outputs the Outputs panel shows. */
  outputsLibrary: number;
}

export interface InspectSlice {
  pageInfo: PageInfoView | null;
  /** The map side and page under the pointer or keyboard cursor. */
  cursor: { side: 'a' | 'b'; page: number } | null;
}

/** The theme a person chose; 'system' follows the operating system's light or dark preference. */
export type ThemeChoice = 'system' | 'dark' | 'light';

/**
 * The header's menus: at most one is open (the Copy-link box counts: opening one closes the
 * other), and Esc or a click outside closes it.
 */
export type Menu = 'export' | 'view';

export interface ViewSlice {
  largeType: boolean;
  /** The theme shown: the person's choice, or the system's while they chose 'system'. */
  theme: 'dark' | 'light';
  themeChoice: ThemeChoice;
  /** The operating system's preference (prefers-color-scheme), kept up to date by the view prefs. */
  systemTheme: 'dark' | 'light';
  /** Embedded in another page (the URL's ?embed): the step's panels only, no chrome. */
  embed: boolean;
  /** The open header menu, or null. */
  menu: Menu | null;
  /** The glossary drawer: null when closed, else the term it was opened at (null: the top). */
  glossary: { term: string | null } | null;
  /** The orientation ("what this lab shows and where to start") is shown. */
  orientation: boolean;
  /** A scenario being recorded as a video: the step, what is happening, a stop asked for; or null. */
  recording: { step: number; steps: number; text: string; stopping: boolean } | null;
  /** Memory maps show the pages in use (from page 0 to the last non-zero page) or the whole guest. */
  mapRange: 'used' | 'all';
  /** The "More settings" disclosure is open (its controls are rendered only then). */
  moreSettings: boolean;
  setMapRange(r: 'used' | 'all'): void;
  setLargeType(on: boolean): void;
  setThemeChoice(t: ThemeChoice): void;
  setSystemTheme(t: 'dark' | 'light'): void;
  setMenu(m: Menu | null): void;
  openGlossary(term: string | null): void;
  closeGlossary(): void;
  setOrientation(open: boolean): void;
  setRecording(r: ViewSlice['recording']): void;
  setOutputsLibrary(i: number): void;
  setMoreSettings(open: boolean): void;
}

export interface ActionsSlice {
  /** Loads the guests and the first (empty) lab; the app is ready after it. */
  init(): Promise<void>;
  boot(): Promise<void>;
  snapshot(): Promise<void>;
  restore(): Promise<void>;
  draw(): Promise<void>;
  reset(): Promise<void>;
  resume(): Promise<void>;
  destroy(vm: number): Promise<void>;
  touch(): Promise<void>;
  /** Stops the running command (chunks: after this batch; restart: a new worker, the lab rebuilt). */
  cancel(): void;
  selectVm(vm: number): void;
  selectSnapshot(snap: number): void;
  setCompareVm(vm: number | null): void;
  setCursor(cursor: { side: 'a' | 'b'; page: number } | null): void;
  dismissNotice(): void;
}

export type View = 'lab' | 'matrix';

export interface ActiveScenario {
  scenario: Scenario;
  /** The step shown (0-based); -1 while the first step runs. */
  step: number;
  /** The shown step's checked claims (null while it runs, or after an error). */
  result: StepOutcomeView | null;
  /** The step was reached by rebuilding from step 1 (after a detour, or stepping back). */
  rebuilt: boolean;
  error: string | null;
}

export interface LinkBox {
  /** The link, or null if the lab has none (then `text` says why). */
  url: string | null;
  text: string;
  copied: boolean;
}

export interface PresentSlice {
  view: View;
  presenting: boolean;
  matrix: Matrix | null;
  /** The parameters the matrix ran with (to say when the lab's settings moved on). */
  matrixKey: string | null;
  matrixError: string | null;
  scenarios: ScenarioEntry[];
  scenariosError: string | null;
  active: ActiveScenario | null;
  /** The Copy link box (null: closed). */
  linkBox: LinkBox | null;
  /** A link that could not be opened: the decoder's or the replay's message (role=alert). */
  linkAlert: string | null;
  setView(v: View): void;
  setPresenting(on: boolean): void;
  setScenarios(list: ScenarioEntry[], error: string | null): void;
  runMatrix(): Promise<void>;
  openMatrixCell(row: number, col: number): Promise<void>;
  startScenario(id: string): Promise<void>;
  gotoStep(step: number, mode?: 'next' | 'to'): Promise<void>;
  nextStep(): Promise<void>;
  prevStep(): Promise<void>;
  leaveScenario(): void;
  copyLink(): Promise<void>;
  closeLinkBox(): void;
  /** Opens the lab state in a location hash, if it holds one (replayed, with progress and Cancel). */
  openHash(hash: string): Promise<void>;
  dismissLinkAlert(): void;
  /** The lab's link for the address bar ('#s=...'), or '' when it cannot have one. */
  currentHash(): Promise<string>;
}

/** The saved session a person may reopen (what the offer says about it). */
export interface SessionOffer {
  savedAt: number;
  steps: number;
  guest: string;
  vms: number;
  snapshots: number;
}

export interface AutosaveState {
  /** 'held': a reopen failed, and the saved session is kept exactly as it was (nothing is saved). */
  state: 'off' | 'waiting' | 'saving' | 'saved' | 'failed' | 'held';
  /** When the session was last saved (ms since the epoch). */
  at: number | null;
  steps: number;
}

/** A snapshot file the session was given, with its bytes (to replay it in a fresh worker). */
export interface KnownFile {
  name: string;
  bytes: Uint8Array;
}

export interface FilesSlice {
  /** 'unavailable': no IndexedDB here (then nothing is kept, and the bar says so). */
  storageStatus: 'starting' | 'ready' | 'unavailable';
  sessionOffer: SessionOffer | null;
  savedFiles: SavedFileMeta[];
  storageEstimate: StorageEstimateLike | null;
  autosave: AutosaveState;
  /** Why something was not kept or read (role=alert in the files bar); null when all is well. */
  storageError: string | null;
  /** Snapshot id -> the name of the file it was opened from. */
  snapshotOrigins: Record<number, string>;
  /** The bytes of every snapshot file given to the lab, by content id. */
  knownFiles: Record<string, KnownFile>;
  secretScan: SecretScanView | null;
  secretScanError: string | null;
  /** The last file handed to the browser as a download (name and size). */
  lastDownload: { name: string; bytes: number; checksum: string } | null;
  initPersistence(): Promise<void>;
  downloadSnapshot(): Promise<void>;
  openSnapshotFile(file: File): Promise<void>;
  keepSnapshotInBrowser(): Promise<void>;
  loadSavedFile(id: number): Promise<void>;
  deleteSavedFile(id: number): Promise<void>;
  scanSnapshotSecrets(snap: number): Promise<void>;
  reopenSavedSession(): Promise<void>;
  discardSavedSession(): Promise<void>;
  clearSavedData(): Promise<void>;
  /** The bytes of snapshot files by content id: those given to the lab, else those kept for the saved session. */
  filesFor(ids: readonly string[]): Promise<KnownFile[]>;
  dismissStorageError(): void;
}

export type LabState = SettingsSlice &
  LabSlice &
  RunSlice &
  InspectSlice &
  ViewSlice &
  ActionsSlice &
  FilesSlice &
  PresentSlice;
export type SliceCreator<T> = StateCreator<LabState, [], [], T>;
