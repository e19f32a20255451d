// Opening a permalink: its state's settings and action log replayed by the one Session on a
// reset lab, so a link rebuilds the same lineage, the same draws and the same bytes, in the app
// and in the CLI (`run --link`).

import type { Lab } from '../lab/lab';
import { replay, type GuestCatalog, type Session } from '../session/session';
import { err, ok, type Result } from '../types';
import { LAB_STATE_VERSION, type LabState, type PermalinkError } from './types';

/** Rebuilds the lab from a decoded state (the lab is reset first). */
export function openLabState(
  lab: Lab,
  catalog: GuestCatalog,
  state: LabState,
): Result<Session, PermalinkError> {
  const r = replay(lab, catalog, { settings: state.settings, actions: state.actions });
  if (!r.ok)
    return err({
      kind: 'ReplayFailed',
      index: r.error.index ?? 0,
      message: `the link could not be replayed: ${r.error.message}`,
    });
  return ok(r.value);
}

/** The permalink state of a session (its starting settings and action log). */
export function labStateOf(session: Session, scenario?: { id: string; step: number }): LabState {
  const state: LabState = {
    v: LAB_STATE_VERSION,
    settings: structuredClone(session.initial),
    actions: structuredClone([...session.log]),
  };
  if (scenario) state.scenario = { ...scenario };
  return state;
}
