// Runs with snapshot files (the CLI's `run --export-snapshot FILE` and `run --from-snapshot FILE`):
// the same experiment as lab/run.ts's runExperiment, split at the snapshot so a file can be
// written there, or the snapshot can come from a file instead of a boot. The tests check that a
// run through here reports exactly what runExperiment reports for the same configuration.

import { Lab } from '../lab/lab';
import type { LabError } from '../lab/api';
import { bootAndSnapshot, checkRunConfig, cloneAndReport, effectiveGuest, type RunOutcome } from '../lab/run';
import type { GuestManifest, RunConfig, SecretSpec } from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import { ok, type Result } from '../types';
import type { SnapFileError } from './errors';
import { encodeSnapshotFileContent, type DecodedSnapshot } from './format';

/** A run's outcome with the snapshot file it wrote, if asked to. */
export interface SnapshotRunOutcome extends RunOutcome {
  /** The snapshot file of the run's snapshot (with --export-snapshot). */
  file: Uint8Array | null;
}

/** The run settings that still apply when the snapshot comes from a file (the guest is the file's). */
export type ReplaySettings = Pick<
  RunConfig,
  'clones' | 'draws' | 'notifyDelayUs' | 'drawIntervalUs' | 'seed' | 'lazy'
>;

/** Runs an experiment like runExperiment and also returns its snapshot as a file. */
export async function runAndExportSnapshot(
  config: RunConfig,
  core: CoreExports,
): Promise<Result<SnapshotRunOutcome, LabError>> {
  const checked = checkRunConfig(config);
  if (!checked.ok) return checked;
  const lab = new Lab(core);
  const snap = bootAndSnapshot(lab, config);
  if (!snap.ok) return snap;
  const content = lab.snapshotFileContent(snap.value);
  if (!content.ok) return content;
  const file = encodeSnapshotFileContent(content.value);
  const wiped = lab.engine.snapshotInfo(snap.value)!.wipedPages;
  const out = cloneAndReport(lab, snap.value, config, effectiveGuest(config).name, wiped);
  return out.ok ? ok({ ...out.value, file }) : out;
}

/**
 * Runs the experiment's second half on a snapshot loaded from a file: the file's guest, chain and
 * vmstate; the settings' clones, draws, δ, seed. `secrets` (the guest manifest's) lets the report
 * search for secret values, which files never hold. With `exportFile` the loaded snapshot is
 * written out again.
 */
export async function runFromSnapshot(
  decoded: DecodedSnapshot,
  settings: ReplaySettings,
  opts: { secrets?: readonly SecretSpec[]; exportFile?: boolean; core: CoreExports },
): Promise<Result<SnapshotRunOutcome, LabError | SnapFileError>> {
  const { meta } = decoded;
  const guest: GuestManifest = {
    name: meta.guest,
    description: meta.description,
    memoryMiB: meta.memoryMiB,
    kernel: meta.kernel,
    processes: meta.processes,
    secrets: [],
  };
  const checked = checkRunConfig({
    ...settings,
    guest,
    snapshot: decoded.layers.length > 1 ? 'diff' : 'full',
  });
  if (!checked.ok) return checked;
  const lab = new Lab(opts.core);
  const snap = lab.loadSnapshot(decoded, {
    seed: settings.seed,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  });
  if (!snap.ok) return snap;
  let file: Uint8Array | null = null;
  if (opts.exportFile) {
    const content = lab.snapshotFileContent(snap.value);
    if (!content.ok) return content;
    file = encodeSnapshotFileContent(content.value);
  }
  const top = decoded.layers[decoded.layers.length - 1]!;
  const out = cloneAndReport(lab, snap.value, settings, meta.guest, top.wipedPages);
  return out.ok ? ok({ ...out.value, file }) : out;
}
