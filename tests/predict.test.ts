// OpenSSL 1.1.1 clones are "predictable": the attack recomputes each clone's outputs from the
// snapshot's bytes and a bounded search over the cycle counter's unknown bits (lab/predict.ts).
// If the model's per-call additional data or DRBG drifted from rand_unix.c / SP 800-90A, the
// search would find nothing; if clones carried more unknown bits, the window would miss them.

import { describe, expect, it } from 'vitest';
import { predictOpenssl, FIRST_CALL_WINDOW } from '../src/core/lab/predict';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { runExperiment } from '../src/core/session/experiment';
import { snapshotId, vmId } from '../src/core/types';
import { smallGuest } from './helpers';

const core = await loadCoreNode('release');

function openssl(consumer: 'uuid' | 'nonce', patch = {}) {
  const g: GuestManifest = { ...smallGuest('predict', { jitterEntropy: true }, ['openssl-1.1.1'], consumer) };
  const r = runExperiment(core, g, { clones: 4, draws: 3, seed: 7, ...patch });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('the openssl-1.1.1 attack', () => {
  for (const consumer of ['nonce', 'uuid'] as const)
    it(`recovers every clone's first ${consumer} by searching ${FIRST_CALL_WINDOW} counters, then its next one among 31`, () => {
      const x = openssl(consumer);
      const lib = x.draw.libraries[0]!;
      expect(lib.verdict).toBe('predictable');
      const snap = snapshotId(x.session.latestSnapshot()!);
      const p = predictOpenssl(x.session.lab.engine, snap, x.draw.vms.map(vmId), 0, lib);
      if (!p.ok) throw new Error(p.error.message);
      expect(p.value).toHaveLength(4);
      const counters = new Set<number>();
      for (const c of p.value) {
        expect(c.matches, `vm ${c.vm}`).toBe(1);
        expect(c.recoveredCounter).not.toBeNull();
        counters.add(c.recoveredCounter!);
        expect(c.nextCandidates).toBe(31);
        expect(c.nextRecovered, `vm ${c.vm}`).toBe(true);
        expect(c.unknownBits).toBeLessThan(17);
      }
      expect(counters.size).toBe(4); // each clone had its own counter: that is why the values differ
    });

  it('finds nothing for a library with a fresh seed: boringssl on intel mixes RDRAND into every call', () => {
    const g: GuestManifest = smallGuest('predict', { jitterEntropy: true }, ['boringssl'], 'nonce');
    const r = runExperiment(core, g, { clones: 2, draws: 2, seed: 7, cpu: 'intel' });
    if (!r.ok) throw new Error(r.error.message);
    const lib = r.value.draw.libraries[0]!;
    const p = predictOpenssl(
      r.value.session.lab.engine,
      snapshotId(r.value.session.latestSnapshot()!),
      r.value.draw.vms.map(vmId),
      0,
      lib,
    );
    expect(p.ok).toBe(false);
  });

  it('refuses a draw of one output per clone: there is no next output to recover', () => {
    const x = openssl('nonce', { draws: 1 });
    const p = predictOpenssl(
      x.session.lab.engine,
      snapshotId(x.session.latestSnapshot()!),
      x.draw.vms.map(vmId),
      0,
      x.draw.libraries[0]!,
    );
    expect(p.ok ? '' : p.error.message).toMatch(/two draws/);
  });
});
