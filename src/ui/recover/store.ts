// The "Recover outputs" view's own small store: the attack on an openssl-1.1.1 process of the last
// draw (SessionHost.recoverOutputs), sent under the lab's busy line (progress and Cancel), and
// what it found. One per lab store; the lab's store holds nothing of it.
//
// Invariants: a result belongs to the draw it was computed from; a new draw makes it stale and
// the view closes (the panel compares `draw` with the lab's lastDraw). A refused or failed attack
// keeps its sentence in `error`, shown in the view.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DrawResult } from '../../core/lab/types';
import { driverOf, type LabStore } from '../store/store';
import type { RecoveryView } from '../worker/protocol';

export interface RecoverState {
  /** The view is shown (for `draw`, process `proc`). */
  open: boolean;
  draw: DrawResult | null;
  proc: number;
  running: boolean;
  result: RecoveryView | null;
  error: string | null;
  /** Runs the attack on process `proc` of the lab's last draw and shows the view. */
  recover(proc: number): Promise<void>;
  close(): void;
}

export type RecoverStore = StoreApi<RecoverState>;

const stores = new WeakMap<LabStore, RecoverStore>();

/** The recover store of a lab store (made on first use). */
export function recoverStoreFor(lab: LabStore): RecoverStore {
  let s = stores.get(lab);
  if (!s) {
    s = createRecoverStore(lab);
    stores.set(lab, s);
  }
  return s;
}

function createRecoverStore(lab: LabStore): RecoverStore {
  return createStore<RecoverState>()((set, get) => ({
    open: false,
    draw: null,
    proc: 0,
    running: false,
    result: null,
    error: null,
    recover: async (proc) => {
      const l = lab.getState();
      const draw = l.lastDraw;
      if (!draw || l.busy || get().running) return;
      set({ open: true, draw, proc, running: true, result: null, error: null });
      const d = driverOf(lab);
      if (!d) {
        set({ running: false, error: 'the lab worker is not connected' });
        return;
      }
      const lib = draw.libraries[proc];
      const r = await d.call(
        'recoverOutputs',
        { proc },
        `Recovering ${lib?.library ?? 'the'} outputs: searching each clone's timer`,
        'chunks',
      );
      if (get().draw !== draw) return;
      if (!r) set({ running: false, open: false });
      else if (!r.ok) set({ running: false, error: r.error.message });
      else if (!r.value.ok) set({ running: false, error: r.value.error.message });
      else set({ running: false, result: r.value.value });
    },
    close: () => set({ open: false }),
  }));
}
