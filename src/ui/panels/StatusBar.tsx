// The status line: what the worker is doing (with progress and Cancel for long commands) and the
// last notice. Errors are announced (role=alert); progress is polite (role=status).
// The duplicates count is the UI contract's element: its text is the number itself ("96192");
// its thousands separators are drawn by the stylesheet (.grp::before), so a big count reads
// "96,192" on screen, like every other count, and its text still parses as a number.

import { useLab, useLabStore } from '../store/context';
import { Term } from '../view/Term';
import { count } from '../../core/settings/words';
import { selectBusy, selectDrawing, selectLastDraw, selectNotice, selectReady } from '../store/selectors';

/** A whole number whose text is its digits, its groups of three separated by CSS (.grp). */
export function Grouped({ n }: { n: number }) {
  const digits = String(Math.round(n));
  const head = digits.length % 3 || 3;
  const groups = [digits.slice(0, head)];
  for (let i = head; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return (
    <>
      {groups[0]}
      {groups.slice(1).map((g, i) => (
        <span key={i} className="grp">
          {g}
        </span>
      ))}
    </>
  );
}

export function StatusBar() {
  const store = useLabStore();
  const busy = useLab(selectBusy);
  const notice = useLab(selectNotice);
  const ready = useLab(selectReady);
  const draw = useLab(selectLastDraw);
  const drawing = useLab(selectDrawing);
  return (
    <div className="statusbar">
      <div role="status" aria-live="polite" className="status-live" data-capture="skip">
        {!ready && <span>Loading the wasm core…</span>}
        {ready && !busy && <span>Ready</span>}
        {busy && (
          <>
            <span>
              {busy.label}
              {busy.total > 0 ? `: ${count(busy.done)} / ${count(busy.total)}` : '…'}
              {busy.cancelRequested
                ? busy.cancel === 'chunks'
                  ? ' (cancelling after this batch)'
                  : ' (stopping)'
                : ''}
            </span>
            {busy.total > 0 ? (
              <progress value={busy.done} max={busy.total} aria-label="Progress">
                {Math.round((100 * busy.done) / busy.total)}%
              </progress>
            ) : (
              <progress aria-label="Progress" />
            )}
          </>
        )}
      </div>
      {busy?.cancel && (
        <button
          onClick={() => store.getState().cancel()}
          disabled={busy.cancelRequested || busy.requestId === null}
          title={
            busy.cancel === 'chunks'
              ? 'stop after the current batch; finished batches are kept'
              : 'stop the worker and rebuild the lab as it was before this command'
          }
        >
          Cancel
        </button>
      )}
      {notice && (
        <div className={`notice ${notice.tone}`} role={notice.tone === 'error' ? 'alert' : undefined}>
          {notice.text}{' '}
          <button
            className="small"
            onClick={() => store.getState().dismissNotice()}
            aria-label="Dismiss message"
          >
            ✕
          </button>
        </div>
      )}
      {!notice && <span className="spacer" />}
      {draw && !drawing && (
        <span
          className="headline"
          title="outputs of the last draw whose value also occurs in another VM (the core's count)"
        >
          <Term k="duplicate">duplicates</Term>{' '}
          <strong className="big-number" data-testid="duplicates-count">
            <Grouped n={draw.libraries.reduce((n, l) => n + l.duplicates, 0)} />
          </strong>{' '}
          <span className="sub">
            of {count(draw.vms.length * draw.draws * draw.libraries.length)} outputs
          </span>
        </span>
      )}
    </div>
  );
}
