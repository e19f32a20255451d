// Fuzzing the two other ways a person hands the lab data: guest manifests and permalinks
// (fast-check, seeded, a bounded number of runs). No input may throw or hang: a manifest is
// accepted or refused with one line that starts with the file name (and names the field when
// there is one); an accepted manifest boots, or its boot is refused naming a field, and a boot
// that succeeds finds each secret in its own snapshot; a link decodes to a state the session
// replays, or is refused with one line.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { shippedGuestsNode } from '../src/core/manifest/load-node';
import { parseManifestText } from '../src/core/manifest/validate';
import { decodeLabState, encodeLabState, toBase64Url } from '../src/core/permalink';
import { catalogOf, replay, type GuestCatalog } from '../src/core/session/session';
import { resolveSettings } from '../src/core/settings/settings';
import { unwrap } from '../src/core/types';

const SEED = Number(process.env.INPUTS_FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.INPUTS_FUZZ_RUNS ?? 300);

const base = JSON.parse(
  readFileSync(new URL('./fixtures/snapfile/small-guest.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let lab: Lab;
let catalog: GuestCatalog;
beforeAll(async () => {
  lab = new Lab(await loadCoreNode('release'));
  catalog = catalogOf(unwrap(await shippedGuestsNode()));
});

const oneLine = (m: string) => expect(m.includes('\n'), m).toBe(false);

/** Paths into a manifest where a mutation lands (some of them keys no manifest has). */
const PATHS = [
  ['name'],
  ['memoryMiB'],
  ['kernel'],
  ['kernel', 'version'],
  ['kernel', 'agentDelayUs'],
  ['kernel', 'sysgenid'],
  ['processes'],
  ['processes', 0],
  ['processes', 0, 'library'],
  ['secrets'],
  ['secrets', 0],
  ['secrets', 0, 'hex'],
  ['secrets', 1, 'text'],
  ['layout'],
  ['layout', 'kernelPages'],
  ['layout', 'heapPages'],
  ['__proto__'],
  ['constructor'],
  ['kernel', '__proto__'],
] as const;

const deep = fc
  .integer({ min: 1, max: 2000 })
  .map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  deep,
  fc.integer({ min: -5, max: 300_000 }),
  fc.stringMatching(/^[0-9a-fA-F]{0,40}$/),
  fc.constantFrom('00', '0000', 'ff'.repeat(4096), '00'.repeat(4097), 'zz'),
);

/** A secret: random bytes (sometimes one byte repeated), 0 to 5000 of them, as hex or text. */
const secret = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
    bytes: fc.integer({ min: 0, max: 5000 }),
    fill: fc.option(fc.integer({ min: 0, max: 255 })),
    seed: fc.integer({ min: 1, max: 1e9 }),
    text: fc.boolean(),
    wipeOnSuspend: fc.boolean(),
  })
  .map((s) => {
    let x = s.seed;
    const bytes = Uint8Array.from(
      { length: s.bytes },
      () => s.fill ?? (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24,
    );
    const hex = Buffer.from(bytes).toString('hex');
    return s.text
      ? { name: s.name, text: 'x'.repeat(s.bytes % 50) + hex.slice(0, 8), wipeOnSuspend: s.wipeOnSuspend }
      : { name: s.name, hex, wipeOnSuspend: s.wipeOnSuspend };
  });

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...PATHS), value }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('secrets' as const),
      secrets: fc.uniqueArray(secret, { maxLength: 70, selector: (s) => s.name }),
      memoryMiB: fc.constantFrom(16, 17, 32),
      kernelPages: fc.option(fc.integer({ min: 0, max: 8200 })),
    }),
  },
);

function mutate(m: Record<string, unknown>, mu: typeof mutation extends fc.Arbitrary<infer T> ? T : never) {
  if (mu.kind === 'secrets') {
    m.secrets = mu.secrets;
    m.memoryMiB = mu.memoryMiB;
    if (mu.kernelPages !== null) m.layout = { kernelPages: mu.kernelPages };
    return;
  }
  let o = m as Record<string | number, unknown>;
  for (const k of mu.path.slice(0, -1)) {
    const next = o[k];
    if (next === null || typeof next !== 'object') return;
    o = next as Record<string | number, unknown>;
  }
  const last = mu.path[mu.path.length - 1]!;
  if (mu.kind === 'delete') delete o[last];
  else
    Object.defineProperty(o, last, { value: mu.value, enumerable: true, writable: true, configurable: true });
}

/** JSON text edits: cut it, splice bytes in, repeat a key, or nest it deep. */
const textEdit = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('dupKey' as const) }),
  fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 100_000 }) }),
);

function edit(text: string, e: typeof textEdit extends fc.Arbitrary<infer T> ? T : never): string {
  switch (e.kind) {
    case 'none':
      return text;
    case 'cut':
      return text.slice(0, e.at % (text.length + 1));
    case 'splice': {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case 'dupKey':
      return text.replace('{', '{"name":"twice",');
    case 'nest':
      return '['.repeat(e.depth) + text + ']'.repeat(e.depth);
  }
}

describe('guest manifests, fuzzed', () => {
  it('are accepted or refused with one line naming the file (and the field); accepted ones boot or are refused naming a field', () => {
    const started = performance.now();
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 3 }), textEdit, (mutations, e) => {
        const m = structuredClone(base);
        for (const mu of mutations) mutate(m, mu);
        const text = edit(JSON.stringify(m), e);
        const parsed = parseManifestText(text, 'fuzz.json');
        if (!parsed.ok) {
          oneLine(parsed.error.message);
          expect(parsed.error.message.startsWith('fuzz.json: ')).toBe(true);
          if (parsed.error.field) expect(parsed.error.message).toContain(`: ${parsed.error.field}: `);
          return;
        }
        const g = parsed.value;
        if (g.memoryMiB > 64) return; // a large guest boots the same way, only slower
        lab.reset();
        const vm = lab.boot(g, { seed: 1 });
        if (!vm.ok) {
          oneLine(vm.error.message);
          expect(vm.error.message).toMatch(/^[\w.[\]]+: /);
          return;
        }
        const snap = unwrap(lab.snapshot(vm.value, 'full'));
        const found = unwrap(lab.secrets(snap));
        // the kernel does not wipe (small-guest's does: only unflagged secrets must be there)
        found.forEach((s, i) => {
          if (!g.secrets[i]!.wipeOnSuspend || !g.kernel.wipeOnSuspend)
            expect(s.occurrences, s.name).toBeGreaterThanOrEqual(1);
          expect(s.offsets.length).toBeLessThanOrEqual(64);
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // a bound on run time, not a speed target
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});

describe('permalinks, fuzzed', () => {
  const gzipLink = async (text: string) => {
    const stream = new Blob([new TextEncoder().encode(text)])
      .stream()
      .pipeThrough(new CompressionStream('gzip'));
    return toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
  };

  it('any string is decoded or refused with one line, never thrown', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (s) => {
        const r = await decodeLabState(s);
        if (!r.ok) oneLine(r.error.message);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('any JSON packed as a link (deep, odd keys, huge numbers) is refused with one line or replays', async () => {
    const settings = resolveSettings(catalog.get('default')!, { clones: 2, draws: 2, memoryMiB: 16 });
    const action = fc.oneof(
      fc.constantFrom(
        { a: 'boot' },
        { a: 'snapshot' },
        { a: 'snapshot', t: 'diff' },
        { a: 'restore' },
        { a: 'draw' },
      ),
      fc.record({ a: fc.constantFrom('draw', 'restore', 'touch'), n: fc.integer({ min: 1, max: 20 }) }),
      fc.constantFrom({ a: 'reset' }, { a: 'resume' }, { a: 'set', s: { vmgenid: true } }),
    );
    // states that pass the checks, so replays run too
    const playable = fc
      .record({
        clones: fc.integer({ min: 1, max: 8 }),
        draws: fc.integer({ min: 1, max: 16 }),
        memoryMiB: fc.constantFrom(16, 32),
        seed: fc.nat(),
        guest: fc.constantFrom(...catalog.names()),
        // most logs start as the app's do: with a boot
        actions: fc
          .tuple(fc.nat(3), fc.array(action, { maxLength: 10 }))
          .map(([k, rest]) => (k > 0 ? [{ a: 'boot' }, ...rest] : rest)),
      })
      .map(({ actions, guest, ...patch }) => ({
        v: 2,
        settings: resolveSettings(catalog.get(guest)!, { ...patch, guest }),
        actions,
      }));
    const state = fc.oneof(
      { weight: 3, arbitrary: playable },
      fc.jsonValue({ maxDepth: 4 }),
      deep,
      fc
        .record({
          key: fc.constantFrom(...Object.keys(settings), '__proto__', 'constructor', 'Clones'),
          value: fc.oneof(value, fc.constantFrom(1e6, -1, 1e308, 2 ** 53)),
          actions: fc.array(
            fc.oneof(
              fc.constantFrom(
                { a: 'boot' },
                { a: 'snapshot' },
                { a: 'restore' },
                { a: 'draw' },
                { a: 'reset' },
              ),
              fc.record({
                a: fc.constantFrom('draw', 'restore', 'touch'),
                n: fc.integer({ min: -1, max: 100_000 }),
              }),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            { maxLength: 8 },
          ),
        })
        .map(({ key, value: v, actions }) => {
          const s: Record<string, unknown> = { ...settings };
          Object.defineProperty(s, key, { value: v, enumerable: true, writable: true, configurable: true });
          return { v: 2, settings: s, actions };
        }),
    );
    await fc.assert(
      fc.asyncProperty(state, async (st) => {
        const r = await decodeLabState(await gzipLink(JSON.stringify(st)));
        if (!r.ok) {
          oneLine(r.error.message);
          return;
        }
        const s = r.value.settings;
        if (s.clones * s.draws > 4096 || s.memoryMiB > 64) return; // bounded replays only
        const replayed = replay(lab, catalog, { settings: s, actions: r.value.actions });
        if (!replayed.ok) oneLine(replayed.error.message);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('a valid link with characters flipped is refused with one line, or decodes', async () => {
    const settings = resolveSettings(catalog.get('default')!, { clones: 2, draws: 2 });
    const link = unwrap(
      await encodeLabState({ v: 2, settings, actions: [{ a: 'boot' }, { a: 'snapshot' }] }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...'Aa0-_9zZ!%')), { minLength: 1, maxLength: 4 }),
        async (flips) => {
          const chars = [...link];
          for (const [at, c] of flips) chars[at % chars.length] = c;
          const r = await decodeLabState(chars.join(''));
          if (!r.ok) oneLine(r.error.message);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
