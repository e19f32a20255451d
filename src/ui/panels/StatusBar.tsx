// The status line: what the worker is doing (with progress and Cancel for long commands) and the
// last notice. Errors are announced (role=alert); progress is polite (role=status).

import { useLab, useLabStore } from '../store/context';
import { count } from '../../core/settings/words';
import { selectBusy, selectDrawing, selectLastDraw, selectNotice, selectReady } from '../store/selectors';

export function StatusBar() {
  const store = useLabStore();
  const busy = useLab(selectBusy);
  const notice = useLab(selectNotice);
  const ready = useLab(selectReady);
  const draw = useLab(selectLastDraw);
  const drawing = useLab(selectDrawing);
  return (
    <div className="statusbar">
      <div role="status" aria-live="polite" className="status-live">
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
          duplicates{' '}
          <strong className="big-number" data-testid="duplicates-count">
            {draw.libraries.reduce((n, l) => n + l.duplicates, 0)}
          </strong>{' '}
          <span className="sub">
            of {count(draw.vms.length * draw.draws * draw.libraries.length)} outputs
          </span>
        </span>
      )}
    </div>
  );
}
