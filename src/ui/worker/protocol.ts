// The messages between the app (main thread) and the lab worker. Everything is plain data
// (structured clone); typed arrays travel as transferables. The worker owns the one Lab; the
// main thread never touches guest memory.
//
//   main -> worker   { kind: 'request', id, command }      one command, answered once
//                    { kind: 'cancel', id }                 sets the cancel flag of request id
//   worker -> main   { kind: 'progress', id, done, total }  between chunks of a long command
//                    { kind: 'result', id, ok, value|error } the answer (also after a cancel)

import type { EngineStats } from '../../core/engine';
import type { BootOptions, RestoreOptions, SnapshotSummary, VmSummary } from '../../core/lab/api';
import type {
  DeviceView,
  GuestManifest,
  LibraryReport,
  SecretReport,
  TimelineEvent,
} from '../../core/lab/types';
import type { Matrix } from '../../core/matrix/matrix';
import type { LabSettings } from '../../core/scenario/types';
import type {
  LinkStateView,
  MatrixArgs,
  OpenLinkArgs,
  OpenLinkView,
  ScenarioStepArgs,
  ScenarioStepView,
} from './presentProtocol';
import type {
  IdCounters,
  LoadFileArgs,
  LoadedFileView,
  SecretScanView,
  SnapshotFileView,
} from './filesProtocol';

/** A guest listed in public/guest/index.json, with its validated manifest (or why it failed). */
export interface GuestEntry {
  file: string;
  name: string;
  description: string;
  manifest: GuestManifest | null;
  error: string | null;
}

/** The VMs, snapshots and frame-pool accounting after a command. */
export interface FleetView {
  vms: VmSummary[];
  snapshots: SnapshotSummary[];
  stats: EngineStats;
  /** The core's id counters (a saved step records them, so a replay hands out the same ids). */
  ids: IdCounters;
}

/** One library's draw report, its duplicate marks as typed arrays (lib/duplicates.ts). */
export interface LibraryDrawView extends Omit<LibraryReport, 'groups' | 'matrix'> {
  /** groups[clone * draws + draw]: -1 if no other clone has the value, else its dense group number. */
  groups: Int32Array;
  groupCount: number;
  /** pairs[a * n + b]: distinct values clones a and b share (empty above the core's matrix limit). */
  pairs: Uint32Array;
  /** Outputs marked as duplicates (cells with a group): must equal the core's `duplicates`. */
  marked: number;
}

export interface DrawView {
  vms: number[];
  draws: number;
  libraries: LibraryDrawView[];
  /** Sum of the core's per-library duplicate counts. */
  duplicates: number;
}

/** A memory-map cell's fill: the page's state (pure data; the canvas maps it to a colour). */
export const PAGE_CLASSES = ['zero', 'shared', 'private', 'dirty', 'flagged', 'wiped'] as const;
export type PageClass = (typeof PAGE_CLASSES)[number];

/** Pages marked with a glyph on top of their fill, by role: few, but they carry the story. */
export const MARK_KINDS = ['rng', 'secret', 'device'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/** A page worth a marker: RNG state, a secret, a device page (and any flagged or wiped page). */
export interface SpecialPage {
  page: number;
  role: string;
  /** Marker by role; null for a flagged or wiped page of another role. */
  kind: MarkKind | null;
  cls: PageClass;
  /** Same bytes as the same page of the comparison VM (null: no comparison). */
  identical: boolean | null;
  /** Same host frame as in the comparison VM (null: no comparison). */
  sameFrame: boolean | null;
}

/** A VM's memory map: one state byte per page, with counts and the marked pages. */
export interface MemoryMapView {
  vm: number;
  pages: number;
  /** classes[page] = index into PAGE_CLASSES. */
  classes: Uint8Array;
  counts: Record<PageClass, number>;
  marks: Record<MarkKind, number>;
  special: SpecialPage[];
  compareWith: number | null;
}

export type PageInfoView = {
  vm: number;
  page: number;
  role: string;
  present: boolean;
  frame: number;
  dirty: boolean;
  wipeOnFork: boolean;
  wipeOnSuspend: boolean;
  dontDump: boolean;
  wiped: boolean;
  frameRefcount: number;
  leafSharers: number;
  mappedBy: number;
  hex: string;
};

/** How a restore ended: every clone of it, or the finished batches after a cancel. */
export interface RestoreView {
  vms: number[];
  requested: number;
  cancelled: boolean;
}

export interface CommandMap {
  guests: { args: Record<string, never>; result: GuestEntry[] };
  boot: {
    /** knobs: the restore/draw settings at Boot, so the session's link starts with them. */
    args: { guest: GuestManifest; opts: BootOptions; knobs?: LabSettings };
    result: { vm: number };
  };
  snapshot: { args: { vm: number; type: 'full' | 'diff' }; result: { snapshot: number } };
  restore: { args: { snap: number; count: number; opts: RestoreOptions }; result: RestoreView };
  resume: { args: { vm: number; opts: RestoreOptions }; result: { vm: number } };
  draw: { args: { vms: number[]; draws: number }; result: DrawView };
  touch: { args: { vm: number; count: number }; result: { vm: number } };
  destroy: { args: { vm: number }; result: { vm: number } };
  deleteSnapshot: { args: { snap: number }; result: { snapshot: number } };
  reset: { args: Record<string, never>; result: { cleared: true } };
  fleet: { args: Record<string, never>; result: FleetView };
  memoryMap: { args: { vm: number; compareWith: number | null }; result: MemoryMapView };
  pageInfo: { args: { vm: number; page: number }; result: PageInfoView };
  devices: { args: { vms: number[] }; result: DeviceView[] };
  timeline: { args: { vm: number }; result: TimelineEvent[] };
  secrets: { args: { snap: number }; result: SecretReport[] };
  // compare and present (presentProtocol.ts)
  matrix: { args: MatrixArgs; result: Matrix };
  linkState: { args: { scenario: { id: string; step: number } | null }; result: LinkStateView };
  openLink: { args: OpenLinkArgs; result: OpenLinkView };
  scenarioStep: { args: ScenarioStepArgs; result: ScenarioStepView };
  // snapshot files and persistence (filesProtocol.ts)
  exportSnapshot: { args: { snap: number }; result: SnapshotFileView };
  loadSnapshotFile: { args: LoadFileArgs; result: LoadedFileView };
  scanSecrets: { args: { snap: number }; result: SecretScanView };
  advanceIds: { args: IdCounters; result: IdCounters };
  /** TEST ONLY (window.__lab): caps the core's frames; 0 lifts the cap. */
  setFrameLimit: { args: { frames: number }; result: { frameLimit: number } };
}
export type Op = keyof CommandMap;
export type Args<K extends Op> = CommandMap[K]['args'];
export type ResultOf<K extends Op> = CommandMap[K]['result'];

/** Commands that change the fleet; their answers come with a fresh FleetView. */
export const MUTATING: ReadonlySet<Op> = new Set<Op>([
  'boot',
  'snapshot',
  'restore',
  'resume',
  'draw',
  'touch',
  'destroy',
  'deleteSnapshot',
  'reset',
  'openLink',
  'scenarioStep',
  'loadSnapshotFile',
  'advanceIds',
]);

/** An error from the lab, as plain data (field names the rejected input when there is one). */
export interface WireError {
  kind: string;
  message: string;
  field?: string;
}

export type ToWorker =
  { kind: 'request'; id: number; op: Op; args: unknown } | { kind: 'cancel'; id: number };

export type FromWorker =
  | { kind: 'progress'; id: number; done: number; total: number }
  | { kind: 'result'; id: number; ok: true; value: unknown; fleet: FleetView | null }
  | { kind: 'result'; id: number; ok: false; error: WireError; fleet: FleetView | null };
