// How the store talks to the worker, shared by every slice that changes the lab: one command at a
// time under the busy line (with progress and Cancel), every answer's bundle applied in ONE set
// (so the draw, maps, devices and timeline render together), and the rebuild after a stopped
// worker: a replay of the store's own history ({initial, log} and the files it names) in the
// fresh worker, which brings back the lab exactly as it was before the stopped command.

import { count } from '../../core/settings/words';
import { STOPPED, type Answer, type LabClient } from '../worker/client';
import type { Args, LabBundle, Op, ResultOf, Selection } from '../worker/protocol';
import type { Busy, LabState } from './types';

type Set = (partial: Partial<LabState>) => void;
type Get = () => LabState;

export interface Driver {
  readonly client: LabClient;
  /**
   * Runs a command under the busy line. Null when another command runs, or when the worker was
   * stopped under it (then the lab has been rebuilt, and the notice says so).
   */
  call<K extends Op>(
    op: K,
    args: Args<K>,
    label: string,
    cancel?: Busy['cancel'],
  ): Promise<Answer<ResultOf<K>> | null>;
  /** Shows a bundle: fleet, session, selection, maps, devices, timeline and (if sent) the draw. */
  applyBundle(b: LabBundle, extra?: Partial<LabState>): void;
  /** Reads the views of another selection (no change to the lab). */
  views(sel: Partial<Selection>): Promise<void>;
  /** The replay arguments that rebuild the lab as the store knows it (its history and files). */
  history(): Args<'replay'> | null;
}

export function createDriver(client: LabClient, set: Set, get: Get): Driver {
  const busyOf = (op: string, label: string, cancel: Busy['cancel']): Busy => ({
    op,
    label,
    done: 0,
    total: 0,
    requestId: null,
    cancel,
    cancelRequested: false,
  });

  function applyBundle(b: LabBundle, extra: Partial<LabState> = {}): void {
    const s = get();
    const alive = new Set(b.fleet.snapshots.map((x) => x.id as number));
    const origins = Object.fromEntries(
      Object.entries(s.snapshotOrigins).filter(([k]) => alive.has(Number(k))),
    );
    const draw = b.draw === undefined ? s.lastDraw : b.draw;
    const lib = extra.outputsLibrary ?? s.outputsLibrary;
    set({
      vms: b.fleet.vms,
      snapshots: b.fleet.snapshots,
      stats: b.fleet.stats,
      session: b.session,
      selection: b.selection,
      mapA: b.maps.a,
      mapB: b.maps.b,
      mapSeq: s.mapSeq + 1,
      devices: b.devices,
      timeline: b.timeline,
      timelineVm: b.selection.vm,
      lastDraw: draw,
      outputsLibrary: draw ? Math.min(lib, Math.max(0, draw.libraries.length - 1)) : 0,
      snapshotOrigins: origins,
      ...extra,
    });
    const c = get().cursor;
    if (c) get().setCursor(c);
  }

  function history(): Args<'replay'> | null {
    const s = get();
    const v = s.session;
    if (!v) return null;
    const a = s.active;
    return {
      history: { settings: v.initial, actions: v.log },
      files: v.files.flatMap((f) => {
        const k = s.knownFiles[f.id];
        return k ? [{ name: k.name, bytes: k.bytes }] : [];
      }),
      sel: s.selection,
      scenario: a && a.step >= 0 ? { scenario: a.scenario, step: a.step } : null,
    };
  }

  /** Replays the store's history in the (fresh) worker: the lab as it was before the stopped command. */
  async function rebuild(label: string): Promise<void> {
    const args = history();
    const steps = args?.history.actions.length ?? 0;
    set({ busy: { ...busyOf('replay', 'Rebuilding the lab from its seed', null), total: steps } });
    const r = args
      ? await client.request('replay', args, {
          onProgress: (done, total) => {
            const b = get().busy;
            if (b) set({ busy: { ...b, done, total } });
          },
        })
      : await client
          .request('views', {})
          .then((v) => (v.ok ? { ok: true as const, value: { bundle: v.value, error: null } } : v));
    set({ busy: null, drawing: false });
    if (!r.ok) {
      set({
        notice: {
          tone: 'error',
          text: `${label} cancelled; rebuilding the lab failed: ${r.error.message}. Press Boot to start again.`,
        },
      });
      return;
    }
    if (r.value.error) {
      applyBundle(r.value.bundle, {
        notice: {
          tone: 'error',
          text: `${label} cancelled; rebuilding the lab failed: ${r.value.error.message}. Press Boot to start again.`,
        },
      });
      return;
    }
    applyBundle(r.value.bundle, {
      notice: {
        tone: 'warn',
        text: `${label} cancelled: the worker was stopped and the lab rebuilt from its seed (${count(steps)} action${steps === 1 ? '' : 's'} replayed), exactly as before that command.`,
      },
    });
  }

  async function call<K extends Op>(
    op: K,
    args: Args<K>,
    label: string,
    cancel: Busy['cancel'] = null,
  ): Promise<Answer<ResultOf<K>> | null> {
    if (get().busy) return null;
    set({ busy: busyOf(op, label, cancel) });
    const answer = await client.request(op, args, {
      onStart: (id) => {
        const b = get().busy;
        if (b) set({ busy: { ...b, requestId: id } });
      },
      onProgress: (done, total) => {
        const b = get().busy;
        if (b) set({ busy: { ...b, done, total } });
      },
    });
    set({ busy: null });
    if (!answer.ok && answer.error.kind === STOPPED.kind) {
      await rebuild(label);
      return null;
    }
    if (!answer.ok) set({ notice: { tone: 'error', text: `${label} failed: ${answer.error.message}` } });
    return answer;
  }

  let viewSeq = 0;
  async function views(sel: Partial<Selection>): Promise<void> {
    const mine = ++viewSeq;
    const r = await client.request('views', sel);
    // a newer selection's answer (or a lab change's bundle) wins
    if (mine === viewSeq && r.ok && !get().busy) applyBundle(r.value);
  }

  return { client, call, applyBundle, views, history };
}
