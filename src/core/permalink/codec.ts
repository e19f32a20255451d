// Permalinks: a LabState as a short URL-safe string, and back, refusing anything else with one
// clear, typed reason.
//
// Format (version 1):
//   string  = base64url(payload), no padding, at most MAX_ENCODED characters
//   payload = deflate-raw(JSON text of the LabState, UTF-8) || CRC-32 (IEEE) of that text, 4 bytes big-endian
// The CRC sits outside the deflate stream, so a browser's DecompressionStream never sees trailing
// bytes, and a flipped bit is caught even where raw deflate would inflate to other valid text.
//
// Invariants:
// - Uses only CompressionStream / DecompressionStream ('deflate-raw'), TextEncoder/TextDecoder and
//   plain arrays: the same code runs in Node >= 20 and in the browser (main thread or worker).
// - Checks run cheapest first: length, alphabet, then inflation in chunks that stops as soon as
//   the output passes MAX_DECOMPRESSED (a deflate bomb costs at most one chunk beyond the limit),
//   then the CRC, UTF-8, strict JSON, the version, and every field (scenario/parse.ts checkers).
// - encodeLabState checks the state with the same validator, so it never writes a link that
//   decodeLabState would refuse.

import { parseJsonText, NAME_PATTERN } from '../manifest/validate';
import { parseActions, parseSettings, SCENARIO_ID_PATTERN, SCENARIO_LIMITS } from '../scenario/parse';
import { err, ok, type Result } from '../types';
import { LAB_STATE_VERSION, type LabState, type PermalinkError } from './types';

/** Longest accepted permalink string (8 KiB of base64url). */
export const MAX_ENCODED = 8 * 1024;
/** Largest accepted JSON text after inflation (64 KiB). */
export const MAX_DECOMPRESSED = 64 * 1024;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += B64[(n >> 6) & 63]!;
    if (i + 2 < bytes.length) out += B64[n & 63]!;
  }
  return out;
}

/** Decodes base64url (no padding); the index of the first bad character, or -1 for a bad length. */
export function fromBase64Url(s: string): Result<Uint8Array<ArrayBuffer>, number> {
  if (s.length % 4 === 1) return err(-1);
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    const chunk = Math.min(4, s.length - i);
    for (let k = 0; k < 4; k++) {
      const c = k < chunk ? s.charCodeAt(i + k) : 65; // 'A' pads a short last group
      const v = c < 128 ? B64_INDEX[c]! : -1;
      if (v < 0) return err(i + k);
      n = (n << 6) | v;
    }
    out[o++] = (n >> 16) & 255;
    if (chunk > 2) out[o++] = (n >> 8) & 255;
    if (chunk > 3) out[o++] = n & 255;
  }
  return ok(out);
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, the zip/PNG one) of bytes. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function streamOf(bytes: Uint8Array<ArrayBuffer>): ReadableStream<BufferSource> {
  return new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function deflateRaw(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = streamOf(bytes).pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates raw deflate, stopping once the output exceeds `limit` bytes. */
async function inflateRaw(
  bytes: Uint8Array<ArrayBuffer>,
  limit: number,
): Promise<Result<Uint8Array, 'too-large' | { corrupt: string }>> {
  const reader = streamOf(bytes).pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return err('too-large');
      }
      chunks.push(value);
    }
  } catch (e) {
    return err({ corrupt: e instanceof Error ? e.message : String(e) });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return ok(out);
}

function invalidField(field: string, problem: string): { ok: false; error: PermalinkError } {
  return err({ kind: 'InvalidField', field, message: `the link's ${field} ${problem}` });
}

const STATE_KEYS = ['v', 'guest', 'settings', 'actions', 'scenario', 'origin'];

/** Checks parsed JSON as a LabState (version first, then each field in order). */
export function checkLabState(json: unknown): Result<LabState, PermalinkError> {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return invalidField('state', 'must be a JSON object');
  const o = json as Record<string, unknown>;
  if (!Object.hasOwn(o, 'v')) return invalidField('v', 'is missing (the format version)');
  if (o.v !== LAB_STATE_VERSION) {
    return err({
      kind: 'UnknownVersion',
      version: o.v,
      message: `the link is format version ${JSON.stringify(o.v)}, but this lab reads version ${LAB_STATE_VERSION}; open it with the lab that made it`,
    });
  }
  for (const k of Object.keys(o))
    if (!STATE_KEYS.includes(k))
      return invalidField(k, `is not a known field (known: ${STATE_KEYS.join(', ')})`);
  const guest = o.guest;
  if (typeof guest !== 'string' || guest.length === 0 || guest.length > 64 || !NAME_PATTERN.test(guest))
    return invalidField(
      'guest',
      `must be a guest name such as "default" (got ${JSON.stringify(guest) ?? 'nothing'})`,
    );
  if (!Object.hasOwn(o, 'settings')) return invalidField('settings', 'is missing');
  const settings = parseSettings(o.settings, 'settings');
  if (!settings.ok)
    return err({
      kind: 'InvalidField',
      field: settings.error.field,
      message: `the link's ${settings.error.field} ${settings.error.problem}`,
    });
  if (settings.value.seed === undefined)
    return invalidField('settings.seed', 'is missing (every link names its seed)');
  if (!Object.hasOwn(o, 'actions')) return invalidField('actions', 'is missing');
  const actions = parseActions(o.actions, 'actions', { max: SCENARIO_LIMITS.maxLogActions });
  if (!actions.ok)
    return err({
      kind: 'InvalidField',
      field: actions.error.field,
      message: `the link's ${actions.error.field} ${actions.error.problem}`,
    });
  const state: LabState = {
    v: LAB_STATE_VERSION,
    guest,
    settings: { ...settings.value, seed: settings.value.seed },
    actions: actions.value,
  };
  if (Object.hasOwn(o, 'scenario')) {
    const s = o.scenario as Record<string, unknown> | null;
    if (s === null || typeof s !== 'object' || Array.isArray(s))
      return invalidField('scenario', 'must be { id, step }');
    for (const k of Object.keys(s))
      if (k !== 'id' && k !== 'step')
        return invalidField(`scenario.${k}`, 'is not a known field (known: id, step)');
    if (
      typeof s.id !== 'string' ||
      s.id.length > SCENARIO_LIMITS.idMaxLength ||
      !SCENARIO_ID_PATTERN.test(s.id)
    )
      return invalidField(
        'scenario.id',
        `must be a scenario id such as "the-problem" (got ${JSON.stringify(s.id) ?? 'nothing'})`,
      );
    if (
      typeof s.step !== 'number' ||
      !Number.isInteger(s.step) ||
      s.step < 0 ||
      s.step >= SCENARIO_LIMITS.maxSteps
    )
      return invalidField(
        'scenario.step',
        `must be a whole number from 0 to ${SCENARIO_LIMITS.maxSteps - 1} (got ${JSON.stringify(s.step) ?? 'nothing'})`,
      );
    state.scenario = { id: s.id, step: s.step };
  }
  if (Object.hasOwn(o, 'origin')) {
    const g = o.origin as Record<string, unknown> | null;
    const id = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
    if (
      g === null ||
      typeof g !== 'object' ||
      Array.isArray(g) ||
      Object.keys(g).some((k) => k !== 'vm' && k !== 'snapshot') ||
      !id(g.vm) ||
      !id(g.snapshot)
    )
      return invalidField('origin', 'must be { vm, snapshot } with whole numbers from 0 to 4294967295');
    state.origin = { vm: g.vm as number, snapshot: g.snapshot as number };
  }
  return ok(state);
}

/** Encodes a lab state as a permalink string (refused if invalid or longer than MAX_ENCODED). */
export async function encodeLabState(state: LabState): Promise<Result<string, PermalinkError>> {
  const checked = checkLabState(JSON.parse(JSON.stringify(state)) as unknown);
  if (!checked.ok) return checked;
  const text = new TextEncoder().encode(JSON.stringify(checked.value));
  if (text.length > MAX_DECOMPRESSED)
    return err({
      kind: 'TooLarge',
      bytes: text.length,
      message: `the lab state is ${text.length} bytes of JSON; a link holds at most ${MAX_DECOMPRESSED}`,
    });
  const packed = await deflateRaw(text);
  const payload = new Uint8Array(packed.length + 4);
  payload.set(packed);
  new DataView(payload.buffer).setUint32(packed.length, crc32(text));
  const s = toBase64Url(payload);
  if (s.length > MAX_ENCODED)
    return err({
      kind: 'TooLong',
      length: s.length,
      message: `the link would be ${s.length} characters; at most ${MAX_ENCODED} are allowed (the action log is too long: reset and start again)`,
    });
  return ok(s);
}

/** Decodes and checks a permalink string. */
export async function decodeLabState(s: string): Promise<Result<LabState, PermalinkError>> {
  if (typeof s !== 'string' || s.length === 0)
    return err({ kind: 'BadBase64', at: 0, message: 'the link holds no state (empty)' });
  if (s.length > MAX_ENCODED)
    return err({
      kind: 'TooLong',
      length: s.length,
      message: `the link is ${s.length} characters; at most ${MAX_ENCODED} are accepted`,
    });
  const bytes = fromBase64Url(s);
  if (!bytes.ok) {
    const at = bytes.error;
    return err({
      kind: 'BadBase64',
      at: Math.max(0, at),
      message:
        at < 0
          ? `the link is cut short: ${s.length} character${s.length === 1 ? '' : 's'} cannot be whole base64url`
          : `the link has ${JSON.stringify(s[at])} at position ${at + 1}, which base64url does not use (A-Z a-z 0-9 - _)`,
    });
  }
  const payload = bytes.value;
  if (payload.length < 5)
    return err({
      kind: 'CorruptDeflate',
      message: `the link is too short to hold a lab state (${payload.length} byte${payload.length === 1 ? '' : 's'})`,
    });
  const packed = payload.subarray(0, payload.length - 4);
  const want = new DataView(payload.buffer, payload.byteOffset).getUint32(payload.length - 4);
  const inflated = await inflateRaw(packed, MAX_DECOMPRESSED);
  if (!inflated.ok) {
    return inflated.error === 'too-large'
      ? err({
          kind: 'TooLarge',
          bytes: MAX_DECOMPRESSED,
          message: `the link inflates to more than ${MAX_DECOMPRESSED} bytes; it is not a lab state`,
        })
      : err({
          kind: 'CorruptDeflate',
          message: `the link's compressed data is damaged (${inflated.error.corrupt}); it was probably cut short or edited`,
        });
  }
  if (crc32(inflated.value) !== want)
    return err({
      kind: 'BadChecksum',
      message: "the link's checksum does not match its contents; it was edited or damaged in transit",
    });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.value);
  } catch {
    return err({ kind: 'BadJson', message: 'the link does not hold UTF-8 text' });
  }
  const json = parseJsonText(text, 'link');
  if (!json.ok)
    return err({
      kind: 'BadJson',
      message: `the link does not hold valid JSON (${json.error.message.replace(/^link: /, '')})`,
    });
  return checkLabState(json.value);
}
