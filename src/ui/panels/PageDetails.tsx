// The page under the map cursor: number, role, flags, frame sharing and the first bytes (hex),
// all read from the core through the worker (LabApi.pageInfo).

import { useLab } from '../store/context';
import { Term } from '../view/Term';
import { selectCursor, selectPageInfo } from '../store/selectors';

export function PageDetails() {
  const info = useLab(selectPageInfo);
  const cursor = useLab(selectCursor);
  // nothing under the cursor: the panel's heading says how to look at a page
  if (!info || !cursor || info.page !== cursor.page)
    return <div className="page-details" aria-live="polite" />;
  const flags = [
    info.dirty && 'dirty',
    info.wipeOnSuspend && 'WIPEONSUSPEND',
    info.wipeOnFork && 'WIPEONFORK',
    info.dontDump && 'DONTDUMP',
    info.wiped && 'wiped',
  ].filter(Boolean);
  return (
    <div className="page-details" aria-live="polite" aria-label="Page details">
      <div>
        <strong data-field="page">
          vm {info.vm} · page {info.page.toLocaleString('en-US')}
        </strong>{' '}
        (0x{(info.page * 4096).toString(16)}) · role <strong data-field="role">{info.role}</strong> · flags{' '}
        <span data-field="flags">{flags.length ? flags.join(' ') : 'none'}</span> · frame{' '}
        <span data-field="frame">{info.frame === 0 ? '0 (zero page)' : info.frame}</span> · frame refs{' '}
        <span data-field="refcount">{info.frameRefcount}</span> · mapped by{' '}
        <span data-field="mappedBy">{info.mappedBy}</span> · <Term k="leaf-sharers">leaf sharers</Term>{' '}
        <span data-field="leafSharers">{info.leafSharers}</span>
      </div>
      <div className="mono hex" data-field="hex">
        {info.hex || '(no bytes)'}
      </div>
    </div>
  );
}
