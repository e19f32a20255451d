// One way to check JSON against a schema: zod schemas, and one formatter that turns zod's first
// issue into "field: problem (got X)". Guest manifests, scenarios, settings, actions, permalink
// states, saved sessions and snapshot files' JSON all go through it, so every refusal reads alike
// and names the field.
//
// Invariants: the formatter never throws; a schema that wants its own words gives them with
// `error: ...` (see wholeNumber, numberIn, oneOf), else the issue's code decides the words.

import * as z from 'zod';
import { err, ok, type Result } from '../types';

/** A refused value: the dotted field path ('' for the whole value) and the problem in words. */
export interface CheckError {
  field: string;
  problem: string;
}

/** A short rendering of a JSON value for "(got ...)". */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > 42 ? `${s.slice(0, 40)}…"` : s;
  }
  return String(v);
}

/** "a", "b", "c" */
export const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

/** A path as the lab writes it: `steps[2].expect[0].verdict`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  // a schema's own words, when it gave some (they never start with zod's "Invalid"/"Too")
  const own = issue.message && !/^(Invalid|Too |Unrecognized|Expected|Input not)/.test(issue.message);
  const got = ` (got ${shown(input)})`;
  if (own) return issue.code === 'custom' ? issue.message : `${issue.message}${got}`;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      return `unknown key "${key}"`;
    }
    case 'invalid_type':
      if (input === undefined) return 'is required';
      return `must be ${article(issue.expected)}${got}`;
    case 'invalid_value':
      return `must be one of ${quoted(issue.values.map(String))}${got}`;
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator)
        return `must be one of ${quoted((issue as { options?: unknown[] }).options?.map(String) ?? [])}${got}`;
      return `is not any of the accepted forms${got}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must hold at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'entries' : 'characters'}${got}`
        : `must be at least ${String(issue.minimum)}${got}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must hold at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'entries' : 'characters'}${got}`
        : `must be at most ${String(issue.maximum)}${got}`;
    case 'invalid_format':
      return `is not in the expected form${got}`;
    default:
      return `${issue.message}${got}`;
  }
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: 'a JSON object',
    array: 'an array',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
  };
  return words[type] ?? type;
}

/** The value at a path of a JSON value (for the "(got ...)" of an issue). */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.hasOwn(v, k as string)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Checks a JSON value against a schema: the parsed value, or the first problem found. */
export function check<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): Result<T, CheckError> {
  const r = schema.safeParse(value);
  if (r.success) return ok(r.data);
  const issue = r.error.issues[0]!;
  let path = issue.path;
  if (issue.code === 'unrecognized_keys') path = [...path, issue.keys[0]!];
  const input = issue.code === 'unrecognized_keys' ? undefined : valueAt(value, issue.path);
  return err({ field: fieldPath(path, prefix), problem: describe(issue, input) });
}

/** "field: problem", or just the problem for the whole value. */
export function checkMessage(e: CheckError): string {
  return e.field === '' ? e.problem : `${e.field}: ${e.problem}`;
}

// --- Building blocks that carry the lab's own words. ---------------------------------------

/** A whole number in [min, max]. */
export function wholeNumber(min: number, max: number, unit = '') {
  const words = `must be a whole number from ${min} to ${max}${unit ? ` ${unit}` : ''}`;
  return z.int({ error: words }).min(min, { error: words }).max(max, { error: words });
}

/** A finite number in [min, max]. */
export function numberIn(min: number, max: number, unit = '') {
  const words = `must be a number from ${min} to ${max}${unit ? ` ${unit}` : ''}`;
  return z.number({ error: words }).min(min, { error: words }).max(max, { error: words });
}

/** One of a list of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(options: T) {
  return z.enum(options, { error: `must be one of ${quoted(options)}` });
}

/** true or false. */
export const bool = z.boolean({ error: 'must be true or false' });

export { z };
