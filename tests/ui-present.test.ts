// The store's "compare and present" slice against the real lab over an in-process transport:
// scenario steps sync the controls, a matrix cell opens in the lab on its library, an empty lab's
// link holds its settings, and a cancelled draw after a step rebuilds the step's lab.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { decodeLabState } from '../src/core/permalink';
import { loadScenarioList } from '../src/ui/lib/scenarios';
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
      const lab = await Lab.create(await loadCoreNode());
      return new LabHost(
        lab,
        lab.engine,
        () => loadGuests(readGuest),
        () => loadCoreNode(),
      );
    }),
  );
  const store = createLabStore(client);
  await store.getState().init();
  store.getState().setScenarios(await loadScenarioList(readGuest), null);
  return store;
}

describe('compare and present in the store', () => {
  it('scenario steps sync the controls to the step and check its claims', async () => {
    const store = await newStore();
    const s = () => store.getState();
    await s().startScenario('wipeonsuspend-alone');
    expect(s().active!.step).toBe(0);
    expect(s().active!.result!.ok).toBe(true);
    expect(s().guestFile).toBe('wipeonsuspend-rfc.json');
    expect(s().kernel.vmgenid).toBe(false);
    expect(s().lastDraw!.duplicates).toBeGreaterThan(0);
    expect(s().vms.map((v) => v.id)).toContain(s().selectedVm);
    await s().nextStep();
    await s().nextStep();
    expect(s().active!.step).toBe(2);
    expect(s().kernel.vmgenid).toBe(true);
    expect(s().notifyDelayUs).toBe(0);
    const wos = s().lastDraw!.libraries.find((l) => l.library === 'wipeonsuspend')!;
    expect(wos.duplicates).toBe(0);
    expect(s().bootedWith).not.toBeNull();
    // no warning that the controls differ from the booted lab
    expect(s().notice).toBeNull();
    await s().prevStep();
    expect(s().active!.step).toBe(1);
    expect(s().active!.rebuilt).toBe(true);
    s().leaveScenario();
    expect(s().active).toBeNull();
  });

  it('a matrix cell opens in the lab on its library', async () => {
    const store = await newStore();
    const s = () => store.getState();
    s().setSetting('memoryMiB', 16);
    await s().runMatrix();
    const m = s().matrix!;
    expect(m.memoryMiB).toBe(16);
    const row = m.rows.indexOf('vdso');
    await s().openMatrixCell(row, 1);
    expect(s().view).toBe('lab');
    expect(s().library).toBe('all');
    expect(s().kernel.vmgenid).toBe(true);
    expect(s().outputsLibrary).toBe(row);
    const d = s().lastDraw!;
    expect(d.libraries[row]!.library).toBe('vdso');
    expect(d.libraries[row]!.duplicates).toBe(m.cells[row]![1]!.duplicates);
    expect(d.libraries.map((l) => l.duplicates)).toEqual(m.cells.map((r) => r[1]!.duplicates));
  });

  it("an empty lab's link holds its settings; a booted one its actions", async () => {
    const store = await newStore();
    const s = () => store.getState();
    s().setSetting('seed', 77);
    s().setKernel('vmgenid', true);
    const empty = await decodeLabState((await s().currentHash()).slice(3));
    if (!empty.ok) throw new Error(empty.error.message);
    expect(empty.value.actions).toEqual([]);
    expect(empty.value.settings).toMatchObject({ seed: 77, vmgenid: true, clones: 4 });
    await s().boot();
    const booted = await decodeLabState((await s().currentHash()).slice(3));
    if (!booted.ok) throw new Error(booted.error.message);
    expect(booted.value.actions).toEqual([{ a: 'boot' }]);
    expect(booted.value.settings).toMatchObject({ seed: 77, vmgenid: true });
  });

  it('a cancelled draw after a scenario step rebuilds the lab of that step', async () => {
    const store = await newStore();
    const s = () => store.getState();
    await s().startScenario('the-problem');
    await s().gotoStep(3);
    const before = s().lastDraw!;
    const vms = s().vms;
    const pending = s().draw();
    s().cancel();
    await pending;
    expect(s().notice?.text).toMatch(/rebuilt from its seed/);
    expect(s().vms).toEqual(vms);
    expect(s().lastDraw!.libraries.map((l) => l.outputs)).toEqual(before.libraries.map((l) => l.outputs));
  });
});
