// Opening a permalink: the lab is reset and the state's action log is replayed through the
// scenario executor (the same runAction the buttons and scenario steps use), so a link rebuilds
// the same lineage, the same draws and the same collisions.
//
// Invariants:
// - The caller resolves the guest by name (Node: loadGuestNode; browser: fetch /guest/NAME.json)
//   and passes the checked manifest; a manifest of another name is refused before anything runs.
// - replay() resets the lab first (every VM and snapshot goes) and stops at the first failing
//   action, reporting its index; actions before it stay done (the lab is left usable).
// - Bytes repeat exactly when the lab's core id counters equal state.origin (host entropy is keyed
//   by VM id); `exact` says whether they did. Counts and verdicts repeat either way.

import type { GuestManifest } from '../lab/types';
import {
  createScenarioState,
  runAction,
  type ActionOutcome,
  type ScenarioLab,
  type ScenarioState,
} from '../scenario/run';
import { DEFAULT_SETTINGS } from '../scenario/types';
import { err, ok, type Result } from '../types';
import { LAB_STATE_VERSION, type LabState, type PermalinkError } from './types';

export interface ReplayOutcome {
  /** The rebuilt session: continue it with runAction / runScenarioStep. */
  session: ScenarioState;
  /** Each replayed action's outcome, in order (the last draw is session.lastDraw). */
  outcomes: ActionOutcome[];
  /** True if the core's id counters matched state.origin (same bytes); null if the link has no origin. */
  exact: boolean | null;
}

/** Rebuilds the lab from a decoded state on the named guest's manifest. */
export function replay(
  lab: ScenarioLab,
  state: LabState,
  guest: GuestManifest,
): Result<ReplayOutcome, PermalinkError> {
  if (guest.name !== state.guest) {
    return err({
      kind: 'GuestMismatch',
      expected: state.guest,
      got: guest.name,
      message: `the link is for guest "${state.guest}" but guest "${guest.name}" was given`,
    });
  }
  lab.reset();
  const exact =
    state.origin && lab.core
      ? lab.core.vmIdsIssued() === state.origin.vm && lab.core.snapshotIdsIssued() === state.origin.snapshot
      : null;
  const session = createScenarioState(guest, state.settings);
  const outcomes: ActionOutcome[] = [];
  for (const [index, action] of state.actions.entries()) {
    const r = runAction(lab, session, action);
    if (!r.ok) {
      return err({
        kind: 'ReplayFailed',
        index,
        message: `action ${index + 1} of ${state.actions.length} of the link failed: ${r.error.message}`,
      });
    }
    outcomes.push(r.value);
  }
  return ok({ session, outcomes, exact });
}

/** The permalink state of a session (its guest, starting settings and action log). */
export function labStateOf(session: ScenarioState, scenario?: { id: string; step: number }): LabState {
  const state: LabState = {
    v: LAB_STATE_VERSION,
    guest: session.guest.name,
    settings: { ...structuredClone(session.initial), seed: session.initial.seed ?? DEFAULT_SETTINGS.seed },
    actions: structuredClone(session.actions),
  };
  if (scenario) state.scenario = { ...scenario };
  if (session.origin) state.origin = { ...session.origin };
  return state;
}
