// The worker messages of "snapshot files and persistence": a lab snapshot out as file bytes, file
// bytes in as a snapshot, the secret scan of a snapshot's file, the core's id counters (so a saved
// session replays with the same VM ids, and so the same host entropy), and one test-only hook.
// Plain data, as the rest of protocol.ts (which lists these commands in CommandMap).
//
//   exportSnapshot    encodes a snapshot and its diff chain as one checked file (bytes transferred)
//   loadSnapshotFile  decodes and checks a file and loads it as new snapshots; all or nothing
//   scanSecrets       which named secrets' bytes occur in a snapshot's file, and where
//   advanceIds        moves a fresh core's id counters up to where a saved step ran
//   setFrameLimit     TEST ONLY (window.__lab): caps the core's frames to reach exhaustion quickly

import type { SecretSpec } from '../../core/lab/types';

/** The core's id counters: the next VM id and the next snapshot id it will hand out. */
export interface IdCounters {
  vm: number;
  snapshot: number;
}

/** A snapshot as a file. */
export interface SnapshotFileView {
  snapshot: number;
  /** The whole file (magic to CRC-64). */
  bytes: Uint8Array;
  guest: string;
  /** Layers in the file: 1 for a full snapshot, more for a diff chain. */
  layers: number;
  /** The file's CRC-64/XZ, 16 hex digits. */
  checksum: string;
}

/** What loadSnapshotFile sends: the bytes, and where the secret values may come from. */
export interface LoadFileArgs {
  bytes: Uint8Array;
  /** The name the person's file had (shown as text, never as markup). */
  fileName: string;
  /**
   * Secret values by guest name (the shipped guests'): files never hold secret values, so the
   * scanner can only search for the secrets of a guest the lab knows by the file's guest name.
   */
  knownSecrets: Array<{ guest: string; secrets: SecretSpec[] }>;
}

/** A file loaded as snapshots: the top one's id and what the file said about its guest. */
export interface LoadedFileView {
  snapshot: number;
  fileName: string;
  layers: number;
  guest: string;
  description: string;
  memoryMiB: number;
  /** The host seed the lab now uses (the file's). */
  seed: number;
  checksum: string;
  bytes: number;
  /** Secrets placed in the guest whose values the lab knows (searchable) and does not know. */
  secretsKnown: string[];
  secretsUnknown: string[];
}

/** One secret of a snapshot's file: whether its bytes occur in the file, and where. */
export interface SecretScanEntry {
  name: string;
  wipeOnSuspend: boolean;
  inFile: boolean;
  /** Occurrences in the file (the first few; `hitCount` has them all). */
  hits: Array<{ offset: number; layer: number | null; page: number | null; pageOffset: number | null }>;
  hitCount: number;
}

/** The secret scan of a snapshot's file. */
export interface SecretScanView {
  snapshot: number;
  fileBytes: number;
  guest: string;
  /** Whether the guest's kernel supports MADV_WIPEONSUSPEND (flagged pages zeroed at suspend). */
  kernelWipeOnSuspend: boolean;
  /** Pages the suspend zeroed, over the file's layers. */
  wipedPages: number;
  secrets: SecretScanEntry[];
  /** Secrets the file places whose values the lab does not know (cannot be searched for). */
  unknown: string[];
}
