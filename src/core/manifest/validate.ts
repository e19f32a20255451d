// Guest manifests (public/guest/*.json and people's own files): the hand-written checker.
//
// Invariants:
// - No Node or DOM APIs: the CLI (through load-node.ts) and the browser worker (after fetching
//   /guest/NAME.json) call the same functions on the same text.
// - A manifest is either returned whole, as a fresh plain object of exactly the GuestManifest
//   shape (hex secrets lowercased, the editor-only `$schema` key dropped), or rejected with the
//   FIRST problem found (checks run in the format's own order: keys, then each field top to
//   bottom), as one ManifestError whose message names the file and the field: `default.json: kernel.sysgenid: must be one of "off", "vmgenid", "overseer" (got "yes")`.
// - Unknown keys are errors (a misspelt flag must not silently become "off"), and so are duplicate
//   keys in the JSON text, which JSON.parse would otherwise resolve by keeping the last one.
// - The limits live in MANIFEST_LIMITS; public/guest/schema.json documents the same ones.

import {
  CONSUMERS,
  LIBRARY_NAMES,
  libraryId,
  type Consumer,
  type GuestManifest,
  type KernelFeatures,
  type LibraryId,
  type ProcessSpec,
  type SecretSpec,
  type SysGenIdMode,
} from '../lab/types';
import { err, ok, pagesForMiB, type Result } from '../types';
import { guestLayoutProblem, secretBytes } from '../lab/boot';
import { repeatedByteProblem } from '../lab/secrets';
import { join, object, present, quoted, Reject, shown, type Json, type JsonObject } from '../json/check';
import { parseJson } from '../check/json';
import { CPUS, KERNEL_GENERATIONS, settingSpec } from '../settings/settings';

/** A rejected manifest or guest index. `field` is a path such as `secrets[1].hex`; '' means the whole file. */
export interface ManifestError {
  kind: 'InvalidManifest';
  file: string;
  field: string;
  message: string;
}

/** One entry of public/guest/index.json (the app lists presets from it, without directory listing). */
export interface GuestIndexEntry {
  file: string;
  name: string;
  description: string;
}

/** The limits a manifest must respect (public/guest/schema.json says the same). */
export const MANIFEST_LIMITS = {
  memoryMiBMin: 16,
  memoryMiBMax: 1024,
  nameMaxLength: 64,
  descriptionMaxLength: 2000,
  versionMaxLength: 32,
  maxProcesses: 64,
  maxSecrets: 64,
  secretMaxBytes: 4096,
  /** 1,000 s of virtual time: far beyond any race window, small enough for the ns clock. */
  agentDelayUsMax: 1e9,
  /** Largest manifest text accepted (64 secrets of 4 KiB as hex fit with room to spare). */
  textMaxBytes: 2 * 1024 * 1024,
  /** Deepest JSON nesting accepted (a manifest needs 4). */
  maxDepth: 32,
} as const;

/** The values of kernel.sysgenid (SysGenIdMode), in the order messages list them. */
export const SYSGENID_MODES: readonly SysGenIdMode[] = ['off', 'vmgenid', 'overseer'];

/** Names of guests, processes and secrets: safe in file names, tables and URLs. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Builds the error for a field; the message is `file: field: problem` (`file: problem` for the whole file). */
export function manifestError(file: string, field: string, problem: string): ManifestError {
  const message = field === '' ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`;
  return { kind: 'InvalidManifest', file, field, message };
}

// ---------------------------------------------------------------------------------------------
// Checking parsed JSON. A failed check throws Reject, which parseManifest turns into the result:
// the first problem ends the walk, and the checks read top to bottom like the format itself.

function string(o: JsonObject, key: string, path: string, maxLength: number, minLength = 0): string {
  const v = present(o, key, path);
  const field = join(path, key);
  if (typeof v !== 'string') throw new Reject(field, `must be a string (got ${shown(v)})`);
  if (v.length < minLength) throw new Reject(field, 'must not be empty');
  if (v.length > maxLength)
    throw new Reject(field, `must be at most ${maxLength} characters (got ${v.length})`);
  return v;
}

function name(o: JsonObject, key: string, path: string): string {
  const v = string(o, key, path, MANIFEST_LIMITS.nameMaxLength, 1);
  if (!NAME_PATTERN.test(v)) {
    throw new Reject(
      join(path, key),
      `must use only letters, digits, ".", "_" and "-", starting with a letter or digit (got ${shown(v)})`,
    );
  }
  return v;
}

function boolean(o: JsonObject, key: string, path: string): boolean {
  const v = present(o, key, path);
  if (typeof v !== 'boolean') throw new Reject(join(path, key), `must be true or false (got ${shown(v)})`);
  return v;
}

function wholeNumber(v: Json, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Reject(field, `must be a whole number from ${min} to ${max} (got ${shown(v)})`);
  }
  return v;
}

function oneOf<T extends string>(o: JsonObject, key: string, path: string, options: readonly T[]): T {
  const v = present(o, key, path);
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new Reject(join(path, key), `must be one of ${quoted(options)} (got ${shown(v)})`);
  }
  return v as T;
}

/** A library id or one of the first model's aliases (as its id). */
function library(o: JsonObject, path: string): LibraryId {
  const v = present(o, 'library', path);
  const id = typeof v === 'string' ? libraryId(v) : undefined;
  if (id === undefined)
    throw new Reject(join(path, 'library'), `must be one of ${quoted(LIBRARY_NAMES)} (got ${shown(v)})`);
  return id;
}

function array(o: JsonObject, key: string, path: string, min: number, max: number): Json[] {
  const v = present(o, key, path);
  const field = join(path, key);
  if (!Array.isArray(v)) throw new Reject(field, `must be an array (got ${shown(v)})`);
  if (v.length < min) throw new Reject(field, `must hold at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  if (v.length > max) throw new Reject(field, `must hold at most ${max} entries (got ${v.length})`);
  return v;
}

/** Rejects the second use of a value within one list (`list` prefixes the first user's index). */
function unique(seen: Map<string, number>, value: string, index: number, field: string, list: string): void {
  const first = seen.get(value);
  if (first !== undefined) {
    throw new Reject(field, `${shown(value)} is already used by ${list}[${first}]; it must be unique`);
  }
  seen.set(value, index);
}

export const KERNEL_KEYS = [
  'version',
  'generation',
  'cpu',
  'vmgenid',
  'vmgenidUevent',
  'sysgenid',
  'wipeOnSuspend',
  'vdsoGetrandom',
  'jitterEntropy',
  'agentReseed',
  'agentDelayUs',
  'vmclock',
  'uptimeS',
  'clockSync',
] as const satisfies readonly (keyof KernelFeatures)[];

function kernel(v: Json, path: string): KernelFeatures {
  const o = object(v, path, KERNEL_KEYS);
  const version = string(o, 'version', path, MANIFEST_LIMITS.versionMaxLength, 1);
  const vmgenid = boolean(o, 'vmgenid', path);
  const sysgenid = oneOf(o, 'sysgenid', path, SYSGENID_MODES);
  const wipeOnSuspend = boolean(o, 'wipeOnSuspend', path);
  const vdsoGetrandom = boolean(o, 'vdsoGetrandom', path);
  const jitterEntropy = boolean(o, 'jitterEntropy', path);
  const agentReseed = boolean(o, 'agentReseed', path);
  const delay = present(o, 'agentDelayUs', path);
  if (
    typeof delay !== 'number' ||
    !Number.isFinite(delay) ||
    delay < 0 ||
    delay > MANIFEST_LIMITS.agentDelayUsMax
  ) {
    throw new Reject(
      join(path, 'agentDelayUs'),
      `must be a number of microseconds from 0 to ${MANIFEST_LIMITS.agentDelayUsMax} (got ${shown(delay)})`,
    );
  }
  const out: KernelFeatures = {
    version,
    vmgenid,
    sysgenid,
    wipeOnSuspend,
    vdsoGetrandom,
    jitterEntropy,
    agentReseed,
    agentDelayUs: delay,
  };
  // the world's axes (optional: a manifest without them gets the settings table's defaults)
  if (Object.hasOwn(o, 'generation')) out.generation = oneOf(o, 'generation', path, KERNEL_GENERATIONS);
  if (Object.hasOwn(o, 'cpu')) out.cpu = oneOf(o, 'cpu', path, CPUS);
  if (Object.hasOwn(o, 'vmgenidUevent')) out.vmgenidUevent = boolean(o, 'vmgenidUevent', path);
  if (Object.hasOwn(o, 'vmclock')) out.vmclock = boolean(o, 'vmclock', path);
  if (Object.hasOwn(o, 'clockSync')) out.clockSync = boolean(o, 'clockSync', path);
  if (Object.hasOwn(o, 'uptimeS')) {
    const u = o.uptimeS;
    const { min, max } = settingSpec('uptimeS') as { min: number; max: number };
    if (typeof u !== 'number' || !Number.isFinite(u) || u < min || u > max)
      throw new Reject(
        join(path, 'uptimeS'),
        `must be a number of seconds from ${min} to ${max} (got ${shown(u)})`,
      );
    out.uptimeS = u;
  }
  return out;
}

function process_(v: Json, path: string): ProcessSpec {
  const o = object(v, path, ['name', 'library', 'consumer']);
  return {
    name: name(o, 'name', path),
    library: library(o, path),
    consumer: oneOf<Consumer>(o, 'consumer', path, CONSUMERS),
  };
}

const HEX = /^[0-9A-Fa-f]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();

function secret(v: Json, path: string): SecretSpec {
  const o = object(v, path, ['name', 'hex', 'text', 'wipeOnSuspend']);
  const secretName = name(o, 'name', path);
  const hasHex = Object.hasOwn(o, 'hex');
  const hasText = Object.hasOwn(o, 'text');
  if (hasHex && hasText)
    throw new Reject(join(path, 'text'), 'give exactly one of "hex" and "text", not both');
  if (!hasHex && !hasText)
    throw new Reject(join(path, 'hex'), 'is required (or "text"): the secret has no bytes');
  const max = MANIFEST_LIMITS.secretMaxBytes;
  const spec: SecretSpec = { name: secretName, wipeOnSuspend: false };
  if (hasHex) {
    const hex = o.hex;
    const field = join(path, 'hex');
    if (typeof hex !== 'string')
      throw new Reject(field, `must be a string of hex digits (got ${shown(hex)})`);
    if (!HEX.test(hex)) {
      const at = [...hex].findIndex((c) => !HEX.test(c));
      throw new Reject(
        field,
        `must hold only hex digits 0-9 and a-f, either case (got ${shown(hex[at])} at character ${at + 1})`,
      );
    }
    if (hex.length % 2 !== 0) {
      throw new Reject(field, `must have an even number of hex digits, two per byte (got ${hex.length})`);
    }
    if (hex.length === 0 || hex.length > 2 * max) {
      throw new Reject(field, `must hold 1 to ${max} bytes (got ${hex.length / 2})`);
    }
    const repeated = repeatedByteProblem(secretBytes({ hex }));
    if (repeated) throw new Reject(field, repeated);
    spec.hex = hex.toLowerCase();
  } else {
    const text = o.text;
    const field = join(path, 'text');
    if (typeof text !== 'string') throw new Reject(field, `must be a string (got ${shown(text)})`);
    if (LONE_SURROGATE.test(text))
      throw new Reject(field, 'must be valid Unicode (it holds a lone surrogate)');
    const encoded = utf8.encode(text);
    const bytes = encoded.length;
    if (bytes === 0 || bytes > max)
      throw new Reject(field, `must be 1 to ${max} bytes as UTF-8 (got ${bytes})`);
    const repeated = repeatedByteProblem(encoded);
    if (repeated) throw new Reject(field, repeated);
    spec.text = text;
  }
  spec.wipeOnSuspend = boolean(o, 'wipeOnSuspend', path);
  return spec;
}

function layout(v: Json, memoryMiB: number): NonNullable<GuestManifest['layout']> {
  const o = object(v, 'layout', ['kernelPages', 'heapPages']);
  const pages = pagesForMiB(memoryMiB);
  const out: NonNullable<GuestManifest['layout']> = {};
  if (Object.hasOwn(o, 'kernelPages'))
    out.kernelPages = wholeNumber(o.kernelPages, 'layout.kernelPages', 1, pages);
  if (Object.hasOwn(o, 'heapPages')) out.heapPages = wholeNumber(o.heapPages, 'layout.heapPages', 0, pages);
  const used = (out.kernelPages ?? 0) + (out.heapPages ?? 0);
  if (used >= pages) {
    throw new Reject(
      'layout',
      `kernelPages + heapPages must leave room in the guest's ${pages} pages (${memoryMiB} MiB) for the RNG, devices and secrets (got ${used})`,
    );
  }
  return out;
}

const TOP_KEYS = [
  '$schema',
  'name',
  'description',
  'memoryMiB',
  'kernel',
  'processes',
  'secrets',
  'layout',
] as const;

function manifest(v: Json): GuestManifest {
  const o = object(v, '', TOP_KEYS, 'a JSON object (a guest manifest)');
  if (Object.hasOwn(o, '$schema') && typeof o.$schema !== 'string') {
    throw new Reject('$schema', `must be a string (got ${shown(o.$schema)})`);
  }
  const guestName = name(o, 'name', '');
  const description = string(o, 'description', '', MANIFEST_LIMITS.descriptionMaxLength);
  const memoryMiB = wholeNumber(
    present(o, 'memoryMiB', ''),
    'memoryMiB',
    MANIFEST_LIMITS.memoryMiBMin,
    MANIFEST_LIMITS.memoryMiBMax,
  );
  const kernelFeatures = kernel(present(o, 'kernel', ''), 'kernel');

  const processNames = new Map<string, number>();
  const processes = array(o, 'processes', '', 1, MANIFEST_LIMITS.maxProcesses).map((p, i) => {
    const spec = process_(p, `processes[${i}]`);
    unique(processNames, spec.name, i, `processes[${i}].name`, 'processes');
    return spec;
  });

  const secretNames = new Map<string, number>();
  const secrets = array(o, 'secrets', '', 0, MANIFEST_LIMITS.maxSecrets).map((s, i) => {
    const spec = secret(s, `secrets[${i}]`);
    unique(secretNames, spec.name, i, `secrets[${i}].name`, 'secrets');
    return spec;
  });

  const out: GuestManifest = {
    name: guestName,
    description,
    memoryMiB,
    kernel: kernelFeatures,
    processes,
    secrets,
  };
  if (Object.hasOwn(o, 'layout')) out.layout = layout(o.layout, memoryMiB);
  // the kernel, its process area and the secrets must fit in the guest as a boot lays them out
  const misfit = guestLayoutProblem(out, memoryMiB);
  if (misfit) throw new Reject(misfit.field, misfit.problem);
  return out;
}

/** Checks parsed JSON against the manifest format; `file` names it in messages. */
export function parseManifest(json: unknown, file: string): Result<GuestManifest, ManifestError> {
  try {
    return ok(manifest(json));
  } catch (e) {
    if (e instanceof Reject) return err(manifestError(file, e.field, e.problem));
    throw e;
  }
}

function indexEntries(v: Json): GuestIndexEntry[] {
  if (!Array.isArray(v)) throw new Reject('', `must be a JSON array of guests (got ${shown(v)})`);
  const names = new Map<string, number>();
  const files = new Map<string, number>();
  return v.map((entry, i) => {
    const path = `[${i}]`;
    const o = object(entry, path, ['file', 'name', 'description']);
    const file = string(o, 'file', path, 200, 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/.test(file)) {
      throw new Reject(
        `${path}.file`,
        `must be a file name ending in .json, without folders (got ${shown(file)})`,
      );
    }
    const guestName = name(o, 'name', path);
    const description = string(o, 'description', path, MANIFEST_LIMITS.descriptionMaxLength);
    unique(names, guestName, i, `${path}.name`, 'entry ');
    unique(files, file, i, `${path}.file`, 'entry ');
    return { file, name: guestName, description };
  });
}

/** Checks parsed JSON against the guest index format (public/guest/index.json). */
export function parseGuestIndex(json: unknown, file: string): Result<GuestIndexEntry[], ManifestError> {
  try {
    return ok(indexEntries(json));
  } catch (e) {
    if (e instanceof Reject) return err(manifestError(file, e.field, e.problem));
    throw e;
  }
}

/** Parses JSON text strictly (syntax errors with line and column, duplicate keys rejected). */
export function parseJsonText(text: string, file: string): Result<unknown, ManifestError> {
  const r = parseJson(text, { maxBytes: MANIFEST_LIMITS.textMaxBytes, maxDepth: MANIFEST_LIMITS.maxDepth });
  return r.ok ? r : err(manifestError(file, r.error.field, r.error.problem));
}

/** Parses and checks a manifest's JSON text (what the browser fetched or the CLI read). */
export function parseManifestText(text: string, file: string): Result<GuestManifest, ManifestError> {
  const json = parseJsonText(text, file);
  return json.ok ? parseManifest(json.value, file) : json;
}

/** Parses and checks the guest index's JSON text (public/guest/index.json). */
export function parseGuestIndexText(text: string, file: string): Result<GuestIndexEntry[], ManifestError> {
  const json = parseJsonText(text, file);
  return json.ok ? parseGuestIndex(json.value, file) : json;
}
