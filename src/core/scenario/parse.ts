// Checkers for scenario files and the scenario index, on the lab's one schema helper
// (check/check.ts): settings and actions are checked by the same schemas links and saved sessions
// use; JSON text goes through the strict scanner (line and column, duplicate keys and deep
// nesting refused).
//
// Invariants: a value is returned whole, shorthand action names expanded and `expect` always a
// list, or refused with the FIRST problem, named by its field path:
// `the-problem.json: steps[2].actions[1]: ...`. Unknown keys are errors.

import { check, oneOf, quoted, wholeNumber, z, type CheckError } from '../check/check';
import { parseJson } from '../check/json';
import { LIBRARY_IDS } from '../lab/types';
import { actionSchema, ACTION_LIMITS, ACTION_NAMES, type Action } from '../session/actions';
import { NAME_PATTERN, settingsPatchSchema } from '../settings/schema';
import { VERDICTS } from '../settings/words';
import { err, ok, type Result } from '../types';
import {
  HIGHLIGHTS,
  WAIT_OUTCOMES,
  type Scenario,
  type ScenarioError,
  type ScenarioIndexEntry,
} from './types';

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

const sourceUrl = z.url({ protocol: /^https$/, error: 'must be an https URL to the upstream source' });

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
    source: sourceUrl.optional(),
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
  }),
  state: settingsPatchSchema.optional(),
  actions: z
    .array(stepAction)
    .max(SCENARIO_LIMITS.maxActionsPerStep, {
      error: `must hold at most ${SCENARIO_LIMITS.maxActionsPerStep} actions`,
    })
    .optional(),
  highlight: z.enum(HIGHLIGHTS, { error: `must be one of ${quoted(HIGHLIGHTS)}` }).optional(),
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

/** Checks parsed JSON against the scenario format; `file` names it in messages. */
export function parseScenario(json: unknown, file: string): Result<Scenario, ScenarioError> {
  const r = inFile(check(scenarioSchema, json), file);
  return r.ok ? ok(normalise(r.value)) : r;
}

/** Parses and checks a scenario's JSON text. */
export function parseScenarioText(textIn: string, file: string): Result<Scenario, ScenarioError> {
  const json = inFile(
    parseJson(textIn, { maxBytes: SCENARIO_LIMITS.textMaxBytes, maxDepth: SCENARIO_LIMITS.maxDepth }),
    file,
  );
  return json.ok ? parseScenario(json.value, file) : json;
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
