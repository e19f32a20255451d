// A fleet or a draw that would not fit is refused before it starts, with the figure (lab/fit.ts):
// in the CLI (exit 2, one line), from a link and from a saved settings file, in the app (its
// notice), and for restores that add up. Nothing of a refused action is made.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/core/cli/main';
import { APP_BUDGET } from '../src/core/host/host';
import { checkDraw, type CoreMemory } from '../src/core/lab/fit';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { shippedGuestsNode } from '../src/core/manifest/load-node';
import { encodeLabState, LAB_STATE_VERSION } from '../src/core/permalink';
import type { Action } from '../src/core/session/actions';
import { catalogOf, Session, type GuestCatalog } from '../src/core/session/session';
import { resolveSettings } from '../src/core/settings/settings';
import { unwrap } from '../src/core/types';
import { chunks, newHost, newStore } from './ui-setup';

let catalog: GuestCatalog;

beforeAll(async () => {
  catalog = catalogOf(unwrap(await shippedGuestsNode()));
});

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** The one line a refused run prints: the figure it would need and the most there is. */
function expectRefusal(r: { code: number; out: string; err: string }, needle: RegExp) {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(needle);
}

const tooBig = { clones: 10_000, draws: 100_000 };

describe('the CLI refuses a run that would not fit, before it starts', () => {
  it('from its flags: 10,000 clones x 100,000 draws would need 55.9 GiB of outputs', async () => {
    const r = await cli(['run', '--json', '--clones', '10000', '--draws', '100000']);
    expectRefusal(r, /would need 55\.9 GiB for outputs \(10,000 x 100,000 x 60 bytes\).*at most 4\.0 GiB/);
    expect(r.err).toMatch(/^uniqueness-lab: action 3 of 4, restore: a draw of 100,000 from 10,000 clones/);
  });

  it('from a link, before replaying any of it', async () => {
    const settings = resolveSettings(catalog.get('default')!, tooBig);
    const actions: Action[] = [{ a: 'boot' }, { a: 'snapshot', t: 'full' }, { a: 'restore' }, { a: 'draw' }];
    const link = unwrap(await encodeLabState({ v: LAB_STATE_VERSION, settings, actions }));
    const r = await cli(['run', '--link', `http://127.0.0.1:5173/#s=${link}`]);
    expectRefusal(r, /--link: the link could not be replayed: .*would need 55\.9 GiB for outputs/);
  });

  it('from a saved settings file whose draw asks for more than its restore did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ul-fit-'));
    const file = join(dir, 'run.json');
    const settings = resolveSettings(catalog.get('default')!, { clones: 10_000, draws: 16 });
    const actions: Action[] = [
      { a: 'boot' },
      { a: 'snapshot', t: 'full' },
      { a: 'restore' },
      { a: 'draw', n: 100_000 },
    ];
    writeFileSync(file, JSON.stringify({ settings, actions }));
    const r = await cli(['run', '--settings', file]);
    expectRefusal(
      r,
      /action 4 of 4, draw: a draw of 100,000 from 10,000 clones would need 55\.9 GiB for outputs/,
    );
  });
});

describe('the lab checks every restore and draw against its budget', () => {
  /** A session over a lab whose host may hold `mib` MiB. */
  async function small(mib: number) {
    const lab = new Lab(await loadCoreNode('release'));
    lab.budget = { hostBytes: mib * 2 ** 20, resultCopies: 1, hostSource: 'a test budget' };
    const s = unwrap(Session.open(lab, catalog, { guest: 'default', clones: 200, draws: 1000 }));
    unwrap(s.applyAll([{ a: 'boot' }, { a: 'snapshot', t: 'full' }]));
    return { lab, s };
  }

  it('restores that add up count: the second of two fitting restores is refused, and makes nothing', async () => {
    const { lab, s } = await small(50);
    unwrap(s.apply({ a: 'restore' }));
    const before = lab.vms().length;
    const r = s.apply({ a: 'restore' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.cause?.kind).toBe('DoesNotFit');
    expect(r.error.message).toMatch(
      /^restore: a draw of 1,000 from 400 clones would need 22\.9 MiB for outputs \(400 x 1,000 x 60 bytes\) and .* more .*; at most 50\.0 MiB \(a test budget\)$/,
    );
    expect(lab.vms()).toHaveLength(before);
    expect(s.lineage.clones).toHaveLength(200);
  });

  it('a draw longer than the fleet was checked for is refused; the last draw stays', async () => {
    const { s } = await small(50);
    unwrap(s.apply({ a: 'restore' }));
    const first = unwrap(s.apply({ a: 'draw', n: 10 })).draw;
    const r = s.apply({ a: 'draw', n: 20_000 });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.message).toMatch(
        /^draw: a draw of 20,000 from 200 clones would need 229 MiB for outputs/,
      );
    expect(s.lastDraw).toBe(first);
    expect(s.log.filter((a) => a.a === 'draw')).toHaveLength(1);
  });

  it('counts the copies a host keeps and the wasm memory its clones will take', () => {
    const core: CoreMemory = {
      stats: {
        guestFrames: 0,
        metaFrames: 0,
        poolFrames: 0,
        freeFrames: 0,
        wasmMemoryBytes: 64 << 20,
        frameLimit: 2 ** 20,
      },
      poolBase: 8 << 20,
      guestOpFrames: (procs) => 2 * (6 + procs),
    };
    const plan = { clones: 4096, draws: 1000, sizes: [16, 12, 32], copyFrames: 4096 * 10 };
    const one = checkDraw(plan, core, { ...APP_BUDGET, resultCopies: 1 });
    const two = checkDraw(plan, core, APP_BUDGET);
    expect(one.ok && two.ok).toBe(true);
    const bigger = { ...plan, clones: 10_000, draws: 1200, copyFrames: 10_000 * 10 };
    expect(checkDraw(bigger, core, { ...APP_BUDGET, resultCopies: 1 }).ok).toBe(true);
    const big = checkDraw(bigger, core, APP_BUDGET);
    expect(big.ok).toBe(false);
    if (big.ok) return;
    const n = 10_000 * 1200;
    const outputs = n * 60;
    const marks = 3 * n * 4;
    const work = n * 17 + 10_000 ** 2 / 8;
    const wasm = (8 << 20) + (10_000 * 10 + 18) * 4096; // each clone copies 10 frames; 18 reserved
    expect(big.error).toMatchObject({
      kind: 'DoesNotFit',
      resource: 'host',
      needBytes: wasm + 2 * (outputs + marks) + work,
      limitBytes: 2 * 2 ** 30,
    });
    expect(big.error.message).toMatch(
      /^a draw of 1,200 from 10,000 clones would need 1\.3 GiB for outputs \(10,000 x 1,200 x 60 bytes, 2 copies\) and 880 MiB more \(marks, work arrays, wasm memory, the last draw\); at most 2\.0 GiB \(the app's memory for one tab\)$/,
    );
  });
});

describe('the app refuses with the figure', () => {
  it('a Restore whose fleet could not draw its Draws: the notice says what it would need; no clone is made', async () => {
    const store = await newStore();
    await store.getState().boot();
    await store.getState().snapshot();
    store.getState().setSetting('clones', 300);
    store.getState().setSetting('draws', 100_000);
    await store.getState().restore();
    const s = store.getState();
    expect(s.notice?.tone).toBe('error');
    expect(s.notice?.text).toMatch(
      /would need 3\.4 GiB for outputs \(300 x 100,000 x 60 bytes, 2 copies\) and .* more .*; at most 2\.0 GiB \(the app's memory for one tab\)/,
    );
    expect(s.vms.filter((v) => v.origin === 'clone')).toHaveLength(0);
  });

  it('a Draw that would not fit: refused, the last draw stays', async () => {
    const store = await newStore();
    await store.getState().boot();
    await store.getState().snapshot();
    store.getState().setSetting('clones', 300);
    await store.getState().restore();
    await store.getState().draw();
    const last = store.getState().lastDraw;
    expect(last?.vms).toHaveLength(300);
    store.getState().setSetting('draws', 100_000);
    await store.getState().draw();
    const s = store.getState();
    expect(s.notice?.text).toMatch(/would need 3\.4 GiB for outputs .*; at most 2\.0 GiB/);
    expect(s.lastDraw?.draws).toBe(last?.draws);
  });

  it('a saved session or link is refused before anything is replayed; the lab is an empty session', async () => {
    const host = await newHost();
    const settings = resolveSettings(catalog.get('default')!, { clones: 300, draws: 16 });
    const actions: Action[] = [
      { a: 'boot' },
      { a: 'snapshot', t: 'full' },
      { a: 'restore' },
      { a: 'draw', n: 100_000 },
    ];
    const ctx = chunks();
    const answer = await host.replay({ history: { settings, actions } }, ctx);
    expect(answer.error?.message).toMatch(
      /^action 4 of 4 could not be replayed: draw: a draw of 100,000 from 300 clones would need 3\.4 GiB for outputs/,
    );
    expect(ctx.seen).toEqual([]); // refused before the first action
    expect(answer.bundle.fleet.vms).toEqual([]);
    expect(answer.bundle.session.log).toEqual([]);
  });
});
