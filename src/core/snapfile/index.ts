// Snapshot files: write a lab snapshot (with its diff chain) to one checked file, read it back,
// and search it for secrets. The byte layout and every check are in format.ts.

import type { Lab } from '../lab/lab';
import type { LabError } from '../lab/api';
import { ok, type Result } from '../types';
import type { SnapshotId } from '../types';
import { snapshotFileContent } from './content';
import type { SnapFileError } from './errors';
import { decodeSnapshotFileBytes, encodeSnapshotFileContent, type DecodedSnapshot } from './format';

export { snapshotFileContent } from './content';
export { loadSnapshot, loadSnapshotFile } from './load';

export { crc64, Crc64 } from './crc64';
export { snapFileError, type SnapFileError, type SnapFileErrorKind } from './errors';
export {
  FORMAT_VERSION,
  MAGIC,
  SNAPSHOT_FILE_FORMAT,
  SNAPSHOT_FILE_LIMITS,
  encodeSnapshotFileContent,
  type DecodedLayer,
  type DecodedSnapshot,
  type SnapshotFileContent,
  type SnapshotFileMeta,
  type SecretPlacement,
} from './format';
export { scanSecrets, type SecretHit, type SecretScan } from './scan';
export {
  blobSource,
  bytesSource,
  HOLD_WHOLE_BYTES,
  readSnapshotFile,
  readSnapshotFileHeadFirst,
  SourceChanged,
  type ByteSource,
} from './read';
export { checkSnapshotFileHead, type SnapshotFileHead } from './format';

/** The snapshot file of a lab snapshot and its diff chain. */
export function encodeSnapshotFile(lab: Lab, snap: SnapshotId): Result<Uint8Array, LabError> {
  const content = snapshotFileContent(lab, snap);
  return content.ok ? ok(encodeSnapshotFileContent(content.value)) : content;
}

/** Reads and checks a snapshot file: the decoded snapshot, or one SnapFileError naming the problem. */
export function decodeSnapshotFile(bytes: Uint8Array): Result<DecodedSnapshot, SnapFileError> {
  return decodeSnapshotFileBytes(bytes);
}
