// Why the browser would not keep the lab's data, in words a person can act on. One error union
// for the persistence layer; the messages live here. Pure: no IndexedDB, testable in Node.
//
// A browser refuses a write in two ways: the write throws (or its transaction aborts) with a
// QuotaExceededError, or, before we try, navigator.storage.estimate() shows too little room.
// Both are shown to the person, never swallowed.

export type StorageError =
  /** The browser refused a write: its storage quota for this origin is used up. */
  | { kind: 'QuotaExceeded'; what: string; message: string }
  /** The estimate shows too little room for what we were about to write. */
  | { kind: 'NoRoom'; what: string; needed: number; free: number; message: string }
  /** No IndexedDB here (private mode in some browsers, a blocked origin, Node). */
  | { kind: 'Unavailable'; what: string; message: string }
  /** Anything else IndexedDB reported (the browser's own words). */
  | { kind: 'Failed'; what: string; message: string };

/** What navigator.storage.estimate() returns (both fields may be missing). */
export interface StorageEstimateLike {
  usage?: number;
  quota?: number;
}

/** Room kept free beyond a write's own size (IndexedDB's bookkeeping, the session next to it). */
export const ROOM_MARGIN_BYTES = 1 << 20;

/** "5.3 MB": decimal units, as browsers report storage. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '? bytes';
  if (n < 1000) return `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** True for the browser's "storage is full" errors (the standard name, and older codes). */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/** The StorageError for something IndexedDB threw or reported while doing `what`. */
export function storageError(e: unknown, what: string): StorageError {
  if (isQuotaError(e))
    return {
      kind: 'QuotaExceeded',
      what,
      message: `Not saved: the browser refused to store ${what} because this site's storage quota is used up (QuotaExceededError). Delete saved files or use Clear saved data to make room.`,
    };
  const name = typeof e === 'object' && e !== null && 'name' in e ? String((e as Error).name) : 'Error';
  const detail =
    e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)
      ? String((e as Error).message)
      : String(e);
  return { kind: 'Failed', what, message: `Not saved: storing ${what} failed (${name}: ${detail}).` };
}

/** The error for a browser without IndexedDB. */
export function unavailable(what: string, why = 'this browser offers no IndexedDB here'): StorageError {
  return { kind: 'Unavailable', what, message: `Cannot keep ${what}: ${why}.` };
}

/**
 * Checks an estimate for room to write `bytes` more; null when there is room or the browser
 * gives no estimate (then the write itself is the test).
 */
export function checkRoom(
  estimate: StorageEstimateLike | null,
  bytes: number,
  what: string,
): StorageError | null {
  if (!estimate || typeof estimate.quota !== 'number' || typeof estimate.usage !== 'number') return null;
  const free = Math.max(0, estimate.quota - estimate.usage);
  const needed = bytes + ROOM_MARGIN_BYTES;
  if (needed <= free) return null;
  return {
    kind: 'NoRoom',
    what,
    needed,
    free,
    message: `Not saved: ${what} needs ${formatBytes(bytes)} but the browser has only ${formatBytes(free)} left for this site (${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} used). Delete saved files or use Clear saved data to make room.`,
  };
}
