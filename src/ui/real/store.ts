// The Real kernel region's own store (zustand, vanilla): the fleet of real v86 clones in the
// worker, their latest reads, and the timeline of distinct /dev/urandom values over real time.
// Separate from the lab's store on purpose: the real kernel shares no state with the model.
//
// Invariants:
// - Only a restore makes the region busy (buttons disabled, progress, Cancel); reads and the
//   agent reseed run while the fleet idles, and the worker queues them per clone.
// - `history` holds one point per completed read, in seconds since the fleet was restored, so the
//   timeline is real time, not read count. A new restore clears it.
// - The auto-read timer is the store's; it never starts a read while one is in flight.
// - `saved` comes from manifest.json alone (a small file, fetched on demand by probe()): what the
//   model needs before any clone is restored. `model` is the lab model's prediction for these
//   clones, which the panel asks the lab's worker for (the real worker runs no model).

import { createStore, type StoreApi } from 'zustand/vanilla';
import { loadManifest } from '../../core/real/assets';
import { FETCH_COMMAND } from '../../core/real/errors';
import { fetchSource } from '../../core/real/fetch';
import type { ModelPrediction } from '../../core/real/prediction';
import { REAL_DEFAULTS, REAL_LIMITS } from '../../core/real/limits';
import { distinctCount, type CloneReading } from '../../core/real/reading';
import type { RealClient } from './client';
import type { KernelInfo, RestoredFleet } from './protocol';

export interface RealHistoryPoint {
  /** Seconds since the clones were restored (host time). */
  tS: number;
  distinct: number;
  clones: number;
}

export interface RealRestoreProgress {
  stage: 'download' | 'restore';
  done: number;
  total: number;
}

export interface RealState {
  clonesWanted: number;
  /** Set while a restore runs (the only op that makes the region busy). */
  restoring: RealRestoreProgress | null;
  reading: boolean;
  reseeding: boolean;
  /** The assets are not on the server (or not usable): the region shows FETCH_COMMAND. */
  assetsMissing: boolean;
  /** Why the assets are not usable (a damaged or stale file), null when they are simply absent. */
  assetsProblem: string | null;
  error: string | null;
  kernel: KernelInfo | null;
  /** Host ms each clone took to restore; empty when there is no fleet. */
  restoreMs: number[];
  /** performance.now() when the fleet was restored. */
  restoredAt: number | null;
  latest: { tS: number; readings: CloneReading[] } | null;
  history: RealHistoryPoint[];
  /** Seconds since the restore when the agent reseed ran (a line on the timeline). */
  reseedAtS: number | null;
  reseedMs: number[] | null;
  autoRead: boolean;
  autoEveryS: number;
  /** The saved state's facts from manifest.json (null: not read, or no assets). */
  saved: { uptimeS: number; release: string; version: string } | null;
  /** The lab model's prediction for these clones, and the request it answers (JSON). */
  model: ModelPrediction | null;
  modelKey: string | null;
  modelError: string | null;
}

export interface RealActions {
  setClonesWanted(n: number): void;
  restore(): Promise<void>;
  cancel(): void;
  read(): Promise<void>;
  agentReseed(): Promise<void>;
  setAutoRead(on: boolean): void;
  setAutoEveryS(s: number): void;
  /** Destroys the fleet (frees the worker's memory). */
  destroy(): Promise<void>;
  /** Reads manifest.json: true when the assets are there (else assetsMissing, and the reason). */
  probe(): Promise<boolean>;
  setModel(key: string, model: ModelPrediction | null, error: string | null): void;
}

export type RealStore = StoreApi<RealState & RealActions>;

/** Distinct /dev/urandom values among the latest reads (data-testid="real-distinct-count"). */
export const selectDistinct = (s: RealState): number | null =>
  s.latest ? distinctCount(s.latest.readings.map((r) => r.urandom)) : null;

/** Where the assets are: public/real/ next to the page, whatever path the app is served under. */
export function assetsUrl(): string {
  return new URL('real/', document.baseURI).href;
}

const initial: RealState = {
  clonesWanted: REAL_DEFAULTS.clones,
  restoring: null,
  reading: false,
  reseeding: false,
  assetsMissing: false,
  assetsProblem: null,
  error: null,
  kernel: null,
  restoreMs: [],
  restoredAt: null,
  latest: null,
  history: [],
  reseedAtS: null,
  reseedMs: null,
  autoRead: false,
  autoEveryS: REAL_DEFAULTS.autoReadEveryS,
  saved: null,
  model: null,
  modelKey: null,
  modelError: null,
};

/** The store over a client; `urlOfAssets` is injectable for tests. */
export function createRealStore(client: RealClient, urlOfAssets: () => string = assetsUrl): RealStore {
  let restoreId: number | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  const since = (t0: number | null) => (t0 === null ? 0 : (performance.now() - t0) / 1000);

  const store = createStore<RealState & RealActions>()((set, get) => {
    const schedule = () => {
      if (timer) clearInterval(timer);
      timer = null;
      const s = get();
      if (s.autoRead && s.restoredAt !== null)
        timer = setInterval(() => {
          const now = get();
          if (!now.reading && !now.restoring) void now.read();
        }, s.autoEveryS * 1000);
    };
    return {
      ...initial,
      setClonesWanted: (n) => set({ clonesWanted: n }),
      restore: async () => {
        if (get().restoring) return;
        set({
          restoring: { stage: 'download', done: 0, total: 0 },
          error: null,
          assetsMissing: false,
          assetsProblem: null,
        });
        const a = await client.request<RestoredFleet>(
          { kind: 'restore', count: get().clonesWanted, assetsUrl: urlOfAssets() },
          {
            onStart: (id) => (restoreId = id),
            onProgress: (stage, done, total) => set({ restoring: { stage, done, total } }),
          },
        );
        restoreId = null;
        const cleared = {
          restoring: null,
          restoreMs: [],
          restoredAt: null,
          latest: null,
          history: [],
          reseedAtS: null,
          reseedMs: null,
        };
        if (!a.ok) {
          const { kind, message } = a.error;
          const missing = kind === 'AssetsMissing' || kind === 'AssetsInvalid';
          set({
            ...cleared,
            assetsMissing: missing,
            assetsProblem: kind === 'AssetsInvalid' ? message : null,
            error: missing || kind === 'Cancelled' ? null : message,
          });
        } else {
          set({
            ...cleared,
            kernel: a.value.kernel,
            restoreMs: a.value.restoreMs,
            restoredAt: performance.now(),
          });
        }
        schedule();
      },
      cancel: () => {
        if (restoreId !== null) client.cancel(restoreId);
      },
      read: async () => {
        const s = get();
        if (s.restoredAt === null || s.reading) return;
        set({ reading: true });
        const a = await client.request<CloneReading[]>({ kind: 'read' });
        const tS = since(get().restoredAt);
        if (!a.ok) {
          set({ reading: false, error: a.error.message });
          return;
        }
        const readings = a.value;
        set((st) => ({
          reading: false,
          error: null,
          latest: { tS, readings },
          history: [
            ...st.history,
            { tS, distinct: distinctCount(readings.map((r) => r.urandom)), clones: readings.length },
          ].slice(-600),
        }));
      },
      agentReseed: async () => {
        const s = get();
        if (s.restoredAt === null || s.reseeding) return;
        set({ reseeding: true });
        const a = await client.request<number[]>({ kind: 'reseed' });
        if (!a.ok) set({ reseeding: false, error: a.error.message });
        else set({ reseeding: false, error: null, reseedMs: a.value, reseedAtS: since(get().restoredAt) });
      },
      setAutoRead: (on) => {
        set({ autoRead: on });
        schedule();
      },
      setAutoEveryS: (sec) => {
        const { min, max } = REAL_LIMITS.autoReadEveryS;
        set({ autoEveryS: Math.min(max, Math.max(min, sec)) });
        schedule();
      },
      probe: async () => {
        const m = await loadManifest(fetchSource(urlOfAssets()));
        if (!m.ok) {
          const invalid = m.error.kind === 'AssetsInvalid';
          set({ saved: null, assetsMissing: true, assetsProblem: invalid ? m.error.message : null });
          return false;
        }
        const v = m.value;
        set({
          saved: { uptimeS: v.snapshot.uptimeS, release: v.kernelRelease, version: v.kernelVersion },
          assetsMissing: false,
          assetsProblem: null,
        });
        return true;
      },
      setModel: (modelKey, model, modelError) => set({ modelKey, model, modelError }),
      destroy: async () => {
        set({ autoRead: false });
        schedule();
        await client.request<null>({ kind: 'destroy' });
        set({ restoreMs: [], restoredAt: null, latest: null, history: [], reseedAtS: null, reseedMs: null });
      },
    };
  });
  return store;
}

export { FETCH_COMMAND };
