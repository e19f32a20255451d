// Hands the one store to the component tree; components read it with useLab(selector).

import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { LabStore } from './store';
import type { LabState } from './types';

const StoreContext = createContext<LabStore | null>(null);

export function StoreProvider({ store, children }: { store: LabStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** The store itself (for subscribe and actions). */
export function useLabStore(): LabStore {
  const s = useContext(StoreContext);
  if (!s) throw new Error('useLabStore outside StoreProvider');
  return s;
}

/** Reads a slice of the store; pass a module-scope selector (useShallow if it builds an object). */
export function useLab<T>(selector: (s: LabState) => T): T {
  return useStore(useLabStore(), selector);
}
