// Running guided scenarios on the one Session: a step is a 'set' of its state, its actions, and
// its claims checked against what the lab shows (the last draw, the latest snapshot's file, the
// SysGenId overseer). Stepping back or jumping rebuilds the session from step 0, since a lab
// cannot run backwards.
//
// Invariants: a failed action stops the step (earlier actions stay done, as in the app); claims
// are recomputed from the outputs (lab/verdict.ts), never read from a flag.

import type { Lab } from '../lab/lab';
import type { DrawResult, LibraryDraw, SecretReport } from '../lab/types';
import {
  Session,
  type ActionOutcome,
  type GuestCatalog,
  type SessionError,
  type SysGenIdOutcome,
} from '../session/session';
import { nsText, VERDICT_WORDS } from '../settings/words';
import { err, ok, type Result } from '../types';
import type { Expect, Scenario, Step } from './types';

/** One claim of a step's `expect`, checked. */
export interface ExpectCheck {
  /** The claim in words ("vdso: duplicates 0"). */
  claim: string;
  ok: boolean;
  /** What the lab showed ("duplicates 12"). */
  got: string;
  /** The claim's upstream source, if it cites one. */
  source?: string;
}

/** What a step did, and whether its claims hold. */
export interface StepOutcome {
  actions: ActionOutcome[];
  /** The step's last draw, or null if it drew nothing. */
  draw: DrawResult | null;
  /** Secrets in the latest snapshot's file, when the step highlights or expects them. */
  secrets: SecretReport[] | null;
  /** The step's last SysGenId action's per-VM facts. */
  sysgenid: SysGenIdOutcome[] | null;
  checks: ExpectCheck[];
  /** Every claim holds (true when the step claims nothing). */
  ok: boolean;
}

/** Checks a step's claims against what the step (or, for draws, the session) shows. */
export function checkExpectations(
  expects: readonly Expect[],
  ctx: { draw: DrawResult | null; secrets: SecretReport[] | null; sysgenid: SysGenIdOutcome[] | null },
): ExpectCheck[] {
  const checks: ExpectCheck[] = [];
  for (const e of expects) {
    const push = (c: Omit<ExpectCheck, 'source'>) => checks.push(e.source ? { ...c, source: e.source } : c);
    const libs = ctx.draw?.libraries ?? [];
    const lib: LibraryDraw | undefined =
      e.process !== undefined
        ? libs[e.process]
        : e.library
          ? libs.find((l) => l.library === e.library)
          : libs[0];
    const libName = e.library ?? lib?.library ?? 'the first library';
    const name = e.process !== undefined ? `${libName} (process ${e.process})` : libName;
    if (e.process !== undefined && lib && e.library && lib.library !== e.library) {
      push({ claim: `process ${e.process} runs ${e.library}`, ok: false, got: lib.library });
      continue;
    }
    const drawClaim = (claim: string, test: (l: LibraryDraw) => [boolean, string]) => {
      if (!lib) push({ claim, ok: false, got: ctx.draw ? `${name} did not draw` : 'nothing was drawn yet' });
      else {
        const [good, got] = test(lib);
        push({ claim, ok: good, got });
      }
    };
    if (e.duplicates !== undefined)
      drawClaim(`${name}: duplicates ${e.duplicates}`, (l) => [
        e.duplicates === '0' ? l.duplicates === 0 : l.duplicates > 0,
        `duplicates ${l.duplicates}`,
      ]);
    if (e.verdict !== undefined)
      drawClaim(`${name}: ${VERDICT_WORDS[e.verdict].word}`, (l) => {
        return [l.verdict === e.verdict, VERDICT_WORDS[l.verdict].word];
      });
    if (e.nsPerCall !== undefined) {
      const { min, max } = e.nsPerCall;
      const bounds = [
        min !== undefined ? `>= ${nsText(min)} ns` : '',
        max !== undefined ? `<= ${nsText(max)} ns` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      drawClaim(`${name}: ns per call ${bounds}`, (l) => [
        (min === undefined || l.nsPerCall >= min) && (max === undefined || l.nsPerCall <= max),
        `${nsText(l.nsPerCall)} ns`,
      ]);
    }
    if (e.secretInSnapshot !== undefined) {
      const { name: secret, present } = e.secretInSnapshot;
      const claim = `secret ${secret} ${present ? 'is' : 'is not'} in the snapshot file`;
      const s = ctx.secrets?.find((x) => x.name === secret);
      if (!ctx.secrets) push({ claim, ok: false, got: 'no snapshot yet' });
      else if (!s) push({ claim, ok: false, got: `the guest has no secret named ${secret}` });
      else
        push({
          claim,
          ok: s.inSnapshot === present,
          got: s.inSnapshot ? `found at ${s.occurrences} offset(s)` : 'absent',
        });
    }
    if (e.waitWatchers !== undefined) {
      const claim = `WAIT_WATCHERS returns ${e.waitWatchers}`;
      const results = ctx.sysgenid?.map((x) => x.result).filter((x) => x !== undefined) ?? [];
      if (results.length === 0) push({ claim, ok: false, got: 'no WAIT_WATCHERS in this step' });
      else
        push({
          claim,
          ok: results.every((r) => r === e.waitWatchers),
          got: [...new Set(results)].join(', '),
        });
    }
  }
  return checks;
}

/** Whether a step shows the latest snapshot's secrets. */
export function stepWantsSecrets(step: Step): boolean {
  return step.highlight === 'secrets' || (step.expect ?? []).some((e) => e.secretInSnapshot);
}

/** Applies a step: its `state` (logged as a 'set'), its actions in order, then its claims. */
export function runScenarioStep(session: Session, step: Step): Result<StepOutcome, SessionError> {
  const done: ActionOutcome[] = [];
  if (step.state && Object.keys(step.state).length > 0) {
    const r = session.apply({ a: 'set', s: step.state });
    if (!r.ok) return r;
  }
  let draw: DrawResult | null = null;
  let sysgenid: SysGenIdOutcome[] | null = null;
  for (const [index, action] of (step.actions ?? []).entries()) {
    const r = session.apply(action);
    if (!r.ok) {
      const where = `step action ${index + 1} of ${step.actions!.length}`;
      return err({ ...r.error, index, message: `${where}, ${r.error.message}` });
    }
    done.push(r.value);
    if (r.value.draw) draw = r.value.draw;
    if (r.value.sysgenid) sysgenid = r.value.sysgenid;
  }
  let secrets: SecretReport[] | null = null;
  if (stepWantsSecrets(step)) {
    const r = session.secrets();
    if (r && !r.ok) return r;
    secrets = r ? r.value : null;
  }
  const checks = checkExpectations(step.expect ?? [], { draw: draw ?? session.lastDraw, secrets, sysgenid });
  return ok({ actions: done, draw, secrets, sysgenid, checks, ok: checks.every((c) => c.ok) });
}

/** A session rebuilt up to a step, and that step's outcome. */
export interface ScenarioPosition {
  session: Session;
  outcome: StepOutcome;
  step: number;
}

/**
 * A fresh session on the scenario's guest (the lab is reset), with steps 0..step run: how a
 * presenter steps back or jumps. Stops at the first failing step.
 */
export function runScenarioTo(
  lab: Lab,
  catalog: GuestCatalog,
  scenario: Pick<Scenario, 'guest' | 'steps'>,
  step: number,
): Result<ScenarioPosition, SessionError & { step: number }> {
  if (!Number.isInteger(step) || step < 0 || step >= scenario.steps.length) {
    const message = `step: expected a whole number from 0 to ${scenario.steps.length - 1}, got ${step}`;
    return err({ kind: 'ActionFailed', action: 'reset', index: null, message, cause: null, step });
  }
  const opened = Session.open(lab, catalog, { guest: scenario.guest });
  if (!opened.ok) return err({ ...opened.error, step: 0 });
  const session = opened.value;
  let outcome: StepOutcome | null = null;
  for (let i = 0; i <= step; i++) {
    const r = runScenarioStep(session, scenario.steps[i]!);
    if (!r.ok) return err({ ...r.error, message: `step ${i + 1}: ${r.error.message}`, step: i });
    outcome = r.value;
  }
  return ok({ session, outcome: outcome!, step });
}
