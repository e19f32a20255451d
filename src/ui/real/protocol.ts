// Messages between the Real kernel panel (main thread) and its worker (real.worker.ts). Plain data
// only: readings and errors cross as structured clones; the emulators never leave the worker.

import type { RealErrorKind } from '../../core/real/errors';
import type { CloneReading } from '../../core/real/reading';

/** What the panel shows about the loaded assets. */
export interface KernelInfo {
  release: string;
  version: string;
  snapshotUptimeS: number;
  stateBytes: number;
  stateRawBytes: number;
}

export interface RestoredFleet {
  kernel: KernelInfo;
  restoreMs: number[];
}

export type RealOp = 'restore' | 'read' | 'reseed' | 'destroy';

export type ToRealWorker =
  | { kind: 'restore'; id: number; count: number; assetsUrl: string }
  | { kind: 'read'; id: number }
  | { kind: 'reseed'; id: number }
  | { kind: 'destroy'; id: number }
  | { kind: 'cancel'; id: number };

export interface WireRealError {
  kind: RealErrorKind;
  message: string;
}

export type RealResult = RestoredFleet | CloneReading[] | number[] | null;

export type FromRealWorker =
  | { kind: 'progress'; id: number; phase: 'download' | 'restore'; done: number; total: number }
  | { kind: 'answer'; id: number; ok: true; value: RealResult }
  | { kind: 'answer'; id: number; ok: false; error: WireRealError };
