// A read-only window onto the lab for the e2e tests and the UI benchmark: queries forwarded to
// the worker (views of a selection change nothing in the lab) and a few store facts. Nothing here
// can change the fleet. One exception, for tests only: setFrameLimitForTests caps the core's
// frames, so exhaustion can be reached in seconds instead of filling 4 GiB of wasm memory (it
// adds or removes no VM or snapshot).

import { outputText } from '../core/lab/draw';
import type { Action } from '../core/session/actions';
import type { LabSettings } from '../core/settings/settings';
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
  /** The session's history as the store holds it (what links, saved sessions and exports carry). */
  history(): { settings: LabSettings; actions: Action[] } | null;
  paints: typeof paints;
  /** The last draw per library: its duplicate count and the first `draws` outputs of each VM, as text. */
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
  const views = (vm: number | null = null) =>
    value(client.request('views', vm === null ? {} : { vm, compare: null }));
  window.__lab = {
    pageInfo: async (vm, page) => {
      const r = await value(client.request('pageInfo', { vm, page }));
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    },
    fleet: async () => (await views()).fleet,
    devices: async (vms) => (await views()).devices.filter((d) => vms.includes(d.vm)),
    timeline: async (vm) => (await views(vm)).timeline,
    mapSummary: async (vm) => {
      const m = (await views(vm)).maps.a;
      if (!m) throw new Error(`no VM ${vm}`);
      const { classes: _classes, ...rest } = m;
      return rest;
    },
    state: () => {
      const s = store.getState();
      return {
        ready: s.ready,
        busy: s.busy?.op ?? null,
        bootVm: s.session?.lineage.original ?? null,
        selectedVm: s.selection.vm,
        compareVm: s.selection.compare,
        selectedSnapshot: s.selection.snapshot,
        mapSeq: s.mapSeq,
        duplicates: s.lastDraw ? s.lastDraw.libraries.reduce((n, l) => n + l.duplicates, 0) : null,
      };
    },
    history: () => {
      const v = store.getState().session;
      return v ? { settings: v.initial, actions: [...v.log] } : null;
    },
    paints,
    lastDraw: (draws) =>
      store.getState().lastDraw?.libraries.map((l) => ({
        library: l.library,
        duplicates: l.duplicates,
        outputs: Array.from({ length: l.clones }, (_, c) =>
          Array.from({ length: Math.min(draws, l.draws) }, (_, d) => outputText(l, c, d)),
        ),
      })) ?? null,
    setFrameLimitForTests: (frames) => value(client.request('setFrameLimit', { frames })),
  };
}
