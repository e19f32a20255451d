// The real kernel's settings, their defaults and limits, shared by the CLI and the app so both use
// the same words and numbers (DESIGN.md: every setting the app has is a flag, same limits).
//
// Clones are bounded by memory: each v86 instance holds 128 MiB of guest RAM plus the emulator
// (~150-200 MB of RSS in Node, measured); the browser's limit is lower (one worker, one tab).

export const REAL_DEFAULTS = {
  /** The guest uptime at which `npm run guest:real` saves the state (its --uptime-s default). */
  snapshotUptimeS: 60,
  clones: 3,
  reads: 1,
  readIntervalMs: 1000,
  agentReseed: false,
  autoReadEveryS: 2,
} as const;

export const REAL_LIMITS = {
  /** Clones in Node (CLI, tests). */
  clonesNode: { min: 1, max: 8 },
  /** Clones in the browser's worker: ~170 MB each in Chromium (measured; see README "A real kernel"). */
  clonesBrowser: { min: 1, max: 8 },
  reads: { min: 1, max: 1000 },
  readIntervalMs: { min: 0, max: 600_000 },
  autoReadEveryS: { min: 1, max: 60 },
} as const;

/**
 * The model's run beside a real fleet (real/model.ts), the same in the app and the CLI: reads at
 * the fleet's interval but at least 1 s apart (the prediction's resolution), over 2.5 snapshot
 * uptimes and at least 150 s, so the first scheduled reseed after the restore is inside it.
 */
export function realModelOptions(o: { uptimeS: number; clones: number; readIntervalS: number }): {
  uptimeS: number;
  clones: number;
  readIntervalS: number;
  horizonS: number;
} {
  return {
    uptimeS: o.uptimeS,
    clones: o.clones,
    readIntervalS: Math.max(1, o.readIntervalS),
    horizonS: Math.max(150, Math.ceil(2.5 * o.uptimeS)),
  };
}
