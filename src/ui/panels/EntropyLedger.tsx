// The entropy ledger of one VM after the last draw, beside its race window: per library, the bits
// of input since restore that nobody holding the snapshot knows (LibraryDraw.freshEntropyBits),
// against the 128-bit line a verdict of "unique" needs, and what raised them (the ledger's cause,
// in lab/reason.ts CAUSE_WORDS), with the draw from which every clone was safe. A bar, the number
// and the words: colour is never the only signal.

import { CAUSE_WORDS } from '../../core/lab/reason';
import type { DrawResult, LibraryDraw } from '../../core/lab/types';
import { drawLabel } from '../../core/settings/words';

/** The ledger's cap (bits), the width of a bar. */
const CAP = 256;
const SAFE = 128;
const BAR_W = 96;

/** What raised one clone's bits, in words. */
export function ledgerWords(lib: LibraryDraw, bits: number): string {
  if (bits === 0)
    return lib.perCallBits > 0
      ? `nothing unknown since restore; each call adds ${lib.perCallBits} timer bits an attacker can search`
      : 'nothing unknown since restore: the state is the snapshot’s';
  const cause = lib.endedBy ? CAUSE_WORDS[lib.endedBy] : 'fresh input';
  const safe = lib.firstSafeDraw !== null ? `; safe from draw ${drawLabel(lib.firstSafeDraw)}` : '';
  return `from ${cause}${bits < SAFE ? ` (short of ${SAFE})` : safe}`;
}

function Bar({ bits }: { bits: number }) {
  const x = (b: number) => (Math.min(CAP, b) / CAP) * BAR_W;
  return (
    <svg width={BAR_W + 2} height={14} aria-hidden="true" className="ledger-bar">
      <rect x={1} y={2} width={BAR_W} height={10} fill="none" stroke="var(--border)" />
      {bits > 0 && (
        <rect
          x={1}
          y={2}
          width={x(bits)}
          height={10}
          fill={bits >= SAFE ? 'var(--v-unique, #009e73)' : 'var(--v-until, #e69f00)'}
        />
      )}
      <line x1={1 + x(SAFE)} x2={1 + x(SAFE)} y1={0} y2={14} stroke="var(--fg)" strokeWidth={2} />
    </svg>
  );
}

/** The ledger of `vm` in `draw` (nothing when the VM did not draw). */
export function EntropyLedger({ draw, vm }: { draw: DrawResult; vm: number }) {
  const c = draw.vms.indexOf(vm);
  if (c < 0) return null;
  return (
    <div className="ledger" role="group" aria-labelledby="ledger-h">
      <p className="ledger-head" id="ledger-h">
        Fresh entropy in vm {vm}{' '}
        <span className="ledger-key">
          bits since restore that no one holding the snapshot knows; ┃ {SAFE}, what <em>unique</em> needs
        </span>
      </p>
      <ul>
        {draw.libraries.map((l, i) => {
          const bits = l.freshEntropyBits[c] ?? 0;
          const words = ledgerWords(l, bits);
          return (
            <li key={`${l.library}-${i}`} aria-label={`${l.library}: ${bits} fresh bits, ${words}`}>
              <span className="ledger-lib">{l.library}</span>
              <Bar bits={bits} />
              <strong className="ledger-bits">{bits}</strong>
              <span className="ledger-why">{words}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
