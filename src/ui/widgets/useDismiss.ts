// Closes a popover the way people expect: Esc (the key goes no further, so it does not also leave
// a scenario or presenter mode) and a press anywhere outside it. `inside` holds the popover and
// the button that opens it (a press on that button toggles it instead).

import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';

export function useDismiss(
  open: boolean,
  close: () => void,
  inside: ReadonlyArray<RefObject<HTMLElement | null>>,
  /** Where focus goes back after Esc (the opening button). */
  returnFocus?: RefObject<HTMLElement | null>,
): void {
  // the latest values, read by the listeners (which are added once per opening)
  const latest = useRef({ close, inside, returnFocus });
  useLayoutEffect(() => {
    latest.current = { close, inside, returnFocus };
  });
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      latest.current.close();
      latest.current.returnFocus?.current?.focus();
    };
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node | null;
      if (t && latest.current.inside.some((r) => r.current?.contains(t))) return;
      latest.current.close();
    };
    // capture: before the window's scenario keys, and before a click elsewhere acts
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onDown, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onDown, true);
    };
  }, [open]);
}
