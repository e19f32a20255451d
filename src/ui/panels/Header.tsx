// Top bar: title, guest preset, and the presentation switches (large type, theme).

import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { NumberField } from '../widgets/NumberField';
import { PresentControls } from './PresentControls';
import { useLab, useLabStore } from '../store/context';
import {
  selectGuestFile,
  selectGuests,
  selectGuestsError,
  selectLargeType,
  selectManifest,
  selectNumbers,
  selectTheme,
} from '../store/selectors';

const MEMORY_SIZES = [16, 32, 64, 128, 256, 512, 1024];

export function Header() {
  const store = useLabStore();
  const guests = useLab(selectGuests);
  const guestFile = useLab(selectGuestFile);
  const guestsError = useLab(selectGuestsError);
  const manifest = useLab(selectManifest);
  const largeType = useLab(selectLargeType);
  const theme = useLab(selectTheme);
  const n = useLab(useShallow(selectNumbers));

  useEffect(() => {
    document.documentElement.classList.toggle('large', largeType);
    document.documentElement.classList.toggle('light', theme === 'light');
  }, [largeType, theme]);

  return (
    <header className="topbar">
      <h1>Uniqueness Lab</h1>
      <span className="labelled">
        <label htmlFor="guest">Guest</label>
        <select
          id="guest"
          value={guestFile ?? ''}
          onChange={(e) => store.getState().selectGuest(e.target.value)}
          disabled={guests.length === 0}
        >
          {guests.length === 0 && <option value="">loading…</option>}
          {guests.map((g) => (
            <option key={g.file} value={g.file} disabled={!g.manifest}>
              {g.name}
              {g.manifest ? '' : ' (invalid)'}
            </option>
          ))}
        </select>
      </span>
      <span className="labelled">
        <label htmlFor="memory">Memory</label>
        <select
          id="memory"
          value={n.memoryMiB}
          onChange={(e) => store.getState().setSetting('memoryMiB', Number(e.target.value))}
        >
          {MEMORY_SIZES.map((m) => (
            <option key={m} value={m}>
              {m >= 1024 ? `${m / 1024} GiB` : `${m} MiB`}
            </option>
          ))}
        </select>
      </span>
      <NumberField
        className="inline"
        label="Seed"
        value={n.seed}
        min={0}
        max={2 ** 32 - 1}
        onChange={(v) => store.getState().setSetting('seed', v)}
        help="seed of the host entropy: every run replays from it"
      />
      <span className="guest-desc" title={manifest?.description}>
        {guestsError ? `Guest problem: ${guestsError}` : (manifest?.description ?? '')}
      </span>
      <PresentControls />
      <label className="check large-type">
        <input
          type="checkbox"
          checked={largeType}
          onChange={(e) => store.getState().setLargeType(e.target.checked)}
        />
        Large type
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={theme === 'light'}
          onChange={(e) => store.getState().setTheme(e.target.checked ? 'light' : 'dark')}
        />
        Light theme
      </label>
    </header>
  );
}
