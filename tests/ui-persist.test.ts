// The pure parts of the app's persistence (src/ui/persist): storage errors a person can act on,
// the room check against the browser's estimate, and every saved record checked when read back.
// IndexedDB itself is exercised in the browser (e2e/persist.spec.ts).

import { describe, expect, it } from 'vitest';
import {
  readFileMeta,
  readSessionRecord,
  SESSION_FORMAT,
  settingsPatch,
  snapshotFileName,
  type SessionRecord,
} from '../src/ui/persist/records';
import { sessionSize } from '../src/ui/persist/labStorage';
import {
  checkRoom,
  formatBytes,
  isQuotaError,
  ROOM_MARGIN_BYTES,
  storageError,
} from '../src/ui/persist/storageErrors';

function session(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    format: SESSION_FORMAT,
    savedAt: 1_700_000_000_000,
    settings: {
      guestFile: 'default.json',
      kernel: {
        vmgenid: true,
        sysgenid: false,
        wipeOnSuspend: false,
        vdsoGetrandom: true,
        jitterEntropy: false,
        agentReseed: false,
      },
      library: 'guest',
      processLibraries: ['naive', 'openssl-pid', 'getrandom'],
      consumer: 'guest',
      clones: 4,
      draws: 16,
      notifyDelayUs: 50,
      snapshotType: 'full',
      seed: 1234,
      memoryMiB: 128,
      touchCount: 64,
      lazy: false,
    },
    bootedWith: '["default.json"]',
    selection: { bootVm: 0, selectedVm: 1, compareVm: 2, selectedSnapshot: 0, outputsLibrary: 0 },
    steps: [
      { op: 'boot', args: { guest: { name: 'default' }, opts: { seed: 1234 } }, ids: { vm: 0, snapshot: 0 } },
      { op: 'snapshot', args: { vm: 0, type: 'full' }, ids: { vm: 1, snapshot: 0 } },
      { op: 'loadSnapshotFile', args: { bytes: new Uint8Array(64), fileName: 'x.ulsnap' }, ids: null },
    ],
    origins: { '1': 'x.ulsnap' },
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

  it('reads back a session as it was written, file bytes included', () => {
    const rec = structuredClone(session());
    const r = readSessionRecord(rec);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.steps).toHaveLength(3);
    expect((r.value.steps[2]!.args as { bytes: Uint8Array }).bytes).toBeInstanceOf(Uint8Array);
    expect(r.value.steps[1]!.ids).toEqual({ vm: 1, snapshot: 0 });
    expect(r.value.steps[2]!.ids).toBeNull();
  });

  it.each([
    ['a newer format', { format: 'uniqueness-lab/session@9' }, /format is "uniqueness-lab\/session@9"/],
    ['steps that are not a list', { steps: {} }, /steps is not a list/],
    ['a step without arguments', { steps: [{ op: 'boot' }] }, /steps\[0\] is not a command/],
    [
      'bad id counters',
      { steps: [{ op: 'boot', args: {}, ids: { vm: -1, snapshot: 0 } }] },
      /steps\[0\]\.ids/,
    ],
    ['a selection that is not ids', { selection: { bootVm: 'x' } }, /selection/],
    ['file names that are not text', { origins: { 1: 5 } }, /origins/],
  ])('refuses a stored session with %s, naming the field', (_, over, message) => {
    const r = readSessionRecord({ ...session(), ...over });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('keeps only the saved settings that are still valid here', () => {
    const saved = {
      ...session().settings,
      guestFile: 'gone.json',
      library: 'no-such-library',
      clones: 1e9,
      seed: 42,
      kernel: { vmgenid: 'yes' },
    };
    const patch = settingsPatch(saved, ['default.json']);
    expect(patch).not.toHaveProperty('guestFile');
    expect(patch).not.toHaveProperty('library');
    expect(patch).not.toHaveProperty('clones');
    expect(patch).not.toHaveProperty('kernel');
    expect(patch.seed).toBe(42);
    expect(patch.draws).toBe(16);
    expect(settingsPatch(session().settings, ['default.json'])).toEqual(session().settings);
    expect(settingsPatch('nonsense', [])).toEqual({});
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

  it('counts the file bytes a session holds in its size', () => {
    expect(sessionSize(session())).toBeGreaterThan(64);
    expect(sessionSize(session())).toBeLessThan(64 + 2000);
  });
});
