// DESIGN.md "Truth table v2", cell by cell, from real runs through the session the CLI uses
// (runExperiment = `uniqueness-lab run`). Each cell's verdict is RECOMPUTED here from the output
// lists themselves plus the entropy ledger's per-clone bits, independently of lab/verdict.ts, and
// the core's counters must agree with the recomputation. Kernel 6.1 unless a cell names another.
// The sources behind each cell are in docs/FIDELITY.md.

import { describe, expect, it } from 'vitest';
import { outputRows } from '../src/core/lab/draw';
import type { GuestManifest, LibraryDraw, LibraryId } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { runExperiment } from '../src/core/session/experiment';
import type { SettingsPatch } from '../src/core/settings/settings';
import type { Verdict } from '../src/core/settings/words';

/** A guest running one process per library; every kernel setting comes from the cell's patch. */
function guest(libraries: LibraryId[]): GuestManifest {
  return {
    name: 'truth-table',
    description: 'one process per library; the kernel comes from each cell',
    memoryMiB: 32,
    kernel: {
      version: '6.1',
      vmgenid: false,
      sysgenid: 'off',
      wipeOnSuspend: false,
      vdsoGetrandom: false,
      jitterEntropy: true,
      agentReseed: false,
      agentDelayUs: 0,
    },
    processes: libraries.map((library) => ({ name: library, library, consumer: 'uuid' as const })),
    secrets: [],
  };
}

/** Per draw: the same value in every clone; no value shared by two clones. */
function recompute(outputs: string[][]) {
  const draws = outputs[0]!.length;
  const where = new Map<string, Set<number>>();
  outputs.forEach((row, c) => row.forEach((v) => (where.get(v) ?? where.set(v, new Set()).get(v)!).add(c)));
  let duplicates = 0;
  outputs.forEach((row) => row.forEach((v) => (where.get(v)!.size > 1 ? duplicates++ : 0)));
  const allSame: boolean[] = [];
  const unique: boolean[] = [];
  for (let d = 0; d < draws; d++) {
    const column = outputs.map((row) => row[d]!);
    allSame.push(column.every((v) => v === column[0]));
    unique.push(column.every((v) => where.get(v)!.size === 1));
  }
  let firstUnique = draws;
  while (firstUnique > 0 && unique[firstUnique - 1]) firstUnique--;
  return { duplicates, allSame, unique, firstUnique };
}

/**
 * The verdict from the outputs and the ledger (DESIGN.md "Verdicts"): dup (same everywhere),
 * unique (distinct from the first draw with >= 128 unknown bits in every clone), dup-until
 * (same, then distinct with >= 128 bits), predictable (distinct values, fewer than 128 bits).
 */
function verdict(rep: LibraryDraw): Verdict | string {
  const r = recompute(outputRows(rep));
  expect(rep.duplicates, `${rep.library} duplicates`).toBe(r.duplicates);
  expect(rep.firstUniqueDraw, `${rep.library} first unique draw`).toBe(
    r.firstUnique < rep.draws ? r.firstUnique + 1 : null,
  );
  const enough = rep.freshEntropyBits.every((b) => b >= 128);
  let v: string;
  if (r.allSame.every(Boolean)) v = 'dup';
  else if (!enough && r.allSame.some((s) => !s)) v = 'predictable';
  else if (r.unique.every(Boolean)) v = 'unique';
  else {
    const k = r.firstUnique;
    v =
      k > 0 && r.allSame.slice(0, k).every(Boolean) && r.unique.slice(k).every(Boolean)
        ? 'dup-until'
        : `mixed: same ${r.allSame.map(Number).join('')} unique ${r.unique.map(Number).join('')}`;
  }
  if (!v.startsWith('mixed')) expect(rep.verdict, `${rep.library} verdict the lab reports`).toBe(v);
  return v;
}

const core = await loadCoreNode('release');

function run(libraries: LibraryId[], patch: SettingsPatch) {
  const r = runExperiment(core, guest(libraries), { clones: 4, draws: 16, seed: 11, ...patch });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The verdict of each library of one run. */
function verdicts(libraries: LibraryId[], patch: SettingsPatch): Record<string, string> {
  return Object.fromEntries(run(libraries, patch).draw.libraries.map((l) => [l.library, verdict(l)]));
}

describe('truth table v2: kernel rows', () => {
  it('naive (java.util.Random): dup on every CPU and every configuration', () => {
    for (const cpu of ['intel', 'amd', 'none'] as const)
      for (const vmgenid of [false, true]) {
        expect(verdicts(['naive'], { cpu, vmgenid, agent: vmgenid }).naive, `${cpu} vmgenid ${vmgenid}`).toBe(
          'dup',
        );
      }
  });

  it('getrandom and vdso on 6.11, no VMGenID, cpu none: draws close together are dup', () => {
    const v = verdicts(['getrandom', 'vdso'], { kernel: '6.11', vdso: true, cpu: 'none', drawIntervalUs: 5 });
    expect(v).toEqual({ getrandom: 'dup', vdso: 'dup' });
  });

  it('getrandom and vdso on 6.11, no VMGenID, cpu none: draws over > 60 s differ after the scheduled reseed, predictably', () => {
    // 20 draws 5 s apart = 100 s of guest time. The delayed-work reseed (9148de3196ed) makes the
    // clones differ, but only the cycle counter and ~1 bit per interrupt flush went in: fewer
    // than 128 unknown bits, so "predictable", not "unique"
    const r = run(['getrandom', 'vdso'], {
      kernel: '6.11',
      vdso: true,
      cpu: 'none',
      draws: 20,
      drawIntervalUs: 5_000_000,
    });
    for (const lib of r.draw.libraries) {
      expect(verdict(lib), lib.library).toBe('predictable');
      expect(lib.firstUniqueDraw, lib.library).toBeGreaterThan(1);
      expect(lib.freshEntropyBits.every((b) => b < 128)).toBe(true);
    }
    const events = r.session.lab.timeline(r.draw.vms[0]! as never);
    expect(events.ok && events.value.some((e) => e.kind === 'periodic-reseed')).toBe(true);
  });

  it('getrandom and vdso with VMGenID, δ = 0: unique (the notification reseeds before the first draw)', () => {
    for (const cpu of ['intel', 'none'] as const) {
      const r = run(['getrandom', 'vdso'], {
        kernel: '6.11',
        vdso: true,
        vmgenid: true,
        notifyDelayUs: 0,
        cpu,
      });
      for (const lib of r.draw.libraries) {
        expect(verdict(lib), `${lib.library} ${cpu}`).toBe('unique');
        expect(lib.endedBy).toBe('vmgenid-notify');
      }
    }
  });

  it('getrandom and vdso with VMGenID, δ > 0: dup-until the notification', () => {
    const r = run(['getrandom', 'vdso'], {
      kernel: '6.11',
      vdso: true,
      vmgenid: true,
      notifyDelayUs: 40,
      drawIntervalUs: 5,
      cpu: 'none',
    });
    for (const lib of r.draw.libraries) {
      expect(verdict(lib), lib.library).toBe('dup-until');
      const k = lib.firstUniqueDraw!;
      // the last duplicated draw started before the notification, the first unique one after it
      expect(k).toBeGreaterThan(1);
      expect((k - 2) * 5).toBeLessThan(40);
      expect(lib.endedBy).toBe('vmgenid-notify');
    }
  });

  it('rdrand: unique on intel and amd; refused on cpu none with one clear error', () => {
    expect(verdicts(['rdrand'], { cpu: 'intel' }).rdrand).toBe('unique');
    expect(verdicts(['rdrand'], { cpu: 'amd' }).rdrand).toBe('unique');
    const refused = runExperiment(core, guest(['rdrand']), { cpu: 'none' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/rdrand .*needs RDRAND.*cpu none/);
  });
});

describe('truth table v2: library rows', () => {
  it('boringssl on intel: unique from the first draw, whatever the kernel does (RDRAND in every call)', () => {
    for (const vmgenid of [false, true]) {
      const lib = run(['boringssl'], { cpu: 'intel', vmgenid }).draw.libraries[0]!;
      expect(verdict(lib)).toBe('unique');
      expect(lib.endedBy).toBe('rdrand');
    }
  });

  it('boringssl on cpu none without VMGenID, draws close together: dup', () => {
    expect(verdicts(['boringssl'], { cpu: 'none' }).boringssl).toBe('dup');
  });

  it('boringssl on amd (RDRAND, but not "fast"): dup like cpu none', () => {
    expect(verdicts(['boringssl'], { cpu: 'amd' }).boringssl).toBe('dup');
  });

  it('boringssl on cpu none with VMGenID δ = 0: dup-until its 4096-call reseed from getrandom, then unique', () => {
    const lib = run(['boringssl'], { cpu: 'none', vmgenid: true, notifyDelayUs: 0, clones: 3, draws: 4100 })
      .draw.libraries[0]!;
    expect(verdict(lib)).toBe('dup-until');
    // two calls before the snapshot (the warm-up at start and the init's last call at the
    // snapshot's uptime): calls 1..4094 after restore reuse the state; the check
    // `calls >= kReseedInterval` fires on the call whose counter reached 4096
    expect(lib.firstUniqueDraw).toBe(4095);
    expect(lib.endedBy).toBe('library-reseed');
  });

  it('openssl-1.1.1 without mitigation, on any CPU: predictable (distinct values, shared state)', () => {
    for (const cpu of ['intel', 'amd', 'none'] as const) {
      const lib = run(['openssl-1.1.1'], { cpu }).draw.libraries[0]!;
      expect(verdict(lib), cpu).toBe('predictable');
      expect(lib.freshEntropyBits).toEqual([0, 0, 0, 0]);
      expect(lib.perCallBits).toBeGreaterThan(0);
      expect(lib.perCallBits).toBeLessThan(32);
    }
  });

  it('openssl-1.1.1 without timing entropy: the timer is the same in every clone, so dup', () => {
    expect(verdicts(['openssl-1.1.1'], { timingEntropy: false })['openssl-1.1.1']).toBe('dup');
  });

  it('aws-lc on cpu none: unique with VMGenID δ = 0 and SysGenId bumped with the restore; dup without the bump', () => {
    // mainline's vmgenid driver reseeds the kernel; SysGenId v8's overseer (the restore agent)
    // bumps the counter, so AWS-LC reseeds from the reseeded kernel. (The v1-v7 backend that
    // bumped it from the VMGenID notification was a vmgenid driver of its own: the lab refuses
    // it beside mainline's.)
    const bumped = run(['aws-lc'], {
      cpu: 'none',
      vmgenid: true,
      notifyDelayUs: 0,
      sysgenid: true,
      sysgenidBump: 'overseer',
      agent: true,
      agentDelayUs: 0,
    }).draw.libraries[0]!;
    expect(verdict(bumped)).toBe('unique');
    expect(bumped.endedBy).toBe('sysgenid-bump');
    expect(verdicts(['aws-lc'], { cpu: 'none', vmgenid: true, notifyDelayUs: 0 })['aws-lc']).toBe('dup');
    const refused = runExperiment(core, guest(['aws-lc']), {
      vmgenid: true,
      sysgenid: true,
      sysgenidBump: 'vmgenid',
    });
    expect(refused.ok ? '' : refused.error.message).toMatch(
      /v1-v7 backend .* cannot bind beside the mainline vmgenid driver/,
    );
  });

  it('aws-lc-ube with /dev/sysgenid adds RDRAND to every (re)seed where the CPU has it', () => {
    // entropy_sources.c opt-out configuration: extra entropy = RDRAND/RNDR if present, else the OS
    const lib = run(['aws-lc-ube'], {
      cpu: 'intel',
      sysgenid: true,
      sysgenidBump: 'overseer',
      draws: 4100,
      clones: 3,
    }).draw.libraries[0]!;
    expect(verdict(lib)).toBe('dup-until');
    expect(lib.firstUniqueDraw).toBe(4095);
  });

  it('the old ids run their libraries: openssl-pid = openssl-1.1.1, wipeonfork = boringssl, sysgenid = aws-lc', () => {
    const r = runExperiment(core, guest(['naive']), {
      libraries: ['openssl-pid', 'wipeonfork', 'sysgenid'] as unknown as LibraryId[],
    });
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.value.draw.libraries.map((l) => l.library)).toEqual(['openssl-1.1.1', 'boringssl', 'aws-lc']);
  });
});
