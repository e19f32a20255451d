// "Predictable", shown: the Recover outputs button on an openssl-1.1.1 process's outputs, and the
// view of what the attack found (SessionHost.recoverOutputs over lab/predict.ts). For each clone:
// the timer values it searched, the counter it recovered, and whether the clone's NEXT output was
// among the 31 candidates computed before looking at it, with the time it took. Large type: it is
// read from the back of a room. It says plainly why values that differ are not safe.

import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { LibraryDraw } from '../../core/lab/types';
import { count } from '../../core/settings/words';
import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';
import type { CloneRecovery } from '../worker/protocol';
import { recoverStoreFor, type RecoverState } from './store';
import './recover.css';

const selectLab = (s: LabState) => ({ draw: s.lastDraw, busy: s.busy });
const selectView = (s: RecoverState) => ({
  open: s.open,
  draw: s.draw,
  proc: s.proc,
  running: s.running,
  result: s.result,
  error: s.error,
});

/** A value as the table shows it: whole up to 36 characters, else its ends. */
function shortValue(v: string): string {
  return v.length <= 36 ? v : `${v.slice(0, 16)}…${v.slice(-8)}`;
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);

/** The button on an openssl-1.1.1 process's outputs (nothing for another library). */
export function RecoverButton({ lib, proc }: { lib: LibraryDraw; proc: number }) {
  const store = useLabStore();
  const { busy } = useLab(useShallow(selectLab));
  if (lib.library !== 'openssl-1.1.1') return null;
  return (
    <button
      type="button"
      className="small recover-button"
      disabled={!!busy}
      title="Search each clone's timer for its first output, then predict its next one before looking"
      onClick={() => void recoverStoreFor(store).getState().recover(proc)}
    >
      Recover outputs
    </button>
  );
}

function Row({ r }: { r: CloneRecovery }) {
  const found = r.recoveredCounter !== null;
  return (
    <tr>
      <th scope="row">vm {r.vm}</th>
      <td className="num">{count(r.searched)}</td>
      <td className="mono">
        {found ? `0x${r.recoveredCounter!.toString(16).padStart(8, '0')}` : 'not found'}
        {r.matches > 1 && <span className="hint"> ({r.matches} matches)</span>}
      </td>
      <td className={r.nextRecovered ? 'rec-yes' : 'rec-no'}>
        <span aria-hidden="true">{r.nextRecovered ? '✓' : '✗'}</span>{' '}
        {r.nextRecovered
          ? `yes, 1 of ${count(r.nextCandidates)} candidates`
          : found
            ? `no: not among the ${count(r.nextCandidates)} candidates`
            : 'no: the first output was not found'}
        <div className="rec-value" title={r.nextOutput}>
          its output #2: <span className="mono">{shortValue(r.nextOutput)}</span>
        </div>
      </td>
      <td className="num">{ms(r.ms)}</td>
    </tr>
  );
}

/** The view of the attack: a modal over the lab, closed by Close or Esc. */
export function RecoverDialog() {
  const lab = useLabStore();
  const rs = recoverStoreFor(lab);
  const v = useStore(rs, useShallow(selectView));
  const { draw, busy } = useLab(useShallow(selectLab));
  const dialog = useRef<HTMLDialogElement>(null);
  // a new draw makes the attack's answer stale: the view closes
  const shown = v.open && v.draw !== null && v.draw === draw;

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (shown && !d.open) d.showModal();
    if (!shown && d.open) d.close();
  }, [shown]);

  const lib = v.draw?.libraries[v.proc];
  const res = v.result;
  const all = res ? res.results.length : 0;
  const recovered = res ? res.results.filter((r) => r.nextRecovered).length : 0;
  const bits = res?.results[0]?.unknownBits ?? 16;
  const searched = res?.results[0]?.searched;
  return (
    <dialog
      ref={dialog}
      className="recover-dialog"
      aria-labelledby="recover-h"
      onClose={() => rs.getState().close()}
    >
      <div className="rec-head">
        <h2 id="recover-h">Recovered from the snapshot: {lib?.library ?? 'openssl-1.1.1'}</h2>
        {v.running ? (
          <button type="button" onClick={() => lab.getState().cancel()} disabled={!busy?.cancel}>
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => dialog.current?.close()}>
            Close
          </button>
        )}
      </div>
      {v.error ? (
        <p className="rec-refused" role="alert">
          Recover outputs refused: {v.error}.
        </p>
      ) : v.running || !res ? (
        <p className="rec-lead" aria-live="polite">
          Searching each clone&apos;s timer for its first output…
          {busy && busy.total > 0 && (
            <>
              {' '}
              clone {count(busy.done)} of {count(busy.total)}
            </>
          )}
        </p>
      ) : (
        <>
          <p className="rec-lead" aria-live="polite">
            <strong>
              {count(res.distinctFirst)} of {count(all)} clones
            </strong>{' '}
            printed different values, and the next output of{' '}
            <strong className="rec-count">{count(recovered)}</strong> of {count(all)} was predicted before
            looking.
          </p>
          <p className="rec-how">
            Each call mixes the pid, the thread id and the low 32 bits of the cycle counter into a DRBG state
            every clone copied from the snapshot. Holding the snapshot, the attacker knows all of it but the
            clone&apos;s own timer bits, and tries them all
            {searched ? `: ${count(searched)} values per clone` : ''}.
          </p>
          <div className="rec-table">
            <table aria-label="What the attack found, per clone">
              <thead>
                <tr>
                  <th scope="col">clone</th>
                  <th scope="col" className="num">
                    counters searched
                  </th>
                  <th scope="col">recovered counter</th>
                  <th scope="col">next output recovered</th>
                  <th scope="col" className="num">
                    time
                  </th>
                </tr>
              </thead>
              <tbody>
                {res.results.map((r) => (
                  <Row key={r.vm} r={r} />
                ))}
              </tbody>
            </table>
          </div>
          <p className="rec-why">
            <strong>Distinct is not safe.</strong> These values never repeat, yet each clone&apos;s timer
            could take only {count(searched ?? 0)} values (about 2<sup>{bits.toFixed(0)}</sup>; the ledger
            counts at most {res.perCallBits} unknown bits a call): {ms(res.ms / Math.max(1, all))} per clone
            here. Safe takes 128 unknown bits, which no search reaches.
          </p>
          {(res.cancelled || res.attacked < res.clones) && (
            <p className="hint">
              {res.cancelled
                ? `Cancelled after ${count(all)} of ${count(res.attacked)} clones.`
                : `The attack ran on the first ${count(res.attacked)} of ${count(res.clones)} clones; each is the same search.`}
            </p>
          )}
        </>
      )}
    </dialog>
  );
}
