// Permalinks in the address bar: the lab state lives in the URL hash as `#s=<encodeLabState>`,
// made on the main thread from the session's history the store already holds (no worker round
// trip). Reading never throws: a hash that is not ours is ignored, a damaged one is reported with
// the decoder's own message. No DOM beyond the strings passed in.

import {
  decodeLabState,
  encodeLabState,
  HASH_KEY,
  LAB_STATE_VERSION,
  stateInHash,
  type LabState,
} from '../../core/permalink';
import type { Action } from '../../core/session/actions';
import type { LabSettings } from '../../core/settings/settings';
import type { Result } from '../../core/types';

export { stateInHash };

/** The permalink state of a history (v2: the settings before the first action, and the log). */
export function linkState(
  settings: LabSettings,
  actions: readonly Action[],
  scenario: { id: string; step: number } | null = null,
): LabState {
  const state: LabState = {
    v: LAB_STATE_VERSION,
    settings: structuredClone(settings),
    actions: structuredClone([...actions]),
  };
  if (scenario) state.scenario = { ...scenario };
  return state;
}

/** Decodes a location hash; null when it carries no lab state at all. */
export async function readHash(hash: string): Promise<Result<LabState, { message: string }> | null> {
  const s = stateInHash(hash);
  if (s === null) return null;
  return decodeLabState(s);
}

/** The hash for a state ('#s=...'). */
export async function hashOf(state: LabState): Promise<Result<string, { message: string }>> {
  const s = await encodeLabState(state);
  return s.ok ? { ok: true, value: `#${HASH_KEY}${s.value}` } : s;
}

/** The full URL of a state, on the page's own address. */
export function linkUrl(
  location: { origin: string; pathname: string; search: string },
  hash: string,
): string {
  return `${location.origin}${location.pathname}${location.search}${hash}`;
}
