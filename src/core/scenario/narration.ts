// Narration placeholders: the numbers a speaker reads out come from the step's live run, never
// from the file. The syntax is documented at the top of parse.ts (which refuses unknown fields,
// libraries outside the step's run and numbers typed by hand); this module reads placeholders and
// fills them. Pure: no wasm, no DOM.

import { LIBRARY_IDS, type DrawResult, type LibraryDraw, type LibraryId } from '../lab/types';
import { SETTINGS, type LabSettings, type SettingKey } from '../settings/settings';
import { count, drawLabel, nsText, verdictPhrase } from '../settings/words';

/** Fields a placeholder reads from the step's last draw, for one library: `{FIELD:LIBRARY}`. */
export const DRAW_FIELDS = [
  'verdict',
  'nsPerCall',
  'duplicates',
  'firstUniqueDraw',
  'firstSafeDraw',
  'freshBits',
  'reseeds',
] as const;
export type DrawField = (typeof DRAW_FIELDS)[number];

/** Every placeholder field: the draw fields, and `setting` (`{setting:KEY}`, a LabSettings key). */
export const PLACEHOLDER_FIELDS = [...DRAW_FIELDS, 'setting'] as const;
export type PlaceholderField = (typeof PLACEHOLDER_FIELDS)[number];

/** What a step not yet run shows for each placeholder. */
export const NOT_YET = '…';

/** One placeholder of a narration, where it stands in the text. */
export interface Placeholder {
  /** The placeholder as written: `{nsPerCall:vdso}`. */
  text: string;
  field: PlaceholderField;
  /** A library id (draw fields) or a setting key (`setting`). */
  arg: string;
  index: number;
}

/** Anything in braces is meant as a placeholder (and refused if it is not a valid one). */
const BRACES = /\{([^{}]*)\}/g;
const SHAPE = /^([A-Za-z]+):([A-Za-z0-9.-]+)$/;

/** Units that make a typed number a measurement: ns, µs, ms, s, %, bits, draws, clones, duplicates. */
const MEASURED =
  /(?<![\w.^#/-])(\d[\d,]*(?:\.\d+)?)\s?(ns|µs|us|ms|s|secs?|seconds?|minutes?|%|bits?|draws?|clones?|duplicates?)(?![\w])|(?<![\w&])#\d+/u;

/**
 * The first number a narration types by hand with a unit of measure ("11.5 ns", "40 µs", "36 ms",
 * "12 duplicates", "#9"), or null. Versions ("Linux 6.1", "5.19"), constants without a unit of
 * measure ("4096 calls", "32 bytes") and placeholders are not measurements.
 */
export function typedMeasurement(text: string): string | null {
  const m = MEASURED.exec(text.replace(BRACES, ' '));
  return m ? m[0] : null;
}

/**
 * The placeholders of a narration, in order; or the first malformed one with the reason (a brace
 * pair that is not `{FIELD:ARG}`, an unknown field, a library id or setting key that does not
 * exist). Whether a library takes part in the step's run is the parser's check (parse.ts).
 */
export function readPlaceholders(
  text: string,
): { ok: true; value: Placeholder[] } | { ok: false; error: string } {
  const out: Placeholder[] = [];
  if (/[{}]/.test(text.replace(BRACES, ''))) return { ok: false, error: 'has an unmatched "{" or "}"' };
  for (const m of text.matchAll(BRACES)) {
    const shape = SHAPE.exec(m[1]!);
    if (!shape) return { ok: false, error: `${m[0]}: a placeholder is {FIELD:LIBRARY} or {setting:KEY}` };
    const [, field, arg] = shape as unknown as [string, string, string];
    if (!(PLACEHOLDER_FIELDS as readonly string[]).includes(field))
      return {
        ok: false,
        error: `${m[0]}: unknown field "${field}" (one of ${PLACEHOLDER_FIELDS.map((f) => `"${f}"`).join(', ')})`,
      };
    if (field === 'setting') {
      if (!SETTINGS.some((s) => s.key === arg))
        return {
          ok: false,
          error: `${m[0]}: "${arg}" is not a setting (one of ${SETTINGS.map((s) => s.key).join(', ')})`,
        };
    } else if (!(LIBRARY_IDS as readonly string[]).includes(arg))
      return { ok: false, error: `${m[0]}: "${arg}" is not a library id (one of ${LIBRARY_IDS.join(', ')})` };
    out.push({ text: m[0], field: field as PlaceholderField, arg, index: m.index });
  }
  return { ok: true, value: out };
}

/** A number for a person: thousands separators, at most three decimals, no trailing zeros. */
function amount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A setting's value as the narration says it: "40 µs", "1.5 ms", "on", "intel". */
export function settingText(key: SettingKey, value: LabSettings[SettingKey]): string {
  const spec = SETTINGS.find((s) => s.key === key)!;
  if (spec.type === 'bool') return value ? 'on' : 'off';
  if (spec.type === 'libraries')
    return value === 'guest' ? "the guest's processes" : (value as string[]).join(', ');
  if (typeof value !== 'number') return String(value);
  const unit = spec.type === 'whole' || spec.type === 'number' ? spec.unit : undefined;
  if (unit === 'µs') {
    if (value >= 1e6) return `${amount(value / 1e6)} s`;
    if (value >= 1e3) return `${amount(value / 1e3)} ms`;
  }
  return unit ? `${amount(value)} ${unit}` : amount(value);
}

/** A draw field of one library, as the narration says it. */
function drawText(field: DrawField, l: LibraryDraw): string {
  switch (field) {
    case 'verdict':
      return verdictPhrase(
        l.verdict,
        l.verdict === 'dup-until' ? (l.firstSafeDraw ?? l.firstUniqueDraw) : null,
      );
    case 'nsPerCall':
      return `${nsText(l.nsPerCall)} ns`;
    case 'duplicates':
      return count(l.duplicates);
    case 'firstUniqueDraw':
      return drawLabel(l.firstUniqueDraw);
    case 'firstSafeDraw':
      return drawLabel(l.firstSafeDraw);
    case 'reseeds':
      return count(l.reseeds);
    case 'freshBits': {
      const xs = l.freshEntropyBits;
      if (xs.length === 0) return NOT_YET;
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      return lo === hi ? `${count(lo)} bits` : `${count(lo)}–${count(hi)} bits`;
    }
  }
}

/**
 * The narration with every placeholder filled from the step's live run: `draw` is the session's
 * last draw after the step (the draw the step's claims are checked against) and `settings` the
 * settings in effect. A step not yet run (null) shows "…" for each placeholder, and so does a
 * library the draw does not hold.
 */
export function fillNarration(text: string, draw: DrawResult | null, settings: LabSettings | null): string {
  return text.replace(BRACES, (whole, inner: string) => {
    const shape = SHAPE.exec(inner);
    if (!shape) return whole;
    const [, field, arg] = shape as unknown as [string, string, string];
    if (field === 'setting') {
      if (!settings || !SETTINGS.some((s) => s.key === arg)) return NOT_YET;
      return settingText(arg as SettingKey, settings[arg as SettingKey]);
    }
    if (!(DRAW_FIELDS as readonly string[]).includes(field)) return whole;
    const lib = draw?.libraries.find((l) => l.library === (arg as LibraryId));
    return lib ? drawText(field as DrawField, lib) : NOT_YET;
  });
}
