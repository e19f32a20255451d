// One control per setting, generated from the core's SETTINGS table: its label, its limits (in
// words beside a number field), its choices and its help come from the table the CLI's flags and
// `run --help` also read, so the app and the CLI cannot drift (tests/ui-components.test.ts holds
// the rendered controls against `run --help`). The value is the store's draft.

import { CONSUMERS, LIBRARY_IDS, type LibraryId } from '../../core/lab/types';
import { ALL_LIBRARIES, settingSpec, type LabSettings, type SettingKey } from '../../core/settings/settings';
import { rangeText } from '../../core/settings/words';
import { useLab, useLabStore } from '../store/context';
import { selectDraft, selectGuests, selectManifest, selectTyped } from '../store/selectors';
import { NumberField } from '../widgets/NumberField';

/** The Library select's value for a library list: 'guest', 'all', one id, or a list of its own. */
export function libraryChoice(libraries: LabSettings['libraries']): string {
  if (libraries === 'guest') return 'guest';
  if (libraries.length === ALL_LIBRARIES.length && libraries.every((l, i) => l === ALL_LIBRARIES[i]))
    return 'all';
  if (libraries.length === 1) return libraries[0]!;
  return `list:${libraries.join(',')}`;
}

function libraryValue(choice: string): LabSettings['libraries'] | null {
  if (choice === 'guest') return 'guest';
  if (choice === 'all') return [...ALL_LIBRARIES];
  if ((LIBRARY_IDS as readonly string[]).includes(choice)) return [choice as LibraryId];
  return null;
}

function LibrarySelect() {
  const store = useLabStore();
  const draft = useLab(selectDraft)!;
  const manifest = useLab(selectManifest);
  const spec = settingSpec('libraries');
  const value = libraryChoice(draft.libraries);
  const own = manifest?.processes.map((p) => p.library).join(', ') ?? '';
  return (
    <div className="field wide">
      <label htmlFor="setting-libraries" title={spec.help}>
        {spec.label}
      </label>
      <select
        id="setting-libraries"
        value={value}
        onChange={(e) => {
          const v = libraryValue(e.target.value);
          if (v) store.getState().setSetting('libraries', v);
        }}
      >
        <option value="guest">guest{own ? ` (${own})` : ''}</option>
        <option value="all">all</option>
        {LIBRARY_IDS.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
        {value.startsWith('list:') && <option value={value}>{value.slice(5).replace(/,/g, ', ')}</option>}
      </select>
    </div>
  );
}

function GuestSelect() {
  const store = useLabStore();
  const draft = useLab(selectDraft)!;
  const guests = useLab(selectGuests);
  const spec = settingSpec('guest');
  return (
    <span className="labelled">
      <label htmlFor="setting-guest" title={spec.help}>
        {spec.label}
      </label>
      <select
        id="setting-guest"
        value={draft.guest}
        onChange={(e) => store.getState().setSetting('guest', e.target.value)}
        disabled={guests.length === 0}
      >
        {guests.map((g) => (
          <option key={g.file} value={g.manifest?.name ?? g.name} disabled={!g.manifest}>
            {g.name}
            {g.manifest ? '' : ' (invalid)'}
          </option>
        ))}
      </select>
    </span>
  );
}

/** The control of one setting, as SETTINGS describes it. */
export function SettingControl({ k, className }: { k: SettingKey; className?: string }) {
  const store = useLabStore();
  const draft = useLab(selectDraft);
  const typed = useLab(selectTyped);
  if (!draft) return null;
  const spec = settingSpec(k);
  const set = <K extends SettingKey>(key: K, v: LabSettings[K]) => store.getState().setSetting(key, v);
  const id = `setting-${k}`;
  switch (spec.type) {
    case 'whole':
    case 'number':
      return (
        <NumberField
          className={className}
          label={spec.label}
          value={draft[k] as number}
          min={spec.min}
          max={spec.max}
          step={spec.type === 'whole' ? 1 : 'any'}
          limit={rangeText(spec.min, spec.max, spec.unit)}
          help={spec.help}
          typed={typed[k]}
          onTyped={(t) => store.getState().setTyped(k, t)}
          onChange={(v) => set(k, v as never)}
        />
      );
    case 'bool':
      return (
        <label className={`check ${className ?? ''}`} title={spec.help}>
          <input
            type="checkbox"
            checked={draft[k] as boolean}
            onChange={(e) => set(k, e.target.checked as never)}
          />
          {spec.label}
        </label>
      );
    case 'choice':
    case 'consumer': {
      const options = spec.type === 'choice' ? spec.options : ['guest', ...CONSUMERS];
      return (
        <div className={`field ${className ?? ''}`}>
          <label htmlFor={id} title={spec.help}>
            {spec.label}
          </label>
          <select id={id} value={String(draft[k])} onChange={(e) => set(k, e.target.value as never)}>
            {options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
      );
    }
    case 'libraries':
      return <LibrarySelect />;
    case 'name':
      return <GuestSelect />;
  }
}
