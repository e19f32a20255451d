// Actions: the only code that talks to the worker. Each mutating action marks the store busy,
// sends one command, and on the answer updates the slices; the fleet itself arrives with every
// mutating answer (LabClient.onFleet). Views (maps, devices, timeline) are re-read afterwards.
//
// Cancel. A restore runs in batches and stops at the next batch boundary, keeping the finished
// batches (each a complete set of running clones). A draw is one core call (its collision
// statistics span every clone), so cancelling it terminates the worker and rebuilds the lab by
// replaying the journal of successful commands from the same seed: the core is deterministic, so
// the rebuilt fleet is the fleet as it was before the draw, byte for byte.

import { STOPPED, type LabClient } from '../worker/client';
import type { IdCounters } from '../worker/filesProtocol';
import type { Args, DrawView, Op, ResultOf } from '../worker/protocol';
import { FRESH_IDS, moveIds } from './ids';
import { bootFingerprint, bootRequest } from './settings';
import { initialInspect, initialMaps } from './slices';
import type { ActionsSlice, FleetSlice, LabState, SliceCreator } from './types';

/** Devices are read for at most this many VMs (the panel lists them; more would only scroll). */
export const DEVICE_ROWS = 256;

/** Keeps selections pointing at live objects after the fleet changed. */
export function reconcileSelection(
  s: LabState,
  fleet: Pick<FleetSlice, 'vms' | 'snapshots'>,
): Partial<FleetSlice> {
  const alive = new Set(fleet.vms.map((v) => v.id as number));
  const snaps = new Set(fleet.snapshots.map((x) => x.id as number));
  const running = fleet.vms.filter((v) => v.state === 'running').map((v) => v.id as number);
  const bootVm = s.bootVm !== null && alive.has(s.bootVm) ? s.bootVm : null;
  let selectedVm = s.selectedVm !== null && alive.has(s.selectedVm) ? s.selectedVm : null;
  selectedVm ??=
    running.find((v) => v !== bootVm) ?? bootVm ?? (fleet.vms[0]?.id as number | undefined) ?? null;
  let compareVm =
    s.compareVm !== null && alive.has(s.compareVm) && s.compareVm !== selectedVm ? s.compareVm : null;
  if (compareVm === null && s.compareVm !== null)
    compareVm = running.find((v) => v !== selectedVm && v !== bootVm) ?? null;
  const selectedSnapshot =
    s.selectedSnapshot !== null && snaps.has(s.selectedSnapshot)
      ? s.selectedSnapshot
      : ((fleet.snapshots[fleet.snapshots.length - 1]?.id as number | undefined) ?? null);
  return { bootVm, selectedVm, compareVm, selectedSnapshot };
}

/** Running VMs draw; the original stays paused after a snapshot until resumed. */
export function drawingVms(s: Pick<LabState, 'vms'>): number[] {
  return s.vms.filter((v) => v.state === 'running').map((v) => v.id as number);
}

/** A successful mutating command, as replayed after a restart. */
export interface JournalEntry {
  op: Op;
  args: unknown;
  /** The core's id counters before it ran (ids.ts: a replay moves a fresh core there first). */
  ids?: IdCounters | null;
}

export function createActionsSlice(client: LabClient): SliceCreator<ActionsSlice> {
  return (set, get) => {
    let viewSeq = 0;
    let journal: JournalEntry[] = [];

    client.onFleet = (fleet) => {
      set({ vms: fleet.vms, snapshots: fleet.snapshots, stats: fleet.stats, ids: fleet.ids });
      set(reconcileSelection(get(), fleet));
    };

    /** Runs a mutating command with the busy state; returns its value or null (notice set). */
    async function run<K extends Op>(
      op: K,
      args: Args<K>,
      label: string,
      cancel: 'chunks' | 'restart' | null = null,
    ): Promise<ResultOf<K> | null> {
      if (get().busy) return null;
      const ids = get().ids;
      set({ busy: { op, label, done: 0, total: 0, requestId: null, cancel, cancelRequested: false } });
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
      if (!answer.ok) {
        if (answer.error.kind === STOPPED.kind) {
          await rebuild(`${label} cancelled`);
          return null;
        }
        set({ notice: { tone: 'error', text: `${label} failed: ${answer.error.message}` } });
        void get().refreshViews();
        return null;
      }
      if (op === 'reset') journal = [];
      else if (op !== 'restore') journal.push({ op, args, ids });
      return answer.value;
    }

    /** Replays the journal in a fresh worker: the lab as it was before the stopped command. */
    async function rebuild(why: string): Promise<void> {
      const steps = journal;
      journal = [];
      set({ ids: FRESH_IDS }); // the restarted worker's
      set({
        busy: {
          op: 'rebuild',
          label: 'Rebuilding the lab from its seed',
          done: 0,
          total: steps.length,
          requestId: null,
          cancel: null,
          cancelRequested: false,
        },
      });
      let lastDraw = null;
      for (let i = 0; i < steps.length; i++) {
        const e = steps[i]!;
        const moved = await moveIds(client, get().ids, e.ids);
        const r = moved && !moved.ok ? moved : await client.request(e.op, e.args as never);
        if (!r.ok) {
          set({
            busy: null,
            notice: {
              tone: 'error',
              text: `${why}; rebuilding failed at step ${i + 1} (${e.op}): ${r.error.message}. Press Boot to start again.`,
            },
          });
          const f = await client.request('fleet', {});
          if (f.ok) client.onFleet(f.value);
          return;
        }
        journal.push(e);
        if (e.op === 'draw') lastDraw = r.value as DrawView;
        if (e.op === 'openLink') lastDraw = (r.value as ResultOf<'openLink'>).session.draw;
        set({ busy: { ...get().busy!, done: i + 1 } });
      }
      if (steps.length === 0) {
        const f = await client.request('fleet', {});
        if (f.ok) client.onFleet(f.value);
      }
      set({
        busy: null,
        lastDraw,
        notice: {
          tone: 'warn',
          text: `${why}: the worker was stopped and the lab rebuilt from its seed (${steps.length} step${steps.length === 1 ? '' : 's'} replayed), exactly as before that command.`,
        },
      });
      await get().refreshViews();
    }

    const fmt = (n: number) => n.toLocaleString('en-US');

    return {
      init: async () => {
        const answer = await client.request('guests', {});
        if (answer.ok) {
          const bad = answer.value.filter((g) => g.error);
          get().setGuests(
            answer.value,
            bad.length ? bad.map((g) => `${g.file}: ${g.error}`).join('; ') : null,
          );
        } else get().setGuests([], answer.error.message);
        const f = await client.request('fleet', {});
        if (f.ok) client.onFleet(f.value);
        set({ ready: true });
      },

      boot: async () => {
        const s0 = get();
        const req = bootRequest(s0);
        if ('error' in req) {
          set({ notice: { tone: 'error', text: `Boot refused: ${req.error}` } });
          return;
        }
        if (get().vms.length > 0 || get().snapshots.length > 0) {
          if (!(await run('reset', {}, 'Reset'))) return;
        }
        set({
          lastDraw: null,
          ...initialInspect,
          bootVm: null,
          selectedVm: null,
          compareVm: null,
          selectedSnapshot: null,
        });
        // the restore/draw knobs too, so the lab's link starts with the controls as they are
        const knobs = {
          clones: s0.clones,
          draws: s0.draws,
          notifyDelayUs: s0.notifyDelayUs,
          snapshot: s0.snapshotType,
        };
        const r = await run('boot', { ...req, knobs }, 'Boot');
        if (!r) return;
        set({ bootVm: r.vm, selectedVm: r.vm, bootedWith: bootFingerprint(get()), notice: null });
        await get().refreshViews();
      },

      snapshot: async () => {
        const s = get();
        const vm = s.selectedVm ?? s.bootVm;
        if (vm === null) {
          set({ notice: { tone: 'error', text: 'Snapshot refused: boot a VM first' } });
          return;
        }
        const r = await run(
          'snapshot',
          { vm, type: s.snapshotType },
          `Snapshot (${s.snapshotType}) of VM ${vm}`,
        );
        if (!r) return;
        set({ selectedSnapshot: r.snapshot, notice: null });
        await get().refreshViews();
      },

      restore: async () => {
        const s = get();
        const snap = s.selectedSnapshot;
        if (snap === null) {
          set({ notice: { tone: 'error', text: 'Restore refused: take a snapshot first' } });
          return;
        }
        const ids = s.ids;
        const r = await run(
          'restore',
          { snap, count: s.clones, opts: { notifyDelayUs: s.notifyDelayUs, lazy: s.lazy } },
          `Restoring ${fmt(s.clones)} clones from snapshot ${snap}`,
          'chunks',
        );
        if (!r) return;
        if (r.vms.length > 0)
          journal.push({
            op: 'restore',
            args: { snap, count: r.vms.length, opts: { notifyDelayUs: s.notifyDelayUs, lazy: s.lazy } },
            ids,
          });
        const [a, b] = r.vms;
        set({
          selectedVm: a ?? get().selectedVm,
          compareVm: b ?? get().compareVm,
          notice: r.cancelled
            ? {
                tone: 'warn',
                text:
                  `Restore cancelled: kept ${fmt(r.vms.length)} of ${fmt(r.requested)} clones ` +
                  '(finished batches are kept, complete and running; the rest were never made).',
              }
            : null,
        });
        await get().refreshViews();
      },

      draw: async () => {
        const s = get();
        const vms = drawingVms(s);
        if (vms.length === 0) {
          set({
            notice: {
              tone: 'error',
              text: 'Draw refused: no running VM (restore clones or resume the original)',
            },
          });
          return;
        }
        if (get().busy) return;
        set({ drawing: true });
        const r = await run(
          'draw',
          { vms, draws: s.draws },
          `Drawing ${fmt(s.draws)} outputs in ${fmt(vms.length)} VMs`,
          'restart',
        );
        if (!r) {
          set({ drawing: false });
          return;
        }
        const lib = Math.min(get().outputsLibrary, Math.max(0, r.libraries.length - 1));
        const mismatch = r.libraries.filter((l) => l.marked !== l.duplicates);
        await get().refreshViews({
          lastDraw: r,
          drawing: false,
          outputsLibrary: lib,
          notice: mismatch.length
            ? {
                tone: 'error',
                text: `Marked duplicates differ from the core's count for ${mismatch.map((l) => l.library).join(', ')}`,
              }
            : null,
        });
      },

      reset: async () => {
        if (!(await run('reset', {}, 'Reset'))) return;
        set({
          lastDraw: null,
          ...initialInspect,
          ...initialMaps,
          mapSeq: get().mapSeq + 1,
          bootVm: null,
          bootedWith: null,
          selectedVm: null,
          selectedSnapshot: null,
          compareVm: null,
          notice: null,
        });
      },

      resume: async () => {
        const s = get();
        const vm = s.bootVm;
        if (vm === null) return;
        const r = await run('resume', { vm, opts: { notifyDelayUs: s.notifyDelayUs } }, `Resuming VM ${vm}`);
        if (r) await get().refreshViews();
      },

      destroy: async (vm) => {
        const r = await run('destroy', { vm }, `Destroying VM ${vm}`);
        if (r) await get().refreshViews();
      },

      touch: async () => {
        const s = get();
        if (s.selectedVm === null) return;
        const r = await run(
          'touch',
          { vm: s.selectedVm, count: s.touchCount },
          `Writing ${fmt(s.touchCount)} pages of VM ${s.selectedVm}`,
        );
        if (r) await get().refreshViews();
      },

      cancel: () => {
        const b = get().busy;
        if (!b || !b.cancel || b.requestId === null || b.cancelRequested) return;
        set({ busy: { ...b, cancelRequested: true } });
        if (b.cancel === 'chunks') client.cancel(b.requestId);
        else client.restart();
      },

      selectVm: (vm) => {
        const s = get();
        set({
          selectedVm: vm,
          compareVm: s.compareVm === vm ? s.selectedVm : s.compareVm,
          pageInfo: null,
          cursor: null,
        });
        void get().refreshViews();
      },
      selectSnapshot: (snap) => set({ selectedSnapshot: snap }),
      setCompareVm: (vm) => {
        set({ compareVm: vm === get().selectedVm ? null : vm });
        void get().refreshViews();
      },

      setCursor: (cursor) => {
        set({ cursor });
        if (!cursor) return;
        const vm = cursor.side === 'a' ? get().selectedVm : get().compareVm;
        if (vm === null) return;
        void client.request('pageInfo', { vm, page: cursor.page }).then((r) => {
          const c = get().cursor;
          if (r.ok && c && c.side === cursor.side && c.page === cursor.page) set({ pageInfo: r.value });
        });
      },

      dismissNotice: () => set({ notice: null }),

      journal: () => journal.slice(),

      setJournal: (entries) => {
        journal = [...entries];
      },

      refreshViews: async (extra = {}) => {
        const seq = ++viewSeq;
        const s = get();
        const a = s.selectedVm;
        const b = s.compareVm;
        const devVms = s.vms.slice(0, DEVICE_ROWS).map((v) => v.id as number);
        const [ma, mb, dev, tl] = await Promise.all([
          a === null ? null : client.request('memoryMap', { vm: a, compareWith: b }),
          b === null ? null : client.request('memoryMap', { vm: b, compareWith: a }),
          devVms.length ? client.request('devices', { vms: devVms }) : null,
          a === null ? null : client.request('timeline', { vm: a }),
        ]);
        if (seq !== viewSeq) {
          if (Object.keys(extra).length) set(extra);
          return;
        }
        // one commit: the new draw (if any), maps, devices and timeline render together
        set({
          ...extra,
          mapA: ma?.ok ? ma.value : null,
          mapB: mb?.ok ? mb.value : null,
          mapSeq: get().mapSeq + 1,
          devices: dev?.ok ? dev.value : [],
          timeline: tl?.ok ? tl.value : [],
          timelineVm: tl?.ok ? a : null,
        });
        const c = get().cursor;
        if (c) get().setCursor(c);
      },
    };
  };
}
