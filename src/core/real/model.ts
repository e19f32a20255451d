// The model's prediction for the real kernel's clones: the same setup run in the lab (Linux 6.1,
// no vmgenid driver, an Intel vCPU with RDRAND as v86 gives, the real state's uptime at the
// snapshot, 16-byte /dev/urandom reads at the same interval) and the first read at which the
// model's clones differ. Shown beside the real clones' own divergence: the difference is the
// point (see docs/FIDELITY.md "The real kernel").

import { CAUSE_WORDS } from '../lab/reason';
import type { CauseName, GuestManifest } from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import { runExperiment } from '../session/experiment';
import { err, ok, type Result } from '../types';

/** What the model predicts for clones of a real state saved at `uptimeS`. */
export interface ModelPrediction {
  uptimeS: number;
  clones: number;
  readIntervalS: number;
  /** Seconds after restore of the model's first read whose values differ in every clone (null: none in the horizon). */
  firstDistinctS: number | null;
  /** The model's verdict over the horizon. */
  verdict: string;
  /** What ended the duplication, in the ledger's words. */
  endedBy: string | null;
  horizonS: number;
  /** The agent reseeded right after the restore. */
  agent: boolean;
}

/**
 * Why the model's divergence and the real clones' can differ, in one line (the app and the CLI
 * print it beside both): the age of the CRNG key at the save (real/boot.ts).
 */
export const MODEL_VS_REAL_WHY =
  "They can differ by the age of the CRNG key at the save: the model's last request before the snapshot reseeds, so its key is fresh; the real guest's read just before the save reseeds only if the key is older than max(1 s, uptime/2), so its key may already be old, and its clones reseed sooner.";

/** The setup the model runs, in words ("Linux 6.1, no vmgenid driver, an Intel vCPU with RDRAND"). */
export const REAL_MODEL_SETUP = 'Linux 6.1, no vmgenid driver, an Intel vCPU with RDRAND';

/** What the model predicts, in words: "distinct from 59 s after the restore (the kernel's scheduled reseed)". */
export function predictionWords(p: ModelPrediction): string {
  if (p.firstDistinctS === null) return `still identical ${p.horizonS} s after the restore`;
  const cause = p.endedBy && p.endedBy in CAUSE_WORDS ? CAUSE_WORDS[p.endedBy as CauseName] : null;
  return `distinct from ${p.firstDistinctS} s after the restore${cause ? ` (${cause})` : ''}`;
}

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
