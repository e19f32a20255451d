import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseArgs,
  parseRunArgs,
  RUN_FLAGS,
  runHelp,
  settingDefault,
  settingLimit,
  type CliError,
  type ParsedRun,
} from '../src/core/cli/args';
import { formatReport } from '../src/core/cli/format';
import {
  main,
  VMSTATE_FORMAT,
  writeSnapshotFiles,
  type CliIo,
  type SnapshotImage,
} from '../src/core/cli/main';
import { LIBRARY_IDS, type GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { runExperiment } from '../src/core/session/experiment';
import { resolveSettings, SETTINGS } from '../src/core/settings/settings';
import { PAGE_SIZE, type Result } from '../src/core/types';
import { smallGuest } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'ul-cli-'));

function parsed(argv: string[]): ParsedRun {
  const r = parseRunArgs(argv);
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function rejected(argv: string[]): CliError {
  const r: Result<ParsedRun, CliError> = parseRunArgs(argv);
  if (r.ok) throw new Error(`expected ${argv.join(' ')} to be rejected`);
  expect(r.error.message).not.toContain('\n');
  return r.error;
}

/** A buffered CliIo for running main in-process. */
function buffers(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

describe('run flags', () => {
  it('no flags sets no setting: the guest and the settings table decide', () => {
    expect(parsed([])).toEqual({
      help: false,
      patch: {},
      guestFile: null,
      exportDir: null,
      exportSnapshot: null,
      fromSnapshot: null,
      link: null,
      settingsFile: null,
      force: false,
      predict: false,
      json: false,
    });
  });

  it('every flag is read, as "--flag value" or "--flag=value"', () => {
    const run = parsed([
      '--guest',
      'linux-6.11-vmgenid',
      '--library=vdso,naive',
      '--clones',
      '8',
      '--draws=32',
      '--consumer',
      'key',
      '--vmgenid',
      'on',
      '--sysgenid',
      'off',
      '--wipeonsuspend=on',
      '--notify-delay-us',
      '12.5',
      '--draw-interval-us',
      '100',
      '--snapshot',
      'diff',
      '--memory-mib',
      '256',
      '--seed',
      '4294967295',
      '--lazy',
      'on',
      '--cpu',
      'none',
      '--kernel',
      '6.11',
      '--vdso',
      'on',
      '--agent',
      'off',
      '--uptime-s',
      '90',
      '--export',
      'out/snap',
      '--json',
    ]);
    expect(run.patch).toEqual({
      guest: 'linux-6.11-vmgenid',
      libraries: ['vdso', 'naive'],
      consumer: 'key',
      clones: 8,
      draws: 32,
      vmgenid: true,
      sysgenid: false,
      wipeOnSuspend: true,
      notifyDelayUs: 12.5,
      drawIntervalUs: 100,
      snapshot: 'diff',
      memoryMiB: 256,
      seed: 4294967295,
      lazy: true,
      cpu: 'none',
      kernel: '6.11',
      vdso: true,
      agent: false,
      uptimeS: 90,
    });
    expect(run).toMatchObject({ exportDir: 'out/snap', json: true, guestFile: null });
  });

  it('--library takes "guest", "all" or a list; --guest takes a name or a manifest path', () => {
    expect(parsed(['--library', 'guest']).patch.libraries).toBe('guest');
    expect(parsed(['--library', 'all']).patch.libraries).toEqual([...LIBRARY_IDS]);
    expect(parsed(['--guest', './mine.json'])).toMatchObject({ guestFile: './mine.json', patch: {} });
  });

  it('--help or -h anywhere wins over every other argument', () => {
    expect(parsed(['--clones', 'abc', '--help']).help).toBe(true);
    expect(parsed(['-h']).help).toBe(true);
  });

  it("a run's settings are the guest's, the table's, and the flags given", async () => {
    const guestResult = await loadGuestNode('linux-6.11-vmgenid');
    if (!guestResult.ok) throw new Error(guestResult.error.message);
    const guest: GuestManifest = guestResult.value;
    const s = resolveSettings(
      guest,
      parsed(['--vmgenid', 'off', '--library', 'rdrand', '--lazy', 'on']).patch,
    );
    expect(s).toMatchObject({
      guest: guest.name,
      vmgenid: false,
      libraries: ['rdrand'],
      lazy: true,
      clones: 4,
      draws: 16,
      seed: 1,
    });
    expect(s.vdso).toBe(guest.kernel.vdsoGetrandom);
    expect(s.memoryMiB).toBe(guest.memoryMiB);
  });

  it('--link and --settings fix every setting: setting flags beside them are refused', () => {
    expect(rejected(['--link', 'x', '--clones', '4'])).toMatchObject({
      kind: 'ConflictingFlags',
      flag: '--clones',
    });
    expect(rejected(['--settings', 'f.json', '--link', 'x'])).toMatchObject({ kind: 'ConflictingFlags' });
    expect(rejected(['--from-snapshot', 'f', '--vmgenid', 'on'])).toMatchObject({
      kind: 'ConflictingFlags',
      flag: '--vmgenid',
    });
    expect(rejected(['--force'])).toMatchObject({ kind: 'ConflictingFlags', flag: '--force' });
  });
});

describe('a rejected flag is one line naming the flag and why', () => {
  it('the message reads as the contract shows', () => {
    expect(rejected(['--clones', 'abc']).message).toBe(
      '--clones: expected a whole number from 1 to 10,000, got "abc"',
    );
  });

  it('an unknown flag', () => {
    expect(rejected(['--clone', '4'])).toMatchObject({ kind: 'UnknownFlag', flag: '--clone' });
    expect(rejected(['-c', '4'])).toMatchObject({ kind: 'UnknownFlag', flag: '-c' });
  });

  it.each(['--clones', '--guest', '--library', '--export', '--notify-delay-us'])(
    'a missing value: %s',
    (flag) => {
      const e = rejected([flag]);
      expect(e).toMatchObject({ kind: 'MissingValue', flag });
      expect(e.message).toMatch(new RegExp(`^${flag}: missing value`));
      expect(rejected([flag, '--json'])).toMatchObject({ kind: 'MissingValue', flag });
    },
  );

  it.each([
    ['--clones', '0'],
    ['--clones', '10001'],
    ['--clones', '2.5'],
    ['--clones', '-1'],
    ['--clones', '1e3'],
    ['--clones', ''],
    ['--draws', '0'],
    ['--draws', '100001'],
    ['--memory-mib', '15'],
    ['--memory-mib', '1025'],
    ['--memory-mib', '64.5'],
    ['--seed', '-1'],
    ['--seed', '4294967296'],
    ['--seed', '0x10'],
    ['--notify-delay-us', '-5'],
    ['--notify-delay-us', 'Infinity'],
    ['--notify-delay-us', 'NaN'],
    ['--notify-delay-us', '1e400'],
    ['--draw-interval-us', 'soon'],
  ])('a bad number: %s %s', (flag, value) => {
    const e = rejected([flag, value]);
    expect(e).toMatchObject({ kind: 'BadValue', flag });
    expect(e.message.startsWith(`${flag}: expected `)).toBe(true);
    expect(e.message).toContain(JSON.stringify(value));
  });

  it.each([
    ['--consumer', 'uuid7'],
    ['--vmgenid', 'yes'],
    ['--sysgenid', 'true'],
    ['--wipeonsuspend', '1'],
    ['--snapshot', 'incremental'],
  ])('a bad choice: %s %s', (flag, value) => {
    expect(rejected([flag, value])).toMatchObject({ kind: 'BadValue', flag });
  });

  it('an unknown library id is named', () => {
    const e = rejected(['--library', 'vdso,libressl']);
    expect(e).toMatchObject({ kind: 'BadValue', flag: '--library' });
    expect(e.message).toContain('unknown library "libressl"');
  });

  it('a library list with an empty item or a repeat', () => {
    expect(rejected(['--library', 'vdso,,naive']).message).toContain('empty item');
    expect(rejected(['--library', 'vdso,vdso']).message).toContain('"vdso" given twice');
  });

  it('a flag given twice', () => {
    expect(rejected(['--clones', '4', '--clones=5'])).toMatchObject({
      kind: 'DuplicateFlag',
      flag: '--clones',
    });
    expect(rejected(['--json', '--json'])).toMatchObject({ kind: 'DuplicateFlag', flag: '--json' });
  });

  it('a value given to a switch', () => {
    expect(rejected(['--json=yes'])).toMatchObject({ kind: 'FlagTakesNoValue', flag: '--json' });
  });

  it('a stray argument', () => {
    expect(rejected(['--clones', '4', '8'])).toMatchObject({ kind: 'UnexpectedArgument', argument: '8' });
  });

  it('an unknown command', () => {
    const r = parseArgs(['runn']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('UnknownCommand');
  });
});

describe('main, in-process', () => {
  it('a bad flag exits 2 with one line on stderr and nothing on stdout', async () => {
    const io = buffers();
    expect(await main(['run', '--draws', 'many'], io)).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr).toBe(
      'uniqueness-lab: --draws: expected a whole number from 1 to 100,000, got "many"\n',
    );
  });

  it('an invalid manifest exits 2 with its message', async () => {
    const file = join(tmp(), 'bad.json');
    writeFileSync(file, '{"name": "x", "memoryMiB": 4}');
    const io = buffers();
    expect(await main(['run', '--guest', file], io)).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(io.stderr).toContain(`${file}: `);
  });

  it('guests lists every shipped guest', async () => {
    const io = buffers();
    expect(await main(['guests', '--json'], io)).toBe(0);
    const list = JSON.parse(io.stdout) as { name: string }[];
    expect(list.map((g) => g.name)).toContain('default');
  });
});

describe('the real CLI', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin/uniqueness-lab.js'), ...args], {
      encoding: 'utf8',
      cwd: root,
    });

  it('run --clones abc exits 2, one line on stderr, nothing on stdout', () => {
    const r = cli('run', '--clones', 'abc');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('uniqueness-lab: --clones: expected a whole number from 1 to 10,000, got "abc"\n');
  });

  it('run --help exits 0 and documents every flag with its default', () => {
    const r = cli('run', '--help');
    expect(r.status).toBe(0);
    const contract = [
      '--guest',
      '--library',
      '--clones',
      '--draws',
      '--consumer',
      '--vmgenid',
      '--sysgenid',
      '--wipeonsuspend',
      '--notify-delay-us',
      '--snapshot',
      '--memory-mib',
      '--seed',
      '--export',
      '--json',
      '--lazy',
      '--draw-interval-us',
      '--help',
    ];
    for (const flag of [...contract, ...RUN_FLAGS.map((f) => f.flag)]) expect(r.stdout).toContain(flag);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('(default: 4; limit: 1 to 10,000)');
    expect(r.stdout).toContain('example');
  });

  it('every setting of the settings table is in run --help with its label, default and limit', () => {
    const help = runHelp().replace(/\s+/g, ' ');
    for (const s of SETTINGS) {
      const limit = settingLimit(s);
      expect(help, s.key).toContain(`${s.flag} `);
      expect(help, s.key).toContain(`${s.label}:`);
      expect(help, s.key).toContain(`(default: ${settingDefault(s)}${limit ? `; limit: ${limit}` : ''})`);
    }
  });

  it('--help at the top exits 0', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('uniqueness-lab run');
  });
});

describe('--export files', () => {
  const pages = 8;
  const image = (present: number[]): SnapshotImage => {
    const memory = new Uint8Array(pages * PAGE_SIZE);
    for (const p of present) memory.fill(p + 1, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
    return { memory, presentPages: present, vmstate: { kernel: { version: '6.1' }, clockNs: 5 } };
  };

  it('a full snapshot writes the flat image and the vmstate', async () => {
    const dir = join(tmp(), 'a', 'b');
    const img = image([0, 1, 2, 3, 4, 5, 6, 7]);
    const r = await writeSnapshotFiles(dir, img, 'full');
    expect(r.ok).toBe(true);
    expect(new Uint8Array(readFileSync(join(dir, 'memory.bin')))).toEqual(img.memory);
    expect(JSON.parse(readFileSync(join(dir, 'vmstate.json'), 'utf8'))).toEqual({
      kernel: { version: '6.1' },
      clockNs: 5,
      snapshotType: 'full',
      pages,
      presentPages: 8,
      format: VMSTATE_FORMAT,
    });
  });

  it('a diff snapshot writes only its pages, at their offsets, in a file of the guest size', async () => {
    const dir = tmp();
    const img = image([1, 2, 6]);
    expect((await writeSnapshotFiles(dir, img, 'diff')).ok).toBe(true);
    const bytes = new Uint8Array(readFileSync(join(dir, 'memory.bin')));
    expect(bytes.length).toBe(pages * PAGE_SIZE);
    expect(statSync(join(dir, 'memory.bin')).size).toBe(pages * PAGE_SIZE);
    for (let p = 0; p < pages; p++) {
      const want = [1, 2, 6].includes(p) ? p + 1 : 0;
      expect(bytes.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE).every((b) => b === want)).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'vmstate.json'), 'utf8'))).toMatchObject({
      snapshotType: 'diff',
      presentPages: 3,
    });
  });

  it('a file in the way is an error naming the path', async () => {
    const file = join(tmp(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await writeSnapshotFiles(file, image([0]), 'full');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/^--export: cannot write /);
      expect(r.error.message).toContain(file);
    }
  });
});

describe('the readable report', () => {
  it('marks duplicates, says the verdict, "never" when the last draw collides, and shows each draw 1-based', async () => {
    const guest = smallGuest('report', { vmgenid: true }, ['naive', 'rdrand', 'getrandom'], 'nonce');
    const r = runExperiment(await loadCoreNode('release'), guest, {
      clones: 2,
      draws: 4,
      notifyDelayUs: 10,
      drawIntervalUs: 5,
    });
    if (!r.ok) throw new Error(r.error.message);
    const text = formatReport(r.value.report, r.value.draw);
    expect(text).toMatch(/naive\s+nonce\s+✖ duplicated\s+8\s+1\s+never/);
    expect(text).toMatch(/rdrand\s+nonce\s+✔ unique\s+0\s+0\s+#1\s+540/);
    expect(text).toMatch(/getrandom\s+nonce\s+◐ duplicated until #3\s+4\s+1\s+#3/);
    expect(text).toContain('clone 1  *');
    expect(text).not.toContain('clone 0');
  });
});
