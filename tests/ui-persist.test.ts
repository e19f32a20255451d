// The pure parts of the app's persistence (src/ui/persist): storage errors a person can act on,
// the room check against the browser's estimate, and every saved record checked when read back
// by the core's own schemas. IndexedDB itself is exercised in the browser (e2e/persist.spec.ts).

import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../src/core/manifest/validate';
import { resolveSettings, type LabSettings } from '../src/core/settings/settings';
import { sessionSize } from '../src/ui/persist/labStorage';
import {
  readFileMeta,
  readSessionFile,
  readSessionRecord,
  SESSION_FORMAT,
  snapshotFileName,
  type SessionRecord,
} from '../src/ui/persist/records';
import {
  checkRoom,
  formatBytes,
  isQuotaError,
  ROOM_MARGIN_BYTES,
  storageError,
} from '../src/ui/persist/storageErrors';
import { sessionRecord } from '../src/ui/store/filesSlice';
import { journey, newStore, readGuest } from './ui-setup';

async function defaults(): Promise<LabSettings> {
  const m = parseManifestText(await readGuest('default.json'), 'default.json');
  if (!m.ok) throw new Error(m.error.message);
  return resolveSettings(m.value);
}

async function session(over: Partial<SessionRecord> = {}): Promise<SessionRecord> {
  const settings = await defaults();
  return {
    format: SESSION_FORMAT,
    savedAt: 1_700_000_000_000,
    settings,
    actions: [{ a: 'boot' }, { a: 'snapshot', t: 'full' }, { a: 'load', file: '0123456789abcdef-64' }],
    files: [{ id: '0123456789abcdef-64', name: 'x.ulsnap' }],
    view: {
      controls: { ...settings, seed: 99 },
      selection: { vm: 1, compare: 2, snapshot: 0 },
      outputsLibrary: 0,
      mapRange: 'used',
      origins: { '1': 'x.ulsnap' },
    },
    summary: { guest: 'default', vms: 5, snapshots: 2 },
    ...over,
  };
}

describe('storage errors', () => {
  it('recognises the quota error by its standard name and its legacy code', () => {
    expect(isQuotaError(new DOMException('full', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError({ code: 22 })).toBe(true);
    expect(isQuotaError(new DOMException('no', 'InvalidStateError'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });

  it('says what was not saved and what to do when the quota is used up', () => {
    const e = storageError(new DOMException('quota', 'QuotaExceededError'), 'the lab session');
    expect(e.kind).toBe('QuotaExceeded');
    expect(e.message).toMatch(/^Not saved: .*the lab session.*QuotaExceededError.*Clear saved data/);
  });

  it("passes any other failure on in the browser's own words", () => {
    const e = storageError(new DOMException('the disk is on fire', 'UnknownError'), 'x');
    expect(e).toMatchObject({ kind: 'Failed' });
    expect(e.message).toContain('UnknownError: the disk is on fire');
  });

  it('refuses a write the estimate has no room for, naming sizes in the units browsers use', () => {
    const est = { usage: 48_000_000, quota: 50_000_000 };
    expect(checkRoom(est, 900_000, 'f')).toBeNull();
    const e = checkRoom(est, 5_300_000, 'the snapshot file a.ulsnap');
    expect(e).toMatchObject({ kind: 'NoRoom', free: 2_000_000, needed: 5_300_000 + ROOM_MARGIN_BYTES });
    expect(e!.message).toContain('needs 5.3 MB but the browser has only 2.0 MB left');
    expect(e!.message).toContain('48.0 MB of 50.0 MB used');
  });

  it('lets the write itself decide when the browser gives no estimate', () => {
    expect(checkRoom(null, 1e12, 'x')).toBeNull();
    expect(checkRoom({ usage: 5 }, 1e12, 'x')).toBeNull();
  });

  it('formats byte counts', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(5_283_384)).toBe('5.3 MB');
    expect(formatBytes(2_100_000_000)).toBe('2.1 GB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
  });
});

describe('saved records', () => {
  it('names a lab snapshot file after its id', () => {
    expect(snapshotFileName(3)).toBe('uniqueness-lab-snap-3.ulsnap');
  });

  it('reads back a session as it was written: the history whole, the files by content id, the view', async () => {
    const rec = structuredClone(await session());
    const r = readSessionRecord(rec);
    expect(r).toEqual({ ok: true, value: rec });
  });

  it("the store's record is the session's own history and the view", async () => {
    const store = await newStore();
    await journey(store, 2, 3);
    store.getState().setSetting('seed', 42);
    const s = store.getState();
    const rec = sessionRecord(s, 5)!;
    expect(rec.settings).toEqual(s.session!.initial);
    expect(rec.actions).toEqual(s.session!.log);
    expect(rec.view.controls!.seed).toBe(42);
    expect(rec.view.selection).toEqual(s.selection);
    expect(rec.summary).toEqual({ guest: 'default', vms: 3, snapshots: 1 });
    expect(readSessionRecord(structuredClone(rec))).toEqual({ ok: true, value: rec });
  });

  it.each([
    [
      'an older format',
      { format: 'uniqueness-lab/session@1' },
      /format: must be "uniqueness-lab\/session@2"/,
    ],
    ['an action the lab does not know', { actions: [{ a: 'fly' }] }, /actions\[0\]/],
    ['a clone count beyond the limit', { actions: [{ a: 'restore', n: 10001 }] }, /actions\[0\]\.n/],
    ['settings beyond a limit', { settings: { clones: 0 } }, /settings/],
    ['a file id that is not one', { files: [{ id: 'x', name: 'a' }] }, /files\[0\]\.id/],
    ['a selection that is not ids', { view: { selection: { vm: 'x' } } }, /view/],
  ])('refuses a stored session with %s, naming the field', async (_, over, message) => {
    const base = await session();
    const bad =
      'settings' in over
        ? { ...base, settings: { ...base.settings, ...(over.settings as object) } }
        : 'view' in over
          ? { ...base, view: { ...base.view, ...(over.view as object) } }
          : { ...base, ...over };
    const r = readSessionRecord(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('drops saved controls that are no longer valid, keeping the history', async () => {
    const base = await session();
    const r = readSessionRecord({ ...base, view: { ...base.view, controls: { clones: 1e9 } } });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.view.controls).toBeNull();
      expect(r.value.actions).toEqual(base.actions);
    }
  });

  it('reads stored session files and skips what is not one', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(readSessionFile({ name: 'a.ulsnap', bytes })).toEqual({ name: 'a.ulsnap', bytes });
    expect(readSessionFile({ name: 'a.ulsnap', bytes: [1, 2] })).toBeNull();
    expect(readSessionFile(null)).toBeNull();
  });

  it('skips saved file entries that are not file metadata', () => {
    const good = {
      id: 1,
      name: 'a.ulsnap',
      guest: 'default',
      bytes: 10,
      savedAt: 1,
      checksum: 'ab',
      source: 'lab',
    };
    expect(readFileMeta(good)).toEqual(good);
    expect(readFileMeta({ ...good, source: 'web' })).toBeNull();
    expect(readFileMeta({ ...good, id: 'x' })).toBeNull();
  });

  it("counts the session files' bytes in its size", async () => {
    const rec = await session();
    const small = sessionSize(rec);
    expect(sessionSize(rec, [{ name: 'x.ulsnap', bytes: new Uint8Array(5000) }])).toBeGreaterThanOrEqual(
      small + 5000,
    );
  });
});
