// Left column: the actions, then the settings a presenter reaches for (the kernel, the libraries,
// the fleet), every other setting under "More settings", and the selected VM's own actions. Each
// setting's control comes from the core's SETTINGS table (SettingControl.tsx).
// Accessible names here are the UI contract (DESIGN.md): keep "Boot", "Snapshot", "Restore",
// "Draw", "Reset", "Clones", "Draws", "Library", "CPU", "Kernel", "VMGenID", "SysGenId",
// "MADV_WIPEONSUSPEND" exact, and keep those words out of every other button's name.

import { useShallow } from 'zustand/react/shallow';
import { SETTINGS, type SettingKey } from '../../core/settings/settings';
import { useLab, useLabStore } from '../store/context';
import {
  selectCan,
  selectConflict,
  selectManifest,
  selectMoreSettings,
  selectNeedsReboot,
  selectProblems,
  selectSelectedSummary,
} from '../store/selectors';
import type { LabState } from '../store/types';
import { SettingControl } from './SettingControl';

/** The guest kernel a presenter switches (the rest of the kernel is under More settings). */
const KERNEL: SettingKey[] = ['cpu', 'kernel', 'vmgenid', 'sysgenid', 'wipeOnSuspend', 'vdso', 'agent'];
const PROCESSES: SettingKey[] = ['libraries', 'consumer'];
const FLEET: SettingKey[] = ['clones', 'draws', 'notifyDelayUs', 'snapshot'];
/** The settings the header holds (guest and seed) and the selected VM's own (pages to write). */
const ELSEWHERE: SettingKey[] = ['guest', 'seed', 'touchPages'];
/** What to press next, in words (a newcomer's thread through Boot, Snapshot, Restore, Draw). */
const selectNext = (s: LabState): string | null => {
  if (!s.ready || s.busy || s.active) return null;
  const original = s.session?.lineage.original ?? null;
  if (original === null && s.snapshots.length === 0) return 'Start here: Boot starts the original VM.';
  if (s.snapshots.length === 0) return 'Next: Snapshot saves the running VM.';
  if ((s.session?.drawing.length ?? 0) === 0) return 'Next: Restore starts clones from the snapshot.';
  if (!s.lastDraw) return 'Next: Draw makes every running VM draw random values.';
  return null;
};

/** Every other setting the table has, in its order: a new setting shows up here by itself. */
const MORE: SettingKey[] = SETTINGS.map((x) => x.key).filter(
  (k) => ![...KERNEL, ...PROCESSES, ...FLEET, ...ELSEWHERE].includes(k),
);

export function ControlsPanel() {
  const store = useLabStore();
  const a = store.getState();
  const can = useLab(useShallow(selectCan));
  const problems = useLab(useShallow(selectProblems));
  const needsReboot = useLab(selectNeedsReboot);
  const selected = useLab(selectSelectedSummary);
  const more = useLab(selectMoreSettings);
  const conflict = useLab(selectConflict);
  const manifest = useLab(selectManifest);
  const next = useLab(selectNext);
  const why = problems.length ? `Fix first: ${problems.join('; ')}` : undefined;

  return (
    <section className="panel controls" aria-labelledby="controls-h">
      <h2 id="controls-h">Experiment</h2>
      <div className="actions" role="group" aria-label="Lab actions">
        <button
          className="primary"
          disabled={!can.boot}
          title={why ?? (conflict ? `Boot: ${conflict}` : undefined)}
          onClick={() => void a.boot()}
        >
          Boot
        </button>
        <button className="primary" disabled={!can.snapshot} title={why} onClick={() => void a.snapshot()}>
          Snapshot
        </button>
        <button className="primary" disabled={!can.restore} title={why} onClick={() => void a.restore()}>
          Restore
        </button>
        <button className="primary" disabled={!can.draw} title={why} onClick={() => void a.draw()}>
          Draw
        </button>
        <button disabled={!can.reset} title={why} onClick={() => void a.reset()}>
          Reset
        </button>
        <button
          disabled={!can.resume}
          onClick={() => void a.resume()}
          title={why ?? 'resume the paused original: one more clone'}
        >
          Resume original
        </button>
      </div>
      {next && problems.length === 0 && !conflict && (
        <p className="hint next" aria-live="polite">
          {next}
        </p>
      )}
      {problems.length > 0 && (
        <p className="hint bad" role="alert">
          Nothing runs until every value is within its limits: {problems.join('; ')}.
        </p>
      )}
      {conflict && (
        <p className="hint bad" role="alert">
          No such kernel: {conflict}.
        </p>
      )}
      {needsReboot && <p className="hint warn">Kernel, guest and process settings apply at the next Boot.</p>}
      <fieldset>
        <legend>Guest kernel</legend>
        {manifest?.description && (
          <details className="guest-about">
            <summary>About the guest “{manifest.name}”</summary>
            <p>{manifest.description}</p>
          </details>
        )}
        {KERNEL.map((k) => (
          <SettingControl key={k} k={k} />
        ))}
      </fieldset>

      <fieldset>
        <legend>Processes</legend>
        {PROCESSES.map((k) => (
          <SettingControl key={k} k={k} className="wide" />
        ))}
      </fieldset>

      <fieldset>
        <legend>Fleet</legend>
        {FLEET.map((k) => (
          <SettingControl key={k} k={k} />
        ))}
      </fieldset>

      <details open={more} onToggle={(e) => a.setMoreSettings(e.currentTarget.open)}>
        <summary>More settings</summary>
        {more && (
          <div className="more-settings">
            {MORE.map((k) => (
              <SettingControl key={k} k={k} />
            ))}
          </div>
        )}
      </details>

      <fieldset>
        <legend>Selected VM{selected ? ` ${selected.id}` : ''}</legend>
        <SettingControl k="touchPages" />
        <div className="actions">
          <button
            disabled={!can.touch}
            onClick={() => void a.touch()}
            title={why ?? 'write to heap pages: copy-on-write and dirty tracking'}
          >
            Touch pages
          </button>
          <button
            disabled={!can.destroy}
            onClick={() => selected && void a.destroy(selected.id as number)}
            title={why ?? 'destroy the selected VM and free its private frames'}
          >
            Destroy VM
          </button>
        </div>
      </fieldset>
    </section>
  );
}
