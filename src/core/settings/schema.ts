// The schemas of LabSettings (whole) and SettingsPatch (partial), built from the SETTINGS table:
// links, saved sessions, scenarios, exports re-run by the CLI and the worker's messages are all
// checked by these, with the same limits the CLI and the app state.

import { bool, check, numberIn, oneOf, wholeNumber, z, type CheckError } from '../check/check';
import { CONSUMERS, LIBRARY_IDS, LIBRARY_NAMES, libraryId } from '../lab/types';
import type { Result } from '../types';
import { MAX_LIBRARIES, SETTINGS, type LabSettings, type SettingSpec, type SettingsPatch } from './settings';

/** Names of guests, processes and secrets: safe in file names, tables and URLs. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const NAME_MAX_LENGTH = 64;

/** A guest, process or secret name. */
export const nameSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(NAME_MAX_LENGTH, { error: `must be at most ${NAME_MAX_LENGTH} characters` })
  .regex(NAME_PATTERN, {
    error: 'must use only letters, digits, ".", "_" and "-", starting with a letter or digit',
  });

/** A library id, or an alias of one (old links and saved sessions), as its id. */
export const librarySchema = oneOf(LIBRARY_NAMES as unknown as readonly [string, ...string[]]).transform(
  (x) => libraryId(x)!,
);

/** 'guest' or a list of distinct library ids. */
export const librariesSchema = z.union(
  [
    z.literal('guest'),
    z
      .array(librarySchema)
      .min(1, { error: 'must list at least one library' })
      .max(MAX_LIBRARIES, { error: `must list at most ${MAX_LIBRARIES} libraries` })
      .refine((xs) => new Set(xs).size === xs.length, { error: 'must list each library once' }),
  ],
  { error: `must be "guest" or a list of library ids (${LIBRARY_IDS.join(', ')})` },
);

function valueSchema(s: SettingSpec): z.ZodType {
  switch (s.type) {
    case 'whole':
      return wholeNumber(s.min, s.max, s.unit);
    case 'number':
      return numberIn(s.min, s.max, s.unit);
    case 'bool':
      return bool;
    case 'choice':
      return oneOf(s.options as readonly [string, ...string[]]);
    case 'libraries':
      return librariesSchema;
    case 'consumer':
      return oneOf(['guest', ...CONSUMERS]);
    case 'name':
      return nameSchema;
  }
}

const shape = Object.fromEntries(SETTINGS.map((s) => [s.key, valueSchema(s)]));

/** Every key, each within its limits. */
export const settingsSchema = z.strictObject(shape) as unknown as z.ZodType<LabSettings>;
/** Any subset of the keys. */
export const settingsPatchSchema = z.strictObject(
  Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v as z.ZodType).optional()])),
) as unknown as z.ZodType<SettingsPatch>;

/** Checks whole settings (a link's, a saved session's, an export's). */
export function checkSettings(v: unknown, prefix = 'settings'): Result<LabSettings, CheckError> {
  return check(settingsSchema, v, prefix);
}

/** Checks a settings change (a scenario step's state, a 'set' action). */
export function checkSettingsPatch(v: unknown, prefix = 'settings'): Result<SettingsPatch, CheckError> {
  return check(settingsPatchSchema, v, prefix);
}
