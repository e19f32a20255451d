// The store's "compare and present" slice against the real lab over an in-process transport:
// scenario steps set the controls to the step, a matrix cell opens in the lab on its library,
// links are made from the session's history and open in a fresh worker with the same outputs,
// a refused or cancelled link leaves an alert and an empty lab, and a cancelled draw after a step
// rebuilds the step's lab. Scenarios are the tests' own (ui-scenario.ts), so these check the app,
// not the shipped talks' content.

import { describe, expect, it } from 'vitest';
import { outputText } from '../src/core/lab/draw';
import type { DrawResult } from '../src/core/lab/types';
import { decodeLabState } from '../src/core/permalink';
import { journey, newStore as baseStore } from './ui-setup';
import { UI_SCENARIO } from './ui-scenario';

async function newStore() {
  const store = await baseStore();
  store.getState().setScenarios(
    [
      {
        id: UI_SCENARIO.id,
        title: UI_SCENARIO.title,
        description: UI_SCENARIO.description,
        scenario: UI_SCENARIO,
        error: null,
      },
    ],
    null,
  );
  return store;
}

const texts = (d: DrawResult) =>
  d.libraries.map((l) =>
    Array.from({ length: l.clones }, (_, c) =>
      Array.from({ length: l.draws }, (_, k) => outputText(l, c, k)),
    ),
  );

describe('guided scenarios in the store', () => {
  it('scenario steps set the controls to the step and check its claims', async () => {
    const store = await newStore();
    const s = () => store.getState();
    await s().startScenario('ui-test');
    expect(s().active!.step).toBe(0);
    expect(s().active!.result!.ok).toBe(true);
    expect(s().draft).toMatchObject({
      guest: 'default',
      libraries: ['naive', 'getrandom'],
      clones: 4,
      vmgenid: false,
    });
    expect(s().lastDraw!.libraries[0]!.duplicates).toBeGreaterThan(0);
    expect(s().vms.map((v) => v.id)).toContain(s().selection.vm);
    await s().nextStep();
    expect(s().active!.rebuilt).toBe(false);
    expect(s().active!.result!.secrets!.find((x) => x.name === 'db-password')!.inSnapshot).toBe(true);
    await s().nextStep();
    expect(s().active!.step).toBe(2);
    expect(s().active!.result!.ok).toBe(true);
    expect(s().draft).toMatchObject({ vmgenid: true, notifyDelayUs: 0 });
    expect(s().lastDraw!.libraries.find((l) => l.library === 'getrandom')!.duplicates).toBe(0);
    // the controls are the settings in effect: nothing waits for a Boot
    expect(s().notice).toBeNull();
    await s().prevStep();
    expect(s().active!.step).toBe(1);
    expect(s().active!.rebuilt).toBe(true);
    s().leaveScenario();
    expect(s().active).toBeNull();
  });

  it('a draw with the buttons between steps: the next step rebuilds the scenario', async () => {
    const store = await newStore();
    const s = () => store.getState();
    await s().startScenario('ui-test');
    await s().nextStep();
    await s().draw();
    await s().nextStep();
    expect(s().active!.step).toBe(2);
    expect(s().active!.rebuilt).toBe(true);
    expect(s().active!.result!.ok).toBe(true);
  });

  it('a cancelled draw after a scenario step rebuilds the lab of that step', async () => {
    const store = await newStore();
    const s = () => store.getState();
    await s().startScenario('ui-test');
    await s().gotoStep(3);
    const before = s().lastDraw!;
    const vms = s().vms;
    const pending = s().draw();
    s().cancel();
    await pending;
    expect(s().notice?.text).toMatch(/rebuilt from its seed/);
    expect(s().vms).toEqual(vms);
    expect(texts(s().lastDraw!)).toEqual(texts(before));
    expect(s().active!.step).toBe(3);
  });
});

describe('the matrix in the store', () => {
  it('a matrix cell opens in the lab on its library, with the counts the matrix showed', async () => {
    const store = await newStore();
    const s = () => store.getState();
    s().setSetting('memoryMiB', 16);
    await s().runMatrix();
    const m = s().matrix!;
    expect(m.memoryMiB).toBe(16);
    const row = m.rows.indexOf('vdso');
    await s().openMatrixCell(row, 1);
    expect(s().view).toBe('lab');
    expect(s().draft!.libraries).toEqual(m.rows);
    expect(s().draft!.vmgenid).toBe(true);
    expect(s().outputsLibrary).toBe(row);
    const d = s().lastDraw!;
    expect(d.libraries[row]!.library).toBe('vdso');
    expect(d.libraries.map((l) => l.duplicates)).toEqual(m.cells.map((r) => r[1]!.duplicates));
    expect(d.libraries.map((l) => l.verdict)).toEqual(m.cells.map((r) => r[1]!.verdict));
  });
});

describe('links', () => {
  it("an empty lab's link holds the controls; a booted one the session's history", async () => {
    const store = await newStore();
    const s = () => store.getState();
    s().setSetting('seed', 77);
    s().setSetting('vmgenid', true);
    const empty = await decodeLabState((await s().currentHash()).slice(3));
    if (!empty.ok) throw new Error(empty.error.message);
    expect(empty.value.actions).toEqual([]);
    expect(empty.value.settings).toEqual(s().draft);
    await s().boot();
    const booted = await decodeLabState((await s().currentHash()).slice(3));
    if (!booted.ok) throw new Error(booted.error.message);
    expect(booted.value).toEqual({ v: 2, settings: s().session!.initial, actions: [{ a: 'boot' }] });
    expect(booted.value.settings).toMatchObject({ seed: 77, vmgenid: true });
  });

  it('a link opens in a fresh worker with the same fleet, outputs and controls', async () => {
    const a = await newStore();
    a.getState().setSetting('seed', 4242);
    const before = await journey(a, 5, 7);
    await a.getState().destroy(before.selection.vm!); // every action is in the history, a destroy too
    const hash = await a.getState().currentHash();

    const b = await newStore();
    await b.getState().openHash(hash);
    const s = b.getState();
    expect(s.linkAlert).toBeNull();
    expect(s.session!.log).toEqual(a.getState().session!.log);
    expect(s.vms).toEqual(a.getState().vms);
    expect(s.devices).toEqual(a.getState().devices);
    expect(texts(s.lastDraw!)).toEqual(texts(before.lastDraw!));
    expect(s.draft).toEqual(a.getState().session!.settings);
  });

  it('a step of a scenario has a link that reopens it, claims checked again', async () => {
    const a = await newStore();
    await a.getState().startScenario('ui-test');
    await a.getState().gotoStep(2);
    const shown = a.getState().active!.result!.checks;
    const hash = await a.getState().currentHash();
    const state = await decodeLabState(hash.slice(3));
    expect(state.ok && state.value.scenario).toEqual({ id: 'ui-test', step: 2 });

    const b = await newStore();
    await b.getState().openHash(hash);
    expect(b.getState().active!.step).toBe(2);
    expect(b.getState().active!.result!.checks).toEqual(shown);
  });

  it('a link whose replay fails says why in an alert and leaves an empty lab of its settings', async () => {
    const a = await newStore();
    await a.getState().boot();
    const good = await decodeLabState((await a.getState().currentHash()).slice(3));
    if (!good.ok) throw new Error(good.error.message);
    const { hashOf, linkState } = await import('../src/ui/lib/permalink');
    const bad = await hashOf(linkState(good.value.settings, [{ a: 'boot' }, { a: 'destroy', vm: 9 }]));
    if (!bad.ok) throw new Error(bad.error.message);
    const b = await newStore();
    await b.getState().openHash(bad.value);
    const s = b.getState();
    expect(s.linkAlert).toMatch(
      /^This link could not be opened: action 2 of 2 could not be replayed: destroy: .*The default lab is open instead\.$/,
    );
    expect(s.vms).toEqual([]);
    expect(s.session!.log).toEqual([]);
  });

  it("opening a link can be cancelled: the lab is left empty, with the link's settings", async () => {
    const a = await newStore();
    a.getState().setSetting('seed', 31);
    await journey(a, 2, 2);
    for (let i = 0; i < 40; i++) await a.getState().draw();
    const hash = await a.getState().currentHash();
    const b = await newStore();
    const opening = b.getState().openHash(hash);
    // Cancel as soon as the replay runs (it goes in chunks of actions, with progress)
    await new Promise<void>((resolve) => {
      const stop = b.subscribe((s) => {
        if (s.busy?.op === 'replay' && s.busy.requestId !== null && s.busy.cancel === 'chunks') {
          stop();
          s.cancel();
          resolve();
        }
      });
    });
    await opening;
    const s = b.getState();
    expect(s.notice?.text).toMatch(/^Opening the link was cancelled/);
    expect(s.vms).toEqual([]);
    expect(s.session!.log).toEqual([]);
    expect(s.draft!.seed).toBe(31);
    expect(s.linkAlert).toBeNull();
  });

  it('a damaged link is refused by the decoder, with its own words', async () => {
    const b = await newStore();
    await b.getState().openHash('#s=AAAA!AAA');
    expect(b.getState().linkAlert).toMatch(/which base64url does not use/);
    expect(b.getState().vms).toEqual([]);
  });
});
