// "Compare and present": the matrix view, guided scenarios, presenter mode and permalinks, as
// one slice of the store. Every lab change happens in the worker (matrix, replay, scenarioStep);
// this slice keeps what the views show, and after a step or a link sets the controls to the
// settings in effect, so the speaker can take over the controls at any step.
//
// Links are made here, on the main thread, from the session's history the last bundle brought
// ({v: 2, settings: initial, actions: log, scenario?}); opening one is a replay of that history
// in the worker, with progress and Cancel. A link that is refused or cancelled leaves the address
// bar.

import { cellLabState } from '../../core/matrix/matrix';
import type { LabState as LinkState } from '../../core/permalink/types';
import type { Highlight, Scenario } from '../../core/scenario/types';
import { hashOf, linkState, linkUrl, readHash, stateInHash } from '../lib/permalink';
import { ensureScenarios } from '../lib/scenarios';
import type { Driver } from './driver';
import { selectBooted } from './selectors';
import type { LabState, PresentSlice, SliceCreator } from './types';

/** The matrix's parameters from the controls (clones and draws capped to keep it quick). */
export function matrixArgs(s: LabState) {
  const d = s.draft;
  return {
    guest: d?.guest ?? 'default',
    clones: Math.max(2, Math.min(64, d?.clones ?? 4)),
    draws: Math.max(1, Math.min(1000, d?.draws ?? 16)),
    seed: d?.seed ?? 1,
    delayUs: d && d.notifyDelayUs > 0 ? d.notifyDelayUs : 40,
    memoryMiB: d?.memoryMiB ?? 128,
  };
}

/** What the highlighted panel is (the active step's), or null. */
export function highlightOf(s: Pick<PresentSlice, 'active'>): Highlight | null {
  const a = s.active;
  if (!a || a.step < 0) return null;
  return a.scenario.steps[a.step]?.highlight ?? null;
}

/** Takes a link away from the address bar (it was refused, or its replay was cancelled). */
function dropHash(): void {
  if (typeof window !== 'undefined' && stateInHash(window.location.hash) !== null)
    history.replaceState(null, '', window.location.pathname + window.location.search);
}

export function createPresentSlice(d: Driver): SliceCreator<PresentSlice> {
  return (set, get, api) => {
    /** The controls take the settings in effect (a step or a link decided them). */
    const synced = (): Partial<LabState> => ({ draft: get().session?.settings ?? get().draft, typed: {} });

    /**
     * Replays a lab state in the worker with progress and Cancel; shows it, or says why it could
     * not be opened. True when the whole history was replayed.
     */
    async function open(
      state: LinkState,
      scenario: Scenario | null,
      label: string,
      extra: Partial<LabState> = {},
    ): Promise<boolean> {
      const step = scenario && state.scenario ? { scenario, step: state.scenario.step } : null;
      // a link's 'load' actions name snapshot files by content id: this browser may hold them
      const ids = state.actions.flatMap((x) => (x.a === 'load' ? [x.file] : []));
      const files = ids.length ? await get().filesFor(ids) : [];
      const r = await d.call(
        'replay',
        { history: { settings: state.settings, actions: state.actions }, files, sel: {}, scenario: step },
        label,
        'chunks',
      );
      if (!r?.ok) return false;
      const { bundle, error, extra: out } = r.value;
      if (error || out.cancelled) {
        d.applyBundle(bundle, {
          linkAlert: error
            ? `This link could not be opened: ${error.message}. The default lab is open instead.`
            : null,
          notice: out.cancelled
            ? {
                tone: 'warn',
                text: 'Opening the link was cancelled: the lab is empty, with the link\u2019s settings.',
              }
            : get().notice,
          active: null,
        });
        // the controls show the link's settings either way; the address bar holds no link
        set(synced());
        return false;
      }
      d.applyBundle(bundle, {
        active:
          step && out.step
            ? { scenario: step.scenario, step: step.step, result: out.step, rebuilt: false, error: null }
            : null,
        snapshotOrigins: {},
        pageInfo: null,
        cursor: null,
        ...extra,
      });
      set(synced());
      return true;
    }

    return {
      view: 'lab',
      presenting: false,
      matrix: null,
      matrixKey: null,
      matrixError: null,
      scenarios: [],
      scenariosError: null,
      active: null,
      linkBox: null,
      linkAlert: null,

      setView: (view) => set({ view }),
      setPresenting: (presenting) => set({ presenting }),
      setScenarios: (scenarios, scenariosError) => set({ scenarios, scenariosError }),

      runMatrix: async () => {
        const args = matrixArgs(get());
        const r = await d.call(
          'matrix',
          args,
          `Mitigation matrix: ${args.clones} clones × ${args.draws} draws per configuration`,
          'chunks',
        );
        if (!r?.ok) return;
        if (!r.value.ok) {
          const e = r.value.error;
          set({
            matrixError:
              e.kind === 'Cancelled' ? 'The matrix was cancelled.' : `The matrix failed: ${e.message}`,
          });
          return;
        }
        set({ matrix: r.value.value, matrixKey: JSON.stringify(args), matrixError: null });
      },

      openMatrixCell: async (row, col) => {
        const m = get().matrix;
        if (!m) return;
        const state = cellLabState(m, row, col);
        if (!state.ok) {
          set({ matrixError: state.error.message });
          return;
        }
        const title = `${m.rows[row]} / ${m.columns[col]?.title}`;
        if (await open(state.value, null, `Opening ${title} in the lab`, { outputsLibrary: row }))
          set({
            view: 'lab',
            notice: { tone: 'info', text: `Opened the matrix cell ${title}: the lab shows ${m.rows[row]}.` },
          });
      },

      startScenario: async (id) => {
        const entry = get().scenarios.find((e) => e.id === id);
        if (!entry?.scenario) return;
        set({
          active: { scenario: entry.scenario, step: -1, result: null, rebuilt: false, error: null },
          view: 'lab',
        });
        await get().gotoStep(0, 'to');
      },

      gotoStep: async (step, mode = 'to') => {
        const a = get().active;
        if (!a || step < 0 || step >= a.scenario.steps.length) return;
        const r = await d.call(
          'scenarioStep',
          { scenario: a.scenario, step, mode },
          `Step ${step + 1} of ${a.scenario.steps.length}: ${a.scenario.steps[step]!.title}`,
        );
        if (!r?.ok || get().active?.scenario !== a.scenario) return;
        const { bundle, error, extra } = r.value;
        if (error || !extra) {
          d.applyBundle(bundle, {
            active: { ...a, step, result: null, error: error?.message ?? 'the step failed' },
          });
          set(synced());
          return;
        }
        d.applyBundle(bundle, {
          active: { ...a, step: extra.step, result: extra, rebuilt: extra.rebuilt, error: null },
          ...(extra.rebuilt ? { snapshotOrigins: {}, pageInfo: null, cursor: null } : {}),
          ...(a.scenario.steps[extra.step]?.highlight === 'matrix' ? { view: 'matrix' as const } : {}),
        });
        set(synced());
      },

      nextStep: async () => {
        const a = get().active;
        if (a && a.step + 1 < a.scenario.steps.length) await get().gotoStep(a.step + 1, 'next');
      },
      prevStep: async () => {
        const a = get().active;
        if (a && a.step > 0) await get().gotoStep(a.step - 1, 'to');
      },
      leaveScenario: () => set({ active: null }),

      copyLink: async () => {
        const hash = await get().currentHash();
        if (!hash) {
          set({
            menu: null,
            linkBox: {
              url: null,
              copied: false,
              text: 'This lab has no link: its history is too long for one (Reset, or Boot, to start a shorter one).',
            },
          });
          return;
        }
        const url = linkUrl(window.location, hash);
        history.replaceState(null, '', hash);
        let copied = false;
        try {
          await navigator.clipboard.writeText(url);
          copied = true;
        } catch {
          copied = false;
        }
        set({
          menu: null,
          linkBox: {
            url,
            copied,
            text: copied
              ? 'Link copied to the clipboard. Opening it rebuilds this lab, step by step.'
              : 'Copy this link (the clipboard is not available here): select it and press Ctrl+C.',
          },
        });
      },
      closeLinkBox: () => set({ linkBox: null }),

      currentHash: async () => {
        const s = get();
        const v = s.session;
        if (!v || !s.draft) return '';
        const a = s.active;
        const scenario = a && a.step >= 0 ? { id: a.scenario.id, step: a.step } : null;
        // nothing ran yet: the link holds the controls, so it opens the same settings
        const settings = v.log.length === 0 && !selectBooted(s) ? s.draft : v.initial;
        const h = await hashOf(linkState(settings, v.log, scenario));
        return h.ok ? h.value : '';
      },

      openHash: async (hash) => {
        if (stateInHash(hash) === null || get().busy) return;
        // busy at once, so nobody boots a lab that the link is about to replace
        const label = 'Opening the link: replaying its actions';
        set({
          busy: {
            op: 'replay',
            label,
            done: 0,
            total: 0,
            requestId: null,
            cancel: null,
            cancelRequested: false,
          },
        });
        const decoded = await readHash(hash);
        // the scenarios are needed only to check a step's claims again
        if (decoded?.ok && decoded.value.scenario) await ensureScenarios(api);
        set({ busy: null });
        if (decoded === null) return;
        if (!decoded.ok) {
          set({
            linkAlert: `This link could not be opened: ${decoded.error.message}. The default lab is open instead.`,
          });
          dropHash();
          return;
        }
        const state = decoded.value;
        let scenario: Scenario | null = null;
        if (state.scenario) {
          const e = get().scenarios.find((x) => x.id === state.scenario!.id);
          scenario = e?.scenario ?? null;
          if (!scenario || !scenario.steps[state.scenario.step]) {
            set({
              linkAlert: `The link's scenario "${state.scenario.id}" step ${state.scenario.step + 1} is not in this lab; the lab state was opened without it.`,
            });
            scenario = null;
          }
        }
        const opened = await open(scenario ? state : { ...state, scenario: undefined }, scenario, label);
        if (!opened) dropHash();
      },
      dismissLinkAlert: () => set({ linkAlert: null }),
    };
  };
}
