// Runs with snapshot files (the CLI's `run --export-snapshot FILE` and `run --from-snapshot FILE`):
// the same experiment as lab/run.ts's runExperiment, split at the snapshot so a file can be
// written there, or the snapshot can come from a file instead of a boot. The tests check that a
// run through here reports exactly what runExperiment reports for the same configuration.

import { Lab } from '../lab/lab';
import type { LabError } from '../lab/api';
import { checkRunConfig, effectiveGuest, type RunOutcome } from '../lab/run';
import type { GuestManifest, RunConfig, RunReport, SecretSpec } from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import { ok, type Result, type SnapshotId } from '../types';
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

async function newLab(core?: CoreExports): Promise<Lab> {
  return new Lab(core ?? (await (await import('../load/node')).loadCoreNode('release')));
}

/** Boots the run's guest and takes its snapshot (a full one, or a diff on top of one). */
function bootAndSnapshot(lab: Lab, config: RunConfig): Result<SnapshotId, LabError> {
  const booted = lab.boot(effectiveGuest(config), {
    seed: config.seed,
    ...(config.libraries ? { libraries: config.libraries } : {}),
    ...(config.consumer ? { consumer: config.consumer } : {}),
  });
  if (!booted.ok) return booted;
  const vm = booted.value;
  const snap = lab.snapshot(vm, 'full');
  if (!snap.ok || config.snapshot === 'full') return snap;
  const resumed = lab.resume(vm, { notifyDelayUs: config.notifyDelayUs });
  if (!resumed.ok) return resumed;
  const touched = lab.touchPages(vm, 16);
  if (!touched.ok) return touched;
  return lab.snapshot(vm, 'diff');
}

/** Restores the clones from snap, lets them draw, and reports (runExperiment's second half). */
function cloneAndReport(
  lab: Lab,
  snap: SnapshotId,
  config: ReplaySettings,
  guestName: string,
  wipedPages: number,
): Result<RunOutcome, LabError> {
  const clones = lab.restore(snap, config.clones, {
    notifyDelayUs: config.notifyDelayUs,
    ...(config.lazy ? { lazy: true } : {}),
  });
  if (!clones.ok) return clones;
  const drawn = lab.draw(clones.value, config.draws, { intervalUs: config.drawIntervalUs ?? 5 });
  if (!drawn.ok) return drawn;
  const info = lab.engine.snapshotInfo(snap)!;
  const secrets = lab.secrets(snap);
  if (!secrets.ok) return secrets;
  const image = lab.memoryImage(snap);
  if (!image.ok) return image;
  const vmstate = lab.vmstate(snap);
  if (!vmstate.ok) return vmstate;
  const summaries = lab.vms().filter((v) => clones.value.includes(v.id));
  const report: RunReport = {
    seed: config.seed,
    clones: config.clones,
    draws: config.draws,
    guest: guestName,
    snapshot: { type: info.type, pages: info.pages, wipedPages, bytes: info.presentPages * 4096 },
    secrets: secrets.value,
    libraries: drawn.value.libraries,
    memory: {
      wasmBytes: lab.stats().wasmMemoryBytes,
      bytesPerClone: summaries.reduce((s, v) => s + v.privateBytes, 0) / Math.max(1, summaries.length),
      faults: summaries.reduce((s, v) => s + v.faults, 0),
    },
  };
  return ok({ report, image: { ...image.value, vmstate: vmstate.value } });
}

/** Runs an experiment like runExperiment and also returns its snapshot as a file. */
export async function runAndExportSnapshot(
  config: RunConfig,
  core?: CoreExports,
): Promise<Result<SnapshotRunOutcome, LabError>> {
  const checked = checkRunConfig(config);
  if (!checked.ok) return checked;
  const lab = await newLab(core);
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
  opts: { secrets?: readonly SecretSpec[]; exportFile?: boolean; core?: CoreExports } = {},
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
  const lab = await newLab(opts.core);
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
