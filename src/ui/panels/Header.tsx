// Top bar: title, the guest and the seed (settings, from the SETTINGS table like every control),
// the first sentence of the guest's description where there is room (the whole of it is under
// "About the guest" in the Experiment panel), and the compare-and-present switches.

import { PresentControls } from './PresentControls';
import { SettingControl } from './SettingControl';
import { useLab } from '../store/context';
import { selectGuestsError, selectManifest } from '../store/selectors';

/** The first sentence of a description (the header has room for about two lines). */
export function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  return m ? m[1]! : text;
}

export function Header() {
  const guestsError = useLab(selectGuestsError);
  const manifest = useLab(selectManifest);
  return (
    <header className="topbar">
      <h1>Uniqueness Lab</h1>
      <SettingControl k="guest" />
      <SettingControl k="seed" className="inline" />
      <span className="guest-desc">
        {guestsError ? `Guest problem: ${guestsError}` : firstSentence(manifest?.description ?? '')}
      </span>
      <PresentControls />
    </header>
  );
}
