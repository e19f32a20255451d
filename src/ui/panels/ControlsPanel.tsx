// Left column: the guest kernel's features, the libraries, the fleet knobs and the actions.
// Accessible names here are the UI contract (DESIGN.md): keep "Boot", "Snapshot", "Restore",
// "Draw", "Reset", "Clones", "Draws", "Library", "VMGenID", "SysGenId", "MADV_WIPEONSUSPEND"
// exact, and keep those words out of every other control's name.

import { useShallow } from 'zustand/react/shallow';
import { CONSUMERS, LIBRARY_IDS, type Consumer, type LibraryId } from '../../core/lab/types';
import { useLab, useLabStore } from '../store/context';
import {
  selectCan,
  selectConsumer,
  selectKernel,
  selectLazy,
  selectLibrary,
  selectManifest,
  selectNeedsReboot,
  selectNumbers,
  selectProcessLibraries,
  selectSelectedSummary,
  selectSnapshotType,
} from '../store/selectors';
import type { KernelToggles, LibraryChoice } from '../store/types';
import { NumberField } from '../widgets/NumberField';

const KERNEL_BOXES: Array<{ key: keyof KernelToggles; label: string; help: string }> = [
  {
    key: 'vmgenid',
    label: 'VMGenID',
    help: 'vmgenid driver (Linux >= 5.18): reseeds the CRNG on the VMGenID notification',
  },
  {
    key: 'sysgenid',
    label: 'SysGenId',
    help: '/dev/sysgenid counter, bumped when the notification is handled',
  },
  {
    key: 'wipeOnSuspend',
    label: 'MADV_WIPEONSUSPEND',
    help: 'the kernel zeroes flagged pages at suspend, before the snapshot is taken (RFC, never merged)',
  },
  {
    key: 'vdsoGetrandom',
    label: 'vDSO getrandom',
    help: 'Linux >= 6.11: per-thread state, rekeys when the CRNG generation changes',
  },
  {
    key: 'jitterEntropy',
    label: 'Jitter entropy',
    help: 'per-clone timing jitter mixed at each periodic reseed (off: deterministic)',
  },
  {
    key: 'agentReseed',
    label: 'Reseed agent',
    help: 'a guest agent reseeds the CRNG after restore (RNDADDENTROPY + RNDRESEEDCRNG)',
  },
];

export function ControlsPanel() {
  const store = useLabStore();
  const a = store.getState();
  const kernel = useLab(selectKernel);
  const library = useLab(selectLibrary);
  const processLibraries = useLab(selectProcessLibraries);
  const consumer = useLab(selectConsumer);
  const manifest = useLab(selectManifest);
  const n = useLab(useShallow(selectNumbers));
  const can = useLab(useShallow(selectCan));
  const snapshotType = useLab(selectSnapshotType);
  const lazy = useLab(selectLazy);
  const needsReboot = useLab(selectNeedsReboot);
  const selected = useLab(selectSelectedSummary);

  return (
    <section className="panel controls" aria-labelledby="controls-h">
      <h2 id="controls-h">Experiment</h2>
      <div className="actions three" role="group" aria-label="Lab actions">
        <button className="primary" disabled={!can.boot} onClick={() => void a.boot()}>
          Boot
        </button>
        <button className="primary" disabled={!can.snapshot} onClick={() => void a.snapshot()}>
          Snapshot
        </button>
        <button className="primary" disabled={!can.restore} onClick={() => void a.restore()}>
          Restore
        </button>
        <button className="primary" disabled={!can.draw} onClick={() => void a.draw()}>
          Draw
        </button>
        <button disabled={!can.reset} onClick={() => void a.reset()}>
          Reset
        </button>
        <button
          className="tight"
          disabled={!can.resume}
          onClick={() => void a.resume()}
          title="resume the paused original: one more clone"
        >
          Resume original
        </button>
      </div>
      {needsReboot && <p className="hint warn">Kernel and process settings apply at the next Boot.</p>}
      <fieldset>
        <legend>Guest kernel</legend>
        {KERNEL_BOXES.map((b) => (
          <label className="check" key={b.key} title={b.help}>
            <input
              type="checkbox"
              checked={kernel[b.key]}
              onChange={(e) => a.setKernel(b.key, e.target.checked)}
            />
            {b.label}
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>Processes</legend>
        <div className="field wide">
          <label htmlFor="library">Library</label>
          <select
            id="library"
            value={library}
            onChange={(e) => a.setLibrary(e.target.value as LibraryChoice)}
          >
            <option value="guest">per process</option>
            <option value="all">all libraries</option>
            {LIBRARY_IDS.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <details>
          <summary>
            {library === 'guest'
              ? `Per process: ${manifest?.processes.map((p, i) => processLibraries[i] ?? p.library).join(', ') ?? ''}`
              : library === 'all'
                ? 'One process per library'
                : `One process: ${library}`}
          </summary>
          {library === 'guest' &&
            manifest?.processes.map((p, i) => (
              <div className="field wide" key={p.name}>
                <label htmlFor={`proc-${i}`} className="mono" title={`process ${p.name} (${p.consumer})`}>
                  {p.name}
                </label>
                <select
                  id={`proc-${i}`}
                  value={processLibraries[i] ?? p.library}
                  onChange={(e) => a.setProcessLibrary(i, e.target.value as LibraryId)}
                >
                  {LIBRARY_IDS.map((id) => (
                    <option key={id} value={id}>
                      {id}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          <div className="field wide">
            <label htmlFor="consumer">Output kind</label>
            <select
              id="consumer"
              value={consumer}
              onChange={(e) => a.setConsumer(e.target.value as Consumer | 'guest')}
            >
              <option value="guest">as in guest</option>
              {CONSUMERS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <label className="check" title="pages load on first touch; first-touch faults are counted">
            <input type="checkbox" checked={lazy} onChange={(e) => a.setLazy(e.target.checked)} />
            Lazy restore (count faults)
          </label>
        </details>
      </fieldset>

      <fieldset>
        <legend>Fleet</legend>
        <NumberField
          label="Clones"
          value={n.clones}
          min={1}
          max={4096}
          onChange={(v) => a.setSetting('clones', v)}
        />
        <NumberField
          label="Draws"
          value={n.draws}
          min={1}
          max={10000}
          onChange={(v) => a.setSetting('draws', v)}
        />
        <NumberField
          label="Notify delay (µs)"
          help="δ: time between vCPU resume and the guest handling the VMGenID notification"
          value={n.notifyDelayUs}
          min={0}
          max={1_000_000}
          onChange={(v) => a.setSetting('notifyDelayUs', v)}
        />
        <div className="field">
          <label htmlFor="snaptype">Snapshot type</label>
          <select
            id="snaptype"
            value={snapshotType}
            onChange={(e) => a.setSnapshotType(e.target.value as 'full' | 'diff')}
          >
            <option value="full">full</option>
            <option value="diff">diff</option>
          </select>
        </div>
      </fieldset>

      <fieldset>
        <legend>Selected VM{selected ? ` ${selected.id}` : ''}</legend>
        <NumberField
          label="Pages to write"
          value={n.touchCount}
          min={1}
          max={262144}
          onChange={(v) => a.setSetting('touchCount', v)}
        />
        <div className="actions">
          <button
            disabled={!can.touch}
            onClick={() => void a.touch()}
            title="write to heap pages: copy-on-write and dirty tracking"
          >
            Touch pages
          </button>
          <button
            disabled={!can.destroy}
            onClick={() => selected && void a.destroy(selected.id as number)}
            title="destroy the selected VM and free its private frames"
          >
            Destroy VM
          </button>
        </div>
      </fieldset>
    </section>
  );
}
