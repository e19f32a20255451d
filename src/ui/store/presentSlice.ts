// "Compare and present": the matrix view, guided scenarios, presenter mode and permalinks, as
// one slice of the store. Every lab change still happens in the worker (matrix, openLink,
// scenarioStep); this slice keeps what the views show and syncs the controls to the session the
// worker reports back (SessionView), so the speaker can take over the controls at any step.

import type { Matrix } from '../../core/matrix/matrix';
import { cellLabState } from '../../core/matrix/matrix';
import type { LabState as LinkState } from '../../core/permalink/types';
import type { Highlight, Scenario } from '../../core/scenario/types';
import { bootSettings, libraryChoiceOf } from '../lib/linkSettings';
import { hashOf, linkUrl, readHash, stateInHash } from '../lib/permalink';
import { ensureScenarios, type ScenarioEntry } from '../lib/scenarios';
import type { Answer, LabClient } from '../worker/client';
import type { SessionView, StepCheckView } from '../worker/presentProtocol';
import type { Args, Op, ResultOf } from '../worker/protocol';
import { bootFingerprint, bootRequest } from './settings';
import type { LabState, SliceCreator } from './types';

export type View = 'lab' | 'matrix';

export interface ActiveScenario {
  scenario: Scenario;
  /** The step shown (0-based); -1 while the first step runs. */
  step: number;
  /** The shown step's checked claims (null while it runs, or after an error). */
  result: StepCheckView | null;
  /** The step was reached by rebuilding from step 1 (after a detour, or stepping back). */
  rebuilt: boolean;
  error: string | null;
}

export interface LinkBox {
  /** The link, or null if the lab has none (then `text` says why). */
  url: string | null;
  text: string;
  copied: boolean;
}

export interface PresentSlice {
  view: View;
  presenting: boolean;
  matrix: Matrix | null;
  /** The parameters the matrix ran with (to say when the lab's settings moved on). */
  matrixKey: string | null;
  matrixError: string | null;
  scenarios: ScenarioEntry[];
  scenariosError: string | null;
  active: ActiveScenario | null;
  /** The Copy link box (null: closed). */
  linkBox: LinkBox | null;
  /** A link that could not be opened: the decoder's or the replay's message (role=alert). */
  linkAlert: string | null;
  setView(v: View): void;
  setPresenting(on: boolean): void;
  setScenarios(list: ScenarioEntry[], error: string | null): void;
  runMatrix(): Promise<void>;
  openMatrixCell(row: number, col: number): Promise<void>;
  startScenario(id: string): Promise<void>;
  gotoStep(step: number, mode?: 'next' | 'to'): Promise<void>;
  nextStep(): Promise<void>;
  prevStep(): Promise<void>;
  leaveScenario(): void;
  copyLink(): Promise<void>;
  closeLinkBox(): void;
  /** Opens the lab state in a location hash, if it holds one (at startup, before anything else). */
  openHash(hash: string): Promise<void>;
  dismissLinkAlert(): void;
  /** The lab's link for the address bar ('#s=...'), or '' when the lab has none. */
  currentHash(): Promise<string>;
}

/** The matrix's parameters from the lab's settings (clones and draws capped to keep it quick). */
export function matrixArgs(s: LabState) {
  const guest = s.guests.find((g) => g.file === s.guestFile)?.manifest?.name ?? 'default';
  return {
    guest,
    clones: Math.max(2, Math.min(64, s.clones)),
    draws: Math.max(1, Math.min(1000, s.draws)),
    seed: s.seed,
    delayUs: s.notifyDelayUs > 0 ? s.notifyDelayUs : 40,
    memoryMiB: s.memoryMiB,
  };
}

/** What the highlighted panel is (the active step's), or null. */
export function highlightOf(s: Pick<PresentSlice, 'active'>): Highlight | null {
  const a = s.active;
  if (!a || a.step < 0) return null;
  return a.scenario.steps[a.step]?.highlight ?? null;
}

export function createPresentSlice(client: LabClient): SliceCreator<PresentSlice> {
  return (set, get, api) => {
    /** Runs one worker command with the busy line (and Cancel for chunked ones). */
    async function request<K extends Op>(
      op: K,
      args: Args<K>,
      label: string,
      cancel: 'chunks' | null = null,
    ): Promise<Answer<ResultOf<K>> | null> {
      if (get().busy) return null;
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
      return answer;
    }

    /** The controls, selections and views after the worker's session changed under them. */
    async function applySession(v: SessionView, extra: Partial<LabState> = {}): Promise<void> {
      const s = get();
      const entry = s.guests.find((g) => g.manifest?.name === v.guest);
      if (entry && entry.file !== s.guestFile) s.selectGuest(entry.file);
      const k = v.kernel;
      set({
        kernel: {
          vmgenid: k.vmgenid,
          sysgenid: k.sysgenid !== 'off',
          wipeOnSuspend: k.wipeOnSuspend,
          vdsoGetrandom: k.vdsoGetrandom,
          jitterEntropy: k.jitterEntropy,
          agentReseed: k.agentReseed,
        },
        library: libraryChoiceOf(v.resolved.libraries),
        processLibraries: entry?.manifest?.processes.map((p) => p.library) ?? get().processLibraries,
        consumer: v.settings.consumer ?? 'guest',
        clones: v.resolved.clones,
        draws: v.resolved.draws,
        notifyDelayUs: v.resolved.notifyDelayUs,
        seed: v.resolved.seed,
        memoryMiB: v.resolved.memoryMiB,
        snapshotType: v.resolved.snapshot,
        bootVm: v.original,
        selectedVm: v.drawing[0] ?? v.original,
        compareVm: v.drawing[1] ?? null,
        selectedSnapshot: v.snapshots[v.snapshots.length - 1] ?? null,
        pageInfo: null,
        cursor: null,
      });
      set({ bootedWith: v.original === null ? null : bootFingerprint(get()) });
      // a cancelled draw rebuilds the lab from here: this session's link, then later commands
      const link = await client.request('linkState', { scenario: null });
      if (link.ok && link.value.state)
        get().setJournal([{ op: 'openLink', args: { state: link.value.state, scenario: null } }]);
      const lib = extra.outputsLibrary ?? get().outputsLibrary;
      await get().refreshViews({
        lastDraw: v.draw,
        drawing: false,
        outputsLibrary: v.draw ? Math.min(lib, Math.max(0, v.draw.libraries.length - 1)) : 0,
        ...extra,
      });
    }

    /** Replays a lab state in the worker; shows the outcome or the reason it failed. */
    async function open(
      state: LinkState,
      scenario: Scenario | null,
      label: string,
      extra: Partial<LabState> = {},
    ): Promise<boolean> {
      const r = await request('openLink', { state, scenario }, label);
      if (!r) return false;
      if (!r.ok) {
        set({
          linkAlert: `This link could not be opened: ${r.error.message}. The default lab is open instead.`,
          active: null,
          lastDraw: null,
        });
        await get().refreshViews();
        return false;
      }
      const step = state.scenario;
      set({
        active:
          scenario && step
            ? { scenario, step: step.step, result: r.value.step, rebuilt: false, error: null }
            : null,
      });
      await applySession(r.value.session, extra);
      if (r.value.exact === false)
        set({
          notice: {
            tone: 'warn',
            text: 'The link was replayed on a lab that had already run: the same counts and verdicts, other bytes.',
          },
        });
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
        const r = await request(
          'matrix',
          args,
          `Mitigation matrix: ${args.clones} clones × ${args.draws} draws per configuration`,
          'chunks',
        );
        if (!r) return;
        if (!r.ok) {
          set({
            matrixError:
              r.error.kind === 'Cancelled'
                ? 'The matrix was cancelled.'
                : `The matrix failed: ${r.error.message}`,
          });
          return;
        }
        set({ matrix: r.value, matrixKey: JSON.stringify(args), matrixError: null });
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
        const r = await request(
          'scenarioStep',
          { scenario: a.scenario, step, mode },
          `Step ${step + 1} of ${a.scenario.steps.length}: ${a.scenario.steps[step]!.title}`,
        );
        if (!r || get().active?.scenario !== a.scenario) return;
        if (!r.ok) {
          set({ active: { ...a, step, result: null, error: r.error.message } });
          await get().refreshViews();
          return;
        }
        const { session, step: k, rebuilt, ...result } = r.value;
        set({ active: { ...a, step: k, result, rebuilt, error: null } });
        if (a.scenario.steps[k]?.highlight === 'matrix') set({ view: 'matrix' });
        await applySession(session);
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
          const r = await client.request('linkState', { scenario: null });
          const why = r.ok && r.value.reason ? r.value.reason : 'the lab state could not be read';
          set({
            linkBox: {
              url: null,
              copied: false,
              text: `This lab has no link: ${why}. Reset (or Boot) to start a lab that has one.`,
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
        const a = s.active;
        const scenario = a && a.step >= 0 ? { id: a.scenario.id, step: a.step } : null;
        const r = await client.request('linkState', { scenario });
        if (!r.ok) return '';
        let state = r.value.state;
        if (!state && r.value.reason === 'the lab is empty') {
          // nothing ran yet: the link holds the settings, so it opens the same controls
          const req = bootRequest(s);
          const base = s.guests.find((g) => g.file === s.guestFile)?.manifest;
          if ('error' in req || !base) return '';
          const b = bootSettings(base, req);
          if (!b.settings) return '';
          state = {
            v: 1,
            guest: base.name,
            settings: {
              ...b.settings,
              seed: s.seed,
              clones: s.clones,
              draws: s.draws,
              notifyDelayUs: s.notifyDelayUs,
              snapshot: s.snapshotType,
            },
            actions: [],
          };
        }
        if (!state) return '';
        const h = await hashOf(state);
        return h.ok ? h.value : '';
      },

      openHash: async (hash) => {
        if (stateInHash(hash) === null || get().busy) return;
        // busy at once, so nobody boots a lab that the link is about to replace
        const label = 'Opening the link: replaying its actions';
        set({
          busy: {
            op: 'openLink',
            label,
            done: 0,
            total: 0,
            requestId: null,
            cancel: null,
            cancelRequested: false,
          },
        });
        const [decoded] = await Promise.all([readHash(hash), ensureScenarios(api)]);
        set({ busy: null });
        if (decoded === null) return;
        if (!decoded.ok) {
          set({
            linkAlert: `This link could not be opened: ${decoded.error.message}. The default lab is open instead.`,
          });
          history.replaceState(null, '', window.location.pathname + window.location.search);
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
        const ok = await open(scenario ? state : { ...state, scenario: undefined }, scenario, label);
        if (!ok) history.replaceState(null, '', window.location.pathname + window.location.search);
      },
      dismissLinkAlert: () => set({ linkAlert: null }),
    };
  };
}
