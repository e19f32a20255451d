// The secret scanner: which of a guest's named secrets occur in a snapshot file, and where. It
// searches the file's raw bytes (what an attacker holding the file would do), so it works on any
// file; for a file that decodes, each hit is also placed in its layer and guest page.

import { secretBytes } from '../lab/boot';
import { searchImage } from '../lab/secrets';
import type { SecretSpec } from '../lab/types';
import { toHex } from '../crypto/uuid';
import { PAGE_SIZE } from '../types';
import type { DecodedSnapshot } from './format';

/** One occurrence of a secret in the file. */
export interface SecretHit {
  /** Byte offset in the file. */
  offset: number;
  /** The layer and guest page whose data holds the offset (null outside page data). */
  layer: number | null;
  page: number | null;
  pageOffset: number | null;
}

/** What the scan found for one secret. */
export interface SecretScan {
  name: string;
  hex: string;
  wipeOnSuspend: boolean;
  inFile: boolean;
  /** Every occurrence in the file. */
  occurrences: number;
  /** The first SECRET_OFFSETS_SHOWN occurrences. */
  hits: SecretHit[];
}

/** The layer and page whose data holds file offset o. */
function place(decoded: DecodedSnapshot | undefined, o: number): Omit<SecretHit, 'offset'> {
  for (const [k, l] of (decoded?.layers ?? []).entries()) {
    if (o < l.dataOffset || o >= l.dataOffset + l.data.length) continue;
    const slot = Math.floor((o - l.dataOffset) / PAGE_SIZE);
    let seen = -1;
    for (let i = 0; i < l.entries.length; i++) {
      if (l.entries[i]! & 1 && ++seen === slot)
        return { layer: k, page: l.pageNumbers[i]!, pageOffset: (o - l.dataOffset) % PAGE_SIZE };
    }
  }
  return { layer: null, page: null, pageOffset: null };
}

/**
 * Lists, for each secret, where its bytes occur in a snapshot file (`decoded`, when given, places
 * the hits in layers and pages). A secret flagged MADV_WIPEONSUSPEND is absent from a file of a
 * kernel that supports it; every other secret is there byte for byte.
 */
export function scanSecrets(
  bytes: Uint8Array,
  secrets: readonly SecretSpec[],
  decoded?: DecodedSnapshot,
): SecretScan[] {
  const needles = secrets.map(secretBytes);
  const chunks = Math.ceil(bytes.length / PAGE_SIZE);
  const found = searchImage(chunks, needles, (fn) => {
    for (let c = 0; c < chunks; c++) fn(c, bytes.subarray(c * PAGE_SIZE, (c + 1) * PAGE_SIZE));
  });
  return secrets.map((s, i) => ({
    name: s.name,
    hex: toHex(needles[i]!),
    wipeOnSuspend: s.wipeOnSuspend,
    inFile: found[i]!.occurrences > 0,
    occurrences: found[i]!.occurrences,
    hits: found[i]!.offsets.map((offset) => ({ offset, ...place(decoded, offset) })),
  }));
}
