// What the app keeps in IndexedDB, and the pure code around it: the database layout, the saved
// session (the session's history: its starting settings and action log, the snapshot files its
// 'load' actions name, and how the lab was being looked at), saved snapshot files, and the checks
// that run on everything read back (storage outlives app versions and can be edited by hand, so
// a stored record is input like any file: the core's own schemas check it).
//
//   database "uniqueness-lab", version 2
//   +--------------+----------------------+--------------------------------------------------+
//   | store        | key                  | value                                            |
//   +--------------+----------------------+--------------------------------------------------+
//   | session      | "current"            | SessionRecord: settings + actions (the history)  |
//   | sessionFiles | content id (CRC-64)  | { name, bytes }: files the session's 'load's name|
//   | files        | id (auto-increment)  | SavedFileMeta: name, guest, size, when           |
//   | fileData     | id (same as files)   | Uint8Array: the snapshot file, magic to CRC-64   |
//   +--------------+----------------------+--------------------------------------------------+
//   Listing files reads only `files`; the bytes are read when a file is loaded.
//
// The record types are defined here from the core's types (never from the store), so the store
// depends on persistence and not the other way round.

import { check, z } from '../../core/check/check';
import { actionListSchema, FILE_ID_PATTERN, type Action } from '../../core/session/actions';
import { settingsSchema } from '../../core/settings/schema';
import type { LabSettings } from '../../core/settings/settings';

export const DB_NAME = 'uniqueness-lab';
export const DB_VERSION = 2;
export const STORE_SESSION = 'session';
export const STORE_SESSION_FILES = 'sessionFiles';
export const STORE_FILES = 'files';
export const STORE_FILE_DATA = 'fileData';
export const SESSION_KEY = 'current';
export const SESSION_FORMAT = 'uniqueness-lab/session@2';

/** The selection of the maps and of the clone source. */
export interface SavedSelection {
  vm: number | null;
  compare: number | null;
  snapshot: number | null;
}

/** How the lab was being looked at: restored after the history is replayed. */
export interface SavedView {
  /** The controls as they were (they may differ from the settings in effect). */
  controls: LabSettings | null;
  selection: SavedSelection;
  /** Library tab of the Outputs panel. */
  outputsLibrary: number;
  mapRange: 'used' | 'all';
  /** Snapshot id -> the name of the file it was opened from. */
  origins: Record<string, string>;
}

/** The saved session: the session's history, its files by content id, and the view. */
export interface SessionRecord {
  format: typeof SESSION_FORMAT;
  /** ms since the epoch. */
  savedAt: number;
  /** The settings before the first action (the session's `initial`). */
  settings: LabSettings;
  /** The session's action log, oldest first. */
  actions: Action[];
  /** The snapshot files the log's 'load' actions name (bytes in STORE_SESSION_FILES). */
  files: { id: string; name: string }[];
  view: SavedView;
  /** For the offer: what the session holds, without replaying it. */
  summary: { guest: string; vms: number; snapshots: number };
}

/** A snapshot file a saved session needs. */
export interface SessionFile {
  name: string;
  bytes: Uint8Array;
}

/** A saved snapshot file, without its bytes. */
export interface SavedFileMeta {
  id: number;
  name: string;
  guest: string;
  bytes: number;
  savedAt: number;
  checksum: string;
  /** 'lab': kept from the lab; 'opened': a file the person opened. */
  source: 'lab' | 'opened';
}

/** The snapshot file name for a lab snapshot. */
export function snapshotFileName(snap: number): string {
  return `uniqueness-lab-snap-${snap}.ulsnap`;
}

// --- Reading back. ---------------------------------------------------------------------------

const id = z.int().min(0).nullable();
const recordSchema = z.object({
  format: z.literal(SESSION_FORMAT, {
    error: `must be "${SESSION_FORMAT}" (this session was saved by another version of the lab)`,
  }),
  savedAt: z.int().min(0),
  settings: settingsSchema,
  actions: actionListSchema(),
  files: z.array(z.object({ id: z.string().regex(FILE_ID_PATTERN), name: z.string().max(4096) })).max(64),
  view: z.object({
    controls: z.unknown(),
    selection: z.object({ vm: id, compare: id, snapshot: id }),
    outputsLibrary: z.int().min(0),
    mapRange: z.enum(['used', 'all']),
    origins: z.record(z.string(), z.string()),
  }),
  summary: z.object({ guest: z.string(), vms: z.int().min(0), snapshots: z.int().min(0) }),
});

/**
 * Checks a stored session; the record, or one message naming what is wrong with it. Saved
 * controls that no longer pass the settings schema are dropped (null), not an error: the history
 * is what matters.
 */
export function readSessionRecord(
  v: unknown,
): { ok: true; value: SessionRecord } | { ok: false; error: string } {
  const r = check(recordSchema, v, 'saved session');
  if (!r.ok) return { ok: false, error: `${r.error.field}: ${r.error.problem}` };
  const controls = check(settingsSchema, r.value.view.controls);
  return {
    ok: true,
    value: {
      ...r.value,
      view: { ...r.value.view, controls: controls.ok ? controls.value : null },
    } as SessionRecord,
  };
}

/** Checks a stored session file; null when it is not one. */
export function readSessionFile(v: unknown): SessionFile | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  return typeof o.name === 'string' && o.bytes instanceof Uint8Array
    ? { name: o.name, bytes: o.bytes }
    : null;
}

/** Checks a stored file's metadata; null when it is not one (such entries are skipped). */
export function readFileMeta(v: unknown): SavedFileMeta | null {
  const isWhole = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!isWhole(o.id) || typeof o.name !== 'string' || typeof o.guest !== 'string') return null;
  if (!isWhole(o.bytes) || !isWhole(o.savedAt) || typeof o.checksum !== 'string') return null;
  if (o.source !== 'lab' && o.source !== 'opened') return null;
  return {
    id: o.id,
    name: o.name,
    guest: o.guest,
    bytes: o.bytes,
    savedAt: o.savedAt,
    checksum: o.checksum,
    source: o.source,
  };
}

/** "27 Nov, 10:42:05" in the person's locale conventions, for "saved at". */
export function formatSavedAt(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}
