// Permalinks: a LabState as a short URL-safe string, and back, refusing anything else with one
// clear, typed reason.
//
// Format (version 2):
//   string  = base64url(gzip(JSON text of the LabState, UTF-8)), no padding, at most MAX_ENCODED characters
// gzip carries its own CRC-32 and length, which CompressionStream/DecompressionStream write and
// check: a flipped bit or a cut link is refused by the decompressor itself.
//
// Invariants:
// - Uses only CompressionStream / DecompressionStream ('gzip'), TextEncoder/TextDecoder and plain
//   arrays: the same code runs in Node >= 20 and in the browser (main thread or worker).
// - Checks run cheapest first: length, alphabet, then inflation in chunks that stops as soon as
//   the output passes MAX_DECOMPRESSED (a gzip bomb costs at most one chunk beyond the limit),
//   then UTF-8, strict JSON (bounded depth), the version, and every field (the settings and action
//   schemas sessions use).
// - encodeLabState checks the state with the same validator, so it never writes a link that
//   decodeLabState would refuse.

import { check, z } from '../check/check';
import { parseJson } from '../check/json';
import { actionListSchema, MAX_LOG_ACTIONS } from '../session/actions';
import { settingsSchema } from '../settings/schema';
import { err, ok, type Result } from '../types';
import { LAB_STATE_VERSION, type LabState, type PermalinkError } from './types';

/** Longest accepted permalink string (8 KiB of base64url). */
export const MAX_ENCODED = 8 * 1024;
/** Largest accepted JSON text after inflation (256 KiB). */
export const MAX_DECOMPRESSED = 256 * 1024;
/** Scenario ids in links (the scenario files' own pattern). */
const SCENARIO_ID = /^[a-z0-9][a-z0-9-]*$/;

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

function streamOf(bytes: Uint8Array<ArrayBuffer>): ReadableStream<BufferSource> {
  return new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = streamOf(bytes).pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates gzip (checking its CRC-32 and length), stopping once the output exceeds `limit` bytes. */
async function gunzip(
  bytes: Uint8Array<ArrayBuffer>,
  limit: number,
): Promise<Result<Uint8Array, 'too-large' | { corrupt: string }>> {
  const reader = streamOf(bytes).pipeThrough(new DecompressionStream('gzip')).getReader();
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

const stateSchema = z.strictObject({
  v: z.literal(LAB_STATE_VERSION),
  settings: settingsSchema,
  actions: actionListSchema(MAX_LOG_ACTIONS),
  scenario: z
    .strictObject({
      id: z.string().max(64).regex(SCENARIO_ID, { error: 'must be a scenario id such as "the-problem"' }),
      step: z.int({ error: 'must be a whole number from 0 to 49' }).min(0).max(49),
    })
    .optional(),
});

/** Checks parsed JSON as a LabState (version first, then each field in order). */
export function checkLabState(json: unknown): Result<LabState, PermalinkError> {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return err({ kind: 'InvalidField', field: 'state', message: "the link's state must be a JSON object" });
  const o = json as Record<string, unknown>;
  if (!Object.hasOwn(o, 'v'))
    return err({ kind: 'InvalidField', field: 'v', message: "the link's v is missing (the format version)" });
  if (o.v !== LAB_STATE_VERSION)
    return err({
      kind: 'UnknownVersion',
      version: o.v,
      message: `the link is format version ${JSON.stringify(o.v)}, but this lab reads version ${LAB_STATE_VERSION}; open it with the lab that made it`,
    });
  const r = check(stateSchema, json);
  if (!r.ok)
    return err({
      kind: 'InvalidField',
      field: r.error.field,
      message: `the link's ${r.error.field}: ${r.error.problem}`,
    });
  return ok(r.value as LabState);
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
  const s = toBase64Url(await gzip(text));
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
  if (bytes.value.length < 18)
    return err({
      kind: 'CorruptGzip',
      message: `the link is too short to hold a lab state (${bytes.value.length} byte${bytes.value.length === 1 ? '' : 's'})`,
    });
  const inflated = await gunzip(bytes.value, MAX_DECOMPRESSED);
  if (!inflated.ok) {
    return inflated.error === 'too-large'
      ? err({
          kind: 'TooLarge',
          bytes: MAX_DECOMPRESSED,
          message: `the link inflates to more than ${MAX_DECOMPRESSED} bytes; it is not a lab state`,
        })
      : err({
          kind: 'CorruptGzip',
          message: `the link's compressed data is damaged (${inflated.error.corrupt}); it was cut short or edited`,
        });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.value);
  } catch {
    return err({ kind: 'BadJson', message: 'the link does not hold UTF-8 text' });
  }
  const json = parseJson(text, { maxBytes: MAX_DECOMPRESSED, maxDepth: 16 });
  if (!json.ok)
    return err({ kind: 'BadJson', message: `the link does not hold valid JSON (${json.error.problem})` });
  return checkLabState(json.value);
}

/** The key of the lab state in a URL's hash: `#s=<state>`. */
export const HASH_KEY = 's=';

/** The encoded state in a location hash ('#s=...'), or null if the hash holds none. */
export function stateInHash(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  return h.startsWith(HASH_KEY) ? h.slice(HASH_KEY.length) : null;
}

/** The state in an app URL (its '#s=' hash), or the text itself when it is a bare state string. */
export function stateFromUrl(url: string): string {
  const t = url.trim();
  const at = t.indexOf('#');
  return at >= 0 ? (stateInHash(t.slice(at)) ?? '') : t;
}
