// Checkers for scenario files and the scenario index, on the lab's one schema helper
// (check/check.ts): settings and actions are checked by the same schemas links and saved sessions
// use; JSON text goes through the strict scanner (line and column, duplicate keys and deep
// nesting refused).
//
// Invariants: a value is returned whole, shorthand action names expanded and `expect` always a
// list, or refused with the FIRST problem, named by its field path:
// `the-problem.json: steps[2].actions[1]: ...`. Unknown keys are errors.
//
// Claims cite their source. Every `expect` entry carries `source`: an https URL to the upstream
// line the claim rests on (random.c at the right version, lib/vdso/getrandom.c, Firecracker,
// OpenSSL, BoringSSL, AWS-LC, the SysGenId and MADV_WIPEONSUSPEND mails). A claim without one is
// refused.
//
// The Real kernel region. A step may also say `"real": "restore"` or `"real": "agent-reseed"`:
// the app then drives its Real kernel region (restores real clones and reads them every few
// seconds, or runs the agent reseed in them) beside the model's run; the CLI and the Node runner
// run only the model's part. Pair it with `"highlight": "real"`.
//
// Narration placeholders. A narration never types a measured number: it writes a placeholder and
// the app fills it from the step's live run (fillNarration in narration.ts; "…" until the step
// has run). The forms:
//
//   {verdict:LIB}          the verdict in words ("duplicated until #9", "unique")
//   {nsPerCall:LIB}        mean virtual ns per call ("15.0 ns")
//   {duplicates:LIB}       outputs that also occur in another clone ("64")
//   {firstUniqueDraw:LIB}  first draw from which no draw collides ("#9", or "never")
//   {firstSafeDraw:LIB}    first draw that differs in every clone with 128 unknown bits behind it
//   {freshBits:LIB}        the entropy ledger's bits per clone, min–max over clones ("0–256 bits")
//   {reseeds:LIB}          reseeds the library performed across clones ("4")
//   {setting:KEY}          a setting in effect, with its unit ("40 µs", "4", "on", "intel")
//
// LIB is a library id (not an old alias) that takes part in the step's run: the libraries the lab
// was last booted with by then (a step's `libraries` setting, or the guest's processes when the
// caller says what they are), and a draw must have happened by then (a reset or boot forgets it).
// KEY is a LabSettings key. Anything else in braces is refused with the field path
// (`steps[2].narration: {nsPercall:vdso}: unknown field ...`), and so is a number typed with a
// unit of measure (ns, µs, ms, s, %, bits, draws, clones, duplicates, or a draw index "#9"):
// versions ("Linux 6.1", "5.19") and constants without such a unit ("4096 calls") stay allowed.

import { check, oneOf, quoted, wholeNumber, z, type CheckError } from '../check/check';
import { parseJson } from '../check/json';
import { LIBRARY_IDS, type LibraryId } from '../lab/types';
import { actionSchema, ACTION_LIMITS, ACTION_NAMES, type Action } from '../session/actions';
import { NAME_PATTERN, settingsPatchSchema } from '../settings/schema';
import type { SettingsPatch } from '../settings/settings';
import { VERDICTS } from '../settings/words';
import { err, ok, type Result } from '../types';
import {
  HIGHLIGHTS,
  REAL_STEP_ACTIONS,
  WAIT_OUTCOMES,
  type Scenario,
  type ScenarioError,
  type ScenarioIndexEntry,
} from './types';
import { readPlaceholders, typedMeasurement } from './narration';

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
  textMaxBytes: 1 << 20,
  maxDepth: 32,
} as const;

/** Scenario ids: lowercase, digits and dashes (they appear in file names and URLs). */
export const SCENARIO_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Builds the error for a field of a scenario file; the message is `file: field: problem`. */
export function scenarioError(file: string, field: string, problem: string): ScenarioError {
  const message = field === '' ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`;
  return { kind: 'InvalidScenario', file, field, message };
}

/** Sentences in a narration: runs ending in . ! ? or … followed by a space or the end. */
export function countSentences(text: string): number {
  return text
    .trim()
    .split(/(?<=[.!?…]["')\]]?)\s+/)
    .filter((s) => s.trim() !== '').length;
}

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

const scenarioId = text(SCENARIO_LIMITS.idMaxLength).regex(SCENARIO_ID_PATTERN, {
  error: 'must use only lowercase letters, digits and "-", starting with a letter or digit',
});

/** An action, or (in scenario files) a bare action name. */
const stepAction = z.union(
  [
    z
      .enum(ACTION_NAMES, { error: `must be one of ${quoted(ACTION_NAMES)}` })
      .refine((n) => n !== 'set', { error: '"set" needs its settings: write { "a": "set", "s": { ... } }' }),
    actionSchema,
  ],
  { error: `must be an action name or an object { "a": NAME, ... }` },
);

const sourceUrl = z.url({
  protocol: /^https$/,
  error: 'must be an https URL to the upstream source line the claim rests on',
});

const expectSchema = z
  .strictObject({
    library: oneOf(LIBRARY_IDS as unknown as [string, ...string[]]).optional(),
    process: wholeNumber(...ACTION_LIMITS.fork).optional(),
    duplicates: z.enum(['>0', '0'], { error: 'must be ">0" or "0"' }).optional(),
    verdict: oneOf(VERDICTS as unknown as [string, ...string[]]).optional(),
    secretInSnapshot: z
      .strictObject({
        name: z.string().regex(NAME_PATTERN, { error: "must be a secret's name" }),
        present: z.boolean({ error: 'must be true or false' }),
      })
      .optional(),
    nsPerCall: z
      .strictObject({
        min: z
          .number({ error: 'must be a number of ns >= 0' })
          .min(0, { error: 'must be a number of ns >= 0' })
          .optional(),
        max: z
          .number({ error: 'must be a number of ns >= 0' })
          .min(0, { error: 'must be a number of ns >= 0' })
          .optional(),
      })
      .superRefine((n, ctx) => {
        if (n.min === undefined && n.max === undefined)
          ctx.addIssue({ code: 'custom', message: 'must give "min", "max" or both' });
        else if (n.min !== undefined && n.max !== undefined && n.min > n.max)
          ctx.addIssue({ code: 'custom', message: `min (${n.min}) must not exceed max (${n.max})` });
      })
      .optional(),
    waitWatchers: z.enum(WAIT_OUTCOMES, { error: `must be one of ${quoted(WAIT_OUTCOMES)}` }).optional(),
    source: sourceUrl,
  })
  .superRefine((o, ctx) => {
    if (!Object.keys(o).some((k) => !['library', 'process', 'source'].includes(k)))
      ctx.addIssue({
        code: 'custom',
        message: 'must claim something: duplicates, verdict, secretInSnapshot, nsPerCall or waitWatchers',
      });
  });

const stepSchema = z.strictObject({
  title: text(SCENARIO_LIMITS.titleMaxLength),
  narration: text(SCENARIO_LIMITS.narrationMaxLength).superRefine((t, ctx) => {
    const n = countSentences(t);
    if (!/[.!?…]["')\]]?$/.test(t.trim()))
      ctx.addIssue({ code: 'custom', message: 'must end a sentence (with ".", "!", "?" or "…")' });
    else if (n > SCENARIO_LIMITS.narrationMaxSentences)
      ctx.addIssue({
        code: 'custom',
        message: `must be 1 to ${SCENARIO_LIMITS.narrationMaxSentences} sentences, short enough to say aloud (got ${n})`,
      });
    const read = readPlaceholders(t);
    if (!read.ok) ctx.addIssue({ code: 'custom', message: read.error });
    const typed = typedMeasurement(t);
    if (typed)
      ctx.addIssue({
        code: 'custom',
        message: `types the measured number "${typed}": write a placeholder such as {nsPerCall:vdso}, {firstSafeDraw:getrandom} or {setting:notifyDelayUs}, filled from the live run`,
      });
  }),
  state: settingsPatchSchema.optional(),
  actions: z
    .array(stepAction)
    .max(SCENARIO_LIMITS.maxActionsPerStep, {
      error: `must hold at most ${SCENARIO_LIMITS.maxActionsPerStep} actions`,
    })
    .optional(),
  highlight: z.enum(HIGHLIGHTS, { error: `must be one of ${quoted(HIGHLIGHTS)}` }).optional(),
  real: z.enum(REAL_STEP_ACTIONS, { error: `must be one of ${quoted(REAL_STEP_ACTIONS)}` }).optional(),
  expect: z
    .union([
      expectSchema,
      z
        .array(expectSchema)
        .min(1, { error: 'must hold at least 1 claim' })
        .max(SCENARIO_LIMITS.maxExpectsPerStep, {
          error: `must hold at most ${SCENARIO_LIMITS.maxExpectsPerStep} claims`,
        }),
    ])
    .optional(),
});

const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  id: scenarioId,
  title: text(SCENARIO_LIMITS.titleMaxLength),
  description: text(SCENARIO_LIMITS.descriptionMaxLength),
  guest: z
    .string()
    .max(64)
    .regex(NAME_PATTERN, { error: 'must be the name of a shipped guest, such as "default"' }),
  steps: z
    .array(stepSchema)
    .min(1, { error: 'must hold at least 1 step' })
    .max(SCENARIO_LIMITS.maxSteps, { error: `must hold at most ${SCENARIO_LIMITS.maxSteps} steps` }),
});

function normalise(raw: z.infer<typeof scenarioSchema>): Scenario {
  return {
    id: raw.id,
    title: raw.title,
    description: raw.description,
    guest: raw.guest,
    steps: raw.steps.map((st) => {
      const out: Scenario['steps'][number] = { title: st.title, narration: st.narration };
      if (st.state) out.state = st.state;
      if (st.actions)
        out.actions = st.actions.map((a) => (typeof a === 'string' ? ({ a } as Action) : (a as Action)));
      if (st.highlight) out.highlight = st.highlight;
      if (st.real) out.real = st.real;
      if (st.expect)
        out.expect = (
          Array.isArray(st.expect) ? st.expect : [st.expect]
        ) as Scenario['steps'][number]['expect'];
      return out;
    }),
  };
}

function inFile<T>(r: Result<T, CheckError>, file: string): Result<T, ScenarioError> {
  return r.ok ? r : err(scenarioError(file, r.error.field, r.error.problem));
}

/** What the parser may know beyond the file. */
export interface ScenarioParseOptions {
  /**
   * The libraries of a shipped guest's processes (undefined: not known). With it, a placeholder
   * of a step that runs the guest's own processes must name one of them.
   */
  guestLibraries?: (guest: string) => readonly LibraryId[] | undefined;
}

/**
 * Checks each narration's placeholders against the run the step shows: the session is followed
 * step by step (settings, then actions) to know which libraries the lab was booted with and
 * whether anything was drawn since the last reset or boot.
 */
function checkPlaceholders(
  s: Scenario,
  opts: ScenarioParseOptions,
): { field: string; problem: string } | null {
  let settings: SettingsPatch = { guest: s.guest };
  let booted: readonly LibraryId[] | null | undefined = undefined; // null: not booted; undefined: unknown
  let drawn = false;
  const librariesNow = (): readonly LibraryId[] | undefined => {
    const libs = settings.libraries ?? 'guest';
    return libs === 'guest' ? opts.guestLibraries?.(settings.guest ?? s.guest) : libs;
  };
  for (const [i, st] of s.steps.entries()) {
    if (st.state) settings = { ...settings, ...st.state };
    for (const a of st.actions ?? []) {
      if (a.a === 'set') settings = { ...settings, ...a.s };
      else if (a.a === 'reset') {
        booted = null;
        drawn = false;
      } else if (a.a === 'boot') {
        booted = librariesNow();
        drawn = false;
      } else if (a.a === 'draw') drawn = true;
    }
    const read = readPlaceholders(st.narration);
    if (!read.ok) return { field: `steps[${i}].narration`, problem: read.error };
    for (const p of read.value) {
      if (p.field === 'setting') continue;
      if (!drawn)
        return {
          field: `steps[${i}].narration`,
          problem: `${p.text}: nothing has been drawn by this step (since its last reset or boot), so there is nothing to read it from`,
        };
      if (booted && !booted.includes(p.arg as LibraryId))
        return {
          field: `steps[${i}].narration`,
          problem: `${p.text}: "${p.arg}" does not take part in the step's run (it draws ${booted.join(', ')})`,
        };
    }
  }
  return null;
}

/** Checks parsed JSON against the scenario format; `file` names it in messages. */
export function parseScenario(
  json: unknown,
  file: string,
  opts: ScenarioParseOptions = {},
): Result<Scenario, ScenarioError> {
  const r = inFile(check(scenarioSchema, json), file);
  if (!r.ok) return r;
  const s = normalise(r.value);
  const bad = checkPlaceholders(s, opts);
  return bad ? err(scenarioError(file, bad.field, bad.problem)) : ok(s);
}

/** Parses and checks a scenario's JSON text. */
export function parseScenarioText(
  textIn: string,
  file: string,
  opts: ScenarioParseOptions = {},
): Result<Scenario, ScenarioError> {
  const json = inFile(
    parseJson(textIn, { maxBytes: SCENARIO_LIMITS.textMaxBytes, maxDepth: SCENARIO_LIMITS.maxDepth }),
    file,
  );
  return json.ok ? parseScenario(json.value, file, opts) : json;
}

const indexSchema = z
  .array(
    z.strictObject({
      id: scenarioId,
      file: z.string().max(200),
      title: text(SCENARIO_LIMITS.titleMaxLength),
      description: text(SCENARIO_LIMITS.descriptionMaxLength),
    }),
    { error: 'must be a JSON array of scenarios' },
  )
  .max(200);

/** Checks parsed JSON against the scenario index format (public/guest/scenarios/index.json). */
export function parseScenarioIndex(json: unknown, file: string): Result<ScenarioIndexEntry[], ScenarioError> {
  const r = inFile(check(indexSchema, json), file);
  if (!r.ok) return r;
  const ids = new Map<string, number>();
  for (const [i, e] of r.value.entries()) {
    if (e.file !== `${e.id}.json`)
      return err(
        scenarioError(
          file,
          `[${i}].file`,
          `must be "${e.id}.json", the id's file (got ${JSON.stringify(e.file)})`,
        ),
      );
    const first = ids.get(e.id);
    if (first !== undefined)
      return err(scenarioError(file, `[${i}].id`, `"${e.id}" is already used by entry [${first}]`));
    ids.set(e.id, i);
  }
  return r;
}

/** Parses and checks the scenario index's JSON text. */
export function parseScenarioIndexText(
  textIn: string,
  file: string,
): Result<ScenarioIndexEntry[], ScenarioError> {
  const json = inFile(
    parseJson(textIn, { maxBytes: SCENARIO_LIMITS.textMaxBytes, maxDepth: SCENARIO_LIMITS.maxDepth }),
    file,
  );
  return json.ok ? parseScenarioIndex(json.value, file) : json;
}
