// The worker's session: the app's buttons run through the scenario executor, so the lab has a
// complete action log and a permalink of it replays the same bytes on a fresh core; guided
// scenario steps run in place or rebuild; the matrix runs on a second core.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { decodeLabState, encodeLabState } from '../src/core/permalink';
import { parseScenarioText } from '../src/core/scenario/parse';
import type { Scenario } from '../src/core/scenario/types';
import type { Matrix } from '../src/core/matrix/matrix';
import { loadGuests } from '../src/ui/worker/guests';
import { LabHost, type HostAnswer, type RunContext } from '../src/ui/worker/host';
import type { LinkStateView, OpenLinkView, ScenarioStepView } from '../src/ui/worker/presentProtocol';
import type { DrawView, RestoreView } from '../src/ui/worker/protocol';

const guestDir = new URL('../public/guest/', import.meta.url);
const readGuest = (file: string) => readFile(new URL(file, guestDir), 'utf8');

async function setup() {
  const lab = await Lab.create(await loadCoreNode());
  const host = new LabHost(
    lab,
    lab.engine,
    () => loadGuests(readGuest),
    () => loadCoreNode(),
  );
  const guests = await loadGuests(readGuest);
  const def = guests.find((g) => g.file === 'default.json')!.manifest!;
  return { lab, host, def };
}

const ctx = (over: Partial<RunContext> = {}): RunContext => ({
  progress: () => {},
  cancelled: () => false,
  yieldNow: () => Promise.resolve(),
  ...over,
});

async function value<T>(p: Promise<HostAnswer>): Promise<T> {
  const a = await p;
  if (!a.ok) throw new Error(`${a.error.kind}: ${a.error.message}`);
  return a.value as T;
}

async function scenario(id: string): Promise<Scenario> {
  const r = parseScenarioText(await readGuest(`scenarios/${id}.json`), `${id}.json`);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Boot, Snapshot, Restore n, Draw d as the app's buttons send them. */
async function journey(host: LabHost, def: Awaited<ReturnType<typeof setup>>['def'], seed: number) {
  const { vm } = await value<{ vm: number }>(host.handle('boot', { guest: def, opts: { seed } }, ctx()));
  const { snapshot } = await value<{ snapshot: number }>(
    host.handle('snapshot', { vm, type: 'full' }, ctx()),
  );
  const r = await value<RestoreView>(
    host.handle('restore', { snap: snapshot, count: 20, opts: { notifyDelayUs: 0 } }, ctx()),
  );
  return value<DrawView>(host.handle('draw', { vms: r.vms, draws: 6 }, ctx()));
}

describe('the lab session', () => {
  it('logs the buttons as executor actions; the link replays the same outputs on a fresh core', async () => {
    const { host, def } = await setup();
    // a first lineage, then Reset and a second one: the link's origin is past zero
    await journey(host, def, 3);
    await value(host.handle('reset', {}, ctx()));
    const draw = await journey(host, def, 99);
    const link = await value<LinkStateView>(host.handle('linkState', { scenario: null }, ctx()));
    expect(link.reason).toBeNull();
    const state = link.state!;
    expect(state.actions.map((a) => a.a)).toEqual([
      'boot',
      'snapshot',
      'set',
      'restore',
      'restore',
      'set',
      'draw',
    ]);
    expect(state.origin!.vm).toBeGreaterThan(0);
    const text = await encodeLabState(state);
    if (!text.ok) throw new Error(text.error.message);
    const back = await decodeLabState(text.value);
    if (!back.ok) throw new Error(back.error.message);

    const fresh = await setup();
    const opened = await value<OpenLinkView>(
      fresh.host.handle('openLink', { state: back.value, scenario: null }, ctx()),
    );
    expect(opened.exact).toBe(true);
    const again = opened.session.draw!;
    expect(again.vms).toEqual(draw.vms);
    expect(again.duplicates).toBe(draw.duplicates);
    expect(again.libraries.map((l) => l.outputs)).toEqual(draw.libraries.map((l) => l.outputs));
    expect(opened.session.resolved).toMatchObject({ seed: 99, clones: 20, draws: 6 });
  });

  it('a link that began after boots without snapshots replays the same bytes too', async () => {
    const { host, def } = await setup();
    for (let i = 0; i < 2; i++) {
      await value(host.handle('boot', { guest: def, opts: { seed: 8 } }, ctx()));
      await value(host.handle('reset', {}, ctx()));
    }
    const draw = await journey(host, def, 8);
    const link = await value<LinkStateView>(host.handle('linkState', { scenario: null }, ctx()));
    expect(link.state!.origin).toEqual({ vm: 2, snapshot: 0 });
    const fresh = await setup();
    const opened = await value<OpenLinkView>(
      fresh.host.handle('openLink', { state: link.state!, scenario: null }, ctx()),
    );
    expect(opened.exact).toBe(true);
    expect(opened.session.draw!.libraries.map((l) => l.outputs)).toEqual(
      draw.libraries.map((l) => l.outputs),
    );
  });

  it('a command a link cannot express still runs, and the link says why it is gone', async () => {
    const { host, def } = await setup();
    const draw = await journey(host, def, 5);
    await value(host.handle('destroy', { vm: draw.vms[0]! }, ctx()));
    const link = await value<LinkStateView>(host.handle('linkState', { scenario: null }, ctx()));
    expect(link.state).toBeNull();
    expect(link.reason).toMatch(/destroyed/);
    // per-process libraries have no link either; Reset and a plain Boot bring it back
    const changed = { ...def, processes: def.processes.map((p) => ({ ...p, library: 'rdrand' as const })) };
    await value(host.handle('reset', {}, ctx()));
    await value(host.handle('boot', { guest: changed, opts: { seed: 1 } }, ctx()));
    const l2 = await value<LinkStateView>(host.handle('linkState', { scenario: null }, ctx()));
    expect(l2.reason).toMatch(/library/);
    await value(host.handle('reset', {}, ctx()));
    await value(host.handle('boot', { guest: def, opts: { seed: 1 } }, ctx()));
    const l3 = await value<LinkStateView>(host.handle('linkState', { scenario: null }, ctx()));
    expect(l3.state!.actions).toEqual([{ a: 'boot' }]);
  });

  it('steps a scenario in place, rebuilds after a detour, and steps back by rebuilding', async () => {
    const { host } = await setup();
    const sc = await scenario('wipeonsuspend-alone');
    const step = (k: number, mode: 'next' | 'to') =>
      value<ScenarioStepView>(host.handle('scenarioStep', { scenario: sc, step: k, mode }, ctx()));
    const s0 = await step(0, 'next');
    expect(s0.ok).toBe(true);
    expect(s0.session.draw!.duplicates).toBeGreaterThan(0);
    const s1 = await step(1, 'next');
    expect(s1.rebuilt).toBe(false);
    expect(s1.secrets!.find((x) => x.name === 'db-password')!.inSnapshot).toBe(true);
    expect(s1.ok).toBe(true);
    // the speaker draws once more with the buttons: the next step rebuilds the scenario's own state
    await value(host.handle('draw', { vms: s1.session.drawing, draws: 3 }, ctx()));
    const s2 = await step(2, 'next');
    expect(s2.rebuilt).toBe(true);
    expect(s2.ok).toBe(true);
    expect(s2.checks.map((c) => c.claim)).toContain('wipeonsuspend: unique');
    const s3 = await step(3, 'next');
    expect(s3.ok).toBe(true);
    const back = await step(2, 'to');
    expect(back.session.draw!.libraries.find((l) => l.library === 'wipeonsuspend')!.duplicates).toBe(0);
    // the link of a step names it and rebuilds it, claims included
    const link = await value<LinkStateView>(
      host.handle('linkState', { scenario: { id: sc.id, step: 2 } }, ctx()),
    );
    const fresh = await setup();
    const opened = await value<OpenLinkView>(
      fresh.host.handle('openLink', { state: link.state!, scenario: sc }, ctx()),
    );
    expect(opened.step!.ok).toBe(true);
    expect(opened.step!.checks).toEqual(back.checks);
  });

  it('the matrix runs on the second core and leaves the lab alone', async () => {
    const { host, def, lab } = await setup();
    const draw = await journey(host, def, 5);
    const seen: number[] = [];
    const m = await value<Matrix>(
      host.handle(
        'matrix',
        { guest: 'default', clones: 3, draws: 8, seed: 1, delayUs: 40, memoryMiB: 16 },
        ctx({ progress: (d) => seen.push(d) }),
      ),
    );
    expect(m.columns.map((c) => c.id).slice(0, 3)).toEqual(['no-vmgenid', 'vmgenid', 'vmgenid-delay']);
    expect(seen.at(-1)).toBe(m.columns.length);
    const vdso = m.cells[m.rows.indexOf('vdso')]!;
    expect(vdso.slice(0, 3).map((c) => c.verdict)).toEqual(['dup', 'unique', 'dup until δ']);
    expect(lab.vms().map((v) => v.id)).toEqual(expect.arrayContaining(draw.vms));
    // and a cancel between columns stops it with a Cancelled error
    const a = await host.handle(
      'matrix',
      { guest: 'default', clones: 2, draws: 2, seed: 1, delayUs: 40, memoryMiB: 16 },
      ctx({ cancelled: () => true }),
    );
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.error.kind).toBe('Cancelled');
  });
});
