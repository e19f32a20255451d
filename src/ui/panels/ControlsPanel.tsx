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
  selectMoreSettings,
  selectNeedsReboot,
  selectProblems,
  selectSelectedSummary,
} from '../store/selectors';
import { SettingControl } from './SettingControl';

/** The guest kernel a presenter switches (the rest of the kernel is under More settings). */
const KERNEL: SettingKey[] = ['cpu', 'kernel', 'vmgenid', 'sysgenid', 'wipeOnSuspend', 'vdso', 'agent'];
const PROCESSES: SettingKey[] = ['libraries', 'consumer'];
const FLEET: SettingKey[] = ['clones', 'draws', 'notifyDelayUs', 'snapshot'];
/** The settings the header holds (guest and seed) and the selected VM's own (pages to write). */
const ELSEWHERE: SettingKey[] = ['guest', 'seed', 'touchPages'];
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
  const why = problems.length ? `Fix first: ${problems.join('; ')}` : undefined;

  return (
    <section className="panel controls" aria-labelledby="controls-h">
      <h2 id="controls-h">Experiment</h2>
      <div className="actions three" role="group" aria-label="Lab actions">
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
          className="tight"
          disabled={!can.resume}
          onClick={() => void a.resume()}
          title={why ?? 'resume the paused original: one more clone'}
        >
          Resume original
        </button>
      </div>
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
