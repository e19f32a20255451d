// Permalinks: a lab state (settings + action log) round-trips through a short URL-safe string
// and replays, through the one Session, to the same bytes; truncated, edited, foreign-version
// and oversized strings are refused with a typed error that says what is wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import { outputRows } from '../src/core/lab/draw';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { shippedGuestsNode } from '../src/core/manifest/load-node';
import {
  decodeLabState,
  encodeLabState,
  fromBase64Url,
  labStateOf,
  MAX_DECOMPRESSED,
  MAX_ENCODED,
  openLabState,
  stateFromUrl,
  toBase64Url,
  type LabState,
  type PermalinkError,
} from '../src/core/permalink';
import { runScenarioStep } from '../src/core/scenario';
import { loadScenarioNode } from '../src/core/scenario/load-node';
import type { Action } from '../src/core/session/actions';
import { catalogOf, Session, type GuestCatalog } from '../src/core/session/session';
import { resolveSettings } from '../src/core/settings/settings';
import { unwrap, vmId } from '../src/core/types';

let catalog: GuestCatalog;
beforeAll(async () => {
  catalog = catalogOf(unwrap(await shippedGuestsNode()));
});

const ACTIONS: Action[] = [
  { a: 'boot' },
  { a: 'snapshot' },
  { a: 'restore' },
  { a: 'draw' },
  { a: 'set', s: { notifyDelayUs: 40, vmgenid: true } },
  { a: 'reset' },
  { a: 'boot' },
  { a: 'snapshot' },
  { a: 'resume' },
  { a: 'touch', n: 8 },
  { a: 'snapshot', t: 'diff' },
  { a: 'restore', n: 3 },
  { a: 'draw', n: 12 },
];

function session(lab: Lab, patch: Parameters<typeof Session.open>[2]): Session {
  return unwrap(Session.open(lab, catalog, patch));
}

async function encoded(state: LabState): Promise<string> {
  const r = await encodeLabState(state);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function refused(s: string): Promise<PermalinkError> {
  const r = await decodeLabState(s);
  if (r.ok) throw new Error(`accepted ${s.slice(0, 40)}`);
  return r.error;
}

/** Decodes base64url that must be valid. */
function b64(s: string): Uint8Array {
  const r = fromBase64Url(s);
  if (!r.ok) throw new Error(`bad base64url at ${r.error}`);
  return r.value;
}

/** Packs arbitrary bytes the way the codec does (gzip), to build foreign links. */
async function pack(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

describe('round trip', () => {
  it('encode -> decode -> replay rebuilds the same lab: same outputs and devices, byte for byte', async () => {
    const original = new Lab(await loadCoreNode('release'));
    const s = session(original, {
      guest: 'linux-6.11-vmgenid',
      clones: 4,
      draws: 8,
      seed: 77,
      memoryMiB: 32,
    });
    for (const a of ACTIONS) unwrap(s.apply(a));
    const state = labStateOf(s);
    expect(state.settings).toEqual(
      resolveSettings(catalog.get('linux-6.11-vmgenid')!, { clones: 4, draws: 8, seed: 77, memoryMiB: 32 }),
    );

    const link = await encoded(state);
    expect(link).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(link.length).toBeLessThan(1200);
    const decoded = unwrap(await decodeLabState(link));
    expect(decoded).toEqual(state);

    const reopened = new Lab(await loadCoreNode('release'));
    const out = unwrap(openLabState(reopened, catalog, decoded));
    const a = s.lastDraw!;
    const b = out.lastDraw!;
    expect(b.libraries.map((l) => [l.library, l.duplicates, l.firstUniqueDraw])).toEqual(
      a.libraries.map((l) => [l.library, l.duplicates, l.firstUniqueDraw]),
    );
    expect(b.libraries.map(outputRows)).toEqual(a.libraries.map(outputRows));
    // the same lineage: one full + one diff snapshot, three clones from the diff, the same ids
    expect(reopened.snapshots().map((x) => [x.id, x.type])).toEqual(
      original.snapshots().map((x) => [x.id, x.type]),
    );
    expect(out.lineage.clones).toEqual(s.lineage.clones);
    expect(out.log).toEqual(s.log);
    // the same devices, byte for byte
    expect(out.lineage.clones.map((vm) => unwrap(reopened.devices(vmId(vm))).vmgenid)).toEqual(
      s.lineage.clones.map((vm) => unwrap(original.devices(vmId(vm))).vmgenid),
    );
  });

  it('a replay on a core that has already run gives the same bytes too (ids restart, entropy follows places)', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const s = session(lab, { guest: 'linux-6.11-vmgenid', clones: 3, draws: 6, seed: 5, memoryMiB: 32 });
    for (const a of ACTIONS.slice(0, 4)) unwrap(s.apply(a));
    const before = s.lastDraw!.libraries.map(outputRows);
    const state = unwrap(await decodeLabState(await encoded(labStateOf(s))));
    const out = unwrap(openLabState(lab, catalog, state)); // the same core, used: it is reset first
    expect(out.lastDraw!.libraries.map(outputRows)).toEqual(before);
  });

  it('carries the scenario and step, and replays a scenario part-way', async () => {
    const scenario = unwrap(await loadScenarioNode('race-window'));
    const lab = new Lab(await loadCoreNode('release'));
    const s = session(lab, { guest: scenario.guest });
    for (const step of scenario.steps.slice(0, 2)) unwrap(runScenarioStep(s, step));
    const state = labStateOf(s, { id: scenario.id, step: 1 });
    const decoded = unwrap(await decodeLabState(await encoded(state)));
    expect(decoded.scenario).toEqual({ id: 'race-window', step: 1 });
    const out = unwrap(openLabState(new Lab(await loadCoreNode('release')), catalog, decoded));
    const vdso = out.lastDraw!.libraries.find((l) => l.library === 'vdso')!;
    const was = s.lastDraw!.libraries.find((l) => l.library === 'vdso')!;
    expect([vdso.duplicates, vdso.firstUniqueDraw]).toEqual([was.duplicates, was.firstUniqueDraw]);
    expect(outputRows(vdso)).toEqual(outputRows(was));
    expect(out.settings).toEqual(s.settings);
  });

  it('names a failing action, and an unknown guest', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const settings = resolveSettings(catalog.get('default')!, { memoryMiB: 32 });
    const bad = openLabState(lab, catalog, { v: 2, settings, actions: [{ a: 'boot' }, { a: 'restore' }] });
    expect(bad.ok ? null : bad.error).toMatchObject({
      kind: 'ReplayFailed',
      index: 1,
      message:
        'the link could not be replayed: action 2 of 2, restore: no snapshot to restore from: take one first',
    });
    const unknown = openLabState(lab, catalog, {
      v: 2,
      settings: { ...settings, guest: 'nobody' },
      actions: [],
    });
    expect(unknown.ok ? '' : unknown.error.message).toContain('no guest named "nobody"');
  });

  it('finds the state in an app URL, or takes a bare state string', () => {
    expect(stateFromUrl('http://127.0.0.1:5173/lab/?x=1#s=H4sIabc')).toBe('H4sIabc');
    expect(stateFromUrl('  H4sIabc\n')).toBe('H4sIabc');
    expect(stateFromUrl('http://127.0.0.1:5173/#other')).toBe('');
  });

  it('base64url agrees with the standard', () => {
    const bytes = new TextEncoder().encode('any carnal pleasure.');
    expect(toBase64Url(bytes)).toBe('YW55IGNhcm5hbCBwbGVhc3VyZS4');
    expect(b64('YW55IGNhcm5hbCBwbGVhc3VyZS4')).toEqual(bytes);
    for (let n = 0; n < 7; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 250) & 255);
      const back = fromBase64Url(toBase64Url(b));
      expect(back.ok && Array.from(back.value)).toEqual(Array.from(b));
    }
  });
});

describe('refused links', () => {
  let good: string;
  let settings: LabState['settings'];
  beforeAll(async () => {
    settings = resolveSettings(catalog.get('linux-6.11-vmgenid')!, { seed: 9, clones: 4, notifyDelayUs: 40 });
    good = await encoded({ v: 2, settings, actions: ACTIONS, scenario: { id: 'race-window', step: 2 } });
  });

  it('truncated: cut anywhere, it is refused, saying how', async () => {
    expect(await refused(good.slice(0, 1))).toMatchObject({
      kind: 'BadBase64',
      message: 'the link is cut short: 1 character cannot be whole base64url',
    });
    expect(await refused(good.slice(0, 5))).toMatchObject({
      kind: 'BadBase64',
      message: 'the link is cut short: 5 characters cannot be whole base64url',
    });
    expect(await refused(good.slice(0, 2))).toMatchObject({
      kind: 'CorruptGzip',
      message: 'the link is too short to hold a lab state (1 byte)',
    });
    for (const keep of [32, Math.floor(good.length / 2), good.length - 6, good.length - 2, good.length - 1]) {
      const e = await refused(good.slice(0, keep));
      if (e.kind === 'BadBase64') expect(e.message).toMatch(/^the link is cut short/);
      else {
        expect(e.kind, `kept ${keep}`).toBe('CorruptGzip');
        expect(e.message).toMatch(
          /^the link's compressed data is damaged \(.+\); it was cut short or edited$/,
        );
      }
    }
  });

  it("a flipped bit anywhere is caught (gzip's own CRC-32 and length, or the checks after it)", async () => {
    const bytes = b64(good);
    const original = unwrap(await decodeLabState(good));
    let refusedCount = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const t = bytes.slice();
        t[i]! ^= bit;
        const r = await decodeLabState(toBase64Url(t));
        // a flip in bits that carry no data (the gzip header's time and OS bytes, the deflate
        // stream's padding) decodes to the very same state: gzip's CRC-32 checked the text
        if (r.ok) expect(r.value, `byte ${i}`).toEqual(original);
        else {
          refusedCount++;
          expect(
            ['CorruptGzip', 'BadJson', 'InvalidField', 'TooLarge', 'UnknownVersion'],
            `byte ${i}`,
          ).toContain(r.error.kind);
        }
      }
    }
    // every flip in the data or the trailer (CRC-32, length) is refused; only header bytes may pass
    expect(refusedCount).toBeGreaterThanOrEqual(2 * (bytes.length - 10) - 2);
  });

  it('a character outside base64url names its position', async () => {
    const s = good.slice(0, 10) + '*' + good.slice(11);
    expect(await refused(s)).toMatchObject({
      kind: 'BadBase64',
      at: 10,
      message: 'the link has "*" at position 11, which base64url does not use (A-Z a-z 0-9 - _)',
    });
    expect((await refused(good.slice(0, 10) + 'é' + good.slice(11))).kind).toBe('BadBase64');
    expect((await refused('')).message).toBe('the link holds no state (empty)');
  });

  it('another format version is refused by name, before any field is read', async () => {
    const e = await refused(await pack(JSON.stringify({ v: 1, guest: 'x y', settings: null, actions: 1 })));
    expect(e).toEqual({
      kind: 'UnknownVersion',
      version: 1,
      message:
        'the link is format version 1, but this lab reads version 2; open it with the lab that made it',
    });
  });

  it('huge: an over-long string is refused before decoding, a gzip bomb while inflating', async () => {
    expect(await refused('A'.repeat(MAX_ENCODED + 1))).toMatchObject({
      kind: 'TooLong',
      message: `the link is ${MAX_ENCODED + 1} characters; at most ${MAX_ENCODED} are accepted`,
    });
    const bomb = await pack(`{"v":2,"pad":"${' '.repeat(4 * MAX_DECOMPRESSED)}"}`);
    expect(bomb.length).toBeLessThan(MAX_ENCODED);
    expect(await refused(bomb)).toMatchObject({
      kind: 'TooLarge',
      message: `the link inflates to more than ${MAX_DECOMPRESSED} bytes; it is not a lab state`,
    });
  });

  it('gzip that is not JSON, not UTF-8, or nested too deep is refused as such', async () => {
    const e = await refused(await pack('{"v": 2,'));
    expect(e.kind).toBe('BadJson');
    expect(e.message).toMatch(/^the link does not hold valid JSON \(JSON syntax error at line 1, column 9/);
    expect(await refused(await pack(new Uint8Array([0xff, 0xfe, 0x7b])))).toMatchObject({
      kind: 'BadJson',
      message: 'the link does not hold UTF-8 text',
    });
    const deep = await refused(await pack(`${'['.repeat(5000)}${']'.repeat(5000)}`));
    expect(deep.kind).toBe('BadJson');
    expect(deep.message).toContain('nested deeper than 16 levels');
  });

  it('every field is checked, and the message names it', async () => {
    const base = { v: 2, settings, actions: [{ a: 'boot' }] };
    const cases: [unknown, string, string][] = [
      [[1, 2], 'state', "the link's state must be a JSON object"],
      [{ ...base, v: undefined }, 'v', "the link's v is missing (the format version)"],
      [
        { ...base, extra: 1 },
        'extra',
        `the link's extra: is not a known key (allowed: v, settings, actions, scenario)`,
      ],
      [
        { ...base, settings: { ...settings, guest: '../../etc/passwd' } },
        'settings.guest',
        "the link's settings.guest: must use only letters",
      ],
      [
        { ...base, settings: { ...settings, seed: -1 } },
        'settings.seed',
        "the link's settings.seed: must be a whole number from 0 to 4294967295 (got -1)",
      ],
      [
        { ...base, settings: { ...settings, clones: 1e9 } },
        'settings.clones',
        "the link's settings.clones: must be a whole number from 1 to 10000 (got 1000000000)",
      ],
      [{ ...base, settings: { clones: 2 } }, 'settings.guest', "the link's settings.guest: is required"],
      [
        { ...base, settings: { ...settings, Vmgenid: true } },
        'settings.Vmgenid',
        `the link's settings.Vmgenid: is not a known key (did you mean "vmgenid"?)`,
      ],
      [
        { ...base, actions: [{ a: 'boot' }, { a: 'detonate' }] },
        'actions[1].a',
        "the link's actions[1].a: must be an action: one of set, boot",
      ],
      [{ ...base, actions: ['boot'] }, 'actions[0]', "the link's actions[0]: must be an action"],
      [
        { ...base, actions: [{ a: 'restore', n: 1e9 }] },
        'actions[0].n',
        "the link's actions[0].n: must be a whole number from 1 to 10000 (got 1000000000)",
      ],
      [
        { ...base, actions: Array(4097).fill({ a: 'draw' }) },
        'actions',
        "the link's actions: must hold at most 4096 actions",
      ],
      [
        { ...base, scenario: { id: 'race-window', step: -1 } },
        'scenario.step',
        "the link's scenario.step: must be",
      ],
      [
        { ...base, scenario: { id: 'Race', step: 0 } },
        'scenario.id',
        `the link's scenario.id: must be a scenario id such as "the-problem" (got "Race")`,
      ],
    ];
    for (const [json, field, message] of cases) {
      const e = await refused(await pack(JSON.stringify(json)));
      expect(e.kind, field).toBe('InvalidField');
      if (e.kind === 'InvalidField') expect(e.field.startsWith(field), `${e.field} vs ${field}`).toBe(true);
      expect(e.message.startsWith(message), e.message).toBe(true);
    }
  });

  it('encode refuses what decode would refuse, and logs too long for a link', async () => {
    const bad = await encodeLabState({
      v: 2,
      settings: { ...settings, guest: 'no spaces please' },
      actions: [],
    });
    expect(bad.ok ? null : bad.error).toMatchObject({ kind: 'InvalidField', field: 'settings.guest' });
    // 1500 'set' actions of random delays: JSON that gzip cannot shrink below 8 KiB of base64url
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 1e8;
    const actions: Action[] = Array.from({ length: 1500 }, () => ({
      a: 'set',
      s: { notifyDelayUs: rnd(), agentDelayUs: rnd(), drawIntervalUs: rnd() },
    }));
    const long = await encodeLabState({ v: 2, settings, actions });
    expect(long.ok ? null : long.error.kind).toMatch(/TooLong|TooLarge/);
    expect(long.ok ? '' : long.error.message).toMatch(
      /^the (link would be \d+ characters|lab state is \d+ bytes of JSON)/,
    );
  });
});
