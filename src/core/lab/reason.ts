// The reason for a verdict in one line, from the draw's facts and its entropy ledger: what the
// report, the CLI table and the app print beside the verdict word. No wasm, no DOM.

import { count, drawLabel } from './words';
import type { CauseName, LibraryDraw } from './types';

/** What each ledger cause is, as a phrase ("the VMGenID notification"). */
export const CAUSE_WORDS: Record<CauseName, string> = {
  'vmgenid-notify': 'the VMGenID notification (the CRNG reseeded with the new ID)',
  'crng-reseed': 'a CRNG reseed',
  'sysgenid-bump': 'the SysGenId bump (the library reseeded from getrandom)',
  'agent-reseed': "the agent's reseed (RNDADDENTROPY + RNDRESEEDCRNG)",
  'periodic-reseed': "the kernel's scheduled reseed",
  'library-reseed': "the library's own reseed interval",
  'interrupt-flush': 'interrupt timings pooled since restore',
  'pm-reseed': 'the PM notifier reseeding on resume from S3',
  rdrand: 'RDRAND in every call',
  boot: "the boot's own entropy (nothing was restored)",
};

function minMax(xs: readonly number[]): string {
  if (xs.length === 0) return '0';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** One line: why this library got its verdict. */
export function verdictReason(lib: LibraryDraw): string {
  const bits = `${minMax(lib.freshEntropyBits)} fresh bits per clone`;
  const cause = lib.endedBy ? CAUSE_WORDS[lib.endedBy] : null;
  switch (lib.verdict) {
    case 'dup':
      return `every clone emitted the same ${count(lib.draws)} value(s): the state in the snapshot was never refreshed (${bits})`;
    case 'dup-until':
      return `duplicated until ${drawLabel(lib.firstSafeDraw)}, then unique: ${cause ?? 'fresh input'} (${bits})`;
    case 'unique':
      return lib.clones < 2
        ? 'one VM drew: nothing to collide with'
        : `distinct from the first draw with at least 128 unknown bits behind each: ${cause ?? 'fresh input'} (${bits})`;
    case 'predictable':
      return lib.perCallBits > 0
        ? `values differ, but each call mixes in only ${lib.perCallBits} unknown bits (a timer an attacker holding the snapshot can search) and the state is shared (${bits})`
        : `values differ, but only guessable input went in since restore (${bits}; 128 needed)`;
    case 'mixed':
      return `some draws collide and others do not, or the values differ before 128 unknown bits went in (safe from ${drawLabel(lib.safeFromDraw)}; ${bits})`;
  }
}
