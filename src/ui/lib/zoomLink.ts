// Keeps the zoom of the two side-by-side maps in step: whichever map the person zooms, the other
// follows, so page N sits under page N.

export interface ZoomState {
  k: number;
  x: number;
  y: number;
}

export interface ZoomLink {
  get(): ZoomState;
  /** Publishes a new zoom from `from`; every other subscriber is called. */
  set(t: ZoomState, from: object): void;
  subscribe(who: object, fn: (t: ZoomState) => void): () => void;
}

export function createZoomLink(): ZoomLink {
  let t: ZoomState = { k: 1, x: 0, y: 0 };
  const subs = new Map<object, (t: ZoomState) => void>();
  return {
    get: () => t,
    set(next, from) {
      t = next;
      for (const [who, fn] of subs) if (who !== from) fn(next);
    },
    subscribe(who, fn) {
      subs.set(who, fn);
      return () => subs.delete(who);
    },
  };
}
