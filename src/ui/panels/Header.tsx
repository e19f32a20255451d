// Top bar: title, the guest and the seed (settings, from the SETTINGS table like every control),
// and the presentation switches (large type, theme).

import { useEffect } from 'react';
import { PresentControls } from './PresentControls';
import { SettingControl } from './SettingControl';
import { useLab, useLabStore } from '../store/context';
import { selectGuestsError, selectLargeType, selectManifest, selectTheme } from '../store/selectors';

export function Header() {
  const store = useLabStore();
  const guestsError = useLab(selectGuestsError);
  const manifest = useLab(selectManifest);
  const largeType = useLab(selectLargeType);
  const theme = useLab(selectTheme);

  useEffect(() => {
    document.documentElement.classList.toggle('large', largeType);
    document.documentElement.classList.toggle('light', theme === 'light');
  }, [largeType, theme]);

  return (
    <header className="topbar">
      <h1>Uniqueness Lab</h1>
      <SettingControl k="guest" />
      <SettingControl k="seed" className="inline" />
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
