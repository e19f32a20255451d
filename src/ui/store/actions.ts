// The lab buttons. Each click is ONE request to the worker's SessionHost with the settings the
// controls say (selectors.ts settingsToSend) and the lab's own actions (core session/actions.ts),
// answered by ONE bundle the driver applies in one commit:
//   Boot   act { fresh: true, actions: [boot] }   a new session on a reset lab: its link starts here
//   Reset  act { fresh: true, actions: [] }
//   Draw   act { actions: [draw] }                 cancel = stop the worker and replay the history
//   Restore   restore { n }                        batched: cancel keeps the finished batches
//   Snapshot / Resume / Touch / Destroy           act { actions: [...] }
//
// Nothing here keeps history: the session's log (from the bundle) is the only one.

import type { Action } from '../../core/session/actions';
import { initialDraft } from './settings';
import { count } from '../../core/settings/words';
import type { Driver } from './driver';
import { selectProblems, settingsToSend } from './selectors';
import type { ActionsSlice, LabState, SliceCreator } from './types';

/** The VM a bare 'touch' writes (the session's rule): the running original, else the first drawing VM. */
export function touchTarget(s: Pick<LabState, 'session' | 'vms'>): number | null {
  const original = s.session?.lineage.original ?? null;
  const running = s.vms.some((v) => v.id === original && v.state === 'running');
  return running ? original : (s.session?.drawing[0] ?? null);
}

export function createActionsSlice(d: Driver): SliceCreator<ActionsSlice> {
  return (set, get) => {
    /** Refuses to act on controls that hold a value outside its limits; true when it refused. */
    function refused(label: string): boolean {
      const problems = selectProblems(get());
      if (problems.length === 0) return false;
      set({ notice: { tone: 'error', text: `${label} refused: ${problems.join('; ')}.` } });
      return true;
    }

    /** Runs lab actions with the controls' settings; true when the lab took them all. */
    async function act(
      actions: Action[],
      label: string,
      opts: { fresh?: boolean; cancel?: 'restart' } = {},
    ): Promise<boolean> {
      const s = get();
      const settings = opts.fresh ? s.draft : settingsToSend(s);
      if (!settings || s.busy || refused(label)) return false;
      const r = await d.call(
        'act',
        { settings, actions, ...(opts.fresh ? { fresh: true } : {}), sel: s.selection },
        label,
        opts.cancel ?? null,
      );
      if (!r?.ok) return false;
      const { bundle, error } = r.value;
      d.applyBundle(bundle, {
        notice: error ? { tone: 'error', text: `${label} failed: ${error.message}` } : null,
        ...(opts.fresh ? { snapshotOrigins: {}, pageInfo: null, cursor: null } : {}),
      });
      return error === null;
    }

    return {
      init: async () => {
        const g = await d.client.request('guests', {});
        if (!g.ok) {
          set({ guests: [], guestsError: g.error.message, ready: true });
          return;
        }
        const guests = [...g.value];
        const bad = guests.filter((x) => x.error);
        set({
          guests,
          guestsError: bad.length ? bad.map((x) => `${x.file}: ${x.error}`).join('; ') : null,
          draft: get().draft ?? initialDraft(guests),
        });
        const v = await d.client.request('views', {});
        if (v.ok) d.applyBundle(v.value);
        set({ ready: true });
      },

      boot: async () => {
        await act([{ a: 'boot' }], 'Boot', { fresh: true });
      },

      reset: async () => {
        await act([], 'Reset', { fresh: true });
      },

      snapshot: async () => {
        const s = get();
        const original = s.session?.lineage.original ?? null;
        const vm = s.selection.vm ?? original;
        const type = s.draft?.snapshot ?? 'full';
        const action: Action = vm === null || vm === original ? { a: 'snapshot' } : { a: 'snapshot', vm };
        await act([action], `Snapshot (${type}) of VM ${vm ?? '?'}`);
      },

      restore: async () => {
        const s = get();
        const settings = settingsToSend(s);
        const snap = s.selection.snapshot;
        const label = `Restoring ${count(s.draft?.clones ?? 0)} clones from snapshot ${snap ?? '?'}`;
        if (!settings || s.busy || refused(label)) return;
        const n = settings.clones;
        const r = await d.call(
          'restore',
          { settings, n, ...(snap !== null ? { snap } : {}), sel: s.selection },
          label,
          'chunks',
        );
        if (!r?.ok) return;
        const { bundle, error, extra } = r.value;
        d.applyBundle(bundle, {
          notice: error
            ? { tone: 'error', text: `${label} failed: ${error.message}` }
            : extra.cancelled
              ? {
                  tone: 'warn',
                  text:
                    `Restore cancelled: kept ${count(extra.made.length)} of ${count(extra.requested)} clones ` +
                    '(finished batches are kept, complete and running; the rest were never made).',
                }
              : null,
        });
      },

      draw: async () => {
        const s = get();
        const vms = s.session?.drawing.length ?? 0;
        const label = `Drawing ${count(s.draft?.draws ?? 0)} outputs in ${count(vms)} VMs`;
        if (s.busy) return;
        set({ drawing: true });
        await act([{ a: 'draw' }], label, { cancel: 'restart' });
        set({ drawing: false });
      },

      resume: async () => {
        const vm = get().session?.lineage.original ?? null;
        if (vm !== null) await act([{ a: 'resume' }], `Resuming VM ${vm}`);
      },

      destroy: async (vm) => {
        await act([{ a: 'destroy', vm }], `Destroying VM ${vm}`);
      },

      touch: async () => {
        const s = get();
        const vm = s.selection.vm;
        if (vm === null) return;
        const n = s.draft?.touchPages ?? 0;
        const action: Action = vm === touchTarget(s) ? { a: 'touch' } : { a: 'touch', vm };
        await act([action], `Writing ${count(n)} pages of VM ${vm}`);
      },

      cancel: () => {
        const b = get().busy;
        if (!b || !b.cancel || b.requestId === null || b.cancelRequested) return;
        set({ busy: { ...b, cancelRequested: true } });
        if (b.cancel === 'chunks') d.client.cancel(b.requestId);
        else d.client.restart();
      },

      selectVm: (vm) => {
        const sel = get().selection;
        const selection = { ...sel, vm, compare: sel.compare === vm ? sel.vm : sel.compare };
        set({ selection, pageInfo: null, cursor: null });
        void d.views(selection);
      },
      selectSnapshot: (snap) => set({ selection: { ...get().selection, snapshot: snap } }),
      setCompareVm: (vm) => {
        const sel = get().selection;
        const selection = { ...sel, compare: vm === sel.vm ? null : vm };
        set({ selection });
        void d.views(selection);
      },

      setCursor: (cursor) => {
        set({ cursor });
        if (!cursor) return;
        const s = get();
        const vm = cursor.side === 'a' ? s.selection.vm : s.selection.compare;
        if (vm === null) return;
        void d.client.request('pageInfo', { vm, page: cursor.page }).then((r) => {
          const c = get().cursor;
          if (r.ok && r.value.ok && c && c.side === cursor.side && c.page === cursor.page)
            set({ pageInfo: r.value.value });
        });
      },

      dismissNotice: () => set({ notice: null }),
    };
  };
}
