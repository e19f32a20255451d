// The URL state of the lab: the settings it started from, every action since and the scenario
// step it shows. Plain JSON; codec.ts turns it into a short string and back, and the one Session
// replays it (session/session.ts replay).

import type { Action } from '../session/actions';
import type { LabSettings } from '../settings/settings';

/** The format version this code writes and reads. */
export const LAB_STATE_VERSION = 2;

/** Everything needed to rebuild a view: replaying `actions` from `settings`. */
export interface LabState {
  v: typeof LAB_STATE_VERSION;
  /** The settings before the first action (whole: later changes are 'set' actions). */
  settings: LabSettings;
  /** The action log, oldest first. */
  actions: Action[];
  /** The scenario and step (0-based) the view was showing. */
  scenario?: { id: string; step: number };
}

/** Why a permalink was refused; `message` is one sentence a person can act on. */
export type PermalinkError =
  | { kind: 'TooLong'; length: number; message: string }
  | { kind: 'BadBase64'; at: number; message: string }
  | { kind: 'TooLarge'; bytes: number; message: string }
  | { kind: 'CorruptGzip'; message: string }
  | { kind: 'BadJson'; message: string }
  | { kind: 'UnknownVersion'; version: unknown; message: string }
  | { kind: 'InvalidField'; field: string; message: string }
  | { kind: 'ReplayFailed'; index: number; message: string };
