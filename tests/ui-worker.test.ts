// The worker layer: protocol + dispatch only. Each command calls the SessionHost method of the
// same name; answers cross the in-process transport exactly as they cross a worker boundary
// (structured clone, the bundle's typed arrays transferred). Through it: chunked restore with
// progress, a cancel keeping a consistent fleet, a refused restore leaving none, memory-map
// classes as the app receives them, errors as data, and the matrix on the second core.

import { describe, expect, it } from 'vitest';
import { SessionHost } from '../src/core/host/host';
import { PAGE_CLASSES } from '../src/core/lab/inspect';
import { resolveSettings, type LabSettings } from '../src/core/settings/settings';
import { LabClient } from '../src/ui/worker/client';
import { loadGuests } from '../src/ui/worker/guests';
import type { Args, CommandMap, ResultOf } from '../src/ui/worker/protocol';
import { dispatch, inProcessTransport, transferables } from '../src/ui/worker/serve';
import { chunks, newHost, readGuest } from './ui-setup';

async function setup() {
  const host = await newHost();
  const client = new LabClient(inProcessTransport(() => host));
  const def = host.catalog.get('default')!;
  return { host, client, def, settings: resolveSettings(def, { seed: 7, notifyDelayUs: 0 }) };
}

async function call<K extends keyof CommandMap>(
  client: LabClient,
  op: K,
  args: Args<K>,
): Promise<ResultOf<K>> {
  const r = await client.request(op, args);
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function bootAndSnapshot(client: LabClient, settings: LabSettings) {
  const a = await call(client, 'act', { settings, actions: [{ a: 'boot' }, { a: 'snapshot' }], fresh: true });
  expect(a.error).toBeNull();
  return a.bundle;
}

describe('the worker protocol', () => {
  it('names every SessionHost request, and dispatches each to the method of the same name', async () => {
    const host = await newHost();
    const seen: string[] = [];
    const spy = new Proxy(host, {
      get(t, k) {
        const v = Reflect.get(t, k, t) as unknown;
        if (typeof v !== 'function') return v;
        return (...a: unknown[]) => {
          seen.push(String(k));
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    }) as SessionHost;
    const ctx = chunks();
    const settings = resolveSettings(host.catalog.get('default')!);
    dispatch(spy, 'act', { settings, actions: [], fresh: true }, ctx);
    dispatch(spy, 'views', {}, ctx);
    dispatch(spy, 'pageInfo', { vm: 0, page: 0 }, ctx);
    dispatch(spy, 'exportSnapshot', { snap: 0 }, ctx);
    dispatch(spy, 'scanSecrets', { snap: 0 }, ctx);
    dispatch(spy, 'addFile', { bytes: new Uint8Array(4), name: 'x' }, ctx);
    dispatch(spy, 'setFrameLimit', { frames: 0 }, ctx);
    expect(seen).toEqual([
      'act',
      'views',
      'pageInfo',
      'exportSnapshot',
      'scanSecrets',
      'addFile',
      'setFrameLimit',
    ]);
    expect(() => dispatch(host, 'fly' as never, {}, ctx)).toThrow(/unknown command fly/);
  });

  it('lists every shipped guest with a valid manifest, default first', async () => {
    const guests = await loadGuests(readGuest);
    expect(guests[0]!.name).toBe('default');
    expect(guests.every((g) => g.manifest !== null && g.error === null)).toBe(true);
    const { client } = await setup();
    expect((await call(client, 'guests', {})).map((g) => g.name)).toEqual(guests.map((g) => g.name));
  });

  it("a draw's bytes and marks are transferred, not copied: the host hands its buffers over", async () => {
    const { host, client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    await call(client, 'restore', { settings, n: 3 });
    const drawn = host.act({ settings, actions: [{ a: 'draw', n: 4 }] });
    const lib = drawn.bundle.draw!.libraries[0]!;
    const list = transferables('act', drawn);
    expect(list).toContain(lib.bytes.buffer);
    expect(list).toContain(lib.groups.buffer);
    expect(list).toContain(drawn.bundle.maps.a!.classes.buffer);
    // through the transport: the app gets the arrays, the host's are detached
    const again = await call(client, 'act', { settings, actions: [{ a: 'draw', n: 4 }] });
    const got = again.bundle.draw!.libraries[0]!;
    expect(got.bytes).toBeInstanceOf(Uint8Array);
    expect(got.bytes.length).toBe(3 * 4 * got.width);
    expect(host.current.lastDraw!.libraries[0]!.bytes.byteLength).toBe(0);
    // and the host still answers from the counts it kept
    expect(host.current.lastDraw!.libraries[0]!.duplicates).toBe(got.duplicates);
  });

  it('restores in batches, reporting progress after each one', async () => {
    const { client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    const seen: Array<[number, number]> = [];
    const r = await client.request(
      'restore',
      { settings, n: 40 },
      { onProgress: (d, t) => seen.push([d, t]) },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.extra).toMatchObject({ requested: 40, cancelled: false });
    expect(r.value.extra.made).toHaveLength(40);
    expect(seen).toEqual([
      [0, 40],
      [16, 40],
      [32, 40],
      [40, 40],
    ]);
  });

  it('a cancelled restore keeps exactly the finished batches, all running and known to the lab', async () => {
    const { host, client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    let id = 0;
    const r = await client.request(
      'restore',
      { settings, n: 400 },
      { onStart: (i) => (id = i), onProgress: (d) => d >= 48 && client.cancel(id) },
    );
    if (!r.ok) throw new Error(r.error.message);
    const { extra, bundle } = r.value;
    expect(extra.cancelled).toBe(true);
    expect(extra.made.length % 16).toBe(0);
    expect(extra.made.length).toBeLessThan(400);
    const clones = host.lab.vms().filter((v) => v.origin === 'clone');
    expect(clones.map((v) => v.id as number)).toEqual(extra.made);
    expect(clones.every((v) => v.state === 'running')).toBe(true);
    expect(bundle.fleet.vms).toHaveLength(1 + extra.made.length);
    // the log holds exactly the kept batches, so the history replays them
    const restored = bundle.session.log.filter((a) => a.a === 'restore').reduce((n, a) => n + (a.n ?? 0), 0);
    expect(restored).toBe(extra.made.length);
    const d = await call(client, 'act', { settings, actions: [{ a: 'draw', n: 2 }] });
    expect(d.bundle.draw!.vms).toEqual(extra.made);
  });

  it('a restore that cannot fit is refused before its first batch, leaving the fleet as it was', async () => {
    const { host, client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    const used = () => host.lab.stats().guestFrames + host.lab.stats().metaFrames;
    const u0 = used();
    await call(client, 'restore', { settings, n: 16 });
    const perBatch = used() - u0;
    const before = host.lab.vms().length;
    expect(
      await call(client, 'setFrameLimit', { frames: used() + Math.floor(2.5 * perBatch) }),
    ).toBeGreaterThan(0);
    const seen: number[] = [];
    const r = await client.request('restore', { settings, n: 2000 }, { onProgress: (d) => seen.push(d) });
    if (!r.ok) throw new Error(r.error.message);
    expect(seen.some((d) => d > 0)).toBe(false);
    expect(r.value.error?.kind).toBe('OutOfGuestMemory');
    expect(r.value.extra.made).toEqual([]);
    expect(host.lab.vms()).toHaveLength(before);
    expect(r.value.bundle.fleet.vms).toHaveLength(before);
  });

  it('maps: clones share the snapshot, their RNG state pages hold identical bytes', async () => {
    const { client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    const b = (await call(client, 'restore', { settings, n: 2 })).bundle;
    const m = b.maps.a!;
    expect(m.vm).toBe(b.selection.vm);
    expect(m.compareWith).toBe(b.selection.compare);
    expect(m.pages).toBe(32768);
    expect(m.classes).toHaveLength(32768);
    expect(PAGE_CLASSES.reduce((s, c) => s + m.counts[c], 0)).toBe(32768);
    expect(m.counts.shared).toBeGreaterThan(0);
    expect(m.counts.private).toBe(0);
    const rng = m.special.filter((s) => s.kind === 'rng');
    expect(rng.length).toBeGreaterThan(0);
    expect(rng.every((s) => s.identical && (s.cls === 'shared' || s.cls === 'zero'))).toBe(true);
  });

  it('after a draw the RNG state pages of a clone are its own copies, still with the same bytes', async () => {
    const { client, settings: base } = await setup();
    // no per-clone timing entropy: both clones compute the same next state
    const settings = { ...base, timingEntropy: false };
    await bootAndSnapshot(client, settings);
    await call(client, 'restore', { settings, n: 2 });
    const m = (await call(client, 'act', { settings, actions: [{ a: 'draw', n: 4 }] })).bundle.maps.a!;
    const written = m.special.filter((s) => s.kind === 'rng' && s.cls === 'dirty');
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((s) => s.identical && !s.sameFrame)).toBe(true);
  });

  it('after writes, pages turn dirty; with MADV_WIPEONSUSPEND the flagged secret page is wiped', async () => {
    const { client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    const vm = (await call(client, 'restore', { settings, n: 1 })).bundle.selection.vm!;
    const t = await call(client, 'act', { settings, actions: [{ a: 'touch', vm, n: 10 }], sel: { vm } });
    expect(t.bundle.maps.a!.counts.dirty).toBeGreaterThanOrEqual(10);

    const wos = { ...settings, wipeOnSuspend: true };
    await bootAndSnapshot(client, wos);
    const b = (await call(client, 'restore', { settings: wos, n: 1 })).bundle;
    const m = b.maps.a!;
    expect(m.counts.wiped).toBeGreaterThan(0);
    const page = m.special.find((s) => s.cls === 'wiped')!.page;
    const info = await call(client, 'pageInfo', { vm: m.vm, page });
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.wiped).toBe(true);
    expect(info.value.hex).toMatch(/^0+$/);
  });

  it("answers bad input with the lab's own error and the lab as it is", async () => {
    const { host, client } = await setup();
    const settings = host.current.settings;
    const a = await call(client, 'act', { settings, actions: [{ a: 'snapshot', vm: 99 }] });
    expect(a.error).not.toBeNull();
    expect(a.bundle.fleet.vms).toEqual([]);
    expect(a.bundle.session.log).toEqual([]);
    const p = await call(client, 'pageInfo', { vm: 99, page: 0 });
    expect(p.ok).toBe(false);
  });

  it('the matrix runs on the second core and leaves the lab alone; a cancel stops it', async () => {
    const { host, client, settings } = await setup();
    await bootAndSnapshot(client, settings);
    const vms = host.lab.vms().map((v) => v.id);
    const seen: number[] = [];
    const args = { guest: 'default', clones: 3, draws: 8, seed: 1, delayUs: 40, memoryMiB: 16 };
    const m = await client.request('matrix', args, { onProgress: (d) => seen.push(d) });
    if (!m.ok || !m.value.ok) throw new Error('the matrix failed');
    const matrix = m.value.value;
    expect(matrix.columns.map((c) => c.id).slice(0, 3)).toEqual(['no-vmgenid', 'vmgenid', 'vmgenid-delay']);
    expect(seen.at(-1)).toBe(matrix.columns.length);
    const vdso = matrix.cells[matrix.rows.indexOf('vdso')]!;
    expect(vdso.slice(0, 3).map((c) => c.verdict)).toEqual(['dup', 'unique', 'dup-until']);
    expect(host.lab.vms().map((v) => v.id)).toEqual(vms);
    let id = 0;
    const c = await client.request('matrix', args, {
      onStart: (i) => (id = i),
      onProgress: () => client.cancel(id),
    });
    expect(c.ok && !c.value.ok && c.value.error.kind).toBe('Cancelled');
  });
});
