// DESIGN.md's truth table, cell by cell, from real runs: every library x (no vmgenid driver,
// driver with δ = 0, driver with δ > 0). Each cell's verdict is recomputed from the output lists
// themselves, and the core's counters must agree with that recomputation.
import { describe, expect, it } from 'vitest';
import { outputRows } from '../src/core/lab/draw';
import { LIBRARY_IDS, type GuestManifest, type LibraryDraw, type LibraryId } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { runExperiment } from '../src/core/session/experiment';
import type { SettingsPatch } from '../src/core/settings/settings';

/** A guest whose kernel has every mitigation but the vmgenid driver, which each column sets. */
function guest(vmgenid: boolean): GuestManifest {
  return {
    name: 'truth-table',
    description: 'all mitigations available; vmgenid driver per column',
    memoryMiB: 32,
    kernel: {
      version: '6.11',
      vmgenid,
      sysgenid: 'vmgenid',
      wipeOnSuspend: true,
      vdsoGetrandom: true,
      jitterEntropy: false,
      agentReseed: false,
      agentDelayUs: 0,
    },
    processes: LIBRARY_IDS.map((library) => ({ name: library, library, consumer: 'uuid' as const })),
    secrets: [],
  };
}

/** Per draw: is the value the same in every clone, and is it unique across clones? */
function recompute(outputs: string[][]) {
  const clones = outputs.length;
  const draws = outputs[0]!.length;
  const where = new Map<string, Set<number>>();
  outputs.forEach((row, c) => row.forEach((v) => (where.get(v) ?? where.set(v, new Set()).get(v)!).add(c)));
  let duplicates = 0;
  const pairs = new Set<string>();
  for (const [, cs] of where) {
    if (cs.size < 2) continue;
    const list = [...cs];
    for (let a = 0; a < list.length; a++)
      for (let b = a + 1; b < list.length; b++) pairs.add(`${list[a]}-${list[b]}`);
  }
  const allSame: boolean[] = [];
  const unique: boolean[] = [];
  for (let d = 0; d < draws; d++) {
    const column = outputs.map((row) => row[d]!);
    allSame.push(column.every((v) => v === column[0]));
    unique.push(column.every((v) => where.get(v)!.size === 1));
  }
  outputs.forEach((row) => row.forEach((v) => (where.get(v)!.size > 1 ? duplicates++ : 0)));
  let firstUnique = draws;
  while (firstUnique > 0 && unique[firstUnique - 1]) firstUnique--;
  return { duplicates, collidingPairs: pairs.size, allSame, unique, firstUnique, clones };
}

type Verdict = 'dup' | 'unique' | 'dup-until';

function verdict(rep: LibraryDraw): Verdict | string {
  const r = recompute(outputRows(rep));
  // the core's counters must equal what the output lists say (first unique draw is 1-based)
  expect(rep.duplicates, `${rep.library} duplicates`).toBe(r.duplicates);
  expect(rep.collidingPairs, `${rep.library} colliding pairs`).toBe(r.collidingPairs);
  expect(rep.firstUniqueDraw, `${rep.library} first unique draw`).toBe(
    r.firstUnique < rep.draws ? r.firstUnique + 1 : null,
  );
  let v: string;
  if (r.allSame.every(Boolean)) v = 'dup';
  else if (r.unique.every(Boolean)) v = 'unique';
  else {
    const k = r.firstUnique;
    v =
      k > 0 && r.allSame.slice(0, k).every(Boolean) && r.unique.slice(k).every(Boolean)
        ? 'dup-until'
        : `mixed: same ${r.allSame.map(Number).join('')} unique ${r.unique.map(Number).join('')}`;
  }
  // the verdict the lab reports is the one the outputs give
  if (!v.startsWith('mixed')) expect(rep.verdict, `${rep.library} verdict`).toBe(v);
  return v;
}

function run(g: GuestManifest, patch: SettingsPatch, core: Parameters<typeof runExperiment>[0]) {
  const r = runExperiment(core, g, patch);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const TABLE: Record<LibraryId, [Verdict, Verdict, Verdict]> = {
  naive: ['dup', 'dup', 'dup'],
  'openssl-pid': ['dup', 'dup', 'dup'],
  wipeonfork: ['dup', 'dup', 'dup'],
  wipeonsuspend: ['dup', 'unique', 'dup'],
  sysgenid: ['dup', 'unique', 'dup-until'],
  vdso: ['dup', 'unique', 'dup-until'],
  getrandom: ['dup', 'unique', 'dup-until'],
  rdrand: ['unique', 'unique', 'unique'],
};

const COLUMNS = [
  { name: 'no vmgenid driver', vmgenid: false, delayUs: 0 },
  { name: 'vmgenid driver, δ = 0', vmgenid: true, delayUs: 0 },
  { name: 'vmgenid driver, δ = 40 µs', vmgenid: true, delayUs: 40 },
] as const;

describe('the truth table emerges from bytes', async () => {
  const core = await loadCoreNode('release');
  for (const [col, c] of COLUMNS.entries()) {
    it(`column "${c.name}": every library behaves as DESIGN.md says`, async () => {
      const r = run(
        guest(c.vmgenid),
        { clones: 4, draws: 16, notifyDelayUs: c.delayUs, drawIntervalUs: 5, snapshot: 'full', seed: 11 },
        core,
      );
      const got = Object.fromEntries(r.draw.libraries.map((l) => [l.library, verdict(l)]));
      const want = Object.fromEntries(LIBRARY_IDS.map((l) => [l, TABLE[l][col]]));
      expect(got).toEqual(want);
      if (c.delayUs > 0) {
        // "dup-until": the last duplicated draw started before the notification, the first unique one after
        const vdso = r.draw.libraries.find((l) => l.library === 'vdso')!;
        const k = vdso.firstUniqueDraw!;
        expect(k).toBeGreaterThan(1);
        expect(k).toBeLessThanOrEqual(16);
        expect((k - 2) * 5).toBeLessThan(c.delayUs);
      }
    });
  }

  it('wipeonsuspend reseeds from an identical kernel when the kernel lacks the vmgenid driver, and stays duplicated', async () => {
    const r = run(
      guest(false),
      { libraries: ['wipeonsuspend'], clones: 3, draws: 8, notifyDelayUs: 0, snapshot: 'full', seed: 3 },
      core,
    );
    const lib = r.draw.libraries[0]!;
    expect(lib.reseeds).toBe(3); // each clone saw its wiped state and reseeded...
    expect(verdict(lib)).toBe('dup'); // ...from the same kernel CRNG
  });

  it('openssl-pid stays duplicated until its 2^16-call reseed, then is unique once the kernel was reseeded', async () => {
    const cfg: SettingsPatch = {
      libraries: ['openssl-pid'] as LibraryId[],
      clones: 2,
      draws: 65540,
      notifyDelayUs: 0,
      snapshot: 'full',
      seed: 5,
    };
    const a = run(guest(true), cfg, core).draw.libraries[0]!;
    const without = run(guest(false), cfg, core).draw.libraries[0]!;
    // one warm-up call at init, then draw k (1-based) is call k + 1: the reseed check fires at call 65536
    expect(a.firstUniqueDraw).toBe(65535 + 1);
    expect(verdict(a)).toBe('dup-until');
    expect(verdict(without)).toBe('dup');
  });
});
