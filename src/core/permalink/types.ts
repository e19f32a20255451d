// The URL state of the lab: which guest, the settings, the actions so far and the scenario step.
// Plain JSON; src/core/permalink/codec.ts turns it into a short string and back.

import type { Action, LabSettings } from '../scenario/types';

/** The format version this code writes and reads. */
export const LAB_STATE_VERSION = 1;

/** Everything needed to rebuild a view: replaying `actions` from `settings` on `guest`. */
export interface LabState {
  v: typeof LAB_STATE_VERSION;
  /** Name of a shipped guest manifest ("default"). */
  guest: string;
  /** Settings before the first action (later changes are 'set' actions); the seed is always given. */
  settings: LabSettings & { seed: number };
  /** The action log, oldest first (ScenarioState.actions). */
  actions: Action[];
  /** The scenario and step (0-based) the view was showing. */
  scenario?: { id: string; step: number };
  /**
   * The core's VM and snapshot id counters before the first action. Host entropy is keyed by VM
   * id, so a replay repeats the same bytes only on a core whose counters are here too (a fresh
   * core for a log that started on one); elsewhere it repeats the same shape with other values.
   */
  origin?: { vm: number; snapshot: number };
}

/** Why a permalink was refused; `message` is one sentence a person can act on. */
export type PermalinkError =
  | { kind: 'TooLong'; length: number; message: string }
  | { kind: 'BadBase64'; at: number; message: string }
  | { kind: 'TooLarge'; bytes: number; message: string }
  | { kind: 'CorruptDeflate'; message: string }
  | { kind: 'BadChecksum'; message: string }
  | { kind: 'BadJson'; message: string }
  | { kind: 'UnknownVersion'; version: unknown; message: string }
  | { kind: 'InvalidField'; field: string; message: string }
  | { kind: 'GuestMismatch'; expected: string; got: string; message: string }
  | { kind: 'ReplayFailed'; index: number; message: string };
