/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break manifests field by field, as loose JSON */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import type { Action } from '../src/core/session/actions';
import { catalogOf, Session, type GuestCatalog } from '../src/core/session/session';
import { LIBRARY_IDS, LIBRARY_NAMES, type GuestManifest } from '../src/core/lab/types';
import { CPUS, KERNEL_GENERATIONS, type SettingsPatch } from '../src/core/settings/settings';
import { guestDir, listGuestsNode, loadGuestNode, shippedGuestsNode } from '../src/core/manifest/load-node';
import {
  KERNEL_KEYS,
  manifestSchema,
  MANIFEST_LIMITS,
  parseGuestIndexText,
  parseManifest,
  parseManifestText,
  type ManifestError,
} from '../src/core/manifest/validate';
import { guestManifestJsonSchemaText } from '../src/core/manifest/json-schema';
import { unwrap, vmId, type Result } from '../src/core/types';

const dir = guestDir();
const shipped = readdirSync(dir).filter(
  (f) => f.endsWith('.json') && f !== 'index.json' && f !== 'schema.json',
);
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;

function value<T>(r: Result<T, ManifestError>): T {
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function failure<T>(r: Result<T, ManifestError>): ManifestError {
  if (r.ok) throw new Error('expected an InvalidManifest error, got a manifest');
  expect(r.error.kind).toBe('InvalidManifest');
  return r.error;
}

/** The default manifest's JSON with one change applied. */
function variant(change: (m: Record<string, any>) => void): unknown {
  const m = readJson('default.json');
  change(m);
  return m;
}

/** Checks the error names the field, in the field property and in the message. */
function expectField(e: ManifestError, field: string): void {
  expect(e.field).toBe(field);
  expect(e.message).toContain(`bad.json: ${field}: `);
}

const bad = (change: (m: Record<string, any>) => void) => failure(parseManifest(variant(change), 'bad.json'));

describe('shipped guest manifests', () => {
  it('there is a default guest and the presets', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'default.json',
        'linux-6.11-vmgenid.json',
        'amazon-linux-sysgenid.json',
        'wipeonsuspend-rfc.json',
        'linux-5.10-agent.json',
        'sysgenid-overseer.json',
      ]),
    );
  });

  it.each(shipped)('%s parses, and its name is its file name', async (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const m = value(parseManifestText(text, file));
    expect(m.name).toBe(file.replace(/\.json$/, ''));
    expect(value(await loadGuestNode(m.name))).toEqual(m);
  });

  it('the default guest shows the problem: no mitigation, a flagged and an unflagged secret', async () => {
    const m = value(await loadGuestNode('default'));
    expect(m.memoryMiB).toBe(128);
    expect(m.kernel).toMatchObject({
      generation: '6.1',
      cpu: 'intel',
      vmgenid: false,
      sysgenid: 'off',
      wipeOnSuspend: false,
      vdsoGetrandom: false,
      agentReseed: false,
      jitterEntropy: true,
    });
    expect(m.secrets.some((s) => s.wipeOnSuspend)).toBe(true);
    expect(m.secrets.some((s) => !s.wipeOnSuspend)).toBe(true);
    const libraries = m.processes.map((p) => p.library);
    expect(libraries).not.toContain('rdrand');
    expect(libraries).toEqual(expect.arrayContaining(['naive', 'openssl-1.1.1']));
  });

  it('each preset switches on the mechanism it is named after', async () => {
    const kernel = async (name: string) => value(await loadGuestNode(name)).kernel;
    expect(await kernel('linux-6.11-vmgenid')).toMatchObject({
      generation: '6.11',
      vmgenid: true,
      vdsoGetrandom: true,
    });
    // 5.10 has no mainline vmgenid driver: SysGenId's own v1-v7 backend takes the notification
    expect(await kernel('amazon-linux-sysgenid')).toMatchObject({
      generation: '5.10',
      vmgenid: false,
      sysgenid: 'vmgenid',
    });
    expect(await kernel('wipeonsuspend-rfc')).toMatchObject({
      generation: '6.1',
      vmgenid: true,
      wipeOnSuspend: true,
    });
    expect(await kernel('linux-5.10-agent')).toMatchObject({
      generation: '5.10',
      vmgenid: false,
      agentReseed: true,
    });
    expect((await kernel('linux-5.10-agent')).agentDelayUs).toBeGreaterThan(0);
    expect(await kernel('sysgenid-overseer')).toMatchObject({
      generation: '6.1',
      cpu: 'amd',
      vmgenid: true,
      sysgenid: 'overseer',
    });
  });

  it.each(shipped)(
    '%s names its kernel generation and CPU, and its libraries by id (no old alias)',
    (file) => {
      const raw = readJson(file) as any;
      expect(KERNEL_GENERATIONS).toContain(raw.kernel.generation);
      expect(CPUS).toContain(raw.kernel.cpu);
      for (const p of raw.processes) expect(LIBRARY_IDS).toContain(p.library);
    },
  );

  it('the index lists every shipped manifest once, under its own name', async () => {
    const index = value(await listGuestsNode());
    expect(index.map((g) => g.file).sort()).toEqual([...shipped].sort());
    expect(index[0]?.name).toBe('default');
    for (const g of index) expect(readJson(g.file).name).toBe(g.name);
  });

  it('the schema documents exactly the keys the checker accepts', () => {
    const schema = readJson('schema.json') as any;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['$schema', 'name', 'description', 'memoryMiB', 'kernel', 'processes', 'secrets', 'layout'].sort(),
    );
    expect(Object.keys(schema.$defs.kernel.properties).sort()).toEqual([...KERNEL_KEYS].sort());
    const m = value(parseManifest(readJson('default.json'), 'default.json'));
    for (const k of Object.keys(m.kernel)) expect(KERNEL_KEYS).toContain(k);
    expect(schema.$defs.process.properties.library.enum).toEqual([...LIBRARY_NAMES]);
  });

  it("schema.json is the one generated from the checker's schema (npm run guest:schema)", () => {
    const committed = readFileSync(join(dir, 'schema.json'), 'utf8');
    expect(committed, 'public/guest/schema.json is stale: run npm run guest:schema').toBe(
      guestManifestJsonSchemaText(),
    );
  });

  it.each(shipped)('%s passes the schema schema.json is generated from', (file) => {
    const r = manifestSchema.safeParse(readJson(file));
    expect(r.success, r.error?.message).toBe(true);
    expect(readJson(file).$schema).toBe('./schema.json');
  });
});

describe('a valid manifest', () => {
  it('comes back as a fresh plain object: hex lowercased, $schema dropped', () => {
    const input = variant((m) => (m.secrets[0].hex = 'ABCDEF01'));
    const m: GuestManifest = value(parseManifest(input, 'x.json'));
    expect(m.secrets[0]?.hex).toBe('abcdef01');
    expect(m).not.toHaveProperty('$schema');
    expect(m.kernel).not.toBe((input as Record<string, unknown>).kernel);
  });

  it('may have no secrets, and a layout that fits', () => {
    const m = value(
      parseManifest(
        variant((m) => {
          m.secrets = [];
          m.layout = { kernelPages: 1024, heapPages: 4096 };
        }),
        'x.json',
      ),
    );
    expect(m.secrets).toEqual([]);
    expect(m.layout).toEqual({ kernelPages: 1024, heapPages: 4096 });
  });

  it("names a library by its id when the manifest uses the first model's alias", () => {
    const m = value(
      parseManifest(
        variant((m) => (m.processes[1].library = 'openssl-pid')),
        'x.json',
      ),
    );
    expect(m.processes[1]?.library).toBe('openssl-1.1.1');
  });

  it('keeps the optional kernel keys it is given, and only those', () => {
    const m = value(
      parseManifest(
        variant((m) => {
          delete m.kernel.generation;
          delete m.kernel.cpu;
          Object.assign(m.kernel, { vmgenidUevent: true, vmclock: true, uptimeS: 120.5, clockSync: true });
        }),
        'x.json',
      ),
    );
    expect(m.kernel).not.toHaveProperty('generation');
    expect(m.kernel).not.toHaveProperty('cpu');
    expect(m.kernel).toMatchObject({ vmgenidUevent: true, vmclock: true, uptimeS: 120.5, clockSync: true });
  });

  it('accepts a UTF-8 BOM before the JSON', () => {
    const text = `\uFEFF${readFileSync(join(dir, 'default.json'), 'utf8')}`;
    expect(value(parseManifestText(text, 'default.json')).name).toBe('default');
  });
});

describe('a rejected manifest names the file and the field', () => {
  it('a field of the wrong type', () => {
    const e = bad((m) => (m.kernel.vmgenid = 'false'));
    expectField(e, 'kernel.vmgenid');
    expect(e.message).toBe('bad.json: kernel.vmgenid: must be true or false (got "false")');
  });

  it('a bad enum value, quoting the choices', () => {
    const e = bad((m) => (m.kernel.sysgenid = 'yes'));
    expect(e.message).toBe(
      'bad.json: kernel.sysgenid: must be one of "off", "vmgenid", "overseer" (got "yes")',
    );
  });

  it('a missing required field', () => {
    expectField(
      bad((m) => delete m.kernel.version),
      'kernel.version',
    );
    expectField(
      bad((m) => delete m.processes),
      'processes',
    );
  });

  it.each([15, 1025, 128.5, '128', null])('memoryMiB out of range or not whole: %s', (memoryMiB) => {
    const e = bad((m) => (m.memoryMiB = memoryMiB));
    expectField(e, 'memoryMiB');
    expect(e.message).toContain('whole number from 16 to 1024');
  });

  it('an unknown library id', () => {
    const e = bad((m) => (m.processes[1].library = 'libressl'));
    expectField(e, 'processes[1].library');
    expect(e.message).toContain('"libressl"');
  });

  it('an unknown consumer', () => {
    expectField(
      bad((m) => (m.processes[0].consumer = 'uuid7')),
      'processes[0].consumer',
    );
  });

  it('an unknown key, with a hint when only the case is wrong', () => {
    const e = bad((m) => (m.memoryMib = 128));
    expectField(e, 'memoryMib');
    expect(e.message).toContain('did you mean "memoryMiB"');
    expectField(
      bad((m) => (m.kernel.colour = 'red')),
      'kernel.colour',
    );
    expectField(
      bad((m) => (m.secrets[1].flagged = true)),
      'secrets[1].flagged',
    );
  });

  it('an unknown key goes before the required key it was probably meant as', () => {
    const e = bad((m) => {
      m.memoryMib = m.memoryMiB;
      delete m.memoryMiB;
    });
    expect(e.message).toBe('bad.json: memoryMib: is not a known key (did you mean "memoryMiB"?)');
    const k = bad((m) => {
      m.kernel.vmGenId = m.kernel.vmgenid;
      delete m.kernel.vmgenid;
    });
    expect(k.message).toBe('bad.json: kernel.vmGenId: is not a known key (did you mean "vmgenid"?)');
  });

  it('a "__proto__" key is an unknown key, not a prototype', () => {
    const text = readFileSync(join(dir, 'default.json'), 'utf8').replace('{', '{"__proto__": {"x": 1},');
    const e = failure(parseManifestText(text, 'bad.json'));
    expectField(e, '__proto__');
    expect(e.message).toContain('is not a known key');
    const inKernel = readFileSync(join(dir, 'default.json'), 'utf8').replace(
      '"kernel": {',
      '"kernel": {"__proto__": {"vmgenid": true},',
    );
    expectField(failure(parseManifestText(inKernel, 'bad.json')), 'kernel.__proto__');
  });

  it('duplicate process names', () => {
    const e = bad((m) => (m.processes[2].name = m.processes[0].name));
    expectField(e, 'processes[2].name');
    expect(e.message).toContain('processes[0]');
  });

  it('duplicate secret names', () => {
    expectField(
      bad((m) => (m.secrets[1].name = m.secrets[0].name)),
      'secrets[1].name',
    );
  });

  it('no processes', () => {
    expectField(
      bad((m) => (m.processes = [])),
      'processes',
    );
  });

  it('a secret with both hex and text, or with neither', () => {
    const both = bad((m) => (m.secrets[0].text = 'also text'));
    expectField(both, 'secrets[0].text');
    expect(both.message).toContain('exactly one of "hex" and "text"');
    expectField(
      bad((m) => delete m.secrets[0].hex),
      'secrets[0].hex',
    );
  });

  it.each([
    ['not hex digits', 'abzz'],
    ['an odd number of digits', 'abc'],
    ['empty', ''],
    ['longer than 4096 bytes', 'ab'.repeat(4097)],
    ['not a string', 42],
  ])('bad hex: %s', (_, hex) => {
    expectField(
      bad((m) => (m.secrets[0].hex = hex)),
      'secrets[0].hex',
    );
  });

  it('a text secret longer than 4096 UTF-8 bytes', () => {
    expectField(
      bad((m) => (m.secrets[1].text = 'é'.repeat(2049))),
      'secrets[1].text',
    );
  });

  it('a negative or non-finite agent delay', () => {
    expectField(
      bad((m) => (m.kernel.agentDelayUs = -1)),
      'kernel.agentDelayUs',
    );
    expectField(
      bad((m) => (m.kernel.agentDelayUs = '5')),
      'kernel.agentDelayUs',
    );
  });

  it('a name with characters unfit for file names and tables', () => {
    expectField(
      bad((m) => (m.name = 'my guest')),
      'name',
    );
  });

  it('a layout that leaves no room', () => {
    expectField(
      bad((m) => (m.layout = { kernelPages: 20000, heapPages: 20000 })),
      'layout',
    );
    expectField(
      bad((m) => (m.layout = { kernelPages: 0 })),
      'layout.kernelPages',
    );
    // a count the format allows but this guest's memory does not: the guest's own page count
    expect(bad((m) => (m.layout = { kernelPages: 40000 })).message).toBe(
      'bad.json: layout.kernelPages: must be a whole number from 1 to 32768 (got 40000)',
    );
    expect(bad((m) => (m.layout = { heapPages: 300000 })).message).toBe(
      "bad.json: layout.heapPages: must be a whole number from 0 to the guest's pages (memoryMiB x 256; at most 262144) (got 300000)",
    );
  });

  it('a kernel image that leaves no room for the process pages names the most it may be', () => {
    const e = bad((m) => (m.layout = { kernelPages: 32700 }));
    expectField(e, 'layout.kernelPages');
    expect(e.message).toMatch(/in a 128 MiB guest of 32768 pages: at most 32698$/);
  });

  it('hex digits that are not hex, or not whole bytes, name the first fault', () => {
    expect(bad((m) => (m.secrets[0].hex = 'abzz')).message).toBe(
      'bad.json: secrets[0].hex: must hold only hex digits 0-9 and a-f, either case (got "z" at character 3)',
    );
    expect(bad((m) => (m.secrets[0].hex = 'abc')).message).toBe(
      'bad.json: secrets[0].hex: must have an even number of hex digits, two per byte (got 3)',
    );
    expect(bad((m) => (m.secrets[0].hex = 'ab'.repeat(4097))).message).toBe(
      'bad.json: secrets[0].hex: must hold 1 to 4096 bytes (got 4097)',
    );
    expect(bad((m) => (m.secrets[0].hex = 'abab')).message).toMatch(
      /^bad\.json: secrets\[0\]\.hex: is one byte repeated \(0xab x 2\): a secret needs at least two different bytes/,
    );
  });

  it('not an object at all', () => {
    const e = failure(parseManifest([1, 2], 'bad.json'));
    expect(e.field).toBe('');
    expect(e.message).toBe('bad.json: must be a JSON object (a guest manifest) (got an array)');
  });
});

describe('manifest text', () => {
  it('a JSON syntax error names the file, line and column', () => {
    const e = failure(parseManifestText('{\n  "name": "x",\n  "memoryMiB": 128,\n}\n', 'bad.json'));
    expect(e.message).toMatch(/^bad\.json: JSON syntax error at line 4, column 1: /);
    expect(e.message).toContain('comma');
  });

  it.each([
    ['a missing comma', '{"name": "x" "memoryMiB": 1}', 'line 1, column 14'],
    ['an unclosed string', '{"name": "x', 'line 1, column 10'],
    ['text after the value', '{} x', 'line 1, column 4'],
    ['a bare word', '{"a": yes}', 'line 1, column 7'],
  ])('%s', (_, text, where) => {
    expect(failure(parseManifestText(text, 'bad.json')).message).toContain(where);
  });

  it('an empty file', () => {
    expect(failure(parseManifestText('  \n', 'bad.json')).message).toBe(
      'bad.json: is empty (expected a JSON object)',
    );
  });

  it('a key given twice in one object (JSON.parse would keep the last silently)', () => {
    const e = failure(
      parseManifestText('{"name": "a", "kernel": {"vmgenid": true, "vmgenid": false}}', 'bad.json'),
    );
    expectField(e, 'kernel.vmgenid');
    expect(e.message).toContain('twice');
  });

  it(`nesting deeper than ${MANIFEST_LIMITS.maxDepth} levels is refused before anything recurses`, () => {
    const deep = `{"name": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(failure(parseManifestText(deep, 'bad.json')).message).toMatch(
      /^bad\.json: nested deeper than 32 levels \(line 1, column \d+\)$/,
    );
  });

  it('a bad guest index names the entry', () => {
    const e = failure(
      parseGuestIndexText('[{"file": "../x.json", "name": "x", "description": ""}]', 'index.json'),
    );
    expect(e.field).toBe('[0].file');
  });
});

describe('loading guests from disk', () => {
  it('a missing shipped guest lists the shipped ones', async () => {
    const e = failure(await loadGuestNode('no-such-guest'));
    expect(e.message).toContain('no shipped guest named "no-such-guest"');
    expect(e.message).toContain('default');
  });

  it('a missing file names its path', async () => {
    const e = failure(await loadGuestNode('./no/such/guest.json'));
    expect(e.file).toBe('./no/such/guest.json');
    expect(e.message).toMatch(/no such file/);
    expect(e.message).toContain(join('no', 'such', 'guest.json'));
  });

  it('a file path is read relative to the working directory and checked', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ul-manifest-'));
    const file = join(tmp, 'mine.json');
    writeFileSync(file, JSON.stringify(variant((m) => (m.kernel.sysgenid = 'yes'))));
    const e = failure(await loadGuestNode(file));
    expect(e.message).toBe(
      `${file}: kernel.sysgenid: must be one of "off", "vmgenid", "overseer" (got "yes")`,
    );
    writeFileSync(file, JSON.stringify(variant((m) => (m.name = 'mine'))));
    expect(value(await loadGuestNode(file)).name).toBe('mine');
  });
});

describe('each shipped guest does what its description says', () => {
  let catalog: GuestCatalog;
  let lab: Lab;
  beforeAll(async () => {
    catalog = catalogOf(value(await shippedGuestsNode()));
    lab = new Lab(await loadCoreNode('release'));
  });

  /** Boots the guest with the patch, snapshots, restores 4 clones, runs `then`, draws; per library its draw. */
  function run(guest: string, patch: SettingsPatch = {}, then: Action[] = []) {
    const s = unwrap(Session.open(lab, catalog, { guest, clones: 4, draws: 8, seed: 7, ...patch }));
    for (const a of [
      { a: 'reset' },
      { a: 'boot' },
      { a: 'snapshot' },
      { a: 'restore' },
      ...then,
      { a: 'draw' },
    ])
      unwrap(s.apply(a as Action));
    const d = s.lastDraw!;
    const lib = (id: string) => {
      const l = d.libraries.find((x) => x.library === id);
      if (!l) throw new Error(`${guest} drew no ${id}`);
      return l;
    };
    const secret = (name: string) => unwrap(s.secrets()!).find((x) => x.name === name)!.inSnapshot;
    const timeline = unwrap(lab.timeline(vmId(s.lineage.clones[0]!))).map((e) => e.kind);
    return { lib, secret, timeline };
  }

  it('default: java.util.Random repeats, OpenSSL 1.1.1 is predictable, getrandom repeats until an on-demand reseed; both secrets are in the file', () => {
    const r = run('default');
    expect(r.lib('naive').verdict).toBe('dup');
    expect(r.lib('openssl-1.1.1').verdict).toBe('predictable');
    expect(r.lib('openssl-1.1.1').perCallBits).toBeGreaterThan(0);
    expect(r.lib('getrandom').verdict).toBe('dup');
    expect([r.secret('tls-session-key'), r.secret('db-password')]).toEqual([true, true]);
    const later = run('default', { draws: 90, drawIntervalUs: 1_000_000 });
    expect(later.lib('getrandom').verdict).toBe('dup-until');
    expect(later.lib('getrandom').endedBy).toBe('periodic-reseed');
  });

  it('linux-6.11-vmgenid: vdso and getrandom unique once the notification is handled, repeated before it', () => {
    const r = run('linux-6.11-vmgenid');
    for (const id of ['vdso', 'getrandom']) {
      expect(r.lib(id).verdict, id).toBe('unique');
      expect(r.lib(id).endedBy, id).toBe('vmgenid-notify');
    }
    expect(r.lib('naive').verdict).toBe('dup');
    expect([r.secret('tls-session-key'), r.secret('db-password')]).toEqual([true, true]);
    const late = run('linux-6.11-vmgenid', { notifyDelayUs: 20 });
    for (const id of ['vdso', 'getrandom']) expect(late.lib(id).verdict, id).toBe('dup-until');
  });

  it('amazon-linux-sysgenid: the counter bump makes AWS-LC reseed from a CRNG nobody reseeded; only RDRAND makes it differ', () => {
    const r = run('amazon-linux-sysgenid');
    expect(r.timeline).toContain('sysgenid-bump');
    expect(r.timeline).not.toContain('crng-reseed');
    expect(r.lib('aws-lc').reseeds).toBeGreaterThan(0);
    expect(r.lib('aws-lc').verdict).toBe('unique');
    expect(r.lib('aws-lc').endedBy).toBe('rdrand');
    expect(r.lib('getrandom').firstUniqueDraw).toBe(1); // 5.10's RDRAND XOR in every block
    expect(r.lib('openssl-1.1.1').verdict).toBe('predictable');
    const none = run('amazon-linux-sysgenid', { cpu: 'none' });
    expect(none.lib('aws-lc').reseeds).toBeGreaterThan(0);
    expect(none.lib('aws-lc').verdict).toBe('dup');
    expect(none.lib('getrandom').verdict).toBe('dup');
  });

  it('wipeonsuspend-rfc: flagged secrets stay out of the file, the PM notifier reseeds on resume, the wiped library is unique', () => {
    const r = run('wipeonsuspend-rfc');
    expect([r.secret('tls-session-key'), r.secret('api-token'), r.secret('db-password')]).toEqual([
      false,
      false,
      true,
    ]);
    expect(r.timeline).toContain('pm-reseed');
    expect(r.lib('wipeonsuspend').verdict).toBe('unique');
    expect(r.lib('wipeonsuspend').reseeds).toBe(4);
    expect(r.lib('boringssl').verdict).toBe('unique');
    expect(r.lib('boringssl').endedBy).toBe('rdrand');
    expect(run('wipeonsuspend-rfc', { cpu: 'amd' }).lib('boringssl').verdict).toBe('dup');
  });

  it('linux-5.10-agent: getrandom differs from the first draw on Intel (mixed); without RDRAND only the agent ends the duplication', () => {
    const r = run('linux-5.10-agent');
    expect(r.lib('getrandom').firstUniqueDraw).toBe(1);
    expect(r.lib('getrandom').verdict).toBe('mixed');
    expect(r.lib('getrandom').firstSafeDraw).toBe(4);
    expect(r.lib('naive').verdict).toBe('dup');
    const none = run('linux-5.10-agent', { cpu: 'none', drawIntervalUs: 500 });
    expect(none.lib('getrandom').verdict).toBe('dup-until');
    expect(none.lib('getrandom').endedBy).toBe('agent-reseed');
    expect(none.lib('naive').verdict).toBe('dup');
  });

  it('sysgenid-overseer: AWS-LC repeats until the overseer bumps the counter, getrandom is unique after the driver reseed', () => {
    const r = run('sysgenid-overseer');
    expect(r.lib('aws-lc').verdict).toBe('dup');
    expect(r.lib('getrandom').verdict).toBe('unique');
    expect(r.timeline).not.toContain('sysgenid-bump');
    const bumped = run('sysgenid-overseer', {}, [{ a: 'sysgenid-trigger' }]);
    expect(bumped.lib('aws-lc').verdict).toBe('unique');
    expect(bumped.lib('aws-lc').endedBy).toBe('sysgenid-bump');
    expect(run('sysgenid-overseer', { cpu: 'intel' }).lib('aws-lc').verdict).toBe('unique');
  });
});
