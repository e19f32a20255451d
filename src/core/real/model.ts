// The model's prediction for the real kernel's clones: the same setup run in the lab (Linux 6.1,
// no vmgenid driver, an Intel vCPU with RDRAND as v86 gives, the real state's uptime at the
// snapshot, 16-byte /dev/urandom reads at the same interval) and the first read at which the
// model's clones differ. Shown beside the real clones' own divergence: the difference is the
// point (see docs/FIDELITY.md "The real kernel").

import type { GuestManifest } from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import { runExperiment } from '../session/experiment';
import { err, ok, type Result } from '../types';
import type { ModelPrediction } from './prediction';

export { MODEL_VS_REAL_WHY, predictionWords, REAL_MODEL_SETUP, type ModelPrediction } from './prediction';

/** The guest the real kernel is: Debian's 6.1 with busybox, no uniqueness mechanism. */
export const REAL_MODEL_GUEST: GuestManifest = {
  name: 'real-kernel-model',
  description: 'The lab model of the real kernel: Linux 6.1, no vmgenid driver, an Intel vCPU with RDRAND.',
  memoryMiB: 32,
  kernel: {
    version: '6.1',
    generation: '6.1',
    cpu: 'intel',
    vmgenid: false,
    sysgenid: 'off',
    wipeOnSuspend: false,
    vdsoGetrandom: false,
    jitterEntropy: true,
    agentReseed: false,
    agentDelayUs: 0,
  },
  processes: [{ name: 'reader', library: 'getrandom', consumer: 'nonce' }],
  secrets: [],
  layout: { kernelPages: 8, heapPages: 8 },
};

/** Runs the model of `clones` real clones read every `readIntervalS` for `horizonS`. */
export function predictRealDivergence(
  core: CoreExports,
  o: {
    uptimeS: number;
    clones: number;
    readIntervalS: number;
    horizonS: number;
    seed?: number;
    /** The agent's reseed right after the restore (the CLI's --agent-reseed on). */
    agent?: boolean;
  },
): Result<ModelPrediction, string> {
  if (!(o.readIntervalS > 0) || !(o.horizonS > 0) || !(o.uptimeS >= 0))
    return err('the model needs a read interval and a horizon above 0 and an uptime of 0 or more');
  const draws = Math.min(100000, Math.max(1, Math.floor(o.horizonS / o.readIntervalS) + 1));
  const r = runExperiment(core, REAL_MODEL_GUEST, {
    clones: Math.max(2, o.clones),
    draws,
    drawIntervalUs: o.readIntervalS * 1e6,
    uptimeS: o.uptimeS,
    seed: o.seed ?? 1,
    ...(o.agent ? { agent: true, agentDelayUs: 0 } : {}),
  });
  if (!r.ok) return err(r.error.message);
  const lib = r.value.draw.libraries[0]!;
  const first = lib.firstUniqueDraw;
  return ok({
    uptimeS: o.uptimeS,
    clones: o.clones,
    readIntervalS: o.readIntervalS,
    firstDistinctS: first === null ? null : (first - 1) * o.readIntervalS,
    verdict: lib.verdict,
    endedBy: lib.endedBy,
    horizonS: o.horizonS,
    agent: o.agent ?? false,
  });
}
