// One-shot experiments: boot -> snapshot -> restore clones -> draw -> report (the CLI's `run`,
// the truth-table tests). A diff run takes a full base snapshot, lets the guest run on (touching
// heap pages), then a diff snapshot on top, and restores the clones from the chain.

import { err, ok, type Result } from '../types';
import type { CoreExports } from '../load/instantiate';
import type { LabError } from './api';
import { Lab } from './lab';
import type { RunConfig, RunReport } from './types';
import type { SnapshotId } from '../types';

/** The flat memory image and device state of the run's snapshot (what --export writes). */
export interface SnapshotImage {
  /** Guest-size flat image; for a diff snapshot only `presentPages` hold data (the rest stays zero). */
  memory: Uint8Array;
  /** Pages the snapshot layer holds (every page for a full snapshot). */
  presentPages: number[];
  /** Plain-data vmstate: kernel features, devices, layout, clock. */
  vmstate: Record<string, unknown>;
}

export interface RunOutcome {
  report: RunReport;
  image: SnapshotImage;
}

function invalid(field: string, message: string): { ok: false; error: LabError } {
  return err({ kind: 'InvalidValue', field, message: `${field}: ${message}` });
}

/** Checks the numbers of a run config; the first bad field comes back as an error. */
export function checkRunConfig(c: RunConfig): Result<void, LabError> {
  const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!whole(c.clones, 1, 10000))
    return invalid('clones', `expected a whole number from 1 to 10000, got ${c.clones}`);
  if (!whole(c.draws, 1, 100000))
    return invalid('draws', `expected a whole number from 1 to 100000, got ${c.draws}`);
  if (!whole(c.seed, 0, 0xffffffff))
    return invalid('seed', `expected a whole number from 0 to 4294967295, got ${c.seed}`);
  if (!(c.notifyDelayUs >= 0) || !Number.isFinite(c.notifyDelayUs))
    return invalid('notifyDelayUs', `expected a number >= 0, got ${c.notifyDelayUs}`);
  if (c.drawIntervalUs !== undefined && (!(c.drawIntervalUs >= 0) || !Number.isFinite(c.drawIntervalUs)))
    return invalid('drawIntervalUs', `expected a number >= 0, got ${c.drawIntervalUs}`);
  if (c.memoryMiB !== undefined && !whole(c.memoryMiB, 16, 1024))
    return invalid('memoryMiB', `expected a whole number from 16 to 1024, got ${c.memoryMiB}`);
  if (c.snapshot !== 'full' && c.snapshot !== 'diff') return invalid('snapshot', `expected "full" or "diff"`);
  return ok(undefined);
}

/** The guest with the run's kernel overrides applied. */
export function effectiveGuest(c: RunConfig): RunConfig['guest'] {
  const k = { ...c.guest.kernel };
  if (c.vmgenid !== undefined) k.vmgenid = c.vmgenid;
  if (c.wipeOnSuspend !== undefined) k.wipeOnSuspend = c.wipeOnSuspend;
  if (c.sysgenid !== undefined)
    k.sysgenid = c.sysgenid ? (k.sysgenid === 'off' ? 'vmgenid' : k.sysgenid) : 'off';
  return { ...c.guest, kernel: k, memoryMiB: c.memoryMiB ?? c.guest.memoryMiB };
}

/** Boots the run's guest and takes its snapshot (a full one, or a diff on top of one). */
export function bootAndSnapshot(lab: Lab, config: RunConfig): Result<SnapshotId, LabError> {
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
export function cloneAndReport(
  lab: Lab,
  snap: SnapshotId,
  config: Pick<RunConfig, 'clones' | 'draws' | 'notifyDelayUs' | 'drawIntervalUs' | 'seed' | 'lazy'>,
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

/**
 * Runs one experiment on a fresh lab over `core` (in Node `await loadCoreNode()`, in the browser
 * the worker's core). Taking the core keeps Node's loader out of browser bundles.
 */
export async function runExperiment(
  config: RunConfig,
  core: CoreExports,
): Promise<Result<RunOutcome, LabError>> {
  const checked = checkRunConfig(config);
  if (!checked.ok) return checked;
  const lab = new Lab(core);
  const snap = bootAndSnapshot(lab, config);
  if (!snap.ok) return snap;
  const wiped = lab.engine.snapshotInfo(snap.value)!.wipedPages;
  return cloneAndReport(lab, snap.value, config, effectiveGuest(config).name, wiped);
}
