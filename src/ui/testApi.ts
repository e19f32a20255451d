// A read-only window onto the lab for the e2e tests and the UI benchmark: queries forwarded to
// the worker and a few store facts. Nothing here can change the fleet. One exception, for tests
// only: setFrameLimitForTests caps the core's frames, so exhaustion can be reached in seconds
// instead of filling 4 GiB of wasm memory (it adds or removes no VM or snapshot).

import { paints } from './lib/paintLog';
import type { LabStore } from './store/store';
import type { LabClient } from './worker/client';

export interface LabTestApi {
  pageInfo(vm: number, page: number): Promise<unknown>;
  fleet(): Promise<unknown>;
  devices(vms: number[]): Promise<unknown>;
  timeline(vm: number): Promise<unknown>;
  /** Class counts and special pages of a VM's map (no class array). */
  mapSummary(vm: number): Promise<unknown>;
  state(): {
    ready: boolean;
    busy: string | null;
    bootVm: number | null;
    selectedVm: number | null;
    compareVm: number | null;
    selectedSnapshot: number | null;
    mapSeq: number;
    duplicates: number | null;
  };
  paints: typeof paints;
  /** The last draw per library: its duplicate count and the first `draws` outputs of each VM. */
  lastDraw(draws: number): Array<{ library: string; duplicates: number; outputs: string[][] }> | null;
  /** TEST ONLY: caps the core's frames (0 lifts the cap); returns the cap in force. */
  setFrameLimitForTests(frames: number): Promise<number>;
}

declare global {
  interface Window {
    __lab?: LabTestApi;
  }
}

const value = async <T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>) => {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** Installs window.__lab. */
export function installTestApi(client: LabClient, store: LabStore): void {
  window.__lab = {
    pageInfo: (vm, page) => value(client.request('pageInfo', { vm, page })),
    fleet: () => value(client.request('fleet', {})),
    devices: (vms) => value(client.request('devices', { vms })),
    timeline: (vm) => value(client.request('timeline', { vm })),
    mapSummary: async (vm) => {
      const { classes: _classes, ...rest } = await value(
        client.request('memoryMap', { vm, compareWith: null }),
      );
      return rest;
    },
    state: () => {
      const s = store.getState();
      return {
        ready: s.ready,
        busy: s.busy?.op ?? null,
        bootVm: s.bootVm,
        selectedVm: s.selectedVm,
        compareVm: s.compareVm,
        selectedSnapshot: s.selectedSnapshot,
        mapSeq: s.mapSeq,
        duplicates: s.lastDraw?.duplicates ?? null,
      };
    },
    paints,
    lastDraw: (draws) =>
      store.getState().lastDraw?.libraries.map((l) => ({
        library: l.library,
        duplicates: l.duplicates,
        outputs: l.outputs.map((row) => row.slice(0, draws)),
      })) ?? null,
    setFrameLimitForTests: async (frames) =>
      (await value(client.request('setFrameLimit', { frames }))).frameLimit,
  };
}
