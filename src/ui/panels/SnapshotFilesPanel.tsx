// Snapshot files and saved data, as a bar under the lineage: download the selected snapshot as a
// .ulsnap file, open one (button or drag and drop onto the lineage), see which secrets its file
// holds, and manage what this browser keeps (the autosaved session, kept files, Clear saved data).
//
// Everything from a file (its name, guest, description) is rendered as React text, never markup.
// Button names avoid the UI contract's words (Boot, Snapshot, Restore, Draw, Reset): "snap #3".

import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatSavedAt, snapshotFileName } from '../persist/records';
import { formatBytes } from '../persist/storageErrors';
import { useLab, useLabStore } from '../store/context';
import { shownFileName } from '../store/filesSlice';
import type { LabState } from '../store/types';
import type { SecretScanView } from '../worker/protocol';

const selectBar = (s: LabState) => ({
  ready: s.ready,
  busy: s.busy !== null,
  snap: s.selection.snapshot,
  storageStatus: s.storageStatus,
  offer: s.sessionOffer,
  autosave: s.autosave,
  storageError: s.storageError,
  savedCount: s.savedFiles.length,
});
const selectOrigins = (s: LabState) => s.snapshotOrigins;
const selectScan = (s: LabState) => s.secretScan;
const selectScanError = (s: LabState) => s.secretScanError;
const selectSavedFiles = (s: LabState) => s.savedFiles;
const selectEstimate = (s: LabState) => s.storageEstimate;
const selectSelectedSnapshot = (s: LabState) => s.selection.snapshot;
const selectSnapshots = (s: LabState) => s.snapshots;

/** True when a drag carries files (not text or a link). */
const carriesFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');

/** Drop handlers for the lineage: a dropped file opens as a snapshot. */
export function useSnapshotDrop() {
  const store = useLabStore();
  const [over, setOver] = useState(false);
  return {
    over,
    props: {
      onDragOver: (e: DragEvent) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      },
      onDragLeave: (e: DragEvent) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      },
      onDrop: (e: DragEvent) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file) void store.getState().openSnapshotFile(file);
      },
    },
  };
}

function autosaveText(a: LabState['autosave'], status: LabState['storageStatus']): string {
  if (status === 'unavailable') return 'Not saved: this browser offers no storage here';
  if (status === 'starting') return 'Checking saved data…';
  switch (a.state) {
    case 'waiting':
      return 'Autosave waits for your answer';
    case 'saving':
      return 'Saving…';
    case 'failed':
      return 'Autosave failed';
    case 'held':
      return 'Autosave paused: the saved session is kept as it was';
    case 'saved':
      return a.at
        ? `Session autosaved ${formatSavedAt(a.at).split(', ')[1]} · ${a.steps} step${a.steps === 1 ? '' : 's'}`
        : 'Session autosaves here';
    default:
      return 'Session autosaves here';
  }
}

export function SnapshotFilesBar() {
  const store = useLabStore();
  const a = store.getState();
  const bar = useLab(useShallow(selectBar));
  const [open, setOpen] = useState<'secrets' | 'saved' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const regionId = useId();
  const can = bar.ready && !bar.busy;
  const snap = bar.snap;

  return (
    <div className="files-bar">
      {bar.offer && (
        <div className="files-offer" role="group" aria-label="Saved session">
          <span>
            A session saved {formatSavedAt(bar.offer.savedAt)} can be rebuilt: guest {bar.offer.guest},{' '}
            {bar.offer.steps} step{bar.offer.steps === 1 ? '' : 's'}, {bar.offer.vms} VM
            {bar.offer.vms === 1 ? '' : 's'}, {bar.offer.snapshots} snap
            {bar.offer.snapshots === 1 ? '' : 's'}. It is not reopened automatically; booting or opening a
            file starts anew instead, and the new session replaces it.
          </span>
          <button className="small primary" disabled={!can} onClick={() => void a.reopenSavedSession()}>
            Reopen saved session
          </button>
          <button className="small" disabled={!can} onClick={() => void a.discardSavedSession()}>
            Discard saved session
          </button>
        </div>
      )}
      {bar.storageError && (
        <div className="files-error" role="alert">
          {bar.storageError}{' '}
          <button
            className="small"
            onClick={() => a.dismissStorageError()}
            aria-label="Dismiss storage message"
          >
            ✕
          </button>
        </div>
      )}
      <div className="files-actions">
        <button
          className="small"
          disabled={!can || snap === null}
          onClick={() => void a.downloadSnapshot()}
          title={
            snap === null ? 'select a snap in the lineage' : `save ${snapshotFileName(snap)} to your computer`
          }
        >
          <span aria-hidden="true">⤓ </span>
          Download {snap === null ? 'snap' : `snap #${snap}`}
        </button>
        <button
          className="small"
          disabled={!can}
          onClick={() => input.current?.click()}
          title="open a .ulsnap file as a new snap (or drop one onto the lineage)"
        >
          <span aria-hidden="true">⤒ </span>
          Open .ulsnap file…
        </button>
        <input
          ref={input}
          type="file"
          accept=".ulsnap,application/octet-stream"
          hidden
          aria-label="ulsnap file to open"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void a.openSnapshotFile(file);
          }}
        />
        <button
          className="small"
          aria-expanded={open === 'secrets'}
          aria-controls={`${regionId}-secrets`}
          onClick={() => setOpen(open === 'secrets' ? null : 'secrets')}
        >
          <span aria-hidden="true">{open === 'secrets' ? '▾ ' : '▸ '}</span>
          Secrets in file
        </button>
        <button
          className="small"
          aria-expanded={open === 'saved'}
          aria-controls={`${regionId}-saved`}
          onClick={() => setOpen(open === 'saved' ? null : 'saved')}
        >
          <span aria-hidden="true">{open === 'saved' ? '▾ ' : '▸ '}</span>
          Saved data ({bar.savedCount})
        </button>
        <span className="files-status" data-testid="autosave-status">
          {autosaveText(bar.autosave, bar.storageStatus)}
        </span>
      </div>
      {open === 'secrets' && <SecretsRegion id={`${regionId}-secrets`} />}
      {open === 'saved' && <SavedRegion id={`${regionId}-saved`} />}
    </div>
  );
}

function SecretsRegion({ id }: { id: string }) {
  const store = useLabStore();
  const snap = useLab(selectSelectedSnapshot);
  const snaps = useLab(selectSnapshots);
  const scan = useLab(selectScan);
  const error = useLab(selectScanError);
  const present = snap !== null && snaps.some((s) => s.id === snap);
  const summary = present ? snaps.find((s) => s.id === snap) : undefined;
  // re-scan when the selected snapshot changes (or its file could have: wiped pages)
  useEffect(() => {
    if (snap !== null && present) void store.getState().scanSnapshotSecrets(snap);
  }, [store, snap, present, summary?.wipedPages]);
  return (
    <section id={id} className="files-region" aria-label="Secrets in the file">
      {!present ? (
        <p className="empty">Select a snap in the lineage to search its file for the guest&apos;s secrets.</p>
      ) : error ? (
        <p className="hint warn">{error}</p>
      ) : !scan || scan.snapshot !== snap ? (
        <p className="empty">Searching the file of snap #{snap}…</p>
      ) : (
        <ScanTable scan={scan} />
      )}
    </section>
  );
}

const hex = (n: number) => `0x${n.toString(16)}`;

function ScanTable({ scan }: { scan: SecretScanView }) {
  const flagged = scan.secrets.filter((s) => s.wipeOnSuspend);
  return (
    <>
      <p className="hint">
        The file of snap #{scan.snapshot} ({formatBytes(scan.fileBytes)}, guest {scan.guest}) searched byte by
        byte for each secret&apos;s value, as anyone holding the file could.{' '}
        {scan.kernelWipeOnSuspend ? (
          <strong>
            The kernel supports MADV_WIPEONSUSPEND: it zeroed {scan.wipedPages} flagged page
            {scan.wipedPages === 1 ? '' : 's'} at suspend, so flagged secrets stay out of the file.
          </strong>
        ) : (
          <strong>
            This kernel lacks MADV_WIPEONSUSPEND support: flagged secrets are in the file like any other
            {flagged.length ? ' (tick MADV_WIPEONSUSPEND and boot again to keep them out)' : ''}.
          </strong>
        )}
      </p>
      <table className="scan-table">
        <thead>
          <tr>
            <th scope="col">secret</th>
            <th scope="col">flag</th>
            <th scope="col">in the file?</th>
            <th scope="col">where (file offset: layer, page + offset)</th>
          </tr>
        </thead>
        <tbody>
          {scan.secrets.map((s) => (
            <tr key={s.name} data-secret={s.name}>
              <th scope="row" className="mono">
                {s.name}
              </th>
              <td>{s.wipeOnSuspend ? 'MADV_WIPEONSUSPEND' : 'none'}</td>
              <td className={s.inFile ? 'leak' : 'kept-out'}>
                {s.inFile
                  ? `● present ×${s.occurrences}`
                  : s.wipeOnSuspend && scan.kernelWipeOnSuspend
                    ? '✕ absent: wiped at suspend'
                    : '✕ absent'}
              </td>
              <td className="mono">
                {s.hits.length === 0
                  ? '—'
                  : s.hits
                      .map(
                        (h) =>
                          `${hex(h.offset)}${h.layer === null ? '' : `: layer ${h.layer}, page ${h.page} + ${h.pageOffset}`}`,
                      )
                      .join('; ') +
                    (s.occurrences > s.hits.length ? `; … ${s.occurrences - s.hits.length} more` : '')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {scan.unknown.length > 0 && (
        <p className="hint">
          Not searched (the file places them but their values are unknown to this lab):{' '}
          {scan.unknown.join(', ')}.
        </p>
      )}
    </>
  );
}

function SavedRegion({ id }: { id: string }) {
  const store = useLabStore();
  const a = store.getState();
  const files = useLab(selectSavedFiles);
  const estimate = useLab(selectEstimate);
  const bar = useLab(useShallow(selectBar));
  const origins = useLab(selectOrigins);
  const [confirming, setConfirming] = useState(false);
  const can = bar.ready && !bar.busy;
  const total = files.reduce((n, f) => n + f.bytes, 0);
  const sessionLine =
    bar.autosave.at !== null && bar.autosave.state !== 'off'
      ? `the saved session (${bar.offer?.steps ?? bar.autosave.steps} steps, saved ${formatSavedAt(bar.autosave.at)})`
      : 'the saved session, if any';
  const snap = bar.snap;
  return (
    <section id={id} className="files-region" aria-label="Saved in this browser">
      <p className="hint">
        The session (settings, seed and every step) autosaves in this browser; files you open are kept too.
        {estimate?.quota
          ? ` This site uses ${formatBytes(estimate.usage ?? 0)} of the ${formatBytes(estimate.quota)} the browser allows.`
          : ''}
        {snap !== null && origins[snap] ? ` snap #${snap} came from ${shownFileName(origins[snap])}.` : ''}
      </p>
      {files.length === 0 ? (
        <p className="empty">No snapshot files kept here yet.</p>
      ) : (
        <table className="saved-table">
          <thead>
            <tr>
              <th scope="col">file</th>
              <th scope="col">guest</th>
              <th scope="col">size</th>
              <th scope="col">kept</th>
              <th scope="col">
                <span className="sr-only">actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {files.map((f, i) => (
              <tr key={f.id}>
                <th scope="row" className="mono clip-name" id={`${id}-f${f.id}`} title={f.name}>
                  {shownFileName(f.name)}
                </th>
                <td>{f.guest}</td>
                <td className="num">{formatBytes(f.bytes)}</td>
                <td>{formatSavedAt(f.savedAt)}</td>
                <td className="row-actions">
                  <button
                    className="small"
                    disabled={!can}
                    aria-label={`Load saved file ${i + 1}`}
                    aria-describedby={`${id}-f${f.id}`}
                    onClick={() => void a.loadSavedFile(f.id)}
                  >
                    Load
                  </button>
                  <button
                    className="small"
                    aria-label={`Delete saved file ${i + 1}`}
                    aria-describedby={`${id}-f${f.id}`}
                    onClick={() => void a.deleteSavedFile(f.id)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="files-actions">
        <button
          className="small"
          disabled={!can || snap === null || bar.storageStatus !== 'ready'}
          onClick={() => void a.keepSnapshotInBrowser()}
        >
          Keep {snap === null ? 'snap' : `snap #${snap}`} in browser
        </button>
        {!confirming ? (
          <button
            className="small danger"
            disabled={bar.storageStatus !== 'ready'}
            onClick={() => setConfirming(true)}
          >
            Clear saved data…
          </button>
        ) : (
          <div className="confirm" role="group" aria-label="Confirm clearing saved data">
            <p>
              This deletes from this browser {sessionLine} and {files.length} kept snapshot file
              {files.length === 1 ? '' : 's'} ({formatBytes(total)}). It cannot be undone. The lab open now
              stays; your next change is saved again.
            </p>
            <button
              className="small danger"
              onClick={() => {
                setConfirming(false);
                void a.clearSavedData();
              }}
            >
              Delete saved data
            </button>
            <button className="small" autoFocus onClick={() => setConfirming(false)}>
              Keep saved data
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
