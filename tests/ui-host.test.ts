// The worker's LabHost, driven in Node over the real wasm core: chunked restore with progress,
// cancel keeping a consistent fleet, failure leaving none, memory-map classes and duplicate
// marks that agree with the core.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import type { GuestManifest } from '../src/core/lab/types';
import { loadGuests } from '../src/ui/worker/guests';
import { LabHost, RESTORE_BATCH, type HostAnswer, type RunContext } from '../src/ui/worker/host';
import { PAGE_CLASSES, type DrawView, type MemoryMapView, type RestoreView } from '../src/ui/worker/protocol';

const guestDir = new URL('../public/guest/', import.meta.url);
const readGuest = (file: string) => readFile(new URL(file, guestDir), 'utf8');

async function setup() {
  const lab = await Lab.create(await loadCoreNode());
  const host = new LabHost(lab, lab.engine, () => loadGuests(readGuest));
  const guests = await loadGuests(readGuest);
  const def = guests.find((g) => g.file === 'default.json')!.manifest!;
  return { lab, host, def };
}

function ctx(over: Partial<RunContext> = {}): RunContext & { seen: Array<[number, number]> } {
  const seen: Array<[number, number]> = [];
  return {
    seen,
    progress: (d, t) => seen.push([d, t]),
    cancelled: () => false,
    yieldNow: () => Promise.resolve(),
    ...over,
  };
}

function value<T>(a: HostAnswer): T {
  if (!a.ok) throw new Error(`${a.error.kind}: ${a.error.message}`);
  return a.value as T;
}

async function bootAndSnapshot(host: LabHost, guest: GuestManifest) {
  const { vm } = value<{ vm: number }>(await host.handle('boot', { guest, opts: { seed: 7 } }, ctx()));
  const { snapshot } = value<{ snapshot: number }>(
    await host.handle('snapshot', { vm, type: 'full' }, ctx()),
  );
  return { vm, snapshot };
}

describe('LabHost', () => {
  it('lists every shipped guest with a valid manifest, default first', async () => {
    const guests = await loadGuests(readGuest);
    expect(guests[0]!.file).toBe('default.json');
    expect(guests.every((g) => g.manifest !== null && g.error === null)).toBe(true);
  });

  it('restores in batches, reporting progress after each one', async () => {
    const { host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    const c = ctx();
    const r = value<RestoreView>(
      await host.handle('restore', { snap: snapshot, count: 40, opts: { notifyDelayUs: 0 } }, c),
    );
    expect(r).toMatchObject({ requested: 40, cancelled: false });
    expect(r.vms).toHaveLength(40);
    expect(c.seen).toEqual([
      [0, 40],
      [16, 40],
      [32, 40],
      [40, 40],
    ]);
  });

  it('a cancelled restore keeps exactly the finished batches, all running and known to the lab', async () => {
    const { lab, host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    let batches = 0;
    const c = ctx({
      progress: (d) => (batches = d / RESTORE_BATCH),
      cancelled: () => batches >= 3,
    });
    const answer = await host.handle(
      'restore',
      { snap: snapshot, count: 100, opts: { notifyDelayUs: 0 } },
      c,
    );
    const r = value<RestoreView>(answer);
    expect(r.cancelled).toBe(true);
    expect(r.vms).toHaveLength(3 * RESTORE_BATCH);
    const clones = lab.vms().filter((v) => v.origin === 'clone');
    expect(clones.map((v) => v.id as number)).toEqual(r.vms);
    expect(clones.every((v) => v.state === 'running')).toBe(true);
    expect(answer.fleet!.vms).toHaveLength(1 + r.vms.length);
    // the kept fleet is usable: every kept clone draws
    const d = value<DrawView>(await host.handle('draw', { vms: r.vms, draws: 2 }, ctx()));
    expect(d.vms).toEqual(r.vms);
  });

  it('a restore that cannot fit is refused before its first batch, leaving the fleet as it was', async () => {
    const { lab, host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    // measure what one batch costs, then leave room for two and a half more
    const used = () => lab.stats().guestFrames + lab.stats().metaFrames;
    const u0 = used();
    const probe = lab.restore(snapshot as never, RESTORE_BATCH, { notifyDelayUs: 0 });
    if (!probe.ok) throw new Error(probe.error.message);
    const perBatch = used() - u0;
    const before = lab.vms().length;
    lab.engine.setFrameLimit(used() + Math.floor(2.5 * perBatch));
    const c = ctx();
    const answer = await host.handle(
      'restore',
      { snap: snapshot, count: 2000, opts: { notifyDelayUs: 0 } },
      c,
    );
    expect(c.seen.some(([done]) => done > 0)).toBe(false); // refused before any batch was made
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.kind).toBe('OutOfGuestMemory');
    expect(lab.vms()).toHaveLength(before);
    expect(answer.fleet!.vms).toHaveLength(before);
  });

  it('marks exactly the outputs the core counts as duplicates', async () => {
    const { host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    const r = value<RestoreView>(
      await host.handle('restore', { snap: snapshot, count: 4, opts: { notifyDelayUs: 0 } }, ctx()),
    );
    const d = value<DrawView>(await host.handle('draw', { vms: r.vms, draws: 16 }, ctx()));
    expect(d.duplicates).toBeGreaterThan(0);
    for (const lib of d.libraries) {
      expect(lib.marked).toBe(lib.duplicates);
      expect(lib.groups).toBeInstanceOf(Int32Array);
      // equal marks <=> equal values
      for (let i = 0; i < lib.groups.length; i++)
        for (let j = 0; j < lib.groups.length; j++) {
          const gi = lib.groups[i]!;
          const gj = lib.groups[j]!;
          if (gi < 0 || gj < 0) continue;
          const vi = lib.outputs[Math.floor(i / 16)]![i % 16];
          const vj = lib.outputs[Math.floor(j / 16)]![j % 16];
          expect(gi === gj).toBe(vi === vj);
        }
      expect(lib.pairs).toHaveLength(16);
    }
    expect(d.duplicates).toBe(d.libraries.reduce((s, l) => s + l.duplicates, 0));
  });

  it('classifies pages: clones share the snapshot, their RNG state pages hold identical bytes', async () => {
    const { host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    const [a, b] = value<RestoreView>(
      await host.handle('restore', { snap: snapshot, count: 2, opts: { notifyDelayUs: 0 } }, ctx()),
    ).vms as [number, number];
    const m = value<MemoryMapView>(await host.handle('memoryMap', { vm: a, compareWith: b }, ctx()));
    expect(m.pages).toBe(32768);
    expect(m.classes).toHaveLength(32768);
    const total = PAGE_CLASSES.reduce((s, c) => s + m.counts[c], 0);
    expect(total).toBe(32768);
    expect(m.counts.shared).toBeGreaterThan(0);
    expect(m.counts.private).toBe(0);
    expect(m.marks.rng).toBeGreaterThan(0);
    const rng = m.special.filter((s) => s.kind === 'rng');
    expect(rng.length).toBeGreaterThan(0);
    expect(rng.every((s) => s.identical && (s.cls === 'shared' || s.cls === 'zero'))).toBe(true);
    expect(rng.some((s) => s.cls === 'shared')).toBe(true);
  });

  it('after a draw the RNG state pages of a clone are its own copies, still with the same bytes', async () => {
    const { host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    const vms = value<RestoreView>(
      await host.handle('restore', { snap: snapshot, count: 2, opts: { notifyDelayUs: 0 } }, ctx()),
    ).vms;
    value(await host.handle('draw', { vms, draws: 4 }, ctx()));
    const m = value<MemoryMapView>(
      await host.handle('memoryMap', { vm: vms[0]!, compareWith: vms[1]! }, ctx()),
    );
    const written = m.special.filter((s) => s.kind === 'rng' && s.cls === 'dirty');
    expect(written.length).toBeGreaterThan(0);
    // no mitigation: both clones computed the same next state, byte for byte, in frames of their own
    expect(written.every((s) => s.identical && !s.sameFrame)).toBe(true);
  });

  it('after writes, pages turn private and dirty', async () => {
    const { host, def } = await setup();
    const { snapshot } = await bootAndSnapshot(host, def);
    const [a] = value<RestoreView>(
      await host.handle('restore', { snap: snapshot, count: 1, opts: { notifyDelayUs: 0 } }, ctx()),
    ).vms as [number];
    value(await host.handle('touch', { vm: a, count: 10 }, ctx()));
    const m = value<MemoryMapView>(await host.handle('memoryMap', { vm: a, compareWith: null }, ctx()));
    expect(m.counts.dirty).toBeGreaterThanOrEqual(10);
  });

  it('with MADV_WIPEONSUSPEND support, the flagged secret page is wiped in every clone', async () => {
    const { host, def } = await setup();
    const guest = { ...def, kernel: { ...def.kernel, wipeOnSuspend: true } };
    const { snapshot } = await bootAndSnapshot(host, guest);
    const [a] = value<RestoreView>(
      await host.handle('restore', { snap: snapshot, count: 1, opts: { notifyDelayUs: 0 } }, ctx()),
    ).vms as [number];
    const m = value<MemoryMapView>(await host.handle('memoryMap', { vm: a, compareWith: null }, ctx()));
    expect(m.counts.wiped).toBeGreaterThan(0);
    const wiped = m.special.find((s) => s.cls === 'wiped')!;
    const info = value<{ wiped: boolean; hex: string }>(
      await host.handle('pageInfo', { vm: a, page: wiped.page }, ctx()),
    );
    expect(info.wiped).toBe(true);
    expect(info.hex).toMatch(/^0+$/);
  });

  it("answers bad input with the lab's error and no fleet change", async () => {
    const { host } = await setup();
    const a = await host.handle('snapshot', { vm: 99, type: 'full' }, ctx());
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.error.kind).toBe('UnknownVm');
    expect(a.fleet!.vms).toEqual([]);
  });
});
