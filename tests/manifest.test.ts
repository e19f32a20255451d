/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break manifests field by field, as loose JSON */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GuestManifest } from '../src/core/lab/types';
import { guestDir, listGuestsNode, loadGuestNode } from '../src/core/manifest/load-node';
import {
  KERNEL_KEYS,
  parseGuestIndexText,
  parseManifest,
  parseManifestText,
  type ManifestError,
} from '../src/core/manifest/validate';
import type { Result } from '../src/core/types';

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
      vmgenid: false,
      sysgenid: 'off',
      wipeOnSuspend: false,
      vdsoGetrandom: false,
      agentReseed: false,
      jitterEntropy: false,
    });
    expect(m.secrets.some((s) => s.wipeOnSuspend)).toBe(true);
    expect(m.secrets.some((s) => !s.wipeOnSuspend)).toBe(true);
    const libraries = m.processes.map((p) => p.library);
    expect(libraries).not.toContain('rdrand');
    expect(libraries).toEqual(expect.arrayContaining(['naive', 'openssl-pid']));
  });

  it('each preset switches on the mechanism it is named after', async () => {
    const kernel = async (name: string) => value(await loadGuestNode(name)).kernel;
    expect(await kernel('linux-6.11-vmgenid')).toMatchObject({ vmgenid: true, vdsoGetrandom: true });
    expect(await kernel('amazon-linux-sysgenid')).toMatchObject({ vmgenid: true, sysgenid: 'vmgenid' });
    expect(await kernel('wipeonsuspend-rfc')).toMatchObject({ vmgenid: true, wipeOnSuspend: true });
    expect(await kernel('linux-5.10-agent')).toMatchObject({ vmgenid: false, agentReseed: true });
    expect((await kernel('linux-5.10-agent')).agentDelayUs).toBeGreaterThan(0);
    expect(await kernel('sysgenid-overseer')).toMatchObject({ sysgenid: 'overseer' });
  });

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
    expect(schema.$defs.process.properties.library.enum).toEqual([
      'naive',
      'openssl-pid',
      'wipeonfork',
      'wipeonsuspend',
      'sysgenid',
      'vdso',
      'getrandom',
      'rdrand',
    ]);
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
