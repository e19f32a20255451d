// Checkers for scenario files, the scenario index, lab settings and action lists (the last two
// are shared with permalinks, which decode the same shapes from URLs).
//
// Invariants:
// - No Node or DOM APIs: the CLI, the tests and the worker call the same functions.
// - A value is returned whole, as a fresh plain object of exactly the declared shape (shorthand
//   action names expanded, `expect` always a list), or rejected with the FIRST problem found,
//   named by its field path: `the-problem.json: steps[2].actions[1]: unknown action "snap" ...`.
// - Unknown keys are errors (a misspelt setting must not silently do nothing); JSON text goes
//   through the manifest checker's strict scanner (line and column, duplicate keys rejected).

import { parseJsonText, NAME_PATTERN } from '../manifest/validate';
import { CONSUMERS, LIBRARY_IDS, type LibraryId } from '../lab/types';
import { err, ok, type Result } from '../types';
import {
  ACTION_LIMITS,
  ACTION_NAMES,
  EXPECT_VERDICTS,
  HIGHLIGHTS,
  SETTINGS_KEYS,
  SETTINGS_LIMITS,
  WAIT_OUTCOMES,
  type Action,
  type ActionName,
  type Expect,
  type LabSettings,
  type Scenario,
  type ScenarioError,
  type ScenarioIndexEntry,
  type Step,
} from './types';
import { join, object, present, quoted, Reject, shown, type Json, type JsonObject } from '../json/check';

/** A problem at a field path, before it is tied to a file (or a URL). */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** The limits of scenario files (the JSON files under public/guest/scenarios/). */
export const SCENARIO_LIMITS = {
  idMaxLength: 64,
  titleMaxLength: 120,
  descriptionMaxLength: 2000,
  narrationMaxLength: 600,
  narrationMaxSentences: 3,
  maxSteps: 50,
  maxActionsPerStep: 32,
  maxExpectsPerStep: 8,
  /** Longest action log a permalink or a step may carry. */
  maxLogActions: 512,
} as const;

/** Scenario ids: lowercase, digits and dashes (they appear in file names and URLs). */
export const SCENARIO_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Builds the error for a field of a scenario file; the message is `file: field: problem`. */
export function scenarioError(file: string, field: string, problem: string): ScenarioError {
  const message = field === '' ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`;
  return { kind: 'InvalidScenario', file, field, message };
}

// ---------------------------------------------------------------------------------------------
// The walk: a failed check throws Reject, which the exported functions turn into a Result.

function string(v: Json, field: string, maxLength: number, minLength = 1): string {
  if (typeof v !== 'string') throw new Reject(field, `must be a string (got ${shown(v)})`);
  if (v.length < minLength) throw new Reject(field, 'must not be empty');
  if (v.length > maxLength)
    throw new Reject(field, `must be at most ${maxLength} characters (got ${v.length})`);
  return v;
}

function boolean(v: Json, field: string): boolean {
  if (typeof v !== 'boolean') throw new Reject(field, `must be true or false (got ${shown(v)})`);
  return v;
}

function whole(v: Json, field: string, [min, max]: readonly [number, number]): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Reject(field, `must be a whole number from ${min} to ${max} (got ${shown(v)})`);
  }
  return v;
}

function micros(v: Json, field: string, [min, max]: readonly [number, number]): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new Reject(field, `must be a number of microseconds from ${min} to ${max} (got ${shown(v)})`);
  }
  return v;
}

function oneOf<T extends string>(v: Json, field: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new Reject(field, `must be one of ${quoted(options)} (got ${shown(v)})`);
  }
  return v as T;
}

function list(v: Json, field: string, min: number, max: number): Json[] {
  if (!Array.isArray(v)) throw new Reject(field, `must be an array (got ${shown(v)})`);
  if (v.length < min) throw new Reject(field, `must hold at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  if (v.length > max) throw new Reject(field, `must hold at most ${max} entries (got ${v.length})`);
  return v;
}

function settings(v: Json, path: string): LabSettings {
  const o = object(v, path, SETTINGS_KEYS);
  const out: LabSettings = {};
  const at = (k: string) => join(path, k);
  const L = SETTINGS_LIMITS;
  // keys in SETTINGS_KEYS order, so the first problem is the first in the documented order
  for (const key of SETTINGS_KEYS) {
    if (!Object.hasOwn(o, key)) continue;
    const x = o[key];
    switch (key) {
      case 'libraries':
        out.libraries = list(x, at(key), L.libraries[0], L.libraries[1]).map((l, i) =>
          oneOf<LibraryId>(l, `${at(key)}[${i}]`, LIBRARY_IDS),
        );
        break;
      case 'consumer':
        out.consumer = oneOf(x, at(key), CONSUMERS);
        break;
      case 'sysgenid':
        if (typeof x === 'boolean') out.sysgenid = x;
        else if (typeof x === 'string' && ['off', 'vmgenid', 'overseer'].includes(x))
          out.sysgenid = x as 'off' | 'vmgenid' | 'overseer';
        else
          throw new Reject(at(key), `must be true, false, "off", "vmgenid" or "overseer" (got ${shown(x)})`);
        break;
      case 'vmgenid':
      case 'wipeOnSuspend':
      case 'vdsoGetrandom':
      case 'agentReseed':
        out[key] = boolean(x, at(key));
        break;
      case 'agentDelayUs':
      case 'notifyDelayUs':
      case 'drawIntervalUs':
        out[key] = micros(x, at(key), L[key]);
        break;
      case 'memoryMiB':
      case 'seed':
      case 'clones':
      case 'draws':
        out[key] = whole(x, at(key), L[key]);
        break;
      case 'snapshot':
        out.snapshot = oneOf(x, at(key), ['full', 'diff'] as const);
        break;
    }
  }
  return out;
}

/** Parameters each action may carry (key -> checker). */
const ACTION_PARAMS: Record<ActionName, readonly string[]> = {
  boot: [],
  snapshot: ['t'],
  restore: ['n'],
  resume: [],
  draw: ['n'],
  touch: ['n'],
  reset: [],
  fork: ['p'],
  set: ['s'],
  'sysgenid-track': [],
  'sysgenid-ack': [],
  'sysgenid-trigger': [],
  'sysgenid-wait': ['ms'],
};

function action(v: Json, path: string, shorthand: boolean): Action {
  if (typeof v === 'string' && shorthand) {
    const name = oneOf(v, path, ACTION_NAMES);
    if (name === 'set')
      throw new Reject(path, '"set" needs its settings: write { "a": "set", "s": { ... } }');
    return { a: name } as Action;
  }
  const what = shorthand ? 'an action name or an object { "a": NAME, ... }' : 'an object { "a": NAME, ... }';
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Reject(path, `must be ${what} (got ${shown(v)})`);
  const raw = v as JsonObject;
  const name = oneOf(present(raw, 'a', path), join(path, 'a'), ACTION_NAMES);
  const o = object(v, path, ['a', ...ACTION_PARAMS[name]]);
  const at = (k: string) => join(path, k);
  switch (name) {
    case 'snapshot':
      return Object.hasOwn(o, 't')
        ? { a: name, t: oneOf(o.t, at('t'), ['full', 'diff'] as const) }
        : { a: name };
    case 'restore':
    case 'draw':
    case 'touch':
      return Object.hasOwn(o, 'n') ? { a: name, n: whole(o.n, at('n'), ACTION_LIMITS[name]) } : { a: name };
    case 'fork':
      return Object.hasOwn(o, 'p') ? { a: name, p: whole(o.p, at('p'), ACTION_LIMITS.fork) } : { a: name };
    case 'sysgenid-wait':
      return Object.hasOwn(o, 'ms')
        ? { a: name, ms: whole(o.ms, at('ms'), ACTION_LIMITS['sysgenid-wait']) }
        : { a: name };
    case 'set':
      return { a: name, s: settings(present(o, 's', path), at('s')) };
    default:
      return { a: name } as Action;
  }
}

function actions(v: Json, field: string, max: number, shorthand: boolean): Action[] {
  return list(v, field, 0, max).map((x, i) => action(x, `${field}[${i}]`, shorthand));
}

const EXPECT_KEYS = [
  'library',
  'process',
  'duplicates',
  'verdict',
  'secretInSnapshot',
  'nsPerCall',
  'waitWatchers',
] as const;

function expectation(v: Json, path: string): Expect {
  const o = object(v, path, EXPECT_KEYS);
  if (Object.keys(o).every((k) => k === 'library' || k === 'process'))
    throw new Reject(
      path,
      'must claim something: duplicates, verdict, secretInSnapshot, nsPerCall or waitWatchers',
    );
  const at = (k: string) => join(path, k);
  const out: Expect = {};
  if (Object.hasOwn(o, 'library')) out.library = oneOf<LibraryId>(o.library, at('library'), LIBRARY_IDS);
  if (Object.hasOwn(o, 'process')) out.process = whole(o.process, at('process'), ACTION_LIMITS.fork);
  if (Object.hasOwn(o, 'duplicates'))
    out.duplicates = oneOf(o.duplicates, at('duplicates'), ['>0', '0'] as const);
  if (Object.hasOwn(o, 'verdict')) out.verdict = oneOf(o.verdict, at('verdict'), EXPECT_VERDICTS);
  if (Object.hasOwn(o, 'secretInSnapshot')) {
    const s = object(o.secretInSnapshot, at('secretInSnapshot'), ['name', 'present']);
    const name = string(present(s, 'name', at('secretInSnapshot')), join(at('secretInSnapshot'), 'name'), 64);
    if (!NAME_PATTERN.test(name))
      throw new Reject(join(at('secretInSnapshot'), 'name'), `must be a secret's name (got ${shown(name)})`);
    const p = boolean(present(s, 'present', at('secretInSnapshot')), join(at('secretInSnapshot'), 'present'));
    out.secretInSnapshot = { name, present: p };
  }
  if (Object.hasOwn(o, 'nsPerCall')) {
    const n = object(o.nsPerCall, at('nsPerCall'), ['min', 'max']);
    const bound = (k: 'min' | 'max') => {
      const x = n[k];
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
        throw new Reject(join(at('nsPerCall'), k), `must be a number of ns >= 0 (got ${shown(x)})`);
      return x;
    };
    const r: NonNullable<Expect['nsPerCall']> = {};
    if (Object.hasOwn(n, 'min')) r.min = bound('min');
    if (Object.hasOwn(n, 'max')) r.max = bound('max');
    if (r.min === undefined && r.max === undefined)
      throw new Reject(at('nsPerCall'), 'must give "min", "max" or both');
    if (r.min !== undefined && r.max !== undefined && r.min > r.max)
      throw new Reject(at('nsPerCall'), `min (${r.min}) must not exceed max (${r.max})`);
    out.nsPerCall = r;
  }
  if (Object.hasOwn(o, 'waitWatchers'))
    out.waitWatchers = oneOf(o.waitWatchers, at('waitWatchers'), WAIT_OUTCOMES);
  return out;
}

/** Sentences in a narration: runs ending in . ! ? or … followed by a space or the end. */
export function countSentences(text: string): number {
  return text
    .trim()
    .split(/(?<=[.!?…]["')\]]?)\s+/)
    .filter((s) => s.trim() !== '').length;
}

const STEP_KEYS = ['title', 'narration', 'state', 'actions', 'highlight', 'expect'] as const;

function step(v: Json, path: string): Step {
  const o = object(v, path, STEP_KEYS);
  const at = (k: string) => join(path, k);
  const title = string(present(o, 'title', path), at('title'), SCENARIO_LIMITS.titleMaxLength);
  const narration = string(
    present(o, 'narration', path),
    at('narration'),
    SCENARIO_LIMITS.narrationMaxLength,
  );
  const sentences = countSentences(narration);
  if (!/[.!?…]["')\]]?$/.test(narration.trim()))
    throw new Reject(at('narration'), 'must end a sentence (with ".", "!", "?" or "…")');
  if (sentences > SCENARIO_LIMITS.narrationMaxSentences)
    throw new Reject(
      at('narration'),
      `must be 1 to ${SCENARIO_LIMITS.narrationMaxSentences} sentences, short enough to say aloud (got ${sentences})`,
    );
  const out: Step = { title, narration };
  if (Object.hasOwn(o, 'state')) out.state = settings(o.state, at('state'));
  if (Object.hasOwn(o, 'actions'))
    out.actions = actions(o.actions, at('actions'), SCENARIO_LIMITS.maxActionsPerStep, true);
  if (Object.hasOwn(o, 'highlight')) out.highlight = oneOf(o.highlight, at('highlight'), HIGHLIGHTS);
  if (Object.hasOwn(o, 'expect')) {
    const e = o.expect;
    out.expect = Array.isArray(e)
      ? list(e, at('expect'), 1, SCENARIO_LIMITS.maxExpectsPerStep).map((x, i) =>
          expectation(x, `${at('expect')}[${i}]`),
        )
      : [expectation(e, at('expect'))];
  }
  return out;
}

const SCENARIO_KEYS = ['$schema', 'id', 'title', 'description', 'guest', 'steps'] as const;

function scenario(v: Json): Scenario {
  const o = object(v, '', SCENARIO_KEYS, 'a JSON object (a scenario)');
  if (Object.hasOwn(o, '$schema') && typeof o.$schema !== 'string')
    throw new Reject('$schema', `must be a string (got ${shown(o.$schema)})`);
  const id = string(present(o, 'id', ''), 'id', SCENARIO_LIMITS.idMaxLength);
  if (!SCENARIO_ID_PATTERN.test(id))
    throw new Reject(
      'id',
      `must use only lowercase letters, digits and "-", starting with a letter or digit (got ${shown(id)})`,
    );
  const title = string(present(o, 'title', ''), 'title', SCENARIO_LIMITS.titleMaxLength);
  const description = string(
    present(o, 'description', ''),
    'description',
    SCENARIO_LIMITS.descriptionMaxLength,
  );
  const guest = string(present(o, 'guest', ''), 'guest', 64);
  if (!NAME_PATTERN.test(guest))
    throw new Reject('guest', `must be the name of a shipped guest, such as "default" (got ${shown(guest)})`);
  const steps = list(present(o, 'steps', ''), 'steps', 1, SCENARIO_LIMITS.maxSteps).map((s, i) =>
    step(s, `steps[${i}]`),
  );
  return { id, title, description, guest, steps };
}

function run<T>(f: () => T): Result<T, FieldProblem> {
  try {
    return ok(f());
  } catch (e) {
    if (e instanceof Reject) return err({ field: e.field, problem: e.problem });
    throw e;
  }
}

function inFile<T>(r: Result<T, FieldProblem>, file: string): Result<T, ScenarioError> {
  return r.ok ? r : err(scenarioError(file, r.error.field, r.error.problem));
}

/** Checks parsed JSON as lab settings; `field` prefixes the paths in problems. */
export function parseSettings(json: unknown, field: string): Result<LabSettings, FieldProblem> {
  return run(() => settings(json, field));
}

/** Checks parsed JSON as an action list (objects only unless `shorthand` allows bare names). */
export function parseActions(
  json: unknown,
  field: string,
  opts: { shorthand?: boolean; max?: number } = {},
): Result<Action[], FieldProblem> {
  return run(() => actions(json, field, opts.max ?? SCENARIO_LIMITS.maxLogActions, opts.shorthand ?? false));
}

/** Checks parsed JSON against the scenario format; `file` names it in messages. */
export function parseScenario(json: unknown, file: string): Result<Scenario, ScenarioError> {
  return inFile(
    run(() => scenario(json)),
    file,
  );
}

/** Parses and checks a scenario's JSON text (strict JSON: line and column, no duplicate keys). */
export function parseScenarioText(text: string, file: string): Result<Scenario, ScenarioError> {
  const json = parseJsonText(text, file);
  if (!json.ok) return err({ ...json.error, kind: 'InvalidScenario' });
  return parseScenario(json.value, file);
}

function indexEntries(v: Json): ScenarioIndexEntry[] {
  const entries = list(v, '', 0, 200);
  const ids = new Map<string, number>();
  return entries.map((entry, i) => {
    const path = `[${i}]`;
    const o = object(entry, path, ['id', 'file', 'title', 'description']);
    const id = string(present(o, 'id', path), `${path}.id`, SCENARIO_LIMITS.idMaxLength);
    if (!SCENARIO_ID_PATTERN.test(id))
      throw new Reject(`${path}.id`, `must use only lowercase letters, digits and "-" (got ${shown(id)})`);
    const file = string(present(o, 'file', path), `${path}.file`, 200);
    if (file !== `${id}.json`)
      throw new Reject(`${path}.file`, `must be "${id}.json", the id's file (got ${shown(file)})`);
    const title = string(present(o, 'title', path), `${path}.title`, SCENARIO_LIMITS.titleMaxLength);
    const description = string(
      present(o, 'description', path),
      `${path}.description`,
      SCENARIO_LIMITS.descriptionMaxLength,
    );
    const first = ids.get(id);
    if (first !== undefined) throw new Reject(`${path}.id`, `"${id}" is already used by entry [${first}]`);
    ids.set(id, i);
    return { id, file, title, description };
  });
}

/** Checks parsed JSON against the scenario index format (public/guest/scenarios/index.json). */
export function parseScenarioIndex(json: unknown, file: string): Result<ScenarioIndexEntry[], ScenarioError> {
  return inFile(
    run(() => indexEntries(json)),
    file,
  );
}

/** Parses and checks the scenario index's JSON text. */
export function parseScenarioIndexText(
  text: string,
  file: string,
): Result<ScenarioIndexEntry[], ScenarioError> {
  const json = parseJsonText(text, file);
  if (!json.ok) return err({ ...json.error, kind: 'InvalidScenario' });
  return parseScenarioIndex(json.value, file);
}
