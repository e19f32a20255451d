// The app's store and actions against the real lab over an in-process transport (the same
// protocol, structured clone and transfers as the worker): the core journey, a Draw as one
// request answered by one bundle, the mitigation that removes every duplicate, the controls as
// one draft of the core's settings, selections that follow the fleet, and cancel by restart +
// replay of the session's own history.

import { describe, expect, it } from 'vitest';
import { outputText } from '../src/core/lab/draw';
import type { DrawResult } from '../src/core/lab/types';
import { resolveSettings } from '../src/core/settings/settings';
import {
  selectCan,
  selectConflict,
  selectNeedsReboot,
  selectProblems,
  settingsToSend,
} from '../src/ui/store/selectors';
import { defaultGuest } from '../src/ui/store/settings';
import { journey, newStore } from './ui-setup';

const texts = (d: DrawResult) =>
  d.libraries.map((l) =>
    Array.from({ length: l.clones }, (_, c) =>
      Array.from({ length: l.draws }, (_, k) => outputText(l, c, k)),
    ),
  );
const total = (d: DrawResult) => d.libraries.reduce((n, l) => n + l.duplicates, 0);

describe('the store', () => {
  it('preselects the default guest: the controls are its resolved settings', async () => {
    const store = await newStore();
    const s = store.getState();
    const def = s.guests.find((g) => g.manifest?.name === 'default')!.manifest!;
    expect(s.draft).toEqual(resolveSettings(def));
    expect(s.draft).toMatchObject({
      guest: 'default',
      vmgenid: false,
      sysgenid: false,
      wipeOnSuspend: false,
      libraries: 'guest',
    });
    expect(selectCan(s)).toMatchObject({ boot: true, snapshot: false, restore: false, draw: false });
    expect(s.session!.log).toEqual([]);
  });

  it('Boot, Snapshot, Restore 4, Draw 16 with the default guest: clones collide, and the log is the history', async () => {
    const store = await newStore();
    const s = await journey(store, 4, 16);
    expect(s.notice).toBeNull();
    expect(s.vms.filter((v) => v.origin === 'clone')).toHaveLength(4);
    expect(s.lastDraw!.vms).toHaveLength(4);
    expect(total(s.lastDraw!)).toBeGreaterThan(0);
    expect(s.lastDraw!.libraries[0]!.bytes).toBeInstanceOf(Uint8Array);
    // every marked output is one the core counts
    for (const l of s.lastDraw!.libraries)
      expect([...l.groups].filter((g) => g >= 0)).toHaveLength(l.duplicates);
    expect(s.session!.initial.guest).toBe('default');
    expect(s.session!.log).toEqual([
      { a: 'boot' },
      { a: 'snapshot', t: 'full' },
      { a: 'restore', n: 4 },
      { a: 'draw', n: 16 },
    ]);
    // views came with the bundle, for the selected pair
    expect(s.mapA?.vm).toBe(s.selection.vm);
    expect(s.mapB?.vm).toBe(s.selection.compare);
    expect(s.devices).toHaveLength(5);
    expect(s.timeline.some((e) => e.kind === 'resume')).toBe(true);
  });

  it('a Draw click is ONE request, answered by one bundle with the draw, maps, devices and timeline', async () => {
    const ops: string[] = [];
    const store = await newStore((op) => ops.push(op));
    await journey(store, 3, 4);
    const mapSeq = store.getState().mapSeq;
    ops.length = 0;
    await store.getState().draw();
    expect(ops).toEqual(['act']);
    const s = store.getState();
    expect(s.mapSeq).toBe(mapSeq + 1);
    expect(s.session!.log.at(-1)).toEqual({ a: 'draw', n: 4 });
  });

  it('VMGenID with vdso and δ = 0 removes every duplicate; kernel changes apply at the next Boot', async () => {
    const store = await newStore();
    await journey(store, 4, 16);
    const a = store.getState();
    a.setSetting('vmgenid', true);
    a.setSetting('libraries', ['vdso']);
    a.setSetting('notifyDelayUs', 0);
    expect(selectNeedsReboot(store.getState())).toBe(true);
    // until then the running lab keeps its kernel: an action sends the booted values
    expect(settingsToSend(store.getState())).toMatchObject({
      vmgenid: false,
      libraries: 'guest',
      notifyDelayUs: 0,
    });
    const s = await journey(store, 4, 16);
    expect(selectNeedsReboot(s)).toBe(false);
    expect(s.lastDraw!.libraries.map((l) => l.library)).toEqual(['vdso']);
    expect(total(s.lastDraw!)).toBe(0);
    expect(s.lastDraw!.libraries[0]!.verdict).toBe('unique');
  });

  it('a cancelled draw rebuilds the lab exactly as it was before the draw, from the session log', async () => {
    const store = await newStore();
    await journey(store, 3, 4);
    const before = store.getState();
    const pending = store.getState().draw();
    store.getState().cancel(); // before the worker starts it: the worker is replaced
    await pending;
    const s = store.getState();
    expect(s.busy).toBeNull();
    expect(s.drawing).toBe(false);
    expect(s.notice?.tone).toBe('warn');
    const n = before.session!.log.length;
    expect(n).toBe(6); // boot, snapshot, set clones, restore, set draws, draw
    expect(s.notice?.text).toMatch(
      new RegExp(
        `^Drawing 4 outputs in 3 VMs cancelled: the worker was stopped and the lab rebuilt from its seed \\(${n} actions replayed\\)`,
      ),
    );
    expect(s.vms).toEqual(before.vms);
    expect(s.snapshots).toEqual(before.snapshots);
    expect(s.devices).toEqual(before.devices);
    expect(s.session!.log).toEqual(before.session!.log);
    expect(texts(s.lastDraw!)).toEqual(texts(before.lastDraw!));
    // and the lab goes on from there
    await s.draw();
    expect(store.getState().lastDraw!.vms).toHaveLength(3);
  });

  it('destroying the selected VM moves the selection to a live one, and the log says so', async () => {
    const store = await newStore();
    await journey(store, 2, 1);
    const vm = store.getState().selection.vm!;
    await store.getState().destroy(vm);
    const s = store.getState();
    expect(s.vms.some((v) => v.id === vm)).toBe(false);
    expect(s.vms.some((v) => v.id === s.selection.vm)).toBe(true);
    expect(s.session!.log.at(-1)).toEqual({ a: 'destroy', vm });
  });

  it('Reset empties the fleet, the views and the history', async () => {
    const store = await newStore();
    await journey(store, 2, 2);
    await store.getState().reset();
    const s = store.getState();
    expect(s.vms).toEqual([]);
    expect(s.snapshots).toEqual([]);
    expect(s.lastDraw).toBeNull();
    expect(s.mapA).toBeNull();
    expect(s.session!.log).toEqual([]);
    expect(s.session!.initial).toEqual(s.draft);
  });
});

describe('the controls', () => {
  it('choosing a guest brings its kernel defaults, as the CLI --guest does', async () => {
    const store = await newStore();
    const a = store.getState();
    a.setSetting('clones', 12);
    a.setSetting('guest', 'linux-6.11-vmgenid');
    const s = store.getState();
    const g = s.guests.find((x) => x.manifest?.name === 'linux-6.11-vmgenid')!.manifest!;
    expect(s.draft).toEqual(resolveSettings(g, { clones: 12 }));
    expect(s.draft).toMatchObject({ kernel: '6.11', vmgenid: true });
  });

  it('an out-of-range value is kept as typed, blocks every action and says the limit in words', async () => {
    const store = await newStore();
    const a = store.getState();
    a.setTyped('clones', '20000');
    const s = store.getState();
    expect(s.draft!.clones).toBe(4); // the last valid value stays, and is not used
    expect(s.typed.clones).toBe('20000');
    expect(selectProblems(s)).toEqual(['Clones must be a whole number from 1 to 10,000 (not 20000)']);
    expect(selectCan(s)).toMatchObject({ valid: false, boot: false });
    await a.boot();
    expect(store.getState().vms).toEqual([]);
    expect(store.getState().notice?.text).toBe(
      'Boot refused: Clones must be a whole number from 1 to 10,000 (not 20000).',
    );
    a.setSetting('clones', 20);
    expect(store.getState().typed).toEqual({});
    await a.boot();
    expect(store.getState().vms).toHaveLength(1);
  });

  it("a combination no kernel has is named before Boot, in the core's words, and Boot waits for it", async () => {
    const store = await newStore();
    const a = store.getState();
    a.setSetting('vdso', true); // the default guest runs 6.1
    expect(selectConflict(store.getState())).toMatch(/^vDSO getrandom arrived in Linux 6\.11/);
    expect(selectCan(store.getState()).boot).toBe(false);
    a.setSetting('kernel', '6.11');
    expect(selectConflict(store.getState())).toBeNull();
    await a.boot();
    expect(store.getState().session!.log).toEqual([{ a: 'boot' }]);
  });

  it('defaultGuest skips invalid entries', () => {
    const entry = (name: string, ok: boolean) => ({
      file: `${name}.json`,
      name,
      description: '',
      manifest: ok ? ({ name } as never) : null,
      error: ok ? null : 'bad',
    });
    expect(defaultGuest([entry('a', true), entry('default', true)])?.name).toBe('default');
    expect(defaultGuest([entry('default', false), entry('b', true)])?.name).toBe('b');
    expect(defaultGuest([])).toBeNull();
  });
});
