// The message for a link that could not be opened (malformed, tampered, or a replay that failed):
// the decoder's own sentence in an alert region, over the default lab that opened instead.

import { useLab, useLabStore } from '../store/context';
import type { LabState } from '../store/types';

const selectLinkAlert = (s: LabState) => s.linkAlert;

export function LinkAlert() {
  const store = useLabStore();
  const text = useLab(selectLinkAlert);
  return (
    <div className="link-alert" role="alert">
      {text && (
        <>
          <span>{text}</span>{' '}
          <button className="small" onClick={() => store.getState().dismissLinkAlert()}>
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}
