// One way to check JSON against a schema: zod schemas, and one formatter that turns zod's first
// issue into "field: problem (got X)". Guest manifests, scenarios, settings, actions, permalink
// states, saved sessions and snapshot files' JSON all go through it, so every refusal reads alike
// and names the field.
//
// Invariants: the formatter never throws; a schema that wants its own words gives them with
// `error: ...` (see wholeNumber, numberIn, oneOf), else the issue's code decides the words. Own
// words that already end in "(got ...)" are kept whole. Of several issues the first is reported,
// except that an unknown key of an object on its path goes first (the outermost such object):
// a misspelt key is what makes the key it meant "required", so it is the problem to name.

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

type Issue = z.core.$ZodIssue;

/** The keys the object schema at `path` knows (for "did you mean"); empty if none is found. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): string[] {
  const defOf = (x: unknown) => (x as { _zod: { def: Record<string, unknown> } })._zod.def;
  const child = (v: unknown, k: PropertyKey) =>
    v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  const walk = (sc: unknown, at: number, v: unknown): string[] => {
    const def = defOf(sc);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'readonly':
        return walk(def.innerType, at, v);
      case 'pipe':
        return walk(def.in, at, v);
      case 'union': {
        let options = def.options as unknown[];
        const d = def.discriminator as string | undefined;
        if (d) {
          // the option the value's discriminator names (its literal in the option's shape)
          const want = child(v, d);
          const match = options.filter((o) => {
            const lit = defOf((defOf(o).shape as Record<string, unknown> | undefined)?.[d] ?? o);
            return Array.isArray(lit.values) && (lit.values as unknown[]).includes(want);
          });
          if (match.length) options = match;
        }
        return [...new Set(options.flatMap((o) => walk(o, at, v)))];
      }
      case 'array':
        return at < path.length ? walk(def.element, at + 1, child(v, path[at]!)) : [];
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (at === path.length) return Object.keys(shape);
        const next = shape[String(path[at])];
        return next ? walk(next, at + 1, child(v, path[at]!)) : [];
      }
      default:
        return [];
    }
  };
  try {
    return walk(schema, 0, root);
  } catch {
    return [];
  }
}

/** The issue of a union's branch that got furthest (the deepest path; a wrong type last). */
function bestBranch(issue: Issue & { errors?: Issue[][] }): Issue | null {
  const branches = (issue.errors ?? []).map((list) => list[0]).filter((x): x is Issue => x !== undefined);
  if (branches.length === 0) return null;
  const score = (x: Issue) =>
    x.path.length * 4 + (x.code === 'invalid_type' ? 0 : x.code === 'invalid_value' ? 1 : 2);
  return branches.reduce((a, b) => (score(b) > score(a) ? b : a));
}

/** The innermost issue to report: a union's best branch, followed down. */
function innermost(issue: Issue, path: readonly PropertyKey[]): { issue: Issue; path: PropertyKey[] } {
  let at: { issue: Issue; path: PropertyKey[] } = { issue, path: [...path, ...issue.path] };
  for (;;) {
    const i = at.issue as Issue & { errors?: Issue[][]; discriminator?: string };
    if (i.code !== 'invalid_union' || i.discriminator) return at;
    const b = bestBranch(i);
    if (!b || (b.path.length === 0 && b.code === 'invalid_type')) return at;
    at = { issue: b, path: [...at.path, ...b.path] };
  }
}

function describe(issue: Issue, input: unknown, present: boolean, known: string[]): string {
  if (!present && issue.code !== 'unrecognized_keys' && issue.code !== 'custom') return 'is required';
  const sized =
    (issue.code === 'too_small' || issue.code === 'too_big') &&
    (Array.isArray(input) || typeof input === 'string');
  const got = sized ? ` (got ${(input as unknown[] | string).length})` : ` (got ${shown(input)})`;
  // a schema's own words, when it gave some (they never start with zod's "Invalid"/"Too")
  const own = issue.message && !/^(Invalid|Too |Unrecognized|Expected|Input not)/.test(issue.message);
  if (issue.code === 'custom') return issue.message;
  if (own) return / \(got .*\)$/s.test(issue.message) ? issue.message : `${issue.message}${got}`;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
      return `is not a known key (${near ? `did you mean "${near}"?` : `allowed: ${known.join(', ')}`})`;
    }
    case 'invalid_type':
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

/** The value at a path of a JSON value, and whether it is there at all. */
function valueAt(root: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k as string))
      return { present: false, value: undefined };
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return { present: true, value: v };
}

/** The issue to report: the first, or an unknown key of the outermost object on its path. */
function reported(issues: readonly Issue[]): Issue {
  const first = issues[0]!;
  const onPath = (i: Issue) =>
    i.code === 'unrecognized_keys' &&
    i.path.length <= first.path.length &&
    i.path.every((k, n) => k === first.path[n]);
  return issues.reduce<Issue>(
    (best, i) => (onPath(i) && (best === first || i.path.length < best.path.length) ? i : best),
    first,
  );
}

/** Checks a JSON value against a schema: the parsed value, or the first problem found. */
export function check<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): Result<T, CheckError> {
  const r = schema.safeParse(value);
  if (r.success) return ok(r.data);
  const { issue, path: at } = innermost(reported(r.error.issues), []);
  let path = at;
  if (issue.code === 'unrecognized_keys') path = [...path, issue.keys[0]!];
  const { present, value: input } = valueAt(value, at);
  const known = issue.code === 'unrecognized_keys' ? keysAt(schema, at, value) : [];
  return err({ field: fieldPath(path, prefix), problem: describe(issue, input, present, known) });
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
