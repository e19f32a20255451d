// The app's side of "predictable, shown" and of the real kernel's model: SessionHost's
// recoverOutputs (the openssl-1.1.1 attack of lab/predict.ts on the last draw) and predictReal
// (real/model.ts on the second core), through the worker protocol as the app calls them: the
// draw's bytes have been transferred to the app before the attack runs, the attack still finds
// every clone, and what it cannot attack it refuses in one sentence.

import { describe, expect, it } from 'vitest';
import { resolveSettings, type LabSettings, type SettingsPatch } from '../src/core/settings/settings';
import { LabClient } from '../src/ui/worker/client';
import type { Args, CommandMap, ResultOf } from '../src/ui/worker/protocol';
import { inProcessTransport } from '../src/ui/worker/serve';
import { newHost } from './ui-setup';

async function call<K extends keyof CommandMap>(
  client: LabClient,
  op: K,
  args: Args<K>,
): Promise<ResultOf<K>> {
  const r = await client.request(op, args, {});
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function lab(patch: SettingsPatch = {}) {
  const host = await newHost();
  const client = new LabClient(inProcessTransport(() => host));
  const settings: LabSettings = resolveSettings(host.catalog.get('default')!, {
    seed: 7,
    clones: 4,
    draws: 4,
    ...patch,
  });
  const run = await call(client, 'act', {
    settings,
    actions: [{ a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
    fresh: true,
  });
  expect(run.error).toBeNull();
  return { host, client, settings, draw: run.bundle.draw! };
}

describe('Recover outputs: the openssl-1.1.1 attack on the last draw', () => {
  it("recovers every clone's counter and its next output among 31 candidates, after the draw's bytes went to the app", async () => {
    const { host, client, draw } = await lab();
    const proc = draw.libraries.findIndex((l) => l.library === 'openssl-1.1.1');
    const lib = draw.libraries[proc]!;
    // the host's own copy of the outputs went to the app with the bundle
    expect(host.current.lastDraw!.libraries[proc]!.bytes.byteLength).toBe(0);
    expect(lib.verdict).toBe('predictable');
    expect(lib.duplicates).toBe(0); // the values differ: that is what makes them look safe
    const seen: Array<[number, number]> = [];
    const r = await client.request('recoverOutputs', { proc }, { onProgress: (d, t) => seen.push([d, t]) });
    if (!r.ok || !r.value.ok) throw new Error(JSON.stringify(r));
    const v = r.value.value;
    expect(v).toMatchObject({ proc, clones: 4, attacked: 4, distinctFirst: 4, cancelled: false });
    expect(v.perCallBits).toBeGreaterThan(0);
    expect(v.results.map((x) => x.vm)).toEqual(draw.vms);
    for (const [c, x] of v.results.entries()) {
      expect(x.searched).toBe(65551);
      expect(x.matches, `vm ${x.vm}`).toBe(1);
      expect(x.recoveredCounter).not.toBeNull();
      expect(x.nextCandidates).toBe(31);
      expect(x.nextRecovered, `vm ${x.vm}`).toBe(true);
      expect(x.ms).toBeGreaterThan(0);
      // the outputs are the ones the app shows (the app's copy of the bytes, its own formatting)
      const row = (d: number) =>
        Array.from(
          lib.bytes.subarray((c * lib.draws + d) * lib.width, (c * lib.draws + d + 1) * lib.width),
          (b) => b.toString(16).padStart(2, '0'),
        ).join('');
      expect(x.firstOutput).toBe(row(0));
      expect(x.nextOutput).toBe(row(1));
    }
    expect(new Set(v.results.map((x) => x.recoveredCounter)).size).toBe(4);
    expect(seen.at(-1)).toEqual([4, 4]);
  });

  it('refuses, in one sentence, a library that is not openssl-1.1.1', async () => {
    const { client, draw } = await lab();
    const proc = draw.libraries.findIndex((l) => l.library === 'naive');
    const r = await call(client, 'recoverOutputs', { proc });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error.message).toMatch(
      /^the attack searches OpenSSL 1\.1\.1's per-call timer; naive /,
    );
  });

  it('refuses a draw of one output per clone: there is no next output to recover', async () => {
    const { client, draw } = await lab({ draws: 1 });
    const proc = draw.libraries.findIndex((l) => l.library === 'openssl-1.1.1');
    const r = await call(client, 'recoverOutputs', { proc });
    expect(r.ok ? '' : r.error.message).toMatch(/needs two draws per clone .* this draw made 1$/);
  });

  it("refuses a second draw: the attack starts from the snapshot's state", async () => {
    const { client, settings, draw } = await lab();
    const again = await call(client, 'act', { settings, actions: [{ a: 'draw' }] });
    expect(again.error).toBeNull();
    const proc = draw.libraries.findIndex((l) => l.library === 'openssl-1.1.1');
    const r = await call(client, 'recoverOutputs', { proc });
    expect(r.ok ? '' : r.error.message).toMatch(/drew before this draw/);
  });

  it('refuses when there is no draw', async () => {
    const host = await newHost();
    const client = new LabClient(inProcessTransport(() => host));
    const r = await call(client, 'recoverOutputs', { proc: 0 });
    expect(r.ok ? '' : r.error.message).toMatch(/press Draw first/);
  });

  it('stops between clones when cancelled, keeping the clones it finished', async () => {
    const { host, draw } = await lab({ clones: 6 });
    const proc = draw.libraries.findIndex((l) => l.library === 'openssl-1.1.1');
    let done = 0;
    const r = await host.recoverOutputs(
      { proc },
      {
        progress: (d) => (done = d),
        cancelled: () => done >= 2,
        yieldNow: () => Promise.resolve(),
      },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.cancelled).toBe(true);
    expect(r.value.results).toHaveLength(2);
    expect(r.value.attacked).toBe(6);
  });
});

describe("the model's prediction for the real kernel, on the second core", () => {
  it('predicts the divergence of clones of a state saved at 60 s, leaving the lab as it was', async () => {
    const { client, settings } = await lab();
    const p = await call(client, 'predictReal', { uptimeS: 60, clones: 3, readIntervalS: 1, horizonS: 150 });
    if (!p.ok) throw new Error(p.error.message);
    expect(p.value.firstDistinctS).toBeGreaterThanOrEqual(55);
    expect(p.value.firstDistinctS).toBeLessThanOrEqual(61);
    expect(p.value.endedBy).toBe('periodic-reseed');
    const after = await call(client, 'act', { settings, actions: [] });
    expect(after.bundle.fleet.vms).toHaveLength(5);
    expect(after.bundle.session.log.map((a) => a.a)).toEqual(['boot', 'snapshot', 'restore', 'draw']);
  });

  it('refuses a read interval of 0 with the field named', async () => {
    const { client } = await lab();
    const p = await call(client, 'predictReal', { uptimeS: 60, clones: 3, readIntervalS: 0, horizonS: 10 });
    expect(p.ok ? null : p.error.field).toBe('model');
  });
});
