// One control per setting, generated from the core's SETTINGS table: its label, its limits (in
// words beside a number field), its choices and its help come from the table the CLI's flags and
// `run --help` also read, so the app and the CLI cannot drift (tests/ui-components.test.ts holds
// the rendered controls against `run --help`). The value is the store's draft. A setting's help
// shows as text under its control while the control has focus (view/Term.tsx links it to the
// glossary where the glossary has the term); the Library select says what the chosen library is.

import { CONSUMERS, LIBRARY_IDS, type LibraryId } from '../../core/lab/types';
import { ALL_LIBRARIES, settingSpec, type LabSettings, type SettingKey } from '../../core/settings/settings';
import { rangeText } from '../../core/settings/words';
import { useLab, useLabStore } from '../store/context';
import { selectDraft, selectGuests, selectManifest, selectTyped } from '../store/selectors';
import { NumberField } from '../widgets/NumberField';
import { LIBRARY_NOTES } from '../lib/libraryNotes';
import { SETTING_TERMS } from '../view/glossary';
import { Term } from '../view/Term';

/** " · glossary" after a setting's help, where the glossary explains the setting's term. */
function GlossaryLink({ k }: { k: SettingKey }) {
  const term = SETTING_TERMS[k];
  if (!term) return null;
  return (
    <>
      {' · '}
      <Term k={term}>in the glossary</Term>
    </>
  );
}

/** The help of a control, shown under it while it has focus. */
function Help({ id, k, text }: { id: string; k: SettingKey; text: string }) {
  return (
    <span id={id} className="help">
      {text}
      <GlossaryLink k={k} />
    </span>
  );
}

/** What a Library choice runs, in one line. */
function libraryNote(value: string, own: string): string {
  if (value === 'guest') return `The guest’s own processes: ${own || 'none'}.`;
  if (value === 'all') return `All ${ALL_LIBRARIES.length} libraries side by side, one process each.`;
  if (value.startsWith('list:'))
    return `These libraries, one process each: ${value.slice(5).replace(/,/g, ', ')}.`;
  return LIBRARY_NOTES[value as LibraryId] ?? '';
}

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
  const count = manifest?.processes.length ?? 0;
  return (
    <div className="field wide library">
      <label htmlFor="setting-libraries" title={spec.help}>
        {spec.label}
      </label>
      <select
        id="setting-libraries"
        value={value}
        aria-describedby="library-note"
        onChange={(e) => {
          const v = libraryValue(e.target.value);
          if (v) store.getState().setSetting('libraries', v);
        }}
      >
        <option value="guest">guest’s ({count})</option>
        <option value="all">all ({ALL_LIBRARIES.length})</option>
        {LIBRARY_IDS.map((id) => (
          <option key={id} value={id} title={LIBRARY_NOTES[id]}>
            {id}
          </option>
        ))}
        {value.startsWith('list:') && <option value={value}>a list ({draft.libraries.length})</option>}
      </select>
      <span id="library-note" className="note">
        {libraryNote(value, own)}
      </span>
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
          more={<GlossaryLink k={k} />}
          typed={typed[k]}
          onTyped={(t) => store.getState().setTyped(k, t)}
          onChange={(v) => set(k, v as never)}
        />
      );
    case 'bool':
      return (
        <div className={`check-row ${className ?? ''}`}>
          <label className="check" title={spec.help}>
            <input
              type="checkbox"
              checked={draft[k] as boolean}
              aria-describedby={`${id}-help`}
              onChange={(e) => set(k, e.target.checked as never)}
            />
            {spec.label}
          </label>
          <Help id={`${id}-help`} k={k} text={spec.help} />
        </div>
      );
    case 'choice':
    case 'consumer': {
      const options = spec.type === 'choice' ? spec.options : ['guest', ...CONSUMERS];
      return (
        <div className={`field ${className ?? ''}`}>
          <label htmlFor={id} title={spec.help}>
            {spec.label}
          </label>
          <select
            id={id}
            value={String(draft[k])}
            aria-describedby={`${id}-help`}
            onChange={(e) => set(k, e.target.value as never)}
          >
            {options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <Help id={`${id}-help`} k={k} text={spec.help} />
        </div>
      );
    }
    case 'libraries':
      return <LibrarySelect />;
    case 'name':
      return <GuestSelect />;
  }
}
