// Shared pieces of the hand-written JSON checkers (guest manifests, scenarios): a failed check
// throws Reject(field, problem), which each parser turns into its own typed error; the first
// problem ends the walk, and messages name the field and show what was found.

/** A failed check: the dotted field path and the problem, in words. */
export class Reject {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {}
}

export type Json = unknown;
export type JsonObject = Record<string, Json>;

/** A short rendering of a JSON value for "(got ...)". */
export function shown(v: Json): string {
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

/** path.key (or key at the top). */
export const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
/** "a", "b", "c" */
export const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

/** The object at `path`, after rejecting keys outside `allowed` (with a hint for a wrong case). */
export function object(
  v: Json,
  path: string,
  allowed: readonly string[],
  what = 'a JSON object',
): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Reject(path, `must be ${what} (got ${shown(v)})`);
  }
  const o = v as JsonObject;
  for (const key of Object.keys(o)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase());
    const hint = near ? `did you mean "${near}"?` : `allowed: ${allowed.join(', ')}`;
    throw new Reject(join(path, key), `is not a known key (${hint})`);
  }
  return o;
}

/** The value of a required key. */
export function present(o: JsonObject, key: string, path: string): Json {
  if (!Object.hasOwn(o, key)) throw new Reject(join(path, key), 'is required');
  return o[key];
}
