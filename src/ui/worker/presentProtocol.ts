// The worker messages of "compare and present": the mitigation matrix, permalinks and guided
// scenarios. Plain data, as the rest of protocol.ts (which lists these commands in CommandMap).
//
//   matrix        runs computeMatrix on the worker's SECOND core (the lab's core keeps its seed)
//   linkState     the lab's session as a permalink state, or why it cannot be one
//   openLink      resets the lab and replays a permalink state (a link, or a matrix cell)
//   scenarioStep  runs one step (next) or rebuilds the scenario up to a step (back, jump, detour)

import type { KernelFeatures, LibraryId } from '../../core/lab/types';
import type { LabState } from '../../core/permalink/types';
import type { ExpectCheck } from '../../core/scenario/run';
import type { LabSettings, Scenario } from '../../core/scenario/types';
import type { DrawView } from './protocol';

/** What the matrix runs: the guest by name, and the fleet every column restores and draws. */
export interface MatrixArgs {
  guest: string;
  clones: number;
  draws: number;
  seed: number;
  /** δ of the "δ > 0" column, µs. */
  delayUs: number;
  memoryMiB: number;
}

/** The lab's session after a link or a scenario step: what the controls and views should show. */
export interface SessionView {
  /** The guest's name (the manifest's `name`). */
  guest: string;
  /** Settings in effect (initial plus every 'set'), as a scenario or link wrote them. */
  settings: LabSettings;
  /** The kernel the next Boot would boot (the guest's with the settings applied). */
  kernel: KernelFeatures;
  /** Settings with defaults filled. */
  resolved: {
    libraries: LibraryId[] | null;
    memoryMiB: number;
    seed: number;
    clones: number;
    draws: number;
    notifyDelayUs: number;
    snapshot: 'full' | 'diff';
  };
  /** The booted VM of the lineage. */
  original: number | null;
  /** The VMs that draw (clones, and the original if resumed). */
  drawing: number[];
  /** The lineage's snapshots, oldest first. */
  snapshots: number[];
  /** The session's last draw (possibly from an earlier step). */
  draw: DrawView | null;
}

/** The permalink state of the lab now, or the reason it has none. */
export type LinkStateView = { state: LabState; reason: null } | { state: null; reason: string };

/** A secret of the latest snapshot's file, as a step shows it. */
export interface SecretView {
  name: string;
  inSnapshot: boolean;
  offsets: number;
}

/** A step's checked claims, and what it showed. */
export interface StepCheckView {
  checks: ExpectCheck[];
  ok: boolean;
  /** Secrets of the latest snapshot, when the step highlights or expects them. */
  secrets: SecretView[] | null;
}

export interface OpenLinkArgs {
  state: LabState;
  /** The state's scenario (when it names one the app knows), to check the step's claims again. */
  scenario: Scenario | null;
}

export interface OpenLinkView {
  session: SessionView;
  /** True if the core's id counters matched the link's origin, so the bytes repeat exactly. */
  exact: boolean | null;
  /** The claims of the link's scenario step, checked on the rebuilt lab. */
  step: StepCheckView | null;
}

export interface ScenarioStepArgs {
  scenario: Scenario;
  /** 0-based step to show. */
  step: number;
  /** 'next': run just this step if the lab is still where the previous step left it. 'to': rebuild. */
  mode: 'next' | 'to';
}

export interface ScenarioStepView extends StepCheckView {
  step: number;
  /** True if the step was reached by rebuilding the scenario from its first step. */
  rebuilt: boolean;
  session: SessionView;
}
