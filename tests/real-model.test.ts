// The model's prediction for the real kernel (src/core/real/model.ts): Linux 6.1 reseeds on
// demand once the key is older than max(1 s, uptime/2) (random.c crng_has_old_seed), and the
// saved state's last request came at its uptime, so clones stay identical for about the uptime
// again. The real 6.1.192 kernel in v86 measured 19.5-21.3 s for a 20 s snapshot and 56-60 s for
// a 60 s one (README "A real kernel").

import { describe, expect, it } from 'vitest';
import { loadCoreNode } from '../src/core/load/node';
import { predictRealDivergence } from '../src/core/real/model';

const core = await loadCoreNode('release');

describe("the model's prediction for the real kernel", () => {
  for (const [uptimeS, lo, hi] of [
    [20, 19, 22],
    [60, 55, 61],
  ] as const)
    it(`a state saved at ${uptimeS} s of uptime: clones identical for ${lo}-${hi} s, then distinct after a scheduled reseed`, () => {
      const p = predictRealDivergence(core, { uptimeS, clones: 3, readIntervalS: 1, horizonS: 150 });
      if (!p.ok) throw new Error(p.error);
      expect(p.value.firstDistinctS).toBeGreaterThanOrEqual(lo);
      expect(p.value.firstDistinctS).toBeLessThanOrEqual(hi);
      expect(p.value.verdict).toBe('dup-until');
      expect(p.value.endedBy).toBe('periodic-reseed');
    });

  it('refuses a read interval of 0', () => {
    expect(predictRealDivergence(core, { uptimeS: 60, clones: 3, readIntervalS: 0, horizonS: 10 }).ok).toBe(
      false,
    );
  });
});
