// Guided scenarios: every shipped one parses, and running its steps in Node on a Lab makes every
// visible claim true. Malformed files are refused with the file, the field and the reason.
import { beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import type { CoreExports } from '../src/core/load/instantiate';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { outputRows } from '../src/core/lab/draw';
import { analyseRows, verdictOf } from '../src/core/lab/verdict';
import { shippedGuestsNode } from '../src/core/manifest/load-node';
import {
  countSentences,
  fillNarration,
  NOT_YET,
  parseScenario,
  parseScenarioIndex,
  parseScenarioText,
  runScenarioStep,
  runScenarioTo,
  readPlaceholders,
  typedMeasurement,
  SCENARIO_LIMITS,
  type Scenario,
  type Step,
} from '../src/core/scenario';
import { listScenariosNode, loadScenarioNode } from '../src/core/scenario/load-node';
import { catalogOf, Session, type GuestCatalog } from '../src/core/session/session';
import type { SettingsPatch } from '../src/core/settings/settings';
import { unwrap, vmId } from '../src/core/types';

let core: CoreExports;
let catalog: GuestCatalog;
const scenarios: Scenario[] = [];

beforeAll(async () => {
  core = await loadCoreNode('release');
  catalog = catalogOf(unwrap(await shippedGuestsNode()));
  const index = unwrap(await listScenariosNode());
  for (const e of index) scenarios.push(unwrap(await loadScenarioNode(e.id)));
});

const outputsVerdict = (rows: string[][]) => verdictOf(analyseRows(rows));

/** A fresh session on a reset lab. */
function open(lab: Lab, patch: SettingsPatch): Session {
  return unwrap(Session.open(lab, catalog, patch));
}

const REQUIRED = [
  'the-problem',
  'fork-detection',
  'wipeonsuspend-alone',
  'race-window',
  'sysgenid-overseer',
  'vdso-getrandom',
  'secrets-in-snapshot',
  'real-kernel',
];

describe('shipped scenarios', () => {
  it('the index lists every required scenario, and each file parses with the index title', async () => {
    const index = unwrap(await listScenariosNode());
    expect(index.map((e) => e.id)).toEqual(REQUIRED);
    for (const e of index) {
      const s = scenarios.find((x) => x.id === e.id)!;
      expect(s.title, e.id).toBe(e.title);
      expect(s.steps.length, e.id).toBeGreaterThanOrEqual(3);
      expect((await loadGuestNode(s.guest)).ok, `${e.id}: guest ${s.guest}`).toBe(true);
    }
  });

  it('every step speaks in 1 to 3 sentences and most steps claim something checkable', () => {
    for (const s of scenarios) {
      for (const st of s.steps) {
        const n = countSentences(st.narration);
        expect(n, `${s.id}: ${st.title}`).toBeGreaterThanOrEqual(1);
        expect(n, `${s.id}: ${st.title}`).toBeLessThanOrEqual(3);
      }
      const claims = s.steps.filter((st) => st.expect?.length).length;
      expect(claims, s.id).toBeGreaterThanOrEqual(Math.ceil(s.steps.length / 2));
    }
  });

  it('every claim cites the upstream source it rests on (an https URL to a repository or a mail)', () => {
    for (const s of scenarios)
      for (const [i, st] of s.steps.entries())
        for (const e of st.expect ?? [])
          expect(e.source ?? '', `${s.id} step ${i + 1}`).toMatch(
            /^https:\/\/(github\.com\/[\w.-]+\/[\w.-]+\/blob\/[^#\s]+#L\d+(-L\d+)?|lore\.kernel\.org\/all\/[^\s/]+\/)$/,
          );
  });

  it('no narration types a measured number, and each placeholder shows "…" until its step runs', () => {
    for (const s of scenarios)
      for (const st of s.steps) {
        expect(typedMeasurement(st.narration), `${s.id}: ${st.title}`).toBeNull();
        const read = readPlaceholders(st.narration);
        if (!read.ok) throw new Error(`${s.id}: ${st.title}: ${read.error}`);
        const shown = fillNarration(st.narration, null, null);
        expect(shown.split(NOT_YET).length - 1, `${s.id}: ${st.title}`).toBe(read.value.length);
      }
  });

  const ids = REQUIRED;
  for (const id of ids) {
    it(`"${id}": running every step in a Lab makes every claim true`, async () => {
      const s = scenarios.find((x) => x.id === id)!;
      const lab = new Lab(core);
      const session = open(lab, { guest: s.guest });
      let claims = 0;
      for (const [i, step] of s.steps.entries()) {
        const r = runScenarioStep(session, step);
        if (!r.ok) throw new Error(`${id} step ${i + 1}: ${r.error.message}`);
        const keys = (step.expect ?? []).reduce(
          (n, e) =>
            n + Object.keys(e).filter((k) => k !== 'library' && k !== 'process' && k !== 'source').length,
          0,
        );
        expect(r.value.checks, `${id} step ${i + 1}`).toHaveLength(keys);
        for (const c of r.value.checks)
          expect(c.ok, `${id} step ${i + 1} "${step.title}": ${c.claim} (got ${c.got})`).toBe(true);
        expect(r.value.ok).toBe(true);
        // the narration's numbers come from this run: every placeholder is filled
        const said = fillNarration(step.narration, session.lastDraw, session.settings);
        expect(said, `${id} step ${i + 1} "${step.title}"`).not.toContain(NOT_YET);
        expect(said, `${id} step ${i + 1} "${step.title}"`).not.toMatch(/[{}]/);
        claims += r.value.checks.length;
      }
      expect(claims, id).toBeGreaterThan(0);
      lab.reset();
    });
  }

  it('the SysGenId deadlock is real: the tracked lazy reader stays outdated and the wait times out after its timeout', async () => {
    const lab = new Lab(core);
    const state = open(lab, { guest: 'sysgenid-overseer', clones: 2, draws: 2 });
    for (const a of ['reset', 'boot', 'sysgenid-track', 'snapshot', 'restore', 'sysgenid-trigger'] as const)
      unwrap(state.apply({ a }));
    const clones = state.lineage.clones.map(vmId);
    const before = clones.map((vm) => unwrap(lab.devices(vm)).clockNs);
    const wait = unwrap(state.apply({ a: 'sysgenid-wait', ms: 250 }));
    expect(wait.sysgenid!.map((x) => [x.result, x.watchers, x.outdated])).toEqual([
      ['ETIME', 1, 1],
      ['ETIME', 1, 1],
    ]);
    expect(wait.sysgenid![0]!.message).toContain('still have not acknowledged');
    clones.forEach((vm, i) => expect(unwrap(lab.devices(vm)).clockNs - before[i]!).toBe(250e6));
    // forever: the model cannot sleep, so it says so
    const forever = unwrap(state.apply({ a: 'sysgenid-wait', ms: 0 }));
    expect(forever.sysgenid!.every((x) => x.result === 'Blocked')).toBe(true);
    // the watcher acknowledges: the overseer passes
    unwrap(state.apply({ a: 'sysgenid-ack' }));
    const ok = unwrap(state.apply({ a: 'sysgenid-wait' }));
    expect(ok.sysgenid!.map((x) => [x.result, x.outdated])).toEqual([
      ['ok', 0],
      ['ok', 0],
    ]);
    lab.reset();
  });
});

describe('stepping', () => {
  it('jumping to a step rebuilds the same view as walking to it', async () => {
    const scenario = scenarios.find((x) => x.id === 'race-window')!;
    const walked = new Lab(await loadCoreNode('release'));
    const session = open(walked, { guest: scenario.guest });
    for (const step of scenario.steps.slice(0, 2)) unwrap(runScenarioStep(session, step));
    const jumped = unwrap(runScenarioTo(new Lab(await loadCoreNode('release')), catalog, scenario, 1));
    expect(jumped.step).toBe(1);
    expect(jumped.outcome.ok).toBe(true);
    expect(jumped.session.log).toEqual(session.log);
    expect(jumped.outcome.draw!.libraries.map(outputRows)).toEqual(
      session.lastDraw!.libraries.map(outputRows),
    );
    const bad = runScenarioTo(walked, catalog, scenario, scenario.steps.length);
    expect(bad.ok ? '' : bad.error.message).toBe(
      `step: expected a whole number from 0 to ${scenario.steps.length - 1}, got ${scenario.steps.length}`,
    );
    walked.reset();
  });
});

describe('the executor', () => {
  const guest = 'linux-6.11-vmgenid';

  it('logs successful actions with their counts resolved and settings changes as "set"', () => {
    const lab = new Lab(core);
    const state = open(lab, { guest, clones: 3, draws: 4, memoryMiB: 32 });
    const r = runScenarioStep(state, {
      title: 't',
      narration: 'n.',
      state: { notifyDelayUs: 20 },
      actions: [{ a: 'reset' }, { a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw', n: 2 }],
    });
    const out = unwrap(r);
    expect(state.log).toEqual([
      { a: 'set', s: { notifyDelayUs: 20 } },
      { a: 'reset' },
      { a: 'boot' },
      { a: 'snapshot', t: 'full' },
      { a: 'restore', n: 3 },
      { a: 'draw', n: 2 },
    ]);
    expect(state.drawingVms()).toHaveLength(3);
    expect(state.lineage.snapshots).toHaveLength(1);
    expect(out.draw!.draws).toBe(2);
    expect(out.draw!.vms).toEqual(state.drawingVms().map(Number));
    expect(structuredClone(state.log)).toEqual(state.log); // plain data
    lab.reset();
  });

  it('a failing action names the step action and leaves the log and the lab as they were', () => {
    const lab = new Lab(core);
    const state = open(lab, { guest, memoryMiB: 32 });
    const step: Step = {
      title: 't',
      narration: 'n.',
      actions: [{ a: 'reset' }, { a: 'boot' }, { a: 'restore' }],
    };
    const r = runScenarioStep(state, step);
    if (r.ok) throw new Error('restored without a snapshot');
    expect(r.error).toMatchObject({ kind: 'ActionFailed', action: 'restore', index: 2 });
    expect(r.error.message).toBe('step action 3 of 3, restore: no snapshot to restore from: take one first');
    expect(state.log.map((a) => a.a)).toEqual(['reset', 'boot']);
    expect(lab.vms()).toHaveLength(1);
    const draw = open(lab, { guest }).apply({ a: 'draw' });
    expect(draw.ok ? '' : draw.error.message).toBe(
      'draw: no running VM to draw from: boot and snapshot, then restore clones (or resume the original)',
    );
    lab.reset();
  });

  it("passes the lab's own error through, with its field", () => {
    const lab = new Lab(core);
    const state = open(lab, { guest, memoryMiB: 32 });
    unwrap(state.apply({ a: 'boot' }));
    const r = state.apply({ a: 'touch', n: 0 });
    if (r.ok) throw new Error('touched 0 pages');
    expect(r.error.cause).toMatchObject({ kind: 'InvalidValue', field: 'count' });
    expect(r.error.message).toBe('touch: count: expected a whole number >= 1, got 0');
    lab.reset();
  });

  it('fork forks the process in every drawing VM; without a kernel reseed the children collide too', () => {
    const lab = new Lab(core);
    const state = open(lab, {
      guest,
      libraries: ['openssl-1.1.1', 'boringssl'],
      // an AMD vCPU: BoringSSL mixes no RDRAND into its calls (on Intel it would, and be unique)
      cpu: 'amd',
      vmgenid: false,
      clones: 3,
      draws: 4,
      memoryMiB: 32,
    });
    for (const a of ['boot', 'snapshot', 'restore'] as const) unwrap(state.apply({ a }));
    const f = unwrap(state.apply({ a: 'fork', p: 1 }));
    expect(f.vms).toEqual(state.lineage.clones);
    const d = unwrap(state.apply({ a: 'draw' })).draw!;
    expect(d.libraries.map((l) => l.library)).toEqual(['openssl-1.1.1', 'boringssl', 'boringssl']);
    expect(d.libraries[2]!.reseeds).toBe(3); // each child found its page wiped...
    expect(outputsVerdict(outputRows(d.libraries[2]!))).toBe('dup'); // ...and reseeded from the same kernel
    const bad = state.apply({ a: 'fork', p: 9 });
    expect(bad.ok ? '' : bad.error.message).toMatch(/^fork: process: VM \d+ has no process 9$/);
    lab.reset();
  });

  it('a claim that does not hold is reported with what the lab showed', () => {
    const lab = new Lab(core);
    const state = open(lab, { guest, clones: 2, draws: 4, memoryMiB: 32, vmgenid: false });
    const r = unwrap(
      runScenarioStep(state, {
        title: 't',
        narration: 'n.',
        actions: [{ a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
        expect: [
          { library: 'vdso', duplicates: '0', verdict: 'unique' },
          { library: 'rdrand', duplicates: '0' },
          { secretInSnapshot: { name: 'no-such-secret', present: true } },
          { waitWatchers: 'ok' },
        ],
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.checks).toEqual([
      { claim: 'vdso: duplicates 0', ok: false, got: 'duplicates 8' },
      { claim: 'vdso: unique', ok: false, got: 'duplicated' },
      { claim: 'rdrand: duplicates 0', ok: false, got: 'rdrand did not draw' },
      {
        claim: 'secret no-such-secret is in the snapshot file',
        ok: false,
        got: 'the guest has no secret named no-such-secret',
      },
      { claim: 'WAIT_WATCHERS returns ok', ok: false, got: 'no WAIT_WATCHERS in this step' },
    ]);
    lab.reset();
  });
});

/** An upstream line a test claim cites. */
const SOURCE = 'https://github.com/gregkh/linux/blob/v6.11.11/drivers/char/random.c#L983-L990';

/** A valid scenario to break one field at a time. */
function valid(): Record<string, unknown> {
  return {
    id: 'demo',
    title: 'Demo',
    description: 'A demo.',
    guest: 'default',
    steps: [
      {
        title: 'Boot',
        narration: 'Boot it. Then look.',
        state: { clones: 2 },
        actions: ['boot', { a: 'restore', n: 2 }],
        highlight: 'memory',
        expect: { library: 'vdso', duplicates: '0', source: SOURCE },
      },
    ],
  };
}

describe('malformed scenarios', () => {
  it('a valid file parses, shorthand expanded and expect always a list', () => {
    const s = unwrap(parseScenario(valid(), 'demo.json'));
    expect(s.steps[0]!.actions).toEqual([{ a: 'boot' }, { a: 'restore', n: 2 }]);
    expect(s.steps[0]!.expect).toEqual([{ library: 'vdso', duplicates: '0', source: SOURCE }]);
  });

  const cases: [string, (s: Record<string, unknown>) => void, string][] = [
    ['not an object', (s) => Object.keys(s).forEach((k) => delete s[k]), 'demo.json: id: is required'],
    ['missing steps', (s) => delete s.steps, 'demo.json: steps: is required'],
    ['no steps', (s) => (s.steps = []), 'demo.json: steps: must hold at least 1 step (got 0)'],
    [
      'bad id',
      (s) => (s.id = 'Demo'),
      'demo.json: id: must use only lowercase letters, digits and "-", starting with a letter or digit (got "Demo")',
    ],
    [
      'unknown top key',
      (s) => (s.Title = 'x'),
      'demo.json: Title: is not a known key (did you mean "title"?)',
    ],
    [
      'bad guest',
      (s) => (s.guest = '../etc'),
      'demo.json: guest: must be the name of a shipped guest, such as "default" (got "../etc")',
    ],
    [
      'unknown action',
      (s) => ((s.steps as Step[])[0]!.actions = ['boot', 'snap'] as never),
      'demo.json: steps[0].actions[1]: must be one of "set", "boot", "snapshot", "restore", "resume", "draw", "touch", "idle", "fork", "destroy", "delete-snapshot", "load", "reset", "sysgenid-track", "sysgenid-ack", "sysgenid-trigger", "sysgenid-wait" (got "snap")',
    ],
    [
      'bad action count',
      (s) => ((s.steps as Step[])[0]!.actions = [{ a: 'restore', n: '4' }] as never),
      'demo.json: steps[0].actions[0].n: must be a whole number from 1 to 10000 (got "4")',
    ],
    [
      'unknown action parameter',
      (s) => ((s.steps as Step[])[0]!.actions = [{ a: 'boot', n: 1 }] as never),
      'demo.json: steps[0].actions[0].n: is not a known key (allowed: a)',
    ],
    [
      'bare set',
      (s) => ((s.steps as Step[])[0]!.actions = ['set'] as never),
      'demo.json: steps[0].actions[0]: "set" needs its settings: write { "a": "set", "s": { ... } }',
    ],
    [
      'misspelt setting',
      (s) => ((s.steps as Step[])[0]!.state = { Clones: 2 } as never),
      'demo.json: steps[0].state.Clones: is not a known key (did you mean "clones"?)',
    ],
    [
      'setting out of range',
      (s) => ((s.steps as Step[])[0]!.state = { clones: 0 }),
      'demo.json: steps[0].state.clones: must be a whole number from 1 to 10000 (got 0)',
    ],
    [
      'bad library',
      (s) => ((s.steps as Step[])[0]!.state = { libraries: ['vdso', 'libsodium'] } as never),
      'demo.json: steps[0].state.libraries[1]: must be one of "naive", "openssl-1.1.1", "openssl-3", "boringssl", "aws-lc", "aws-lc-ube", "wipeonsuspend", "vdso", "getrandom", "rdrand", "openssl-pid", "wipeonfork", "sysgenid" (got "libsodium")',
    ],
    [
      'bad sysgenid switch',
      (s) => ((s.steps as Step[])[0]!.state = { sysgenid: 'yes' } as never),
      'demo.json: steps[0].state.sysgenid: must be true or false (got "yes")',
    ],
    [
      'bad sysgenid bump',
      (s) => ((s.steps as Step[])[0]!.state = { sysgenidBump: 'v9' } as never),
      'demo.json: steps[0].state.sysgenidBump: must be one of "vmgenid", "overseer" (got "v9")',
    ],
    [
      'negative delay',
      (s) => ((s.steps as Step[])[0]!.state = { notifyDelayUs: -5 }),
      'demo.json: steps[0].state.notifyDelayUs: must be a number from 0 to 1000000000 µs (got -5)',
    ],
    [
      'long narration',
      (s) => ((s.steps as Step[])[0]!.narration = 'One. Two. Three. Four.'),
      'demo.json: steps[0].narration: must be 1 to 3 sentences, short enough to say aloud (got 4)',
    ],
    [
      'unfinished narration',
      (s) => ((s.steps as Step[])[0]!.narration = 'Boot it'),
      'demo.json: steps[0].narration: must end a sentence (with ".", "!", "?" or "…")',
    ],
    [
      'bad highlight',
      (s) => ((s.steps as Step[])[0]!.highlight = 'memroy' as never),
      'demo.json: steps[0].highlight: must be one of "outputs", "memory", "devices", "timeline", "matrix", "secrets", "lineage", "real" (got "memroy")',
    ],
    [
      'bad real-kernel action',
      (s) => ((s.steps as Step[])[0]!.real = 'boot' as never),
      'demo.json: steps[0].real: must be one of "restore", "agent-reseed" (got "boot")',
    ],
    [
      'bad verdict',
      (s) => ((s.steps as Step[])[0]!.expect = { verdict: 'dupe', source: SOURCE } as never),
      'demo.json: steps[0].expect.verdict: must be one of "dup", "dup-until", "predictable", "unique", "mixed" (got "dupe")',
    ],
    [
      'bad duplicates claim',
      (s) =>
        ((s.steps as Step[])[0]!.expect = [
          { library: 'vdso', verdict: 'dup', source: SOURCE },
          { duplicates: 0, source: SOURCE },
        ] as never),
      'demo.json: steps[0].expect[1].duplicates: must be ">0" or "0" (got 0)',
    ],
    [
      'empty claim',
      (s) => ((s.steps as Step[])[0]!.expect = { library: 'vdso', source: SOURCE } as never),
      'demo.json: steps[0].expect: must claim something: duplicates, verdict, secretInSnapshot, nsPerCall or waitWatchers',
    ],
    [
      'secret claim without present',
      (s) =>
        ((s.steps as Step[])[0]!.expect = {
          secretInSnapshot: { name: 'db-password' },
          source: SOURCE,
        } as never),
      'demo.json: steps[0].expect.secretInSnapshot.present: is required',
    ],
    [
      'inverted ns bounds',
      (s) =>
        ((s.steps as Step[])[0]!.expect = [
          { verdict: 'dup', source: SOURCE },
          { nsPerCall: { min: 20, max: 10 }, source: SOURCE },
        ] as never),
      'demo.json: steps[0].expect[1].nsPerCall: min (20) must not exceed max (10)',
    ],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`${what}: ${message.slice(11, 60)}…`, () => {
      const s = valid();
      breakIt(s);
      const r = parseScenario(s, 'demo.json');
      if (r.ok) throw new Error('accepted');
      expect(r.error.message).toBe(message);
      expect(r.error.kind).toBe('InvalidScenario');
      expect(r.error.file).toBe('demo.json');
      expect(message).toContain(`${r.error.field}: `);
    });
  }

  it('JSON syntax errors say where, and duplicate keys are refused', () => {
    const broken = parseScenarioText('{\n  "id": "demo",\n  "title": "x",,\n}', 'demo.json');
    expect(broken.ok ? '' : broken.error.message).toBe(
      `demo.json: JSON syntax error at line 3, column 16: expected a property name in double quotes, got ','`,
    );
    const twice = parseScenarioText('{ "id": "demo", "id": "other" }', 'demo.json');
    expect(twice.ok ? null : twice.error).toMatchObject({ kind: 'InvalidScenario', field: 'id' });
  });

  it('the index must name each file after its id, once', () => {
    const e = { id: 'a', file: 'a.json', title: 'A', description: 'a' };
    expect(parseScenarioIndex([e], 'index.json').ok).toBe(true);
    const badFile = parseScenarioIndex([{ ...e, file: 'b.json' }], 'index.json');
    expect(badFile.ok ? '' : badFile.error.message).toBe(
      'index.json: [0].file: must be "a.json", the id\'s file (got "b.json")',
    );
    const twice = parseScenarioIndex([e, e], 'index.json');
    expect(twice.ok ? '' : twice.error.message).toBe('index.json: [1].id: "a" is already used by entry [0]');
  });

  it('loading by id refuses paths and unknown ids, listing the shipped ones', async () => {
    const path = await loadScenarioNode('../default');
    expect(path.ok ? '' : path.error.message).toBe(
      '../default.json: "../default" is not a scenario id (lowercase letters, digits and "-")',
    );
    const unknown = await loadScenarioNode('nope');
    expect(unknown.ok ? '' : unknown.error.message).toBe(
      `nope.json: no shipped scenario "nope" (shipped: ${REQUIRED.join(', ')})`,
    );
  });

  it('limits are enforced: at most 50 steps', () => {
    const s = valid();
    s.steps = Array.from({ length: SCENARIO_LIMITS.maxSteps + 1 }, () => (valid().steps as Step[])[0]);
    const r = parseScenario(s, 'demo.json');
    expect(r.ok ? '' : r.error.message).toBe('demo.json: steps: must hold at most 50 steps (got 51)');
  });
});

describe('claims cite their source', () => {
  it('a claim without a source is refused, naming its field', () => {
    const s = valid();
    (s.steps as Step[])[0]!.expect = [{ library: 'vdso', duplicates: '0' }];
    const r = parseScenario(s, 'demo.json');
    expect(r.ok ? '' : r.error.message).toBe('demo.json: steps[0].expect[0].source: is required');
    expect(r.ok ? '' : r.error.field).toBe('steps[0].expect[0].source');
  });

  it('a source must be an https URL', () => {
    for (const source of ['http://lore.kernel.org/all/x/', 'random.c line 983', '']) {
      const s = valid();
      (s.steps as Step[])[0]!.expect = [{ library: 'vdso', duplicates: '0', source }];
      const r = parseScenario(s, 'demo.json');
      expect(r.ok ? '' : r.error.message, source).toMatch(
        /^demo\.json: steps\[0\]\.expect\[0\]\.source: must be an https URL to the upstream source line the claim rests on/,
      );
    }
  });

  it("a step's checks carry their claim's source", () => {
    const lab = new Lab(core);
    const state = open(lab, { guest: 'linux-6.11-vmgenid', clones: 2, draws: 2, memoryMiB: 32 });
    const r = unwrap(
      runScenarioStep(state, {
        title: 't',
        narration: 'n.',
        actions: [{ a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
        expect: [{ library: 'getrandom', duplicates: '0', source: SOURCE }],
      }),
    );
    expect(r.checks).toEqual([
      { claim: 'getrandom: duplicates 0', ok: true, got: 'duplicates 0', source: SOURCE },
    ]);
    lab.reset();
  });
});

/** A one-step scenario that boots the given libraries and draws, with this narration. */
function drawing(
  narration: string,
  libraries: string[] | null = ['vdso', 'getrandom'],
): Record<string, unknown> {
  return {
    id: 'demo',
    title: 'Demo',
    description: 'A demo.',
    guest: 'linux-6.11-vmgenid',
    steps: [
      {
        title: 'Draw',
        narration,
        ...(libraries ? { state: { libraries } } : {}),
        actions: ['reset', 'boot', 'snapshot', 'restore', 'draw'],
        expect: { library: 'vdso', duplicates: '0', source: SOURCE },
      },
    ],
  };
}

describe('narration placeholders', () => {
  it('a valid narration parses; versions and constants without a unit of measure are not measurements', () => {
    const ok = parseScenario(
      drawing(
        'Linux 6.1 and 5.19 reseed; BoringSSL after 4096 calls mixes 32 bytes: {verdict:vdso} at {nsPerCall:vdso}, from {firstSafeDraw:getrandom}, {freshBits:vdso}, {duplicates:getrandom}, {reseeds:vdso}, {firstUniqueDraw:vdso} with {setting:clones} clones.',
      ),
      'demo.json',
    );
    if (!ok.ok) throw new Error(ok.error.message);
    expect(typedMeasurement('Linux 6.1, 5.19, v8, S3, 2^16 calls, RFC 9562, uptime/2, 32 bytes.')).toBeNull();
  });

  it.each([
    ['It costs 11.5 ns a call.', '11.5 ns'],
    ['The window is 40 µs wide.', '40 µs'],
    ['Clones collided for up to 36 ms.', '36 ms'],
    ['It reseeds after 60 s.', '60 s'],
    ['Half of them, 50%, collide.', '50%'],
    ['Each clone has 128 bits.', '128 bits'],
    ['Unique from draw #9.', '#9'],
    ['All 16 draws collide.', '16 draws'],
    ['Here 4 clones start.', '4 clones'],
    ['There are 64 duplicates.', '64 duplicates'],
  ])('a typed measurement is refused: %s', (narration, typed) => {
    expect(typedMeasurement(narration)).toBe(typed);
    const r = parseScenario(drawing(narration), 'demo.json');
    expect(r.ok ? '' : r.error.message).toBe(
      `demo.json: steps[0].narration: types the measured number "${typed}": write a placeholder such as {nsPerCall:vdso}, {firstSafeDraw:getrandom} or {setting:notifyDelayUs}, filled from the live run`,
    );
  });

  it.each([
    [
      'It costs {nsPercall:vdso}.',
      '{nsPercall:vdso}: unknown field "nsPercall" (one of "verdict", "nsPerCall", "duplicates", "firstUniqueDraw", "firstSafeDraw", "freshBits", "reseeds", "setting")',
    ],
    [
      'It is {verdict:libsodium}.',
      '{verdict:libsodium}: "libsodium" is not a library id (one of naive, openssl-1.1.1, openssl-3, boringssl, aws-lc, aws-lc-ube, wipeonsuspend, vdso, getrandom, rdrand)',
    ],
    [
      'It is {verdict:wipeonfork}.',
      '{verdict:wipeonfork}: "wipeonfork" is not a library id (one of naive, openssl-1.1.1, openssl-3, boringssl, aws-lc, aws-lc-ube, wipeonsuspend, vdso, getrandom, rdrand)',
    ],
    ['It is {setting:clone}.', '{setting:clone}: "clone" is not a setting (one of '],
    ['It costs {nsPerCall vdso}.', '{nsPerCall vdso}: a placeholder is {FIELD:LIBRARY} or {setting:KEY}'],
    ['It costs {nsPerCall:vdso.', 'has an unmatched "{" or "}"'],
    [
      'RDRAND is {verdict:rdrand}.',
      `{verdict:rdrand}: "rdrand" does not take part in the step's run (it draws vdso, getrandom)`,
    ],
  ])('a bad placeholder is refused with the field path: %s', (narration, problem) => {
    const r = parseScenario(drawing(narration), 'demo.json');
    if (r.ok) throw new Error('accepted');
    expect(r.error.field).toBe('steps[0].narration');
    expect(r.error.message.startsWith(`demo.json: steps[0].narration: ${problem}`), r.error.message).toBe(
      true,
    );
  });

  it('a draw placeholder needs a draw by its step; a setting placeholder does not', () => {
    const s = valid(); // boots and restores, draws nothing
    (s.steps as Step[])[0]!.narration = 'It is {verdict:vdso}.';
    const r = parseScenario(s, 'demo.json');
    expect(r.ok ? '' : r.error.message).toBe(
      'demo.json: steps[0].narration: {verdict:vdso}: nothing has been drawn by this step (since its last reset or boot), so there is nothing to read it from',
    );
    (s.steps as Step[])[0]!.narration = 'It restores {setting:clones} clones.';
    expect(parseScenario(s, 'demo.json').ok).toBe(true);
  });

  it("with the guests' processes known, a step that runs the guest's own processes must name one of them", () => {
    const s = drawing('The vDSO is {verdict:vdso}.', null);
    expect(parseScenario(s, 'demo.json').ok).toBe(true);
    const guestLibraries = (g: string) => (g === 'linux-6.11-vmgenid' ? (['naive'] as const) : undefined);
    const r = parseScenario(s, 'demo.json', { guestLibraries });
    expect(r.ok ? '' : r.error.message).toBe(
      `demo.json: steps[0].narration: {verdict:vdso}: "vdso" does not take part in the step's run (it draws naive)`,
    );
  });

  it("fills every placeholder from the step's live run, and shows … before it has run", () => {
    const lab = new Lab(core);
    const state = open(lab, {
      guest: 'linux-6.11-vmgenid',
      clones: 4,
      draws: 16,
      notifyDelayUs: 40,
      drawIntervalUs: 5,
      memoryMiB: 32,
    });
    for (const a of ['boot', 'snapshot', 'restore', 'draw'] as const) unwrap(state.apply({ a }));
    const d = state.lastDraw!;
    const lib = (id: string) => d.libraries.find((l) => l.library === id)!;
    const text =
      '{verdict:getrandom} {firstSafeDraw:getrandom} {firstUniqueDraw:naive} {nsPerCall:getrandom} {duplicates:naive} {freshBits:naive} {reseeds:vdso} {setting:notifyDelayUs} {setting:clones} {setting:vmgenid} {setting:kernel}.';
    const g = lib('getrandom');
    expect(g.verdict).toBe('dup-until');
    expect(fillNarration(text, d, state.settings)).toBe(
      [
        `duplicated until #${g.firstSafeDraw}`,
        `#${g.firstSafeDraw}`,
        'never',
        '176 ns',
        String(lib('naive').duplicates),
        '0 bits',
        String(lib('vdso').reseeds),
        '40 µs',
        '4',
        'on',
        '6.11.',
      ].join(' '),
    );
    // not yet run: a neutral "…" for each, settings too
    expect(fillNarration(text, null, null)).toBe(`${Array(11).fill(NOT_YET).join(' ')}.`);
    // a library the draw does not hold
    expect(fillNarration('{verdict:rdrand}.', d, state.settings)).toBe(`${NOT_YET}.`);
    // bits differ between clones: min–max
    const mixedBits = { ...d, libraries: [{ ...g, freshEntropyBits: [0, 128, 256] }] };
    expect(fillNarration('{freshBits:getrandom}', mixedBits, null)).toBe('0–256 bits');
    lab.reset();
  });

  it('says times in the unit that reads best', () => {
    const lab = new Lab(core);
    const state = open(lab, { guest: 'default', drawIntervalUs: 1_000_000, notifyDelayUs: 1500 });
    expect(
      fillNarration(
        '{setting:drawIntervalUs}, {setting:notifyDelayUs}, {setting:uptimeS}.',
        null,
        state.settings,
      ),
    ).toBe('1 s, 1.5 ms, 30 s.');
    lab.reset();
  });
});
