// The worker's snapshot-file functions (src/ui/worker/files.ts) over the real wasm core: a file
// out and back in restores clones that draw what the original's drew, a refused file changes
// nothing, the secret scan shows MADV_WIPEONSUSPEND keeping a flagged secret out of the file, and
// the id counters can be moved so a replay hands out the same VM ids.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { snapshotId, vmId, type SnapshotId } from '../src/core/types';
import { createLabStore, type LabStore } from '../src/ui/store/store';
import { LabClient } from '../src/ui/worker/client';
import {
  advanceIds,
  exportSnapshotFile,
  idCounters,
  loadSnapshotFileBytes,
  scanSnapshotSecrets,
} from '../src/ui/worker/files';
import { loadGuests } from '../src/ui/worker/guests';
import { LabHost } from '../src/ui/worker/host';
import { inProcessTransport } from '../src/ui/worker/serve';

const readGuest = (file: string) => readFile(new URL(`../public/guest/${file}`, import.meta.url), 'utf8');

async function newStore(): Promise<LabStore> {
  const client = new LabClient(
    inProcessTransport(async () => {
      const lab = await Lab.create(await loadCoreNode());
      return new LabHost(lab, lab.engine, () => loadGuests(readGuest));
    }),
  );
  const store = createLabStore(client);
  await store.getState().init();
  return store;
}

const guest = async (file: string): Promise<GuestManifest> =>
  JSON.parse(await readFile(new URL(`../public/guest/${file}`, import.meta.url), 'utf8')) as GuestManifest;

async function labWithSnapshot(g: GuestManifest, seed = 1234) {
  const lab = await Lab.create(await loadCoreNode());
  const vm = lab.boot(g, { seed });
  if (!vm.ok) throw new Error(vm.error.message);
  const snap = lab.snapshot(vm.value, 'full');
  if (!snap.ok) throw new Error(snap.error.message);
  return { lab, snap: snap.value };
}

function drawFrom(lab: Lab, snap: SnapshotId, clones: number, draws: number) {
  const vms = lab.restore(snap, clones, { notifyDelayUs: 50 });
  if (!vms.ok) throw new Error(vms.error.message);
  const d = lab.draw(vms.value, draws);
  if (!d.ok) throw new Error(d.error.message);
  return d.value.libraries.map((l) => ({ library: l.library, duplicates: l.duplicates, outputs: l.outputs }));
}

describe('snapshot files in the worker', () => {
  it('a file loaded into a fresh lab restores clones that draw exactly what the original clones drew', async () => {
    const def = await guest('default.json');
    const a = await labWithSnapshot(def);
    const file = exportSnapshotFile(a.lab, a.snap);
    if (!file.ok) throw new Error(file.error.message);
    expect(file.value).toMatchObject({ snapshot: 0, guest: 'default', layers: 1 });
    expect(file.value.checksum).toMatch(/^[0-9a-f]{16}$/);
    const before = drawFrom(a.lab, a.snap, 4, 16);

    const b = await Lab.create(await loadCoreNode());
    const loaded = loadSnapshotFileBytes(b, {
      bytes: file.value.bytes,
      fileName: 'uniqueness-lab-snap-0.ulsnap',
      knownSecrets: [{ guest: 'default', secrets: def.secrets }],
    });
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value).toMatchObject({
      guest: 'default',
      seed: 1234,
      checksum: file.value.checksum,
      bytes: file.value.bytes.length,
      secretsKnown: def.secrets.map((s) => s.name),
      secretsUnknown: [],
    });
    expect(drawFrom(b, snapshotId(loaded.value.snapshot), 4, 16)).toEqual(before);
  });

  it('refuses a damaged file with the decoder message and leaves the lab as it was', async () => {
    const { lab, snap } = await labWithSnapshot(await guest('default.json'));
    const file = exportSnapshotFile(lab, snap);
    if (!file.ok) throw new Error(file.error.message);
    const bad = file.value.bytes.slice();
    bad[bad.length - 100]! ^= 0xff;
    const snaps = lab.snapshots();
    const counters = idCounters(lab.engine);
    const r = loadSnapshotFileBytes(lab, { bytes: bad, fileName: 'x', knownSecrets: [] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('BadChecksum');
      expect(r.error.message).toMatch(
        /^snapshot file is corrupt: its CRC-64 says [0-9a-f]{16} but its bytes give/,
      );
    }
    expect(lab.snapshots()).toEqual(snaps);
    expect(idCounters(lab.engine)).toEqual(counters);
  });

  it('without the guest secret values, a loaded file names the secrets it cannot search for', async () => {
    const { lab, snap } = await labWithSnapshot(await guest('default.json'));
    const file = exportSnapshotFile(lab, snap);
    if (!file.ok) throw new Error(file.error.message);
    const r = loadSnapshotFileBytes(lab, { bytes: file.value.bytes, fileName: 'x', knownSecrets: [] });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.secretsKnown).toEqual([]);
    expect(r.value.secretsUnknown).toEqual(['tls-session-key', 'db-password']);
    const scan = scanSnapshotSecrets(lab, r.value.snapshot);
    if (!scan.ok) throw new Error(scan.error.message);
    expect(scan.value.secrets).toEqual([]);
    expect(scan.value.unknown).toEqual(['tls-session-key', 'db-password']);
  });

  it('the scan finds every secret in the file of a kernel without MADV_WIPEONSUSPEND', async () => {
    const { lab, snap } = await labWithSnapshot(await guest('default.json'));
    const scan = scanSnapshotSecrets(lab, snap);
    if (!scan.ok) throw new Error(scan.error.message);
    expect(scan.value.kernelWipeOnSuspend).toBe(false);
    expect(scan.value.wipedPages).toBe(0);
    for (const s of scan.value.secrets) {
      expect(s.inFile).toBe(true);
      expect(s.hitCount).toBe(1);
      expect(s.hits[0]!.layer).toBe(0);
      expect(s.hits[0]!.pageOffset).toBe(0);
    }
    expect(scan.value.secrets.find((s) => s.name === 'tls-session-key')!.wipeOnSuspend).toBe(true);
  });

  it('with MADV_WIPEONSUSPEND the flagged secret is absent from the file and the unflagged one present', async () => {
    const def = await guest('default.json');
    const { lab, snap } = await labWithSnapshot({ ...def, kernel: { ...def.kernel, wipeOnSuspend: true } });
    const scan = scanSnapshotSecrets(lab, snap);
    if (!scan.ok) throw new Error(scan.error.message);
    expect(scan.value.kernelWipeOnSuspend).toBe(true);
    expect(scan.value.wipedPages).toBeGreaterThan(0);
    const by = Object.fromEntries(scan.value.secrets.map((s) => [s.name, s]));
    expect(by['tls-session-key']).toMatchObject({ wipeOnSuspend: true, inFile: false, hitCount: 0 });
    expect(by['db-password']).toMatchObject({ wipeOnSuspend: false, inFile: true, hitCount: 1 });
  });

  it('moves a fresh core to the id counters of a later step, leaving no VM or snapshot behind', async () => {
    const lab = await Lab.create(await loadCoreNode());
    expect(idCounters(lab.engine)).toEqual({ vm: 0, snapshot: 0 });
    const r = advanceIds(lab.engine, { vm: 40, snapshot: 3 });
    expect(r).toEqual({ ok: true, value: { vm: 40, snapshot: 3 } });
    expect(lab.vms()).toEqual([]);
    expect(lab.snapshots()).toEqual([]);
    expect(advanceIds(lab.engine, { vm: 45, snapshot: 3 })).toEqual({
      ok: true,
      value: { vm: 45, snapshot: 3 },
    });
    const back = advanceIds(lab.engine, { vm: 2, snapshot: 3 });
    expect(back.ok).toBe(false);
    if (!back.ok) expect(back.error.message).toMatch(/already past it/);
    const snapsOnly = advanceIds(lab.engine, { vm: 45, snapshot: 4 });
    expect(snapsOnly.ok).toBe(false);
    // the lab works on from there: the next boot gets the next id
    const vm = lab.boot(await guest('default.json'), { seed: 1 });
    expect(vm).toEqual({ ok: true, value: vmId(45) });
  });
});

describe('replays with the ids each step first ran with', () => {
  it('each journal entry records the core id counters before it ran', async () => {
    const store = await newStore();
    const a = store.getState();
    await a.boot();
    await a.boot(); // Reset + Boot: the second original is vm 1, on a core whose counters moved on
    await a.snapshot();
    const steps = store.getState().journal();
    expect(steps.map((e) => [e.op, e.ids])).toEqual([
      ['boot', { vm: 1, snapshot: 0 }],
      ['snapshot', { vm: 2, snapshot: 0 }],
    ]);
  });

  it('a cancelled draw after a second Boot rebuilds exactly: the fresh core is moved to vm 1 first', async () => {
    const store = await newStore();
    const a = store.getState();
    await a.boot();
    await a.boot();
    await a.snapshot();
    a.setSetting('clones', 3);
    await store.getState().restore();
    a.setSetting('draws', 4);
    await store.getState().draw();
    const before = store.getState();
    const pending = store.getState().draw();
    store.getState().cancel(); // the worker is replaced by a fresh one, whose ids start at 0
    await pending;
    const s = store.getState();
    expect(s.notice?.text).toMatch(/rebuilt from its seed/);
    expect(s.vms).toEqual(before.vms);
    expect(s.vms[0]!.id).toBe(1);
    expect(s.devices).toEqual(before.devices);
    expect(s.lastDraw!.libraries.map((l) => l.outputs)).toEqual(
      before.lastDraw!.libraries.map((l) => l.outputs),
    );
  });

  it('a refused file is one notice with the decoder message, and the fleet stays', async () => {
    const store = await newStore();
    const a = store.getState();
    await a.boot();
    await a.snapshot();
    const before = store.getState();
    const bytes = new TextEncoder().encode('not a snapshot at all');
    await a.openSnapshotFile(new File([bytes], 'notes.txt'));
    const s = store.getState();
    expect(s.notice).toEqual({
      tone: 'error',
      text: expect.stringMatching(
        /^Opening notes\.txt refused: not a uniqueness-lab snapshot file: it starts with 6e 6f 74/,
      ),
    });
    expect(s.vms).toEqual(before.vms);
    expect(s.snapshots).toEqual(before.snapshots);
    expect(s.journal()).toHaveLength(2);
    expect(s.storageStatus).toBe('unavailable'); // no IndexedDB in Node: nothing is kept, and it says so
  });
});
