// What the app keeps in IndexedDB, and the pure code around it: the database layout, the saved
// session (settings, selection and the journal of commands that rebuilds the lab), saved
// snapshot files, and the checks that run on everything read back (storage outlives app
// versions and can be edited by hand, so a stored record is input like any file).
//
//   database "uniqueness-lab", version 1
//   +-------------+----------------------+---------------------------------------------------+
//   | store       | key                  | value                                             |
//   +-------------+----------------------+---------------------------------------------------+
//   | session     | "current"            | SessionRecord (the journal holds opened files'    |
//   |             |                      | bytes inline, so a session rebuilds on its own)   |
//   | files       | id (auto-increment)  | SavedFileMeta: name, guest, size, when            |
//   | fileData    | id (same as files)   | Uint8Array: the snapshot file, magic to CRC-64    |
//   +-------------+----------------------+---------------------------------------------------+
//   Listing files reads only `files`; the bytes are read when a file is loaded.

import { CONSUMERS, LIBRARY_IDS, type Consumer, type LibraryId } from '../../core/lab/types';
import type { IdCounters } from '../worker/filesProtocol';
import type { KernelToggles, LabState, LibraryChoice, SettingsSlice } from '../store/types';

export const DB_NAME = 'uniqueness-lab';
export const DB_VERSION = 1;
export const STORE_SESSION = 'session';
export const STORE_FILES = 'files';
export const STORE_FILE_DATA = 'fileData';
export const SESSION_KEY = 'current';
export const SESSION_FORMAT = 'uniqueness-lab/session@1';

/** One successful command of the session, with the core's id counters before it ran. */
export interface SavedStep {
  op: string;
  args: unknown;
  ids: IdCounters | null;
}

/** The settings a session keeps (SettingsSlice without the guest list and the setters). */
export type SavedSettings = Pick<
  SettingsSlice,
  | 'guestFile'
  | 'kernel'
  | 'library'
  | 'processLibraries'
  | 'consumer'
  | 'clones'
  | 'draws'
  | 'notifyDelayUs'
  | 'snapshotType'
  | 'seed'
  | 'memoryMiB'
  | 'touchCount'
  | 'lazy'
>;

/** What was selected, so a rebuilt lab shows the same maps and clone source. */
export interface SavedSelection {
  bootVm: number | null;
  selectedVm: number | null;
  compareVm: number | null;
  selectedSnapshot: number | null;
  outputsLibrary: number;
}

/** The saved session. */
export interface SessionRecord {
  format: typeof SESSION_FORMAT;
  /** ms since the epoch. */
  savedAt: number;
  settings: SavedSettings;
  bootedWith: string | null;
  selection: SavedSelection;
  steps: SavedStep[];
  /** Snapshot id -> the name of the file it was opened from. */
  origins: Record<string, string>;
  /** For the offer: what the session holds, without replaying it. */
  summary: { guest: string | null; vms: number; snapshots: number };
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

/** The session record of the app's state now. */
export function sessionRecord(
  s: LabState,
  steps: readonly SavedStep[],
  origins: Record<string, string>,
  now: number,
): SessionRecord {
  return {
    format: SESSION_FORMAT,
    savedAt: now,
    settings: {
      guestFile: s.guestFile,
      kernel: { ...s.kernel },
      library: s.library,
      processLibraries: [...s.processLibraries],
      consumer: s.consumer,
      clones: s.clones,
      draws: s.draws,
      notifyDelayUs: s.notifyDelayUs,
      snapshotType: s.snapshotType,
      seed: s.seed,
      memoryMiB: s.memoryMiB,
      touchCount: s.touchCount,
      lazy: s.lazy,
    },
    bootedWith: s.bootedWith,
    selection: {
      bootVm: s.bootVm,
      selectedVm: s.selectedVm,
      compareVm: s.compareVm,
      selectedSnapshot: s.selectedSnapshot,
      outputsLibrary: s.outputsLibrary,
    },
    steps: steps.map((e) => ({ op: e.op, args: e.args, ids: e.ids ? { ...e.ids } : null })),
    origins: { ...origins },
    summary: {
      guest: s.guests.find((g) => g.file === s.guestFile)?.manifest?.name ?? s.guestFile,
      vms: s.vms.length,
      snapshots: s.snapshots.length,
    },
  };
}

// --- Reading back. ---------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isWhole = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const idOrNull = (v: unknown): v is number | null => v === null || isWhole(v);

const KERNEL_KEYS: Array<keyof KernelToggles> = [
  'vmgenid',
  'sysgenid',
  'wipeOnSuspend',
  'vdsoGetrandom',
  'jitterEntropy',
  'agentReseed',
];

function readIds(v: unknown): IdCounters | null | undefined {
  if (v === null || v === undefined) return null;
  return isObj(v) && isWhole(v.vm) && isWhole(v.snapshot) ? { vm: v.vm, snapshot: v.snapshot } : undefined;
}

/** Checks a stored session; the record, or one message naming what is wrong with it. */
export function readSessionRecord(
  v: unknown,
): { ok: true; value: SessionRecord } | { ok: false; error: string } {
  const bad = (field: string, why: string) => ({
    ok: false as const,
    error: `saved session: ${field} ${why}`,
  });
  if (!isObj(v)) return bad('record', 'is not an object');
  if (v.format !== SESSION_FORMAT)
    return bad(
      'format',
      `is ${JSON.stringify(v.format)}, not "${SESSION_FORMAT}" (saved by another version of the lab)`,
    );
  if (!isWhole(v.savedAt)) return bad('savedAt', 'is not a time');
  if (!isObj(v.settings)) return bad('settings', 'is not an object');
  if (!(v.bootedWith === null || typeof v.bootedWith === 'string')) return bad('bootedWith', 'is not text');
  const sel = v.selection;
  if (
    !isObj(sel) ||
    !idOrNull(sel.bootVm) ||
    !idOrNull(sel.selectedVm) ||
    !idOrNull(sel.compareVm) ||
    !idOrNull(sel.selectedSnapshot) ||
    !isWhole(sel.outputsLibrary)
  )
    return bad('selection', 'is not a selection of VM and snapshot ids');
  if (!Array.isArray(v.steps)) return bad('steps', 'is not a list');
  const steps: SavedStep[] = [];
  for (const [i, e] of v.steps.entries()) {
    if (!isObj(e) || typeof e.op !== 'string' || !isObj(e.args))
      return bad(`steps[${i}]`, 'is not a command with arguments');
    const ids = readIds(e.ids);
    if (ids === undefined) return bad(`steps[${i}].ids`, 'are not id counters');
    steps.push({ op: e.op, args: e.args, ids });
  }
  if (!isObj(v.origins) || !Object.values(v.origins).every((n) => typeof n === 'string'))
    return bad('origins', 'is not a map of file names');
  const sum = v.summary;
  if (
    !isObj(sum) ||
    !(sum.guest === null || typeof sum.guest === 'string') ||
    !isWhole(sum.vms) ||
    !isWhole(sum.snapshots)
  )
    return bad('summary', 'is not a summary');
  return {
    ok: true,
    value: {
      format: SESSION_FORMAT,
      savedAt: v.savedAt,
      settings: v.settings as SavedSettings,
      bootedWith: v.bootedWith,
      selection: {
        bootVm: sel.bootVm,
        selectedVm: sel.selectedVm,
        compareVm: sel.compareVm,
        selectedSnapshot: sel.selectedSnapshot,
        outputsLibrary: sel.outputsLibrary,
      },
      steps,
      origins: v.origins as Record<string, string>,
      summary: { guest: sum.guest, vms: sum.vms, snapshots: sum.snapshots },
    },
  };
}

/**
 * The saved settings that are still valid here, as a store patch: an unknown guest file, library
 * or out-of-range number is left out (the control keeps its current value).
 */
export function settingsPatch(saved: unknown, guestFiles: readonly string[]): Partial<SavedSettings> {
  if (!isObj(saved)) return {};
  const out: Partial<SavedSettings> = {};
  if (typeof saved.guestFile === 'string' && guestFiles.includes(saved.guestFile))
    out.guestFile = saved.guestFile;
  const k = saved.kernel;
  if (isObj(k) && KERNEL_KEYS.every((key) => typeof k[key] === 'boolean'))
    out.kernel = Object.fromEntries(KERNEL_KEYS.map((key) => [key, k[key]])) as unknown as KernelToggles;
  const isLib = (x: unknown): x is LibraryId => LIBRARY_IDS.includes(x as LibraryId);
  if (saved.library === 'guest' || isLib(saved.library)) out.library = saved.library as LibraryChoice;
  if (Array.isArray(saved.processLibraries) && saved.processLibraries.every(isLib))
    out.processLibraries = [...saved.processLibraries];
  if (saved.consumer === 'guest' || CONSUMERS.includes(saved.consumer as Consumer))
    out.consumer = saved.consumer as Consumer | 'guest';
  if (saved.snapshotType === 'full' || saved.snapshotType === 'diff') out.snapshotType = saved.snapshotType;
  if (typeof saved.lazy === 'boolean') out.lazy = saved.lazy;
  const numbers: Array<[keyof SavedSettings, number, number]> = [
    ['clones', 1, 4096],
    ['draws', 1, 10000],
    ['notifyDelayUs', 0, 1_000_000],
    ['seed', 0, 2 ** 32 - 1],
    ['memoryMiB', 16, 1024],
    ['touchCount', 1, 262144],
  ];
  for (const [key, min, max] of numbers) {
    const n = saved[key];
    if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max)
      (out as Record<string, number>)[key] = n;
  }
  return out;
}

/** Checks a stored file's metadata; null when it is not one (such entries are skipped). */
export function readFileMeta(v: unknown): SavedFileMeta | null {
  if (!isObj(v) || !isWhole(v.id) || typeof v.name !== 'string' || typeof v.guest !== 'string') return null;
  if (!isWhole(v.bytes) || !isWhole(v.savedAt) || typeof v.checksum !== 'string') return null;
  if (v.source !== 'lab' && v.source !== 'opened') return null;
  return {
    id: v.id,
    name: v.name,
    guest: v.guest,
    bytes: v.bytes,
    savedAt: v.savedAt,
    checksum: v.checksum,
    source: v.source,
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
