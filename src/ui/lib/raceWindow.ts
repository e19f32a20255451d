// The race window of one VM, from its timeline: when the vCPUs resumed, what closed the window
// (the first reseed of the kernel CRNG after resume, and which one), when the draws ended, and the
// caption that says it. Pure, so the caption is tested against the numbers the panel draws: a
// caption never says the window "never closes" when the draws merely ended before whatever
// closes it (the notification δ later, or the kernel's scheduled reseed).

import type { TimelineEvent, TimelineKind } from '../../core/lab/types';
import { formatNs } from './format';

/** Kernel events that reseed the CRNG, with what each is, in words. */
export const RESEED_WORDS: Partial<Record<TimelineKind, string>> = {
  'crng-reseed': 'the kernel CRNG is reseeded',
  'agent-reseed': "the agent's reseed lands",
  'periodic-reseed': "the kernel's scheduled reseed runs",
  'pm-reseed': 'the PM notifier reseeds on resume',
};

export interface WindowFacts {
  events: readonly TimelineEvent[];
  /** The guest has the vmgenid driver (the session's booted setting). */
  vmgenidDriver: boolean;
  /** When the VM's pending VMGenID notification will be handled (its device), or null. */
  notifyAtNs: number | null;
  /** The random.c generation the guest follows ('5.10', '6.1', '6.11'). */
  kernel: string;
}

/** When the kernel's own reseed comes, by generation (random.c: 6.11's delayed work, else on demand). */
function reseedWhen(kernel: string): string {
  return kernel === '6.11'
    ? 'when its delayed work runs'
    : 'at the first request once the CRNG key is older than its reseed interval';
}

export interface RaceWindow {
  /** The axis origin: the restore (or the first event). */
  t0: number;
  /** vCPU resume, or null (the original VM: no restore). */
  start: number | null;
  /** The first CRNG reseed after resume, or null (none yet). */
  end: number | null;
  endKind: TimelineKind | null;
  /** The last draw's time, or null. */
  lastDraw: number | null;
  caption: string;
}

/** The window and its caption. */
export function raceWindow(f: WindowFacts): RaceWindow {
  const ev = f.events;
  const restore = ev.find((e) => e.kind === 'restore');
  const t0 = restore?.tNs ?? (ev.length ? Math.min(...ev.map((e) => e.tNs)) : 0);
  const rel = (t: number) => `+${formatNs(t - t0)}`;
  const resume = ev.find((e) => e.kind === 'resume');
  const draws = ev.filter((e) => e.kind === 'draw');
  const lastDraw = draws.length ? Math.max(...draws.map((e) => e.tNs)) : null;
  if (!resume)
    return {
      t0,
      start: null,
      end: null,
      endKind: null,
      lastDraw,
      caption: 'The original VM: no restore on its timeline.',
    };
  const start = resume.tNs;
  const reseeds = ev
    .filter((e) => RESEED_WORDS[e.kind] !== undefined && e.tNs >= start)
    .sort((a, b) => a.tNs - b.tNs);
  const first = reseeds[0] ?? null;
  if (first) {
    const end = first.tNs;
    return {
      t0,
      start,
      end,
      endKind: first.kind,
      lastDraw,
      caption: `Race window: vCPUs resume at ${rel(start)}; ${RESEED_WORDS[first.kind]} at ${rel(end)}: ${formatNs(end - start)} in which clones share the snapshot's randomness.`,
    };
  }
  const notify = ev.find((e) => e.kind === 'vmgenid-notify' && e.tNs >= start);
  const pending = f.notifyAtNs !== null && f.notifyAtNs > (lastDraw ?? start);
  const resumed = `vCPUs resume at ${rel(start)}`;
  if (lastDraw === null)
    return {
      t0,
      start,
      end: null,
      endKind: null,
      lastDraw,
      caption: `${resumed}; nothing has reseeded the kernel CRNG yet: draw to see what the clones emit in the window.`,
    };
  const ended = `the draws ended at ${rel(lastDraw)}`;
  let caption: string;
  if (f.vmgenidDriver && pending)
    caption = `${resumed} and ${ended}, before the guest handled the VMGenID notification (due at ${rel(f.notifyAtNs!)}): every draw ran inside the window, and the notification closes it then.`;
  else if (f.vmgenidDriver)
    caption = `${resumed} and ${ended} with no reseed of the kernel CRNG yet: the window is still open; the VMGenID notification or the kernel's scheduled reseed closes it later.`;
  else
    caption = `${resumed} and ${ended} before any reseed${notify ? `: the VMGenID notification arrived at ${rel(notify.tNs)}, but no vmgenid driver acts on it` : ''}. The window is still open; the kernel's scheduled reseed closes it later, ${reseedWhen(f.kernel)}.`;
  return { t0, start, end: null, endKind: null, lastDraw, caption };
}
