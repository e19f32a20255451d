// Settings slice: the guest list and the controls, as ONE draft of the whole settings
// (LabSettings, the core's one model). A change goes through the core's applyPatch, so choosing
// another guest brings that guest's kernel defaults exactly as the CLI's --guest does. Number
// fields whose text is not a value within limits keep that text in `typed` (shown as typed,
// never rewritten or clamped); the draft keeps the last valid value, and no action runs meanwhile.

import { applyPatch, resolveSettings, type LabSettings } from '../../core/settings/settings';
import type { GuestEntry } from '../worker/protocol';
import type { SettingsSlice, SliceCreator } from './types';

/** The guest preselected on first load: "default" if listed, else the first valid entry. */
export function defaultGuest(guests: readonly GuestEntry[]): GuestEntry | null {
  const valid = guests.filter((g) => g.manifest);
  return valid.find((g) => g.manifest!.name === 'default') ?? valid[0] ?? null;
}

/** The controls for a guest before anything was changed: the guest's and the table's defaults. */
export function initialDraft(guests: readonly GuestEntry[]): LabSettings | null {
  const g = defaultGuest(guests);
  return g?.manifest ? resolveSettings(g.manifest) : null;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set, get) => ({
  guests: [],
  guestsError: null,
  draft: null,
  typed: {},
  setSetting: (key, value) => {
    const { draft, guests, typed } = get();
    if (!draft) return;
    const name = key === 'guest' ? (value as string) : draft.guest;
    const guest = guests.find((g) => g.manifest?.name === name)?.manifest;
    if (!guest) return;
    const { [key]: _gone, ...rest } = typed;
    set({ draft: applyPatch(draft, { [key]: value }, guest), typed: key === 'guest' ? {} : rest });
  },
  setTyped: (key, text) => {
    const { [key]: _gone, ...rest } = get().typed;
    set({ typed: text === null ? rest : { ...rest, [key]: text } });
  },
});
