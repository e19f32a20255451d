// One standard experiment on a guest manifest (tests, benchmarks, scripts): a fresh session on
// the guest's settings plus a patch, the standard run (boot, snapshot, restore, draw), and its
// report. The CLI's `run` is the same actions on the same Session.

import { Lab } from '../lab/lab';
import type { DrawResult, GuestManifest } from '../lab/types';
import type { CoreExports } from '../load/instantiate';
import { resolveSettings, type SettingsPatch } from '../settings/settings';
import { err, ok, type Result } from '../types';
import { buildReport, type RunReport } from './report';
import { catalogOf, Session, standardRun, type SessionError } from './session';

export interface Experiment {
  session: Session;
  report: RunReport;
  draw: DrawResult;
}

/** Runs the standard experiment of `guest` with `patch` over a core (or a lab to reuse). */
export function runExperiment(
  labOrCore: Lab | CoreExports,
  guest: GuestManifest,
  patch: SettingsPatch = {},
): Result<Experiment, SessionError> {
  const lab = labOrCore instanceof Lab ? labOrCore : new Lab(labOrCore);
  const settings = resolveSettings(guest, { ...patch, guest: guest.name });
  const opened = Session.open(lab, catalogOf([guest]), settings);
  if (!opened.ok) return opened;
  const r = opened.value.applyAll(standardRun(settings));
  if (!r.ok) return r;
  const built = buildReport(opened.value);
  if (!built)
    return err({
      kind: 'ActionFailed',
      action: 'draw',
      index: null,
      message: 'the run drew nothing',
      cause: null,
    });
  return ok({ session: opened.value, ...built });
}
