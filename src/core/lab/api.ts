// The lab's operations: what the app's worker, the CLI and the tests call. `Lab` (lab.ts)
// implements it over one wasm core; every guest-visible outcome comes from guest bytes.

import type { EngineError } from '../errors';
import type { EngineStats, PageInfo } from '../engine';
import type { Result, SnapshotId, VmId, PageNo } from '../types';
import type {
  Consumer,
  DeviceView,
  GuestManifest,
  LibraryId,
  LibraryReport,
  SecretReport,
  TimelineEvent,
} from './types';

export type LabError =
  | EngineError
  | { kind: 'NotBooted'; message: string }
  | { kind: 'InvalidValue'; field: string; message: string };

export interface BootOptions {
  /** Overrides the manifest's memory size. */
  memoryMiB?: number;
  /** Seed of the host entropy generator (VMGenID ids, RDRAND, boot entropy). */
  seed: number;
  /** Replace the manifest's processes by one process per library. */
  libraries?: LibraryId[];
  consumer?: Consumer;
}

export interface RestoreOptions {
  lazy?: boolean;
  /** δ: when the guest handles the VMGenID notification after its vCPUs resume, µs. */
  notifyDelayUs: number;
}

export interface DrawOptions {
  /** Virtual time between two draws of a process (one request each), µs; default 5. */
  intervalUs?: number;
  /** Return outputs as text and groups (default true); false keeps only the statistics (large fleets). */
  withOutputs?: boolean;
}

export interface VmSummary {
  id: VmId;
  state: 'running' | 'paused';
  /** The snapshot it was restored from (null for the booted VM). */
  restoredFrom: SnapshotId | null;
  /** The original booted VM or a clone. */
  origin: 'boot' | 'clone' | 'resumed';
  pages: number;
  dirtyPages: number;
  faults: number;
  privateBytes: number;
}

export interface SnapshotSummary {
  id: SnapshotId;
  type: 'full' | 'diff';
  parent: SnapshotId | null;
  sourceVm: VmId;
  presentPages: number;
  wipedPages: number;
  clones: number;
}

export interface DrawResult {
  /** The VMs that drew, in order (outputs[i] of each library belongs to vms[i]). */
  vms: VmId[];
  draws: number;
  libraries: LibraryReport[];
}

export interface LabApi {
  /** Boots the guest: kernel, devices, processes initialised, secrets placed. */
  boot(guest: GuestManifest, opts: BootOptions): Result<VmId, LabError>;
  snapshot(vm: VmId, type: 'full' | 'diff'): Result<SnapshotId, LabError>;
  /** Restores clones (fresh VMGenID each, notification after δ). */
  restore(snap: SnapshotId, count: number, opts: RestoreOptions): Result<VmId[], LabError>;
  /** Whether `count` clones of a snapshot fit in memory: lets a batched restore fail before it starts. */
  restoreFits(snap: SnapshotId, count: number, opts?: { lazy?: boolean }): Result<void, LabError>;
  /** Resumes a VM paused by a snapshot: counts as a clone (fresh VMGenID, notification after δ). */
  resume(vm: VmId, opts: RestoreOptions): Result<void, LabError>;
  /** Every process of every VM draws `draws` outputs; collisions computed across the VMs. */
  draw(vms: VmId[], draws: number, opts?: DrawOptions): Result<DrawResult, LabError>;
  /** Writes to `count` heap pages of a VM (shows copy-on-write and dirty tracking). */
  touchPages(vm: VmId, count: number): Result<void, LabError>;
  /** fork(2) of a process: a new pid; its state page is zeroed if MADV_WIPEONFORK, else copied. */
  fork(vm: VmId, process: number): Result<number, LabError>;
  /** Lets virtual time pass in a VM (µs), handling due events. */
  idle(vm: VmId, us: number): Result<void, LabError>;
  destroy(vm: VmId): Result<void, LabError>;
  deleteSnapshot(snap: SnapshotId): Result<void, LabError>;
  /** Destroys every VM and snapshot. */
  reset(): void;

  vms(): VmSummary[];
  snapshots(): SnapshotSummary[];
  devices(vm: VmId): Result<DeviceView, LabError>;
  timeline(vm: VmId): Result<TimelineEvent[], LabError>;
  /** Raw page-table entries (bit layout: src/core/engine.ts E_*), one per page. */
  memoryEntries(vm: VmId): Result<Uint32Array, LabError>;
  pageInfo(vm: VmId, page: PageNo): Result<PageInfo & { hex: string }, LabError>;
  /** Which secrets' bytes occur in a snapshot's memory image, with offsets. */
  secrets(snap: SnapshotId): Result<SecretReport[], LabError>;
  stats(): EngineStats;
}
