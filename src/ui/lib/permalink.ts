// Permalinks in the address bar: the lab state lives in the URL hash as `#s=<encodeLabState>`.
// Reading never throws: a hash that is not ours is ignored, a damaged one is reported with the
// decoder's own message. No DOM beyond the strings passed in.

import { decodeLabState, encodeLabState, type LabState } from '../../core/permalink';
import type { Result } from '../../core/types';

const KEY = 's=';

/** The encoded state in a location hash ('#s=...'), or null if the hash holds none. */
export function stateInHash(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  return h.startsWith(KEY) ? h.slice(KEY.length) : null;
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
  return s.ok ? { ok: true, value: `#${KEY}${s.value}` } : s;
}

/** The full URL of a state, on the page's own address. */
export function linkUrl(
  location: { origin: string; pathname: string; search: string },
  hash: string,
): string {
  return `${location.origin}${location.pathname}${location.search}${hash}`;
}
