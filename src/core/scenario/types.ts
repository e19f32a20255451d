// The data contracts of guided scenarios: plain JSON (scenario files, worker messages, URL state).
// A step is a settings change and a list of the lab's own actions (session/actions.ts), run by
// the one Session, then claims checked against what the lab shows.

import type { LibraryId } from '../lab/types';
import type { Action } from '../session/actions';
import type { SettingsPatch } from '../settings/settings';
import type { Verdict } from '../settings/words';

export type { Action, ActionName } from '../session/actions';
export { ACTION_NAMES, ACTION_LIMITS } from '../session/actions';

export const HIGHLIGHTS = [
  'outputs',
  'memory',
  'devices',
  'timeline',
  'matrix',
  'secrets',
  'lineage',
  'real',
] as const;
export type Highlight = (typeof HIGHLIGHTS)[number];

/**
 * What a step asks of the app's Real kernel region (the real Linux kernel in v86, beside the
 * model): restore its clones and read them every few seconds, or run the agent reseed in them.
 * Only the app acts on it (the CLI and the tests run the model's part of the step); without the
 * real kernel's assets the region says so and shows the model's prediction alone.
 */
export const REAL_STEP_ACTIONS = ['restore', 'agent-reseed'] as const;
export type RealStepAction = (typeof REAL_STEP_ACTIONS)[number];

/** Outcomes of WAIT_WATCHERS a step may expect. */
export const WAIT_OUTCOMES = ['ok', 'ETIME', 'EINTR', 'Blocked'] as const;
export type WaitOutcome = (typeof WAIT_OUTCOMES)[number];

/**
 * A visible claim a step makes about its last draw (library or process: which one; default the
 * first one drawn), the latest snapshot's file, or the SysGenId overseer. Each present key other
 * than library, process and source is one check.
 */
export interface Expect {
  library?: LibraryId;
  /** Index of the process in the draw (the guest's processes in order, then forked children). */
  process?: number;
  duplicates?: '>0' | '0';
  verdict?: Verdict;
  secretInSnapshot?: { name: string; present: boolean };
  /** Mean virtual ns per call of the library, bounds inclusive. */
  nsPerCall?: { min?: number; max?: number };
  /** What every target VM's WAIT_WATCHERS returned in this step. */
  waitWatchers?: WaitOutcome;
  /**
   * Where the claim comes from: an https URL to the upstream source line (shown as a citation).
   * Required in scenario files (parse.ts refuses a claim without one); optional here only for
   * steps built in code.
   */
  source?: string;
}

export interface Step {
  title: string;
  /**
   * 1-3 sentences for a speaker. Measured numbers are placeholders ({nsPerCall:vdso},
   * {setting:notifyDelayUs}, ...: parse.ts), filled from the step's live run by fillNarration.
   */
  narration: string;
  state?: SettingsPatch;
  actions?: Action[];
  highlight?: Highlight;
  /** What the step asks of the Real kernel region (the app only). */
  real?: RealStepAction;
  /** Claims checked after the step's actions (a file may write one object or a list). */
  expect?: Expect[];
}

/** A guided scenario (public/guest/scenarios/ID.json). */
export interface Scenario {
  id: string;
  title: string;
  description: string;
  /** Name of a shipped guest manifest (public/guest/NAME.json). */
  guest: string;
  steps: Step[];
}

/** One entry of public/guest/scenarios/index.json. */
export interface ScenarioIndexEntry {
  id: string;
  file: string;
  title: string;
  description: string;
}

/** A rejected scenario file or index: `field` is a path such as `steps[2].expect[0].verdict`. */
export interface ScenarioError {
  kind: 'InvalidScenario';
  file: string;
  field: string;
  message: string;
}
