// The plain-data shapes of a snapshot file: its JSON (SnapshotFileMeta), a decoded file, and
// what the encoder takes. The byte layout and every check are in format.ts.

import type { LayerPages } from '../engine';
import type { KernelFeatures, ProcessSpec } from '../lab/types';

/** The format tag of a snapshot file's JSON. */
export const SNAPSHOT_FILE_FORMAT = 'uniqueness-lab/snapshot@1';

/** Where a secret sits in the guest (its bytes never go into the JSON). */
export interface SecretPlacement {
  name: string;
  page: number;
  pages: number;
  /** Length of the secret in bytes. */
  bytes: number;
  wipeOnSuspend: boolean;
}

/** One layer as the JSON describes it. */
export interface FileLayerMeta {
  type: 'full' | 'diff';
  presentPages: number;
  wipedPages: number;
  /** The engine's raw vmstate of the layer, 256 lowercase hex digits. */
  vmstate: string;
}

/** The vmstate JSON of a snapshot file. */
export interface SnapshotFileMeta {
  format: typeof SNAPSHOT_FILE_FORMAT;
  guest: string;
  description: string;
  memoryMiB: number;
  kernel: KernelFeatures;
  layout: { kernelPages?: number; heapPages?: number } | null;
  seed: number;
  /** Lab.vmstate's snapshot facts, as the writing lab saw them (its ids mean nothing elsewhere). */
  snapshot: Record<string, unknown>;
  processes: ProcessSpec[];
  secrets: SecretPlacement[];
  heap: { firstPage: number; pages: number } | null;
  layers: FileLayerMeta[];
}

/** A layer as read from a file: the engine's LayerPages plus where it lay in the file. */
export interface DecodedLayer extends LayerPages {
  wipedPages: number;
  /** Byte offsets of the layer's page index and page data in the file. */
  indexOffset: number;
  dataOffset: number;
}

/** A checked snapshot file. */
export interface DecodedSnapshot {
  version: number;
  meta: SnapshotFileMeta;
  layers: DecodedLayer[];
  /** The file's CRC-64/XZ, 16 hex digits. */
  checksum: string;
  /** File length in bytes. */
  bytes: number;
}

/** What the encoder needs: the JSON without its format tag and layers, and the layers base first. */
export interface SnapshotFileContent {
  meta: Omit<SnapshotFileMeta, 'format' | 'layers'>;
  layers: (LayerPages & { wipedPages: number })[];
}
