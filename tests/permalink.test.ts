// Permalinks: a lab state round-trips through a short URL-safe string and replays to the same
// outputs; truncated, edited, foreign-version and oversized strings are refused with a typed
// error that says what is wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import {
  crc32,
  decodeLabState,
  encodeLabState,
  fromBase64Url,
  labStateOf,
  MAX_DECOMPRESSED,
  MAX_ENCODED,
  replay,
  toBase64Url,
  type LabState,
  type PermalinkError,
} from '../src/core/permalink';
import { createScenarioState, runAction, runScenarioStep, type Action } from '../src/core/scenario';
import { loadScenarioNode } from '../src/core/scenario/load-node';
import { unwrap } from '../src/core/types';

let guest: GuestManifest;
beforeAll(async () => {
  guest = unwrap(await loadGuestNode('linux-6.11-vmgenid'));
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

/** Packs arbitrary text the way the codec does (deflate-raw + CRC-32), to build foreign links. */
async function pack(text: string, crc?: number): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const packed = new Uint8Array(await new Response(stream).arrayBuffer());
  const out = new Uint8Array(packed.length + 4);
  out.set(packed);
  new DataView(out.buffer).setUint32(packed.length, crc ?? crc32(bytes));
  return toBase64Url(out);
}

describe('round trip', () => {
  it('encode -> decode -> replay rebuilds the same lab: same duplicates, same outputs', async () => {
    const original = new Lab(await loadCoreNode('release'));
    const session = createScenarioState(guest, { clones: 4, draws: 8, seed: 77, memoryMiB: 32 });
    for (const a of ACTIONS) unwrap(runAction(original, session, a));
    const state = labStateOf(session);
    expect(state.origin).toEqual({ vm: 0, snapshot: 0 });

    const link = await encoded(state);
    expect(link).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(link.length).toBeLessThan(400);
    const decoded = unwrap(await decodeLabState(link));
    expect(decoded).toEqual(state);

    const reopened = new Lab(await loadCoreNode('release'));
    const out = unwrap(replay(reopened, decoded, guest));
    expect(out.exact).toBe(true);
    const a = session.lastDraw!;
    const b = out.session.lastDraw!;
    expect(b.libraries.map((l) => [l.library, l.duplicates, l.firstUniqueDraw])).toEqual(
      a.libraries.map((l) => [l.library, l.duplicates, l.firstUniqueDraw]),
    );
    expect(b.libraries.map((l) => l.outputs.map((row) => row.slice(0, 3)))).toEqual(
      a.libraries.map((l) => l.outputs.map((row) => row.slice(0, 3))),
    );
    expect(b.libraries.map((l) => l.outputs)).toEqual(a.libraries.map((l) => l.outputs));
    // the same lineage: one full + one diff snapshot, three clones from the diff
    expect(reopened.snapshots().map((s) => s.type)).toEqual(original.snapshots().map((s) => s.type));
    expect(out.session.clones).toHaveLength(3);
    expect(out.session.actions).toEqual(session.actions);
    // the same devices, byte for byte
    expect(out.session.clones.map((vm) => unwrap(reopened.devices(vm)).vmgenid)).toEqual(
      session.clones.map((vm) => unwrap(original.devices(vm)).vmgenid),
    );
  });

  it('on a core that has been used, the replay repeats the counts but says the bytes differ', async () => {
    const core = await loadCoreNode('release');
    const lab = new Lab(core);
    const session = createScenarioState(guest, { clones: 3, draws: 6, seed: 5, memoryMiB: 32 });
    for (const a of ACTIONS.slice(0, 4)) unwrap(runAction(lab, session, a));
    const state = unwrap(await decodeLabState(await encoded(labStateOf(session))));
    const out = unwrap(replay(lab, state, guest)); // the same core: its ids have moved on
    expect(out.exact).toBe(false);
    const a = session.lastDraw!.libraries;
    const b = out.session.lastDraw!.libraries;
    expect(b.map((l) => l.duplicates)).toEqual(a.map((l) => l.duplicates));
    expect(b[1]!.outputs).not.toEqual(a[1]!.outputs); // other VM ids, other host entropy
  });

  it('carries the scenario and step, and replays a scenario part-way', async () => {
    const scenario = unwrap(await loadScenarioNode('race-window'));
    const lab = new Lab(await loadCoreNode('release'));
    const session = createScenarioState(guest);
    for (const step of scenario.steps.slice(0, 2)) unwrap(runScenarioStep(lab, session, step));
    const state = labStateOf(session, { id: scenario.id, step: 1 });
    const decoded = unwrap(await decodeLabState(await encoded(state)));
    expect(decoded.scenario).toEqual({ id: 'race-window', step: 1 });
    const out = unwrap(replay(new Lab(await loadCoreNode('release')), decoded, guest));
    const vdso = out.session.lastDraw!.libraries.find((l) => l.library === 'vdso')!;
    const was = session.lastDraw!.libraries.find((l) => l.library === 'vdso')!;
    expect([vdso.duplicates, vdso.firstUniqueDraw]).toEqual([was.duplicates, was.firstUniqueDraw]);
    expect(vdso.outputs[0]![0]).toBe(was.outputs[0]![0]);
    expect(out.session.settings).toEqual(session.settings);
  });

  it('refuses to replay on another guest, and names a failing action', async () => {
    const other = unwrap(await loadGuestNode('default'));
    const state: LabState = { v: 1, guest: guest.name, settings: { seed: 1 }, actions: [{ a: 'boot' }] };
    const lab = new Lab(await loadCoreNode('release'));
    const wrong = replay(lab, state, other);
    expect(wrong.ok ? null : wrong.error).toMatchObject({
      kind: 'GuestMismatch',
      message: 'the link is for guest "linux-6.11-vmgenid" but guest "default" was given',
    });
    const bad = replay(
      lab,
      { ...state, settings: { seed: 1, memoryMiB: 32 }, actions: [{ a: 'boot' }, { a: 'restore' }] },
      guest,
    );
    expect(bad.ok ? null : bad.error).toMatchObject({
      kind: 'ReplayFailed',
      index: 1,
      message: 'action 2 of 2 of the link failed: restore: no snapshot to restore from: take one first',
    });
    lab.reset();
  });

  it('base64url and CRC-32 helpers agree with the standards', () => {
    const bytes = new TextEncoder().encode('any carnal pleasure.');
    expect(toBase64Url(bytes)).toBe('YW55IGNhcm5hbCBwbGVhc3VyZS4');
    expect(b64('YW55IGNhcm5hbCBwbGVhc3VyZS4')).toEqual(bytes);
    for (let n = 0; n < 7; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 250) & 255);
      const back = fromBase64Url(toBase64Url(b));
      expect(back.ok && Array.from(back.value)).toEqual(Array.from(b));
    }
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
  });
});

describe('refused links', () => {
  let good: string;
  beforeAll(async () => {
    good = await encoded({
      v: 1,
      guest: 'linux-6.11-vmgenid',
      settings: { seed: 9, clones: 4, notifyDelayUs: 40 },
      actions: ACTIONS,
      scenario: { id: 'race-window', step: 2 },
    });
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
      kind: 'CorruptDeflate',
      message: 'the link is too short to hold a lab state (1 byte)',
    });
    for (const keep of [10, Math.floor(good.length / 2), good.length - 6, good.length - 2, good.length - 1]) {
      const e = await refused(good.slice(0, keep));
      expect(e.kind, `kept ${keep}`).toBe('CorruptDeflate');
      expect(e.message).toMatch(
        /^the link's compressed data is damaged \(.+\); it was probably cut short or edited$/,
      );
    }
  });

  it('a flipped byte anywhere in the payload is caught (deflate error or checksum)', async () => {
    const bytes = b64(good);
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const t = bytes.slice();
        t[i]! ^= bit;
        const e = await refused(toBase64Url(t));
        expect(
          ['CorruptDeflate', 'BadChecksum', 'BadJson', 'InvalidField', 'TooLarge'],
          `byte ${i}`,
        ).toContain(e.kind);
      }
    }
    const t = bytes.slice();
    t[t.length - 1]! ^= 1; // the CRC itself
    expect(await refused(toBase64Url(t))).toMatchObject({
      kind: 'BadChecksum',
      message: "the link's checksum does not match its contents; it was edited or damaged in transit",
    });
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
    const e = await refused(await pack(JSON.stringify({ v: 2, guest: 'x y', settings: null, actions: 1 })));
    expect(e).toEqual({
      kind: 'UnknownVersion',
      version: 2,
      message:
        'the link is format version 2, but this lab reads version 1; open it with the lab that made it',
    });
  });

  it('huge: an over-long string is refused before decoding, a deflate bomb while inflating', async () => {
    expect(await refused('A'.repeat(MAX_ENCODED + 1))).toMatchObject({
      kind: 'TooLong',
      message: `the link is ${MAX_ENCODED + 1} characters; at most ${MAX_ENCODED} are accepted`,
    });
    const bomb = await pack(`{"v":1,"pad":"${' '.repeat(4 * MAX_DECOMPRESSED)}"}`);
    expect(bomb.length).toBeLessThan(MAX_ENCODED);
    expect(await refused(bomb)).toMatchObject({
      kind: 'TooLarge',
      message: `the link inflates to more than ${MAX_DECOMPRESSED} bytes; it is not a lab state`,
    });
  });

  it('valid deflate that is not JSON, or not UTF-8, is refused as such', async () => {
    const e = await refused(await pack('{"v": 1,'));
    expect(e.kind).toBe('BadJson');
    expect(e.message).toMatch(/^the link does not hold valid JSON \(JSON syntax error at line 1, column 9/);
    const bytes = new Uint8Array([0xff, 0xfe, 0x7b]);
    const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const packed = new Uint8Array(await new Response(stream).arrayBuffer());
    const withCrc = new Uint8Array(packed.length + 4);
    withCrc.set(packed);
    new DataView(withCrc.buffer).setUint32(packed.length, crc32(bytes));
    expect(await refused(toBase64Url(withCrc))).toMatchObject({
      kind: 'BadJson',
      message: 'the link does not hold UTF-8 text',
    });
  });

  it('every field is checked, and the message names it', async () => {
    const base = { v: 1, guest: 'default', settings: { seed: 1 }, actions: [{ a: 'boot' }] };
    const cases: [unknown, string, string][] = [
      [[1, 2], 'state', "the link's state must be a JSON object"],
      [{ ...base, v: undefined }, 'v', "the link's v is missing (the format version)"],
      [
        { ...base, extra: 1 },
        'extra',
        "the link's extra is not a known field (known: v, guest, settings, actions, scenario, origin)",
      ],
      [
        { ...base, guest: '../../etc/passwd' },
        'guest',
        `the link's guest must be a guest name such as "default" (got "../../etc/passwd")`,
      ],
      [
        { ...base, settings: { seed: -1 } },
        'settings.seed',
        "the link's settings.seed must be a whole number from 0 to 4294967295 (got -1)",
      ],
      [
        { ...base, settings: { clones: 2 } },
        'settings.seed',
        "the link's settings.seed is missing (every link names its seed)",
      ],
      [
        { ...base, settings: { seed: 1, Vmgenid: true } },
        'settings.Vmgenid',
        `the link's settings.Vmgenid unknown key (did you mean "vmgenid"?)`,
      ],
      [
        { ...base, actions: [{ a: 'boot' }, { a: 'detonate' }] },
        'actions[1].a',
        "the link's actions[1].a must be one of",
      ],
      [
        { ...base, actions: ['boot'] },
        'actions[0]',
        `the link's actions[0] must be an object { "a": NAME, ... } (got "boot")`,
      ],
      [
        { ...base, actions: [{ a: 'restore', n: 1e9 }] },
        'actions[0].n',
        "the link's actions[0].n must be a whole number from 1 to 10000 (got 1000000000)",
      ],
      [
        { ...base, actions: Array(513).fill({ a: 'draw' }) },
        'actions',
        "the link's actions must hold at most 512 entries (got 513)",
      ],
      [
        { ...base, scenario: { id: 'race-window', step: -1 } },
        'scenario.step',
        "the link's scenario.step must be a whole number from 0 to 49 (got -1)",
      ],
      [
        { ...base, scenario: { id: 'Race', step: 0 } },
        'scenario.id',
        `the link's scenario.id must be a scenario id such as "the-problem" (got "Race")`,
      ],
      [
        { ...base, origin: { vm: 'x', snapshot: 0 } },
        'origin',
        "the link's origin must be { vm, snapshot } with whole numbers from 0 to 4294967295",
      ],
    ];
    for (const [json, field, message] of cases) {
      const e = await refused(await pack(JSON.stringify(json)));
      expect(e.kind, field).toBe('InvalidField');
      if (e.kind === 'InvalidField') expect(e.field).toBe(field);
      expect(e.message.startsWith(message), e.message).toBe(true);
    }
  });

  it('encode refuses what decode would refuse, and logs too long for a link', async () => {
    const bad = await encodeLabState({ v: 1, guest: 'no spaces please', settings: { seed: 1 }, actions: [] });
    expect(bad.ok ? null : bad.error).toMatchObject({ kind: 'InvalidField', field: 'guest' });
    // 512 'set' actions of random delays: ~50 KB of JSON that deflate cannot shrink below 8 KiB
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 1e8;
    const actions: Action[] = Array.from({ length: 512 }, () => ({
      a: 'set',
      s: { notifyDelayUs: rnd(), agentDelayUs: rnd(), drawIntervalUs: rnd() },
    }));
    const long = await encodeLabState({ v: 1, guest: 'default', settings: { seed: 1 }, actions });
    expect(long.ok ? null : long.error.kind).toBe('TooLong');
    expect(long.ok ? '' : long.error.message).toMatch(
      new RegExp(`^the link would be \\d+ characters; at most ${MAX_ENCODED} are allowed`),
    );
  });
});
