// Module-scope selectors: stable function identities, so React re-renders only on real changes.
// Selectors that build objects or lists are wrapped in useShallow at the call site. Also the
// pure reading of the store the actions share: which settings an action sends, what blocks it.

import {
  processesOf,
  SETTINGS,
  settingsConflict,
  settingSpec,
  type LabSettings,
  type SettingKey,
} from '../../core/settings/settings';
import { rangeText } from '../../core/settings/words';
import type { LabState } from './types';

export const selectBusy = (s: LabState) => s.busy;
export const selectNotice = (s: LabState) => s.notice;
export const selectReady = (s: LabState) => s.ready;
export const selectVms = (s: LabState) => s.vms;
export const selectSnapshots = (s: LabState) => s.snapshots;
export const selectStats = (s: LabState) => s.stats;
export const selectLastDraw = (s: LabState) => s.lastDraw;
export const selectDrawing = (s: LabState) => s.drawing;
export const selectDevices = (s: LabState) => s.devices;
export const selectTimeline = (s: LabState) => s.timeline;
export const selectTimelineVm = (s: LabState) => s.timelineVm;
export const selectPageInfo = (s: LabState) => s.pageInfo;
export const selectCursor = (s: LabState) => s.cursor;
export const selectLargeType = (s: LabState) => s.largeType;
export const selectTheme = (s: LabState) => s.theme;
export const selectMapRange = (s: LabState) => s.mapRange;
export const selectMoreSettings = (s: LabState) => s.moreSettings;
export const selectOutputsLibrary = (s: LabState) => s.outputsLibrary;
export const selectGuests = (s: LabState) => s.guests;
export const selectGuestsError = (s: LabState) => s.guestsError;
export const selectDraft = (s: LabState) => s.draft;
export const selectTyped = (s: LabState) => s.typed;
export const selectSession = (s: LabState) => s.session;
export const selectSelectedVm = (s: LabState) => s.selection.vm;
export const selectCompareVm = (s: LabState) => s.selection.compare;
export const selectSelectedSnapshot = (s: LabState) => s.selection.snapshot;
export const selectBootVm = (s: LabState) => s.session?.lineage.original ?? null;

/** The manifest of the guest the controls name, or null. */
export const selectManifest = (s: LabState) =>
  s.guests.find((g) => g.manifest?.name === s.draft?.guest)?.manifest ?? null;

/** Keys that take effect at the next Boot. */
export const BOOT_KEYS: readonly SettingKey[] = SETTINGS.filter((x) => x.applies === 'boot').map(
  (x) => x.key,
);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** True once the session has booted a guest (its boot-time settings are then fixed until the next Boot). */
export const selectBooted = (s: LabState) => s.session?.log.some((a) => a.a === 'boot') ?? false;

/** True when a boot-time control differs from the settings the running lab was booted with. */
export const selectNeedsReboot = (s: LabState) =>
  s.draft !== null &&
  s.session !== null &&
  selectBooted(s) &&
  BOOT_KEYS.some((k) => !same(s.draft![k], s.session!.settings[k]));

/**
 * The settings an action sends: the controls, except that after a Boot the boot-time keys stay
 * as booted (a running guest keeps its kernel; they apply at the next Boot).
 */
export function settingsToSend(s: LabState): LabSettings | null {
  if (!s.draft) return null;
  if (!s.session || !selectBooted(s)) return s.draft;
  const out = { ...s.draft } as Record<SettingKey, unknown>;
  for (const k of BOOT_KEYS) out[k] = s.session.settings[k];
  return out as unknown as LabSettings;
}

/** What a number field accepts, in words: "a whole number from 1 to 10,000". */
export function expectedText(key: SettingKey): string {
  const spec = settingSpec(key);
  if (spec.type !== 'whole' && spec.type !== 'number') return 'a valid value';
  return `${spec.type === 'whole' ? 'a whole number' : 'a number'} from ${rangeText(spec.min, spec.max, spec.unit)}`;
}

/** Why the controls cannot be acted on: one sentence per field whose text is not a valid value. */
export const selectProblems = (s: LabState): string[] =>
  SETTINGS.filter((x) => s.typed[x.key] !== undefined).map((x) => {
    const text = s.typed[x.key]!.trim();
    return `${x.label} must be ${expectedText(x.key)}${text === '' ? ' (the field is empty)' : ` (not ${text})`}`;
  });

/**
 * Why the controls cannot boot: a combination no real guest has (vDSO before 6.11, rdrand on a
 * CPU without RDRAND...), in the core's words; null when they can.
 */
export const selectConflict = (s: LabState): string | null => {
  const guest = selectManifest(s);
  if (!s.draft || !guest) return null;
  return (
    settingsConflict(
      s.draft,
      processesOf(guest, s.draft).map((p) => p.library),
    )?.message ?? null
  );
};

/** What each action may do now (an object: use with useShallow). */
export const selectCan = (s: LabState) => {
  const idle = s.ready && !s.busy && s.draft !== null;
  const valid = idle && Object.keys(s.typed).length === 0;
  const original = s.session?.lineage.original ?? null;
  const boot = original === null ? undefined : s.vms.find((v) => v.id === original);
  const selected = s.vms.find((v) => v.id === s.selection.vm);
  return {
    valid,
    boot: valid && selectConflict(s) === null,
    snapshot: valid && (selected !== undefined || boot !== undefined),
    restore: valid && s.selection.snapshot !== null,
    draw: valid && (s.session?.drawing.length ?? 0) > 0,
    reset: valid && (s.vms.length > 0 || s.snapshots.length > 0),
    resume: valid && boot?.state === 'paused',
    touch: valid && selected?.state === 'running',
    destroy: valid && selected !== undefined,
  };
};

/** The VM summary of the selected VM (A), or null. */
export const selectSelectedSummary = (s: LabState) => s.vms.find((v) => v.id === s.selection.vm) ?? null;
