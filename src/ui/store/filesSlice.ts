// Snapshot files and the browser's storage, as one slice of the store: download a snapshot as a
// file, open a file as a snapshot, scan a snapshot's file for secrets, keep files in this
// browser, and autosave the session (settings, selection and the journal of commands) so a
// reload can reopen it. Lab changes still happen only in the worker; storage only in LabStorage.
//
// Invariants:
// - A refused file leaves the lab as it was (the worker checks it all before loading), and says
//   why in ONE message: the decoder's own, in the status line's alert.
// - Storage failures are never silent: each sets `storageError` (an alert in the files bar).
// - Autosave never overwrites a saved session the person has not answered: while the "Reopen
//   saved session" offer stands, nothing is saved; the first command of a new session (Boot,
//   opening a file, a link) withdraws the offer and the new session replaces the old one.
// - A session reopens in a fresh worker, each step after moving the core's id counters to where
//   they stood when the step first ran, so VM ids and host entropy (keyed by VM id) repeat.

import { SNAPSHOT_FILE_LIMITS } from '../../core/snapfile';
import { LabStorage } from '../persist/labStorage';
import { downloadBytes, readFileBytes } from '../persist/download';
import {
  formatSavedAt,
  sessionRecord,
  settingsPatch,
  snapshotFileName,
  type SavedFileMeta,
  type SessionRecord,
} from '../persist/records';
import { formatBytes, type StorageEstimateLike } from '../persist/storageErrors';
import type { LabClient } from '../worker/client';
import type { IdCounters, LoadedFileView, SecretScanView } from '../worker/filesProtocol';
import type { DrawView, Op } from '../worker/protocol';
import { reconcileSelection, type JournalEntry } from './actions';
import { FRESH_IDS, moveIds } from './ids';
import type { LabState, SliceCreator } from './types';

/** The saved session a person may reopen (what the offer says about it). */
export interface SessionOffer {
  savedAt: number;
  steps: number;
  guest: string | null;
  vms: number;
  snapshots: number;
}

export interface AutosaveState {
  state: 'off' | 'waiting' | 'saving' | 'saved' | 'failed';
  /** When the session was last saved (ms since the epoch). */
  at: number | null;
  steps: number;
}

export interface FilesSlice {
  /** 'unavailable': no IndexedDB here (then nothing is kept, and the bar says so). */
  storageStatus: 'starting' | 'ready' | 'unavailable';
  sessionOffer: SessionOffer | null;
  savedFiles: SavedFileMeta[];
  storageEstimate: StorageEstimateLike | null;
  autosave: AutosaveState;
  /** Why something was not kept or read (role=alert in the files bar); null when all is well. */
  storageError: string | null;
  /** Snapshot id -> the name of the file it was opened from. */
  snapshotOrigins: Record<number, string>;
  secretScan: SecretScanView | null;
  secretScanError: string | null;
  /** The last file handed to the browser as a download (name and size). */
  lastDownload: { name: string; bytes: number; checksum: string } | null;
  initPersistence(): Promise<void>;
  downloadSnapshot(): Promise<void>;
  openSnapshotFile(file: File): Promise<void>;
  keepSnapshotInBrowser(): Promise<void>;
  loadSavedFile(id: number): Promise<void>;
  deleteSavedFile(id: number): Promise<void>;
  scanSnapshotSecrets(snap: number): Promise<void>;
  reopenSavedSession(): Promise<void>;
  discardSavedSession(): Promise<void>;
  clearSavedData(): Promise<void>;
  dismissStorageError(): void;
}

/** How long the session waits after the last change before it is saved. */
export const AUTOSAVE_DELAY_MS = 400;

/** File names are the person's text: shown as text, and shortened so a long one cannot flood. */
export function shownFileName(name: string): string {
  const flat = Array.from(name, (c) => (c.charCodeAt(0) < 32 || c === '\x7f' ? '?' : c)).join('');
  return flat.length > 80 ? `${flat.slice(0, 60)}…${flat.slice(-16)}` : flat;
}

/** The draw a replayed command left (a draw, or a link/scenario step's session draw). */
function drawOf(op: string, value: unknown): DrawView | null | undefined {
  if (op === 'draw') return value as DrawView;
  const session = (value as { session?: { draw?: DrawView | null } } | null)?.session;
  return session && 'draw' in session ? (session.draw ?? null) : undefined;
}

export function createFilesSlice(
  client: LabClient,
  storage: LabStorage = new LabStorage(),
): SliceCreator<FilesSlice> {
  return (set, get, api) => {
    /** True once the session may be saved (no unanswered offer). */
    let armed = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    /**
     * What was written last, or tried (a failed write is not retried until something changes, so a
     * full quota is one message, not a loop): the journal's entries by identity, and the rest.
     */
    let savedSteps: readonly JournalEntry[] = [];
    let savedKey = '';

    const fmt = (n: number) => n.toLocaleString('en-US');
    const fail = (text: string) => set({ storageError: text });

    async function refreshStorage(): Promise<void> {
      const [list, estimate] = await Promise.all([storage.listFiles(), storage.estimate()]);
      if (list.ok) set({ savedFiles: list.value, storageEstimate: estimate });
      else set({ storageError: list.error.message, storageEstimate: estimate });
    }

    /** The record's parts other than the steps, to tell whether anything else changed. */
    const restKey = (rec: SessionRecord) =>
      JSON.stringify([rec.settings, rec.bootedWith, rec.selection, rec.origins]);

    async function saveNow(): Promise<void> {
      const s = get();
      if (!armed || s.busy || storage.available === false) return;
      const steps = s.journal();
      const origins = Object.fromEntries(
        Object.entries(s.snapshotOrigins).filter(([id]) => s.snapshots.some((x) => x.id === Number(id))),
      );
      const rec = sessionRecord(
        s,
        steps.map((e) => ({ op: e.op, args: e.args, ids: e.ids ?? null })),
        origins,
        Date.now(),
      );
      const key = restKey(rec);
      const same = steps.length === savedSteps.length && steps.every((e, i) => e === savedSteps[i]);
      if (same && key === savedKey) return;
      savedSteps = steps;
      savedKey = key;
      set({ autosave: { ...get().autosave, state: 'saving' } });
      const r = await storage.saveSession(rec);
      if (!r.ok) {
        set({ autosave: { ...get().autosave, state: 'failed' }, storageError: r.error.message });
        return;
      }
      set({ autosave: { state: 'saved', at: rec.savedAt, steps: steps.length } });
      // a failed save's message stays until a save works again
      if (get().storageError?.includes('the lab session')) set({ storageError: null });
    }

    /** Resolves when no command is running. */
    function idle(): Promise<void> {
      if (!get().busy) return Promise.resolve();
      return new Promise((resolve) => {
        const stop = api.subscribe((s) => {
          if (s.busy) return;
          stop();
          resolve();
        });
      });
    }

    let saving: Promise<void> | null = null;
    let again = false;
    /** Runs saveNow, one at a time (a change during a save saves again after it). */
    async function flush(): Promise<void> {
      timer = null;
      if (saving) {
        again = true;
        return;
      }
      saving = saveNow();
      await saving;
      saving = null;
      if (again) {
        again = false;
        await flush();
      }
    }

    function schedule(delay: number): void {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => void flush(), delay);
    }

    // Persistence starts once the app is ready (guests loaded); in Node there is no IndexedDB and
    // this only marks storage unavailable. Every later change may call for a save.
    api.subscribe((s, prev) => {
      if (s.ready && !prev.ready) void get().initPersistence();
      if (s.storageStatus !== 'ready') return;
      if (!armed && s.sessionOffer && !s.busy && s.journal().length > 0) {
        // the person started a new session instead of reopening the saved one
        armed = true;
        set({ sessionOffer: null });
      }
      if (!armed || s.busy || s === prev) return;
      // a new step is saved at once (a reload right after a command keeps it); settings and
      // selection changes wait for the person to stop clicking
      const steps = s.journal();
      const stepped =
        steps.length !== savedSteps.length || steps[steps.length - 1] !== savedSteps[savedSteps.length - 1];
      schedule(stepped ? 0 : AUTOSAVE_DELAY_MS);
    });

    /** Journals a command that ran outside actions.ts, as run() would have. */
    function journalPush(op: Op, args: unknown, ids: IdCounters | null): void {
      get().setJournal([...get().journal(), { op, args, ids }]);
    }

    /** Loads file bytes as snapshots; true when loaded. `keep`: also save it in this browser. */
    async function loadBytes(bytes: Uint8Array, name: string, keep: boolean): Promise<boolean> {
      const shown = shownFileName(name);
      const s = get();
      const args = {
        bytes,
        fileName: name,
        knownSecrets: s.guests.flatMap((g) =>
          g.manifest ? [{ guest: g.manifest.name, secrets: g.manifest.secrets }] : [],
        ),
      };
      const ids = s.ids;
      set({ busy: { ...busyOf('loadSnapshotFile', `Opening ${shown}`) } });
      const r = await client.request('loadSnapshotFile', args);
      set({ busy: null });
      if (!r.ok) {
        // the decoder's (or the lab's) message names what is wrong; the lab did not change
        set({ notice: { tone: 'error', text: `Opening ${shown} refused: ${r.error.message}` } });
        return false;
      }
      journalPush('loadSnapshotFile', args, ids);
      const v: LoadedFileView = r.value;
      const unknown = v.secretsUnknown.length
        ? ` Secret values unknown for this guest (cannot be searched for): ${v.secretsUnknown.join(', ')}.`
        : '';
      set({
        selectedSnapshot: v.snapshot,
        snapshotOrigins: { ...get().snapshotOrigins, [v.snapshot]: name },
        notice: {
          tone: 'info',
          text:
            `Opened ${shown}: snap #${v.snapshot}, guest "${v.guest}" (${fmt(v.memoryMiB)} MiB, ` +
            `${v.layers} layer${v.layers === 1 ? '' : 's'}, seed ${v.seed}); it is the clone source now.${unknown}`,
        },
      });
      await get().refreshViews();
      if (keep && get().storageStatus === 'ready') {
        const saved = await storage.saveFile(
          {
            name,
            guest: v.guest,
            bytes: v.bytes,
            savedAt: Date.now(),
            checksum: v.checksum,
            source: 'opened',
          },
          bytes,
        );
        if (!saved.ok) fail(saved.error.message);
        await refreshStorage();
      }
      return true;
    }

    /** Runs the journal's steps again in a fresh worker; how far it got. */
    async function replay(
      steps: JournalEntry[],
      label: string,
    ): Promise<{ done: JournalEntry[]; lastDraw: DrawView | null; error: string | null }> {
      client.restart();
      set({ busy: { ...busyOf('rebuild', label), total: steps.length }, ids: FRESH_IDS });
      let lastDraw: DrawView | null = null;
      const done: JournalEntry[] = [];
      const origins: Record<number, string> = {};
      for (const [i, e] of steps.entries()) {
        const where = `step ${i + 1} of ${steps.length} (${e.op})`;
        const moved = await moveIds(client, get().ids, e.ids);
        if (moved && !moved.ok) return { done, lastDraw, error: `${where}: ${moved.error.message}` };
        const r = await client.request(e.op, e.args as never);
        if (!r.ok) return { done, lastDraw, error: `${where}: ${r.error.message}` };
        done.push(e);
        const d = drawOf(e.op, r.value);
        if (d !== undefined) lastDraw = d;
        if (e.op === 'loadSnapshotFile') {
          const v = r.value as LoadedFileView;
          origins[v.snapshot] = v.fileName;
        }
        set({
          busy: { ...get().busy!, done: i + 1 },
          snapshotOrigins: { ...get().snapshotOrigins, ...origins },
        });
      }
      return { done, lastDraw, error: null };
    }

    return {
      storageStatus: 'starting',
      sessionOffer: null,
      savedFiles: [],
      storageEstimate: null,
      autosave: { state: 'off', at: null, steps: 0 },
      storageError: null,
      snapshotOrigins: {},
      secretScan: null,
      secretScanError: null,
      lastDownload: null,

      initPersistence: async () => {
        if (!storage.available) {
          set({ storageStatus: 'unavailable' });
          return;
        }
        const r = await storage.loadSession();
        // a link in the address bar may be rebuilding the lab right now: it wins over the offer
        await idle();
        set({ storageStatus: 'ready' });
        if (!r.ok) {
          // a session this version cannot use is reported, then replaced by the next save
          fail(r.error.message);
          armed = true;
        } else if (r.value && r.value.steps.length > 0 && get().journal().length === 0) {
          const rec = r.value;
          set({
            sessionOffer: {
              savedAt: rec.savedAt,
              steps: rec.steps.length,
              guest: rec.summary.guest,
              vms: rec.summary.vms,
              snapshots: rec.summary.snapshots,
            },
            autosave: { state: 'waiting', at: rec.savedAt, steps: rec.steps.length },
          });
        } else {
          // nothing to reopen: keep the settings of last time, and save from now on
          if (r.value && get().journal().length === 0)
            set(settingsPatch(r.value.settings, guestFiles(get())));
          armed = true;
          set({ autosave: { state: 'saved', at: r.value?.savedAt ?? null, steps: 0 } });
        }
        await refreshStorage();
      },

      downloadSnapshot: async () => {
        const snap = get().selectedSnapshot;
        if (snap === null || get().busy) return;
        set({ busy: busyOf('exportSnapshot', `Writing snap #${snap} as a file`) });
        const r = await client.request('exportSnapshot', { snap });
        set({ busy: null });
        if (!r.ok) {
          set({ notice: { tone: 'error', text: `Download of snap #${snap} failed: ${r.error.message}` } });
          return;
        }
        const name = snapshotFileName(snap);
        downloadBytes(r.value.bytes, name);
        set({
          lastDownload: { name, bytes: r.value.bytes.length, checksum: r.value.checksum },
          notice: {
            tone: 'info',
            text: `Downloaded ${name}: ${formatBytes(r.value.bytes.length)}, ${r.value.layers} layer${r.value.layers === 1 ? '' : 's'}, CRC-64 ${r.value.checksum}.`,
          },
        });
      },

      openSnapshotFile: async (file) => {
        if (get().busy) return;
        if (file.size > SNAPSHOT_FILE_LIMITS.maxFileBytes) {
          set({
            notice: {
              tone: 'error',
              text: `Opening ${shownFileName(file.name)} refused: the file is ${fmt(file.size)} bytes, beyond the snapshot file limit of ${fmt(SNAPSHOT_FILE_LIMITS.maxFileBytes)}`,
            },
          });
          return;
        }
        let bytes: Uint8Array;
        set({ busy: busyOf('loadSnapshotFile', `Reading ${shownFileName(file.name)}`) });
        try {
          bytes = await readFileBytes(file);
        } catch (e) {
          set({
            busy: null,
            notice: {
              tone: 'error',
              text: `Opening ${shownFileName(file.name)} failed: cannot read it (${String(e)})`,
            },
          });
          return;
        }
        await loadBytes(bytes, file.name, true);
      },

      keepSnapshotInBrowser: async () => {
        const snap = get().selectedSnapshot;
        if (snap === null || get().busy) return;
        set({ busy: busyOf('exportSnapshot', `Writing snap #${snap} as a file`) });
        const r = await client.request('exportSnapshot', { snap });
        set({ busy: null });
        if (!r.ok) {
          set({ notice: { tone: 'error', text: `Keeping snap #${snap} failed: ${r.error.message}` } });
          return;
        }
        const name = snapshotFileName(snap);
        const saved = await storage.saveFile(
          {
            name,
            guest: r.value.guest,
            bytes: r.value.bytes.length,
            savedAt: Date.now(),
            checksum: r.value.checksum,
            source: 'lab',
          },
          r.value.bytes,
        );
        if (!saved.ok) fail(saved.error.message);
        else
          set({
            notice: {
              tone: 'info',
              text: `Kept ${name} in this browser (${formatBytes(r.value.bytes.length)}).`,
            },
          });
        await refreshStorage();
      },

      loadSavedFile: async (id) => {
        if (get().busy) return;
        const meta = get().savedFiles.find((f) => f.id === id);
        const bytes = await storage.readFile(id);
        if (!bytes.ok) {
          fail(bytes.error.message);
          return;
        }
        await loadBytes(bytes.value, meta?.name ?? `saved file ${id}`, false);
      },

      deleteSavedFile: async (id) => {
        const r = await storage.deleteFile(id);
        if (!r.ok) fail(r.error.message);
        await refreshStorage();
      },

      scanSnapshotSecrets: async (snap) => {
        const r = await client.request('scanSecrets', { snap });
        if (get().selectedSnapshot !== snap && get().secretScan?.snapshot !== snap) return;
        if (r.ok) set({ secretScan: r.value, secretScanError: null });
        else set({ secretScan: null, secretScanError: `snap #${snap}: ${r.error.message}` });
      },

      reopenSavedSession: async () => {
        if (get().busy) return;
        const loaded = await storage.loadSession();
        if (!loaded.ok || !loaded.value) {
          set({ sessionOffer: null });
          fail(loaded.ok ? 'The saved session is gone (cleared in another tab?).' : loaded.error.message);
          armed = true;
          return;
        }
        const rec = loaded.value;
        set({ sessionOffer: null, snapshotOrigins: {} });
        const steps: JournalEntry[] = rec.steps.map((e) => ({ op: e.op as Op, args: e.args, ids: e.ids }));
        const out = await replay(steps, 'Reopening the saved session');
        get().setJournal(out.done);
        const f = await client.request('fleet', {});
        if (f.ok) client.onFleet(f.value);
        const s = get();
        set({
          ...settingsPatch(rec.settings, guestFiles(s)),
          bootedWith: rec.bootedWith,
          lastDraw: out.lastDraw,
          drawing: false,
          outputsLibrary: Math.min(
            rec.selection.outputsLibrary,
            Math.max(0, (out.lastDraw?.libraries.length ?? 1) - 1),
          ),
          snapshotOrigins: Object.fromEntries(Object.entries(rec.origins).map(([k, v]) => [Number(k), v])),
        });
        set({ ...rec.selection, outputsLibrary: get().outputsLibrary });
        set(reconcileSelection(get(), get()));
        set({
          busy: null,
          notice: out.error
            ? {
                tone: 'error',
                text: `Reopening the saved session stopped at ${out.error}. The lab holds the ${out.done.length} steps before it.`,
              }
            : {
                tone: 'info',
                text: `Reopened the saved session of ${formatSavedAt(rec.savedAt)}: ${rec.steps.length} step${rec.steps.length === 1 ? '' : 's'} replayed from the seed.`,
              },
        });
        armed = true;
        if (!out.error) {
          // what is stored is what now runs: no need to write it again
          savedSteps = get().journal();
          set({ autosave: { state: 'saved', at: rec.savedAt, steps: out.done.length } });
        }
        await get().refreshViews();
      },

      discardSavedSession: async () => {
        const r = await storage.deleteSession();
        if (!r.ok) fail(r.error.message);
        armed = true;
        set({ sessionOffer: null, autosave: { state: 'saved', at: null, steps: 0 } });
        await refreshStorage();
      },

      clearSavedData: async () => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        const r = await storage.clear();
        if (!r.ok) {
          fail(r.error.message);
          return;
        }
        armed = true;
        set({
          sessionOffer: null,
          savedFiles: [],
          storageError: null,
          autosave: { state: 'off', at: null, steps: 0 },
          notice: {
            tone: 'info',
            text: 'Saved data cleared: the saved session and every saved file are gone from this browser.',
          },
        });
        // the lab open now is saved again at its next change, not at once: clearing means gone
        const rest = sessionRecord(get(), [], get().snapshotOrigins, 0);
        savedSteps = get().journal();
        savedKey = restKey(rest);
        await refreshStorage();
      },

      dismissStorageError: () => set({ storageError: null }),
    };
  };
}

function busyOf(op: string, label: string): NonNullable<LabState['busy']> {
  return { op, label, done: 0, total: 0, requestId: null, cancel: null, cancelRequested: false };
}

function guestFiles(s: LabState): string[] {
  return s.guests.filter((g) => g.manifest).map((g) => g.file);
}
