// A list of actions checked before any of it runs: the fleet each restore makes and the outputs
// each draw will hold, walked over the actions without running them (lab/fit.ts decides what
// fits). A link, a saved session or a CLI run that would not fit is refused at once, not after
// minutes of restoring clones.
//
// Invariants:
// - The walk under-estimates where it cannot know (a snapshot file's processes, which VM a
//   'destroy' names): it refuses only what would certainly not fit. Each restore and draw is
//   checked again, exactly, when it runs (session.ts).
// - Pure: nothing in the lab changes.

import type { LabError } from '../lab/api';
import type { DrawPlan } from '../lab/fit';
import { CONSUMER_BYTES } from '../lab/types';
import { applyPatch, processesOf, type LabSettings } from '../settings/settings';
import type { Action } from './actions';
import type { GuestCatalog } from './catalog';

/** Where the walk starts: the session's settings and lineage now. */
export interface PlanStart {
  settings: LabSettings;
  original: number | null;
  resumed: boolean;
  clones: number;
  cloneSource: number | null;
  snapshots: readonly number[];
  /** Output bytes per call of each process the drawing VMs run (null: unknown). */
  sizes: readonly number[] | null;
  /** The same for each snapshot's clones (a loaded file's: unknown). */
  snapshotSizes: ReadonlyMap<number, readonly number[] | null>;
  /** The id the next snapshot (taken or loaded) gets. */
  nextSnapshot: number;
}

/** The first action whose draw would not fit, and why. */
export interface PlanProblem {
  index: number;
  action: Action['a'];
  error: LabError;
}

/**
 * Walks `actions` from `start`; `check` says whether a draw fits. Returns the first action that
 * would be refused, or null.
 */
export function planProblem(
  start: PlanStart,
  actions: readonly Action[],
  catalog: GuestCatalog,
  check: (plan: DrawPlan) => LabError | null,
): PlanProblem | null {
  let s = start.settings;
  let original = start.original;
  let resumed = start.resumed;
  let clones = start.clones;
  let cloneSource = start.cloneSource;
  let snapshots = [...start.snapshots];
  let sizes = start.sizes ? [...start.sizes] : null;
  const snapshotSizes = new Map(start.snapshotSizes);
  let nextSnapshot = start.nextSnapshot;
  const draw = (index: number, action: Action['a'], draws: number): PlanProblem | null => {
    const fleet = clones + (resumed && original !== null ? 1 : 0);
    if (!sizes || sizes.length === 0 || fleet === 0) return null;
    // each clone copies at least kdata, the process table and its processes' state pages
    const error = check({ clones: fleet, draws, sizes, copyFrames: clones * (2 + sizes.length) });
    return error ? { index, action, error } : null;
  };
  for (const [index, a] of actions.entries()) {
    switch (a.a) {
      case 'set': {
        const guest = catalog.get(a.s.guest ?? s.guest);
        if (!guest) return null; // the action itself will say why
        s = applyPatch(s, a.s, guest);
        break;
      }
      case 'reset':
        [original, resumed, clones, cloneSource, snapshots, sizes] = [null, false, 0, null, [], null];
        break;
      case 'boot': {
        const guest = catalog.get(s.guest);
        if (!guest) return null;
        sizes = processesOf(guest, s).map((p) => CONSUMER_BYTES[p.consumer]);
        [original, resumed, clones, cloneSource, snapshots] = [-1, false, 0, null, []];
        break;
      }
      case 'snapshot': {
        if (a.vm === undefined || a.vm === original) resumed = false;
        snapshotSizes.set(nextSnapshot, sizes);
        snapshots.push(nextSnapshot++);
        break;
      }
      case 'load':
        snapshotSizes.set(nextSnapshot, null);
        snapshots.push(nextSnapshot++);
        break;
      case 'delete-snapshot':
        snapshots = snapshots.filter((x) => x !== a.snap);
        break;
      case 'resume':
        if (a.vm === undefined || a.vm === original) resumed = true;
        break;
      case 'destroy':
        if (a.vm === original) [original, resumed] = [null, false];
        else clones = Math.max(0, clones - 1);
        break;
      case 'fork':
        if (sizes && sizes[a.p ?? 0] !== undefined) sizes.push(sizes[a.p ?? 0]!);
        break;
      case 'restore': {
        const snap = a.snap ?? snapshots[snapshots.length - 1];
        if (snap === undefined) return null;
        clones = (cloneSource === snap ? clones : 0) + (a.n ?? s.clones);
        cloneSource = snap;
        sizes = snapshotSizes.get(snap) ? [...snapshotSizes.get(snap)!] : null;
        const p = draw(index, 'restore', s.draws);
        if (p) return p;
        break;
      }
      case 'draw': {
        const p = draw(index, 'draw', a.n ?? s.draws);
        if (p) return p;
        break;
      }
      default:
        break;
    }
  }
  return null;
}
