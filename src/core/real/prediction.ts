// The model's prediction for the real kernel's clones as plain data and words (no wasm): what
// real/model.ts computes, and how the app and the CLI say it beside the real clones' measurement.

import { CAUSE_WORDS } from '../lab/reason';
import type { CauseName } from '../lab/types';

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
 * print it beside both): the age of the CRNG key at the save (real/boot.ts), and how the real
 * clones are timed.
 */
export const MODEL_VS_REAL_WHY =
  "They can differ by the CRNG key's age at the save: the model's key is fresh (its last request before the snapshot reseeds), the real guest's may be older (its read before the save reseeds only past max(1 s, uptime/2)), so real clones can diverge sooner; the emulator's clock and reads seconds apart can make them look later.";

/** The setup the model runs, in words ("Linux 6.1, no vmgenid driver, an Intel vCPU with RDRAND"). */
export const REAL_MODEL_SETUP = 'Linux 6.1, no vmgenid driver, an Intel vCPU with RDRAND';

/** What the model predicts, in words: "distinct from 59 s after the restore (the kernel's scheduled reseed)". */
export function predictionWords(p: ModelPrediction): string {
  if (p.firstDistinctS === null) return `still identical ${p.horizonS} s after the restore`;
  const cause = p.endedBy && p.endedBy in CAUSE_WORDS ? CAUSE_WORDS[p.endedBy as CauseName] : null;
  return `distinct from ${p.firstDistinctS} s after the restore${cause ? ` (${cause})` : ''}`;
}
