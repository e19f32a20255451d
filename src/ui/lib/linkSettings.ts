// The app's Boot request as permalink settings (LabSettings), and back: the one translation
// between the controls and the scenario executor's vocabulary. The worker uses it to log a Boot,
// the store to show a link's or a step's settings in the controls. Pure, no DOM.
//
// A link can say what the executor can replay: kernel switches, the seed, the memory size, one
// process per library or the guest's own processes (with one output kind for all of them).
// Per-process library changes and jitter entropy have no LabSettings field, so a lab booted with
// them has no link; `reason` says so in words.

import type { BootOptions } from '../../core/lab/api';
import { LIBRARY_IDS, type GuestManifest, type LibraryId } from '../../core/lab/types';
import type { LabSettings } from '../../core/scenario/types';

export interface BootArgs {
  guest: GuestManifest;
  opts: BootOptions;
}

/** The settings a Boot request amounts to, or why a link cannot express it. */
export function bootSettings(
  base: GuestManifest,
  req: BootArgs,
): { settings: LabSettings; reason: null } | { settings: null; reason: string } {
  const k = req.guest.kernel;
  const b = base.kernel;
  if (req.guest.name !== base.name)
    return { settings: null, reason: `the guest "${req.guest.name}" is not a shipped guest` };
  if (k.jitterEntropy !== b.jitterEntropy)
    return { settings: null, reason: 'jitter entropy was switched, and a link cannot set it' };
  if (k.version !== b.version)
    return { settings: null, reason: 'the kernel version was changed, and a link cannot set it' };
  const settings: LabSettings = {
    vmgenid: k.vmgenid,
    sysgenid: k.sysgenid,
    wipeOnSuspend: k.wipeOnSuspend,
    vdsoGetrandom: k.vdsoGetrandom,
    agentReseed: k.agentReseed,
    agentDelayUs: k.agentDelayUs,
    memoryMiB: req.opts.memoryMiB ?? req.guest.memoryMiB,
    seed: req.opts.seed,
  };
  if (req.opts.libraries) {
    settings.libraries = [...req.opts.libraries];
    if (req.opts.consumer) settings.consumer = req.opts.consumer;
    return { settings, reason: null };
  }
  const procs = req.guest.processes;
  const same = (a: unknown, c: unknown) => JSON.stringify(a) === JSON.stringify(c);
  if (same(procs, base.processes)) return { settings, reason: null };
  // one output kind for every process of the guest (the Boot's "Output kind" select)
  const c = procs[0]?.consumer;
  if (
    c &&
    procs.every((p) => p.consumer === c) &&
    same(
      procs.map((p) => [p.name, p.library]),
      base.processes.map((p) => [p.name, p.library]),
    )
  ) {
    settings.consumer = c;
    return { settings, reason: null };
  }
  return {
    settings: null,
    reason: 'a process runs another library than the guest says, and a link holds one library list',
  };
}

/** The Library select's value for a link's library list ('all', one library, or the guest's). */
export function libraryChoiceOf(
  libraries: readonly LibraryId[] | null | undefined,
): LibraryId | 'all' | 'guest' {
  if (!libraries) return 'guest';
  if (libraries.length === 1) return libraries[0]!;
  if (libraries.length === LIBRARY_IDS.length && libraries.every((l, i) => l === LIBRARY_IDS[i]))
    return 'all';
  return 'guest';
}
