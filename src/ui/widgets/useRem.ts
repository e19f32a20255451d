// The root font size in px, kept current: presenter mode sizes type by the viewport and Large type
// changes it, so a canvas that draws in px (the heat-map) reads it to grow with the text.

import { useSyncExternalStore } from 'react';

function subscribe(cb: () => void): () => void {
  const mo = new MutationObserver(cb);
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'style'] });
  window.addEventListener('resize', cb);
  return () => {
    mo.disconnect();
    window.removeEventListener('resize', cb);
  };
}

const read = () => parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;

/** The root font size in px (15 in server rendering). */
export function useRem(): number {
  return useSyncExternalStore(subscribe, read, () => 15);
}
