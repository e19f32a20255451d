// The lab's option and summary types and its error union (Lab in lab.ts implements the calls).

import type { EngineError } from '../errors';
import type { SnapshotId, VmId } from '../types';
import type { Consumer, LibraryId } from './types';

export type LabError =
  | EngineError
  | { kind: 'NotBooted'; message: string }
  | { kind: 'InvalidValue'; field: string; message: string }
  | {
      /** A draw (or the fleet that would make it) refused before it started: its outputs would not fit (lab/fit.ts). */
      kind: 'DoesNotFit';
      resource: 'outputs' | 'host';
      needBytes: number;
      limitBytes: number;
      message: string;
    };

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
  /** How long the snapshot waited before this restore, s (moves the wall clock with clock sync). */
  snapshotAgeS?: number;
}

export interface SnapshotOptions {
  /** Let the guest run until this uptime (s) before the snapshot, if it has not yet. */
  uptimeS?: number;
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
