// The app's store and actions against the real lab over an in-process transport (the same
// protocol, structured clone and transfers as the worker): the core journey, the mitigation that
// removes every duplicate, selections that follow the fleet, and cancel by restart + replay.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { bootFingerprint, bootRequest, defaultGuestFile } from '../src/ui/store/settings';
import { reconcileSelection } from '../src/ui/store/actions';
import { selectCan, selectNeedsReboot } from '../src/ui/store/selectors';
import { createLabStore, type LabStore } from '../src/ui/store/store';
import { LabClient } from '../src/ui/worker/client';
import { loadGuests } from '../src/ui/worker/guests';
import { LabHost } from '../src/ui/worker/host';
import { inProcessTransport } from '../src/ui/worker/serve';

const guestDir = new URL('../public/guest/', import.meta.url);
const readGuest = (file: string) => readFile(new URL(file, guestDir), 'utf8');

async function newStore(): Promise<LabStore> {
  const client = new LabClient(
    inProcessTransport(async () => {
      // a fresh wasm instance per "worker", as a restarted worker gets
      const lab = await Lab.create(await loadCoreNode());
      return new LabHost(lab, lab.engine, () => loadGuests(readGuest));
    }),
  );
  const store = createLabStore(client);
  await store.getState().init();
  return store;
}

async function journey(store: LabStore, clones: number, draws: number) {
  const a = store.getState();
  await a.boot();
  await a.snapshot();
  a.setSetting('clones', clones);
  await a.restore();
  a.setSetting('draws', draws);
  await a.draw();
  return store.getState();
}

describe('the store', () => {
  it('preselects the default guest and its kernel features', async () => {
    const store = await newStore();
    const s = store.getState();
    expect(s.guestFile).toBe('default.json');
    expect(s.kernel).toMatchObject({ vmgenid: false, sysgenid: false, wipeOnSuspend: false });
    expect(s.processLibraries).toEqual(['naive', 'openssl-pid', 'getrandom']);
    expect(selectCan(s)).toMatchObject({ boot: true, snapshot: false, restore: false, draw: false });
  });

  it('Boot, Snapshot, Restore 4, Draw 16 with the default guest: clones collide', async () => {
    const store = await newStore();
    const s = await journey(store, 4, 16);
    expect(s.notice).toBeNull();
    expect(s.vms.filter((v) => v.origin === 'clone')).toHaveLength(4);
    expect(s.lastDraw!.vms).toHaveLength(4);
    expect(s.lastDraw!.duplicates).toBeGreaterThan(0);
    expect(s.lastDraw!.libraries.every((l) => l.marked === l.duplicates)).toBe(true);
    // views were read for the selected pair
    expect(s.mapA?.vm).toBe(s.selectedVm);
    expect(s.mapB?.vm).toBe(s.compareVm);
    expect(s.devices).toHaveLength(5);
    expect(s.timeline.some((e) => e.kind === 'resume')).toBe(true);
  });

  it('VMGenID with vdso and δ = 0 removes every duplicate', async () => {
    const store = await newStore();
    await journey(store, 4, 16);
    const a = store.getState();
    a.setKernel('vmgenid', true);
    a.setLibrary('vdso');
    a.setSetting('notifyDelayUs', 0);
    expect(selectNeedsReboot(store.getState())).toBe(true);
    const s = await journey(store, 4, 16);
    expect(selectNeedsReboot(s)).toBe(false);
    expect(s.lastDraw!.libraries.map((l) => l.library)).toEqual(['vdso']);
    expect(s.lastDraw!.duplicates).toBe(0);
  });

  it('a cancelled draw rebuilds the lab exactly as it was before the draw', async () => {
    const store = await newStore();
    await journey(store, 3, 4);
    const before = store.getState();
    const devicesBefore = before.devices;
    const drawBefore = before.lastDraw!;
    const pending = store.getState().draw();
    store.getState().cancel(); // before the worker starts it: the worker is replaced
    await pending;
    const s = store.getState();
    expect(s.busy).toBeNull();
    expect(s.notice?.tone).toBe('warn');
    expect(s.notice?.text).toMatch(/rebuilt from its seed/);
    expect(s.vms).toEqual(before.vms);
    expect(s.snapshots).toEqual(before.snapshots);
    expect(s.devices).toEqual(devicesBefore);
    expect(s.lastDraw!.libraries.map((l) => l.outputs)).toEqual(drawBefore.libraries.map((l) => l.outputs));
    // and the lab goes on from there
    await s.draw();
    expect(store.getState().lastDraw!.vms).toHaveLength(3);
  });

  it('destroying the selected VM moves the selection to a live one', async () => {
    const store = await newStore();
    await journey(store, 2, 1);
    const { selectedVm } = store.getState();
    await store.getState().destroy(selectedVm!);
    const s = store.getState();
    expect(s.vms.some((v) => v.id === selectedVm)).toBe(false);
    expect(s.vms.some((v) => v.id === s.selectedVm)).toBe(true);
  });

  it('Reset empties the fleet and the views', async () => {
    const store = await newStore();
    await journey(store, 2, 2);
    await store.getState().reset();
    const s = store.getState();
    expect(s.vms).toEqual([]);
    expect(s.snapshots).toEqual([]);
    expect(s.lastDraw).toBeNull();
    expect(s.mapA).toBeNull();
  });
});

describe('settings', () => {
  it('bootRequest applies the kernel toggles and one library in place of the processes', async () => {
    const store = await newStore();
    const a = store.getState();
    a.setKernel('wipeOnSuspend', true);
    a.setKernel('sysgenid', true);
    a.setLibrary('sysgenid');
    const r = bootRequest(store.getState());
    if ('error' in r) throw new Error(r.error);
    expect(r.guest.kernel).toMatchObject({ wipeOnSuspend: true, sysgenid: 'vmgenid' });
    expect(r.opts).toMatchObject({ seed: 1234, libraries: ['sysgenid'] });
    expect(bootFingerprint(store.getState())).not.toBe(bootFingerprint({ ...store.getState(), seed: 1 }));
  });

  it('defaultGuestFile skips invalid entries', () => {
    const entry = (file: string, ok: boolean) => ({
      file,
      name: file,
      description: '',
      manifest: ok ? ({} as never) : null,
      error: ok ? null : 'bad',
    });
    expect(defaultGuestFile([entry('a.json', true), entry('default.json', true)])).toBe('default.json');
    expect(defaultGuestFile([entry('default.json', false), entry('b.json', true)])).toBe('b.json');
    expect(defaultGuestFile([])).toBeNull();
  });

  it('reconcileSelection drops dead ids and picks live ones', async () => {
    const store = await newStore();
    await journey(store, 2, 1);
    const s = store.getState();
    const fleet = { vms: s.vms.filter((v) => v.id !== s.selectedVm), snapshots: s.snapshots };
    const next = reconcileSelection(s, fleet);
    expect(fleet.vms.some((v) => v.id === next.selectedVm)).toBe(true);
    expect(next.selectedSnapshot).toBe(s.selectedSnapshot);
  });
});
