// Guest manifests (public/guest/*.json and people's own files) and the guest index: their zod
// schemas, on the lab's one schema helper (check/check.ts), and the parsers the CLI and the app
// call. public/guest/schema.json, the JSON Schema editors use, is generated from manifestSchema
// (json-schema.ts, `npm run guest:schema`), so the format is written down once, here.
//
// Invariants:
// - No Node or DOM APIs: the CLI (through load-node.ts) and the browser worker (after fetching
//   /guest/NAME.json) call the same functions on the same text.
// - A manifest is either returned whole, as a fresh plain object of exactly the GuestManifest
//   shape (library aliases as their ids, hex secrets lowercased, the editor-only `$schema` key
//   dropped), or rejected with ONE problem, as one ManifestError whose message names the file and
//   the field: `default.json: kernel.sysgenid: must be one of "off", "vmgenid", "overseer" (got "yes")`.
//   The problem reported is the first in the format's order: each object's fields top to bottom,
//   then its rules across fields (one of hex and text, unique names, the fit in memory); an
//   unknown key goes before all of them (check/check.ts), as a misspelt key is why the key it
//   meant is missing.
// - Unknown keys are errors (a misspelt flag must not silently become "off"), `__proto__`
//   included, and so are duplicate keys in the JSON text, which JSON.parse would otherwise
//   resolve by keeping the last one; the text's nesting is bounded before anything recurses.
// - What JSON Schema cannot say is checked once the fields it reads are right: unique process
//   and secret names, secrets of at least two different bytes, and a kernel, layout and secrets
//   that fit in the guest's memory (guestLayoutProblem, the check a boot runs).
// - The limits live in MANIFEST_LIMITS.

import { check, bool, oneOf, shown, wholeNumber, z, type CheckError } from '../check/check';
import { parseJson } from '../check/json';
import { guestLayoutProblem, KERNEL_FIXED_PAGES, secretBytes } from '../lab/boot';
import { repeatedByteProblem } from '../lab/secrets';
import {
  CONSUMERS,
  LIBRARY_ALIASES,
  type Consumer,
  type Cpu,
  type GuestManifest,
  type KernelFeatures,
  type KernelGeneration,
  type LibraryId,
  type SecretSpec,
  type SysGenIdMode,
} from '../lab/types';
import { librarySchema, NAME_MAX_LENGTH, nameSchema } from '../settings/schema';
import { CPUS, KERNEL_GENERATIONS, settingSpec } from '../settings/settings';
import { err, ok, pagesForMiB, type Result } from '../types';
import { MAX_PROCS } from '../wasm/layout';

export { NAME_PATTERN } from '../settings/schema';

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

/** The limits a manifest must respect (public/guest/schema.json is generated with the same ones). */
export const MANIFEST_LIMITS = {
  memoryMiBMin: 16,
  memoryMiBMax: 1024,
  nameMaxLength: NAME_MAX_LENGTH,
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
export const SYSGENID_MODES = ['off', 'vmgenid', 'overseer'] as const satisfies readonly SysGenIdMode[];

/** Builds the error for a field; the message is `file: field: problem` (`file: problem` for the whole file). */
export function manifestError(file: string, field: string, problem: string): ManifestError {
  const message = field === '' ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`;
  return { kind: 'InvalidManifest', file, field, message };
}

// ---------------------------------------------------------------------------------------------
// The schemas. Descriptions are what editors show (they end up in public/guest/schema.json).

const L = MANIFEST_LIMITS;
/** Pages of the largest guest: the most any layout count can be. */
const MAX_PAGES = pagesForMiB(L.memoryMiBMax);

/** For refinements that read other checks' results: they run only when those found nothing. */
const whenClean = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** A string of at most `max` characters (and at least `min`). */
const text = (max: number, min = 0) => {
  const s = z.string({ error: 'must be a string' });
  return (min > 0 ? s.min(min, { error: 'must not be empty' }) : s).max(max, {
    error: `must be at most ${max} characters`,
  });
};

/** A finite number in [min, max] of a unit ("microseconds"). */
const amount = (min: number, max: number, unit: string) => {
  const words = `must be a number of ${unit} from ${min} to ${max}`;
  return z.number({ error: words }).min(min, { error: words }).max(max, { error: words });
};

/** Rejects the second use of a name within a list (`list` names the list in the message). */
const uniqueNames =
  (list: string) =>
  (items: readonly { name: string }[], ctx: z.core.$RefinementCtx<readonly { name: string }[]>) => {
    const seen = new Map<string, number>();
    for (const [i, { name }] of items.entries()) {
      const first = seen.get(name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `${shown(name)} is already used by ${list}[${first}]; it must be unique`,
        });
        return;
      }
      seen.set(name, i);
    }
  };

const name = nameSchema.meta({
  id: 'name',
  description: `1 to ${L.nameMaxLength} characters: letters, digits, '.', '_' and '-', starting with a letter or digit.`,
});

const UPTIME = settingSpec('uptimeS') as { min: number; max: number };

/** The kernel's keys, in the order the format lists them (and "allowed: ..." does); the world's axes
 * (generation, cpu, ...) are optional: a manifest without them gets the settings table's defaults. */
const kernelShape = {
  version: text(L.versionMaxLength, 1).describe('The Linux version the model follows, for display ("6.11").'),
  generation: oneOf(KERNEL_GENERATIONS)
    .optional()
    .describe(
      'The random.c generation the model follows (default: from version): 5.10 = pre-5.17, 6.1 = vmgenid driver and scheduled reseeds, 6.11 = + vDSO getrandom.',
    ),
  cpu: oneOf(CPUS)
    .optional()
    .describe(
      "The vCPU's RNG instructions: RDRAND/RDSEED present (intel: fast RDRAND; amd) or absent (none). Default intel.",
    ),
  vmgenid: bool.describe('The vmgenid driver (Linux >= 5.18): reseeds the CRNG on the VMGenID notification.'),
  vmgenidUevent: bool.optional().describe("Linux 6.8's NEW_VMGENID=1 uevent (default false)."),
  sysgenid: oneOf(SYSGENID_MODES).describe(
    "SysGenId: no driver; counter bumped by the VMGenID notification (v1-v7); or only by the overseer's TRIGGER_GEN_UPDATE (v8).",
  ),
  wipeOnSuspend: bool.describe(
    'The kernel zeroes MADV_WIPEONSUSPEND pages at suspend (the 2020 RFC; never merged).',
  ),
  vdsoGetrandom: bool.describe('vDSO getrandom (Linux >= 6.11).'),
  jitterEntropy: bool.describe(
    'Per-clone timing-jitter entropy at each periodic reseed (off keeps outcomes deterministic).',
  ),
  agentReseed: bool.describe('A guest agent reseeds the CRNG after restore (RNDADDENTROPY + RNDRESEEDCRNG).'),
  agentDelayUs: amount(0, L.agentDelayUsMax, 'microseconds').describe(
    "Virtual time after resume when the agent's reseed lands, in microseconds.",
  ),
  vmclock: bool.optional().describe("Firecracker's VMClock device (default false)."),
  uptimeS: amount(UPTIME.min, UPTIME.max, 'seconds')
    .optional()
    .describe('Guest uptime at the snapshot, seconds (default 30).'),
  clockSync: bool.optional().describe("The guest's wall clock is synced after restore (default false)."),
} satisfies Record<keyof KernelFeatures, z.ZodType>;

/** Every key a manifest's kernel may have, in the format's order. */
export const KERNEL_KEYS = Object.keys(kernelShape) as (keyof KernelFeatures)[];

const kernelSchema = z
  .strictObject(kernelShape)
  .meta({ id: 'kernel', description: 'Guest kernel features, fixed at boot.' });

const aliases = Object.entries(LIBRARY_ALIASES)
  .map(([alias, id]) => `${alias} = ${id}`)
  .join(', ');

const processSchema = z
  .strictObject({
    name: name.describe("Unique among the guest's processes."),
    library: librarySchema.describe(
      `The random-number library model the process uses, by name and version (docs/FIDELITY.md, "Libraries"). The first model's ids are still accepted as aliases: ${aliases}.`,
    ),
    consumer: oneOf(CONSUMERS).describe(
      'What each draw makes: a UUIDv4 (16 bytes), a 96-bit nonce, or a 256-bit key.',
    ),
  })
  .meta({ id: 'process' });

/** Why hex that fails HEX_BYTES is refused, naming the first thing wrong. */
function hexProblem(hex: string): string {
  const chars = [...hex];
  const at = chars.findIndex((c) => !/^[0-9A-Fa-f]$/.test(c));
  if (at >= 0)
    return `must hold only hex digits 0-9 and a-f, either case (got ${shown(chars[at])} at character ${at + 1})`;
  if (hex.length % 2 !== 0) return `must have an even number of hex digits, two per byte (got ${hex.length})`;
  return `must hold 1 to ${L.secretMaxBytes} bytes (got ${hex.length / 2})`;
}

const HEX_BYTES = new RegExp(`^([0-9A-Fa-f]{2}){1,${L.secretMaxBytes}}$`);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();

/** A secret of one repeated byte matches wherever memory holds that byte: refused. */
const distinctBytes =
  (bytes: (s: string) => Uint8Array) => (s: string, ctx: z.core.$RefinementCtx<string>) => {
    const repeated = repeatedByteProblem(bytes(s));
    if (repeated) ctx.addIssue({ code: 'custom', message: repeated });
  };

const secretSchema = z
  .strictObject({
    name: name.describe("Unique among the guest's secrets."),
    hex: z
      .string({ error: 'must be a string of hex digits' })
      .regex(HEX_BYTES, { error: (issue) => hexProblem(String(issue.input)) })
      .superRefine(
        distinctBytes((hex) => secretBytes({ hex })),
        whenClean,
      )
      .optional()
      .describe(
        `The secret's bytes as hex (1 to ${L.secretMaxBytes} bytes, at least two different ones: a secret of one repeated byte is refused); exactly one of hex and text.`,
      ),
    text: z
      .string({ error: 'must be a string' })
      .min(1, { error: `must be 1 to ${L.secretMaxBytes} bytes as UTF-8` })
      .superRefine((t, ctx) => {
        if (LONE_SURROGATE.test(t))
          return ctx.addIssue({
            code: 'custom',
            message: 'must be valid Unicode (it holds a lone surrogate)',
          });
        const bytes = utf8.encode(t).length;
        if (bytes > L.secretMaxBytes)
          ctx.addIssue({
            code: 'custom',
            message: `must be 1 to ${L.secretMaxBytes} bytes as UTF-8 (got ${bytes})`,
          });
      }, whenClean)
      .superRefine(
        distinctBytes((t) => utf8.encode(t)),
        whenClean,
      )
      .optional()
      .describe(
        `The secret as UTF-8 text (1 to ${L.secretMaxBytes} bytes once encoded, at least two different ones); exactly one of hex and text.`,
      ),
    wipeOnSuspend: bool.describe("madvise(MADV_WIPEONSUSPEND) on the secret's pages."),
  })
  .superRefine((s, ctx) => {
    if (s.hex !== undefined && s.text !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: 'give exactly one of "hex" and "text", not both',
      });
    else if (s.hex === undefined && s.text === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['hex'],
        message: 'is required (or "text"): the secret has no bytes',
      });
  })
  // what the refinement above says, for editors
  .meta({ id: 'secret', oneOf: [{ required: ['hex'] }, { required: ['text'] }] });

/** A page count: the guest's own page count is checked with memoryMiB (fitsProblem). */
const pageCount = (min: number) => {
  const words = `must be a whole number from ${min} to the guest's pages (memoryMiB x 256; at most ${MAX_PAGES})`;
  return z.int({ error: words }).min(min, { error: words }).max(MAX_PAGES, { error: words });
};

const layoutSchema = z
  .strictObject({
    kernelPages: pageCount(1)
      .optional()
      .describe(
        `Pages of the kernel image. With the kernel's RNG and devices (${KERNEL_FIXED_PAGES} pages), the ${MAX_PROCS} process pages and the secrets it must fit in the guest: at most memoryMiB x 256 - ${KERNEL_FIXED_PAGES + MAX_PROCS + 1}.`,
      ),
    heapPages: pageCount(0)
      .optional()
      .describe(
        "Pages of the processes' heap after the secrets, filled at boot; kernelPages + heapPages must leave room in the guest's memoryMiB x 256 pages.",
      ),
  })
  .describe("Page counts of the guest image; omitted counts take the lab's defaults.");

/** Which path a field string names (`secrets[3]`, `layout.kernelPages`). */
function pathOf(field: string): (string | number)[] {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/** The layout's counts within the guest's own memory, and the boot's fit check. */
function fitsProblem(
  m: Pick<GuestManifest, 'memoryMiB' | 'layout' | 'secrets'>,
): { path: (string | number)[]; message: string } | null {
  const pages = pagesForMiB(m.memoryMiB);
  const { kernelPages, heapPages } = m.layout ?? {};
  if (kernelPages !== undefined && kernelPages > pages)
    return {
      path: ['layout', 'kernelPages'],
      message: `must be a whole number from 1 to ${pages} (got ${kernelPages})`,
    };
  if (heapPages !== undefined && heapPages > pages)
    return {
      path: ['layout', 'heapPages'],
      message: `must be a whole number from 0 to ${pages} (got ${heapPages})`,
    };
  const used = (kernelPages ?? 0) + (heapPages ?? 0);
  if (m.layout && used >= pages)
    return {
      path: ['layout'],
      message: `kernelPages + heapPages must leave room in the guest's ${pages} pages (${m.memoryMiB} MiB) for the RNG, devices and secrets (got ${used})`,
    };
  // the kernel, its process area and the secrets must fit in the guest as a boot lays them out
  const misfit = guestLayoutProblem(m, m.memoryMiB);
  return misfit ? { path: pathOf(misfit.field), message: misfit.problem } : null;
}

/** A guest manifest, as JSON (public/guest/schema.json is generated from it). */
export const manifestSchema = z
  .strictObject(
    {
      $schema: z
        .string({ error: 'must be a string' })
        .optional()
        .describe('Optional pointer to this schema, for editors; ignored by the lab.'),
      name: name.describe("The guest's name (also its file name in public/guest without .json)."),
      description: text(L.descriptionMaxLength).describe('What the guest shows, for the guest list.'),
      memoryMiB: wholeNumber(L.memoryMiBMin, L.memoryMiBMax).describe(
        'Guest memory in MiB (4 KiB pages); the default guest has 128 MiB = 32,768 pages.',
      ),
      kernel: kernelSchema,
      processes: z
        .array(processSchema)
        .min(1, { error: 'must hold at least 1 entry' })
        .max(L.maxProcesses, { error: `must hold at most ${L.maxProcesses} entries` })
        .superRefine(uniqueNames('processes'), whenClean)
        .describe('The processes that draw after restore; each uses one library model and one consumer.'),
      secrets: z
        .array(secretSchema)
        .max(L.maxSecrets, { error: `must hold at most ${L.maxSecrets} entries` })
        .superRefine(uniqueNames('secrets'), whenClean)
        .describe(
          'Named byte strings placed in guest pages; the report says whether each is found in the snapshot file.',
        ),
      layout: layoutSchema.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'must be a JSON object (a guest manifest)' : undefined,
    },
  )
  .superRefine((m, ctx) => {
    const problem = fitsProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  }, whenClean)
  .meta({
    title: 'Uniqueness Lab guest manifest',
    description:
      "A guest for the lab: memory size, guest kernel features, the processes that draw random values (each through one library model into one consumer), and the secrets placed in guest pages. Generated from the lab's own checker (src/core/manifest/validate.ts, `npm run guest:schema`), which also refuses what JSON Schema cannot say here: process or secret names used twice, a secret of one repeated byte, and a kernel, layout and secrets that do not fit in memoryMiB.",
  });

/** The checked JSON as a fresh GuestManifest, keys in the lab's order. */
function normalise(m: z.infer<typeof manifestSchema>): GuestManifest {
  const k = m.kernel;
  const kernel: KernelFeatures = {
    version: k.version,
    vmgenid: k.vmgenid,
    sysgenid: k.sysgenid,
    wipeOnSuspend: k.wipeOnSuspend,
    vdsoGetrandom: k.vdsoGetrandom,
    jitterEntropy: k.jitterEntropy,
    agentReseed: k.agentReseed,
    agentDelayUs: k.agentDelayUs,
  };
  if (k.generation !== undefined) kernel.generation = k.generation as KernelGeneration;
  if (k.cpu !== undefined) kernel.cpu = k.cpu as Cpu;
  if (k.vmgenidUevent !== undefined) kernel.vmgenidUevent = k.vmgenidUevent;
  if (k.vmclock !== undefined) kernel.vmclock = k.vmclock;
  if (k.clockSync !== undefined) kernel.clockSync = k.clockSync;
  if (k.uptimeS !== undefined) kernel.uptimeS = k.uptimeS;
  const out: GuestManifest = {
    name: m.name,
    description: m.description,
    memoryMiB: m.memoryMiB,
    kernel,
    processes: m.processes.map((p) => ({
      name: p.name,
      library: p.library as LibraryId,
      consumer: p.consumer as Consumer,
    })),
    secrets: m.secrets.map((s) => {
      const spec: SecretSpec = { name: s.name, wipeOnSuspend: s.wipeOnSuspend };
      if (s.hex !== undefined) spec.hex = s.hex.toLowerCase();
      else spec.text = s.text;
      return spec;
    }),
  };
  if (m.layout) {
    const layout: NonNullable<GuestManifest['layout']> = {};
    if (m.layout.kernelPages !== undefined) layout.kernelPages = m.layout.kernelPages;
    if (m.layout.heapPages !== undefined) layout.heapPages = m.layout.heapPages;
    out.layout = layout;
  }
  return out;
}

function inFile<T>(r: Result<T, CheckError>, file: string): Result<T, ManifestError> {
  return r.ok ? r : err(manifestError(file, r.error.field, r.error.problem));
}

/** Checks parsed JSON against the manifest format; `file` names it in messages. */
export function parseManifest(json: unknown, file: string): Result<GuestManifest, ManifestError> {
  const r = inFile(check(manifestSchema, json), file);
  return r.ok ? ok(normalise(r.value)) : r;
}

// ---------------------------------------------------------------------------------------------
// The guest index (public/guest/index.json).

const guestIndexSchema = z
  .array(
    z.strictObject({
      file: text(200, 1).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/, {
        error: 'must be a file name ending in .json, without folders',
      }),
      name,
      description: text(L.descriptionMaxLength),
    }),
    { error: 'must be a JSON array of guests' },
  )
  .superRefine((entries, ctx) => {
    const names = new Map<string, number>();
    const files = new Map<string, number>();
    for (const [i, e] of entries.entries()) {
      for (const [key, seen] of [
        ['name', names],
        ['file', files],
      ] as const) {
        const first = seen.get(e[key]);
        if (first !== undefined)
          return ctx.addIssue({
            code: 'custom',
            path: [i, key],
            message: `${shown(e[key])} is already used by entry [${first}]; it must be unique`,
          });
        seen.set(e[key], i);
      }
    }
  }, whenClean);

/** Checks parsed JSON against the guest index format (public/guest/index.json). */
export function parseGuestIndex(json: unknown, file: string): Result<GuestIndexEntry[], ManifestError> {
  const r = inFile(check(guestIndexSchema, json), file);
  return r.ok ? ok(r.value.map((e) => ({ file: e.file, name: e.name, description: e.description }))) : r;
}

// ---------------------------------------------------------------------------------------------
// JSON text.

/** Parses JSON text strictly (syntax errors with line and column, duplicate keys and deep nesting refused). */
export function parseJsonText(text: string, file: string): Result<unknown, ManifestError> {
  return inFile(parseJson(text, { maxBytes: L.textMaxBytes, maxDepth: L.maxDepth }), file);
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
