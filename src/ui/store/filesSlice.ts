// Snapshot files and the browser's storage, as one slice of the store: download a snapshot as a
// file, open a file as a snapshot (the worker's addFile, then a 'load' action), scan a snapshot's
// file for secrets, keep files in this browser, and autosave the session so a later visit can
// reopen it. Lab changes still happen only in the worker; storage only in LabStorage.
//
// Invariants:
// - The saved session is the session's own history (its starting settings and action log, from
//   the last bundle), the snapshot files its 'load' actions name, and how the lab was looked at.
//   Reopening it is one replay in a fresh worker: nothing is rebuilt step by step here.
// - A refused file leaves the lab as it was (the worker checks it all before loading), and says
//   why in ONE message: the decoder's own, in the status line's alert.
// - Storage failures are never silent: each sets `storageError` (an alert in the files bar).
// - Autosave never overwrites a saved session the person has not answered: while the "Reopen
//   saved session" offer stands, nothing is saved; the first action of a new session (Boot,
//   opening a file, a link) withdraws the offer and the new session replaces the old one.
// - Nothing is saved while a reopen runs, and after a reopen failed nothing is saved at all
//   (autosave 'held'): the saved record stays exactly as it was until the person discards it.

import { blobSource, readSnapshotFileHeadFirst, SNAPSHOT_FILE_LIMITS } from '../../core/snapfile';
import { count } from '../../core/settings/words';
import { bytesBlob, download } from '../lib/download';
import { LabStorage } from '../persist/labStorage';
import {
  formatSavedAt,
  SESSION_FORMAT,
  snapshotFileName,
  type SessionFile,
  type SessionRecord,
} from '../persist/records';
import { formatBytes } from '../persist/storageErrors';
import type { Driver } from './driver';
import { settingsToSend } from './selectors';
import type { Busy, FilesSlice, KnownFile, LabState, SliceCreator } from './types';

/** How long the session waits after the last change of the view before it is saved. */
export const AUTOSAVE_DELAY_MS = 400;

/** File names are the person's text: shown as text, and shortened so a long one cannot flood. */
export function shownFileName(name: string): string {
  const flat = Array.from(name, (c) => (c.charCodeAt(0) < 32 || c === '\x7f' ? '?' : c)).join('');
  return flat.length > 80 ? `${flat.slice(0, 60)}…${flat.slice(-16)}` : flat;
}

/** The saved-session record of the store now (null before the first bundle). */
export function sessionRecord(s: LabState, now: number): SessionRecord | null {
  const v = s.session;
  if (!v) return null;
  return {
    format: SESSION_FORMAT,
    savedAt: now,
    settings: v.initial,
    actions: v.log,
    files: v.files.map((f) => ({ id: f.id, name: f.name })),
    view: {
      controls: s.draft,
      selection: { ...s.selection },
      outputsLibrary: s.outputsLibrary,
      mapRange: s.mapRange,
      origins: Object.fromEntries(Object.entries(s.snapshotOrigins).map(([k, n]) => [String(k), n])),
    },
    summary: { guest: v.initial.guest, vms: s.vms.length, snapshots: s.snapshots.length },
  };
}

const busyOf = (op: string, label: string): Busy => ({
  op,
  label,
  done: 0,
  total: 0,
  requestId: null,
  cancel: null,
  cancelRequested: false,
});

export function createFilesSlice(
  d: Driver,
  storage: LabStorage = new LabStorage(),
): SliceCreator<FilesSlice> {
  return (set, get, api) => {
    /** True once the session may be saved (no unanswered offer, no failed reopen). */
    let armed = false;
    let held = false;
    let reopening = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    /** What was written last, or tried (a failed write is not retried until something changes). */
    let savedKey = '';

    const fail = (text: string) => set({ storageError: text });

    async function refreshStorage(): Promise<void> {
      const [list, estimate] = await Promise.all([storage.listFiles(), storage.estimate()]);
      if (list.ok) set({ savedFiles: list.value, storageEstimate: estimate });
      else set({ storageError: list.error.message, storageEstimate: estimate });
    }

    const keyOf = (rec: SessionRecord) => JSON.stringify({ ...rec, savedAt: 0 });

    /** The saved record as read at startup, until the lab shows its history (its view then applies). */
    let saved: SessionRecord | null = null;
    const sameHistory = (rec: SessionRecord, s: LabState) =>
      s.session !== null &&
      JSON.stringify([rec.settings, rec.actions]) === JSON.stringify([s.session.initial, s.session.log]);
    /** The saved view's file names, once the lab holds the saved history (a reload's link rebuilt it). */
    function followSaved(rec: SessionRecord): void {
      saved = null;
      if (Object.keys(get().snapshotOrigins).length > 0) return;
      set({
        snapshotOrigins: Object.fromEntries(Object.entries(rec.view.origins).map(([k, n]) => [Number(k), n])),
      });
    }

    async function saveNow(): Promise<void> {
      const s = get();
      if (!armed || held || reopening || s.busy || storage.available === false) return;
      const rec = sessionRecord(s, Date.now());
      if (!rec) return;
      const key = keyOf(rec);
      if (key === savedKey) return;
      savedKey = key;
      set({ autosave: { ...get().autosave, state: 'saving' } });
      const files = new Map<string, SessionFile>(
        rec.files.flatMap((f) => (s.knownFiles[f.id] ? [[f.id, s.knownFiles[f.id]!] as const] : [])),
      );
      const r = await storage.saveSession(rec, files);
      if (!r.ok) {
        set({ autosave: { ...get().autosave, state: 'failed' }, storageError: r.error.message });
        return;
      }
      set({ autosave: { state: 'saved', at: rec.savedAt, steps: rec.actions.length } });
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
    // this only marks storage unavailable. Every later change of what is saved calls for a save.
    api.subscribe((s, prev) => {
      if (s.ready && !prev.ready) void get().initPersistence();
      if (
        saved &&
        !s.busy &&
        s.session !== prev.session &&
        (s.session?.log.length ?? 0) > 0 &&
        sameHistory(saved, s)
      )
        followSaved(saved);
      if (s.storageStatus !== 'ready' || held || reopening || s.busy) return;
      if (!armed && s.sessionOffer && (s.session?.log.length ?? 0) > 0) {
        // the person started a new session instead of reopening the saved one
        armed = true;
        set({ sessionOffer: null });
      }
      if (!armed) return;
      // a lab change is saved at once (a reload right after a command keeps it); the controls
      // and the view wait for the person to stop clicking
      if (s.session !== prev.session || prev.busy) schedule(0);
      else if (
        s.draft !== prev.draft ||
        s.selection !== prev.selection ||
        s.outputsLibrary !== prev.outputsLibrary ||
        s.mapRange !== prev.mapRange
      )
        schedule(AUTOSAVE_DELAY_MS);
    });

    /** Gives the worker a file's bytes and loads it as a snapshot; true when loaded. */
    async function loadBytes(bytes: Uint8Array, name: string, keep: boolean): Promise<boolean> {
      const shown = shownFileName(name);
      const s0 = get();
      const settings = settingsToSend(s0);
      if (!settings || s0.busy) return false;
      // a copy travels: the page keeps the bytes, to replay the session in a fresh worker
      const added = await d.call('addFile', { bytes, name }, `Opening ${shown}`);
      if (!added?.ok) return false;
      if (!added.value.ok) {
        // the decoder's message names what is wrong; the lab did not change
        set({ notice: { tone: 'error', text: `Opening ${shown} refused: ${added.value.error.message}` } });
        return false;
      }
      const v = added.value.value;
      set({ knownFiles: { ...get().knownFiles, [v.id]: { name, bytes } } });
      const s = get();
      const r = await d.call(
        'act',
        { settings: settingsToSend(s)!, actions: [{ a: 'load', file: v.id }], sel: s.selection },
        `Opening ${shown}`,
      );
      if (!r?.ok) return false;
      const { bundle, error } = r.value;
      if (error) {
        d.applyBundle(bundle, {
          notice: { tone: 'error', text: `Opening ${shown} refused: ${error.message}` },
        });
        return false;
      }
      const snap = bundle.selection.snapshot;
      d.applyBundle(bundle, {
        snapshotOrigins: snap === null ? get().snapshotOrigins : { ...get().snapshotOrigins, [snap]: name },
        notice: {
          tone: 'info',
          text:
            `Opened ${shown}: snap #${snap}, guest "${v.guest}" (${count(v.memoryMiB)} MiB, ` +
            `${v.layers} layer${v.layers === 1 ? '' : 's'}, saved with seed ${v.seed}); it is the clone source now.`,
        },
      });
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

    /** A snapshot as file bytes, or null (the notice says why). */
    async function exportSnap(snap: number, what: string) {
      const r = await d.call('exportSnapshot', { snap }, `Writing snap #${snap} as a file`);
      if (!r?.ok) return null;
      if (!r.value.ok) {
        set({ notice: { tone: 'error', text: `${what} of snap #${snap} failed: ${r.value.error.message}` } });
        return null;
      }
      return r.value.value;
    }

    return {
      storageStatus: 'starting',
      sessionOffer: null,
      savedFiles: [],
      storageEstimate: null,
      autosave: { state: 'off', at: null, steps: 0 },
      storageError: null,
      snapshotOrigins: {},
      knownFiles: {},
      secretScan: null,
      secretScanError: null,
      lastDownload: null,

      initPersistence: async () => {
        if (!storage.available) {
          set({ storageStatus: 'unavailable' });
          return;
        }
        const r = await storage.loadSession();
        saved = r.ok ? r.value : null;
        // a link in the address bar may be rebuilding the lab right now: it wins over the offer
        await idle();
        set({ storageStatus: 'ready' });
        const now = get().session;
        const empty = (now?.log.length ?? 0) === 0;
        const same = r.ok && r.value !== null && !empty && sameHistory(r.value, get());
        if (same && r.value) {
          // the address bar's link rebuilt the saved lab itself (a reload): nothing to offer
          followSaved(r.value);
          armed = true;
          set({ autosave: { state: 'saved', at: r.value.savedAt, steps: r.value.actions.length } });
        } else if (!r.ok) {
          // a session this version cannot use is reported, then replaced by the next save
          fail(r.error.message);
          armed = true;
        } else if (r.value && r.value.actions.length > 0 && empty) {
          const rec = r.value;
          set({
            sessionOffer: {
              savedAt: rec.savedAt,
              steps: rec.actions.length,
              guest: rec.summary.guest,
              vms: rec.summary.vms,
              snapshots: rec.summary.snapshots,
            },
            autosave: { state: 'waiting', at: rec.savedAt, steps: rec.actions.length },
          });
        } else {
          // nothing to reopen: keep the controls of last time, and save from now on
          const controls = r.value?.view.controls;
          if (controls && empty && get().guests.some((g) => g.manifest?.name === controls.guest))
            set({ draft: controls, typed: {} });
          armed = true;
          set({ autosave: { state: 'saved', at: r.value?.savedAt ?? null, steps: 0 } });
        }
        await refreshStorage();
      },

      downloadSnapshot: async () => {
        const snap = get().selection.snapshot;
        if (snap === null || get().busy) return;
        const f = await exportSnap(snap, 'Download');
        if (!f) return;
        const name = snapshotFileName(snap);
        download(name, bytesBlob(f.bytes));
        set({
          lastDownload: { name, bytes: f.bytes.length, checksum: f.checksum },
          notice: {
            tone: 'info',
            text: `Downloaded ${name}: ${formatBytes(f.bytes.length)}, ${f.layers} layer${f.layers === 1 ? '' : 's'}, CRC-64 ${f.checksum}.`,
          },
        });
      },

      openSnapshotFile: async (file) => {
        if (get().busy) return;
        const shown = shownFileName(file.name);
        if (file.size > SNAPSHOT_FILE_LIMITS.maxFileBytes) {
          set({
            notice: {
              tone: 'error',
              text: `Opening ${shown} refused: the file is ${count(file.size)} bytes, beyond the snapshot file limit of ${count(SNAPSHOT_FILE_LIMITS.maxFileBytes)}`,
            },
          });
          return;
        }
        // its first 32 bytes are checked against its size before the rest is read: a file that
        // is not a snapshot file, or is cut short, costs 32 bytes; the worker checks the rest
        let bytes: Uint8Array;
        set({ busy: busyOf('addFile', `Reading ${shown}`) });
        try {
          const read = await readSnapshotFileHeadFirst(blobSource(file));
          if (!read.ok) {
            set({
              busy: null,
              notice: { tone: 'error', text: `Opening ${shown} refused: ${read.error.message}` },
            });
            return;
          }
          bytes = read.value;
        } catch (e) {
          set({
            busy: null,
            notice: { tone: 'error', text: `Opening ${shown} failed: cannot read it (${String(e)})` },
          });
          return;
        }
        set({ busy: null });
        await loadBytes(bytes, file.name, true);
      },

      keepSnapshotInBrowser: async () => {
        const snap = get().selection.snapshot;
        if (snap === null || get().busy) return;
        const f = await exportSnap(snap, 'Keeping');
        if (!f) return;
        const name = snapshotFileName(snap);
        const saved = await storage.saveFile(
          {
            name,
            guest: f.guest,
            bytes: f.bytes.length,
            savedAt: Date.now(),
            checksum: f.checksum,
            source: 'lab',
          },
          f.bytes,
        );
        if (!saved.ok) fail(saved.error.message);
        else
          set({
            notice: { tone: 'info', text: `Kept ${name} in this browser (${formatBytes(f.bytes.length)}).` },
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
        const r = await d.client.request('scanSecrets', { snap });
        if (get().selection.snapshot !== snap && get().secretScan?.snapshot !== snap) return;
        const a = r.ok ? r.value : { ok: false as const, error: r.error };
        if (a.ok) set({ secretScan: a.value, secretScanError: null });
        else set({ secretScan: null, secretScanError: `snap #${snap}: ${a.error.message}` });
      },

      reopenSavedSession: async () => {
        if (get().busy) return;
        reopening = true;
        const stopHeld = (why: string) => {
          held = true;
          reopening = false;
          set({
            autosave: { ...get().autosave, state: 'held' },
            notice: {
              tone: 'error',
              text: `Reopening the saved session failed: ${why.replace(/\.$/, '')}. The saved session is kept as it was; nothing is saved until you discard it.`,
            },
          });
        };
        const loaded = await storage.loadSession();
        if (!loaded.ok || !loaded.value) {
          reopening = false;
          set({ sessionOffer: null });
          fail(loaded.ok ? 'The saved session is gone (cleared in another tab?).' : loaded.error.message);
          armed = true;
          return;
        }
        const rec = loaded.value;
        const files = await storage.loadSessionFiles(rec.files);
        if (!files.ok) {
          stopHeld(files.error.message);
          return;
        }
        const r = await d.call(
          'replay',
          {
            history: { settings: rec.settings, actions: rec.actions },
            files: [...files.value.values()],
            sel: rec.view.selection,
            scenario: null,
          },
          'Reopening the saved session',
          'chunks',
        );
        if (!r?.ok) {
          stopHeld(r ? r.error.message : 'the worker was stopped');
          return;
        }
        const { bundle, error, extra } = r.value;
        const known = { ...get().knownFiles };
        for (const [id, f] of files.value) known[id] = f;
        d.applyBundle(bundle, {
          knownFiles: known,
          active: null,
          pageInfo: null,
          cursor: null,
          snapshotOrigins:
            error || extra.cancelled
              ? {}
              : Object.fromEntries(Object.entries(rec.view.origins).map(([k, v]) => [Number(k), v])),
          ...(error || extra.cancelled
            ? {}
            : { outputsLibrary: rec.view.outputsLibrary, mapRange: rec.view.mapRange }),
        });
        set({ draft: rec.view.controls ?? get().session?.settings ?? get().draft, typed: {} });
        if (error || extra.cancelled) {
          stopHeld(error ? error.message : 'it was cancelled');
          return;
        }
        set({
          sessionOffer: null,
          notice: {
            tone: 'info',
            text: `Reopened the saved session of ${formatSavedAt(rec.savedAt)}: ${rec.actions.length} step${rec.actions.length === 1 ? '' : 's'} replayed from the seed.`,
          },
        });
        // what is stored is what now runs: no need to write it again
        const now = sessionRecord(get(), rec.savedAt);
        savedKey = now ? keyOf(now) : '';
        set({ autosave: { state: 'saved', at: rec.savedAt, steps: rec.actions.length } });
        reopening = false;
        held = false;
        armed = true;
      },

      discardSavedSession: async () => {
        const r = await storage.deleteSession();
        if (!r.ok) fail(r.error.message);
        armed = true;
        held = false;
        savedKey = '';
        set({ sessionOffer: null, autosave: { state: 'saved', at: null, steps: 0 } });
        await refreshStorage();
        schedule(0);
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
        held = false;
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
        const now = sessionRecord(get(), 0);
        savedKey = now ? keyOf(now) : '';
        await refreshStorage();
      },

      filesFor: async (ids) => {
        const known = get().knownFiles;
        const out = new Map<string, KnownFile>();
        const missing: { id: string; name: string }[] = [];
        for (const id of new Set(ids)) {
          if (known[id]) out.set(id, known[id]);
          else missing.push({ id, name: id });
        }
        if (missing.length && storage.available) {
          const stored = await storage.loadSessionFiles(missing);
          if (stored.ok) for (const [id, f] of stored.value) out.set(id, f);
        }
        if (out.size) set({ knownFiles: { ...get().knownFiles, ...Object.fromEntries(out) } });
        return [...out.values()];
      },

      dismissStorageError: () => set({ storageError: null }),
    };
  };
}
