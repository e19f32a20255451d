// The core's id counters during a replay. The journal's commands name VMs and snapshots by id,
// and host entropy (VMGenIDs, RDRAND) is keyed by VM id, so a replay is exact only if each step
// runs with the counters it first ran with. Failed commands (an exhausted restore) and Reset use
// ids up without a journal entry; each entry therefore records the counters before it ran, and a
// replay moves a fresh core's counters there first (the worker's advanceIds).

import type { Answer, LabClient } from '../worker/client';
import type { IdCounters } from '../worker/filesProtocol';

/** A fresh core's counters. */
export const FRESH_IDS: IdCounters = { vm: 0, snapshot: 0 };

export const sameIds = (a: IdCounters | null | undefined, b: IdCounters | null | undefined): boolean =>
  !!a && !!b && a.vm === b.vm && a.snapshot === b.snapshot;

/** Moves the worker's counters from `now` to `want`; null when nothing is to move. */
export function moveIds(
  client: LabClient,
  now: IdCounters | null,
  want: IdCounters | null | undefined,
): Promise<Answer<IdCounters>> | null {
  if (!want || sameIds(now, want)) return null;
  return client.request('advanceIds', want);
}
