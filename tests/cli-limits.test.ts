// Hostile files, manifests and sessions at the CLI, spawned as a user runs it (with a timeout, so
// a hang fails the test instead of stalling it): each is refused with exit 2 and ONE line on
// stderr naming what and why, within MAX_MS of main() starting and under MAX_RSS_MIB of peak
// memory, and nothing already saved or exported changes.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/core/cli/main';
import { Crc64 } from '../src/core/snapfile';
import { testBytes } from './helpers';

/** The bounds: refused within 2 s, under 400 MB (override for a slow machine). */
const MAX_MS = Number(process.env.UL_LIMIT_MS ?? 2000);
const MAX_RSS_MIB = 400;

const measured = new URL('./fixtures/cli/measured.mjs', import.meta.url).pathname;
const smallGuest = JSON.parse(
  readFileSync(new URL('./fixtures/snapfile/small-guest.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let dir: string;
const at = (name: string) => join(dir, name);

function spawnCli(args: string[]) {
  const measure = join(dir, `measure-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, [measured, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: dir,
    env: { ...process.env, UL_MEASURE: measure },
  });
  const m = existsSync(measure)
    ? (JSON.parse(readFileSync(measure, 'utf8')) as { code: number; ms: number; maxRssMiB: number })
    : null;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, m };
}

/** Runs the CLI and checks the refusal: exit 2, one line naming what and why, in time and memory. */
function refused(args: string[], message: RegExp) {
  const r = spawnCli(args);
  expect(r.signal, `killed: ${args.join(' ')} hung`).toBeNull();
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.m!.ms).toBeLessThanOrEqual(MAX_MS);
  expect(r.m!.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
  return r;
}

async function inProcess(...args: string[]) {
  const io = { stdout: '', stderr: '' };
  const sink: CliIo = { out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) };
  const code = await main(args, sink);
  return { code, ...io };
}

const manifest = (name: string, patch: Record<string, unknown>) => {
  const path = at(`${name}.json`);
  writeFileSync(path, JSON.stringify({ ...smallGuest, name, ...patch }));
  return path;
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A copy of a snapshot file whose layer 0 vmstate is `depth` nested arrays, CRC-64 resealed. */
function deepVmstate(file: Uint8Array, depth: number): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.length);
  const jsonLen = view.getUint32(24, true);
  const pad8 = (n: number) => (n + 7) & ~7;
  const meta = JSON.parse(Buffer.from(file.subarray(32, 32 + jsonLen)).toString('utf8')) as {
    layers: { vmstate: unknown }[];
  };
  meta.layers[0]!.vmstate = 'DEEP';
  const text = JSON.stringify(meta).replace('"DEEP"', '['.repeat(depth) + ']'.repeat(depth));
  const json = new TextEncoder().encode(text);
  const rest = file.subarray(32 + pad8(jsonLen), file.length - 8);
  const total = 32 + pad8(json.length) + rest.length + 8;
  const out = new Uint8Array(total);
  out.set(file.subarray(0, 32));
  const v = new DataView(out.buffer);
  v.setUint32(16, total, true);
  v.setUint32(20, 0, true);
  v.setUint32(24, json.length, true);
  out.set(json, 32);
  out.set(rest, 32 + pad8(json.length));
  const [lo, hi] = new Crc64().update(out.subarray(0, total - 8)).halves();
  v.setUint32(total - 8, lo, true);
  v.setUint32(total - 4, hi, true);
  return out;
}

/** A sparse file of `size` bytes that starts with `head`. */
function sparse(path: string, size: number, head: Uint8Array = new Uint8Array(0)) {
  writeFileSync(path, head);
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, size);
  closeSync(fd);
}

let fifo: string | null = null;
let good: Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ul-limits-'));
  if (spawnSync('mkfifo', [at('fifo')]).status === 0) fifo = at('fifo');
  symlinkSync('/dev/zero', at('zero.json'));
  const r = await inProcess('run', '--guest', manifest('small', {}), '--clones', '2', '--draws', '2');
  expect(r.code).toBe(0);
  const exported = await inProcess(
    'run',
    '--guest',
    manifest('small', {}),
    '--clones',
    '2',
    '--draws',
    '2',
    '--export-snapshot',
    at('good.ulsnap'),
  );
  expect(exported.stderr).toBe('');
  good = new Uint8Array(readFileSync(at('good.ulsnap')));
  writeFileSync(at('deep.ulsnap'), deepVmstate(good, 500_000));
});

describe('secrets that cannot be meaningful, and secrets that do not fit', () => {
  it('a one-byte secret "00" is refused, naming the field', () => {
    const g = manifest('s00', { secrets: [{ name: 'z', hex: '00', wipeOnSuspend: false }] });
    refused(
      ['run', '--guest', g],
      /s00\.json: secrets\[0\]\.hex: is one byte \(0x00\): a secret needs at least two different bytes/,
    );
  });

  it('a 4 KiB secret of zeros is refused', () => {
    const g = manifest('s4k', { secrets: [{ name: 'z', hex: '00'.repeat(4096), wipeOnSuspend: false }] });
    refused(['run', '--guest', g], /s4k\.json: secrets\[0\]\.hex: is one byte repeated \(0x00 x 4096\)/);
  });

  it('a text secret of one repeated character is refused too', () => {
    const g = manifest('aaaa', { secrets: [{ name: 'z', text: 'aaaa', wipeOnSuspend: false }] });
    refused(['run', '--guest', g], /aaaa\.json: secrets\[0\]\.text: is one byte repeated \(0x61 x 4\)/);
  });

  it('64 secrets of 4 KiB of zeros are refused at the first', () => {
    const secrets = Array.from({ length: 64 }, (_, i) => ({
      name: `z${i}`,
      hex: '00'.repeat(4096),
      wipeOnSuspend: false,
    }));
    refused(
      ['run', '--guest', manifest('s64', { secrets })],
      /s64\.json: secrets\[0\]\.hex: is one byte repeated/,
    );
  });

  it('64 secrets of 4 KiB that do not fit name the first that does not, and the room there is', () => {
    const secrets = Array.from({ length: 64 }, (_, i) => ({
      name: `s${i}`,
      hex: hex(testBytes(4096, i + 1)),
      wipeOnSuspend: false,
    }));
    const g = manifest('s64fit', { secrets, layout: { kernelPages: 3990 } });
    refused(
      ['run', '--guest', g],
      /s64fit\.json: secrets\[37\]: secret "s37" does not fit: a 16 MiB guest has 4096 pages, the kernel takes the first 4059 .* which leaves 37 for secrets, and secrets\[0\] to secrets\[37\] need 38$/m,
    );
  });

  it('secrets that fit the manifest but not a smaller --memory-mib are refused at boot, naming the field', () => {
    const secrets = Array.from({ length: 64 }, (_, i) => ({
      name: `s${i}`,
      hex: hex(testBytes(4096, i + 1)),
      wipeOnSuspend: false,
    }));
    const g = manifest('s64big', { secrets, memoryMiB: 128, layout: { kernelPages: 3990 } });
    refused(
      ['run', '--guest', g, '--memory-mib', '16'],
      /boot: secrets\[37\]: secret "s37" does not fit: a 16 MiB guest/,
    );
  });

  it('a random 64 x 4 KiB secret guest that fits runs and finds every secret once', () => {
    const secrets = Array.from({ length: 64 }, (_, i) => ({
      name: `s${i}`,
      hex: hex(testBytes(4096, i + 1)),
      wipeOnSuspend: false,
    }));
    const r = spawnCli([
      'run',
      '--guest',
      manifest('s64ok', { secrets }),
      '--clones',
      '2',
      '--draws',
      '2',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { secrets: { occurrences: number }[] };
    expect(report.secrets.map((s) => s.occurrences)).toEqual(secrets.map(() => 1));
    expect(r.m!.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
  });

  it('layout.kernelPages that leave no room name the file, the field and the limit', () => {
    const g = manifest('k4095', { layout: { kernelPages: 4095 } });
    refused(
      ['run', '--guest', g],
      /k4095\.json: layout\.kernelPages: 4095 kernel pages leave no room .* in a 16 MiB guest of 4096 pages: at most 4026$/m,
    );
  });
});

describe('files that are not regular files, or far too large, are refused before they are read', () => {
  const kinds: [string, () => string | null, RegExp][] = [
    ['a FIFO', () => fifo, /it is a FIFO \(named pipe\), not a regular file$/m],
    ['/dev/zero', () => '/dev/zero', /it is a character device, not a regular file$/m],
  ];
  for (const [what, path, message] of kinds) {
    it(`${what} as run --from-snapshot, scan, --guest and --settings`, () => {
      const p = path();
      if (p === null) return; // no mkfifo here
      refused(['run', '--from-snapshot', p], message);
      refused(['scan', p], message);
      refused(['run', '--guest', p === '/dev/zero' ? at('zero.json') : p], message);
      refused(['run', '--settings', p], message);
    });
  }

  it('a sparse 1.5 GB file of zeros is refused at its first bytes', () => {
    sparse(at('zeros.bin'), 1.5e9);
    const message =
      /not a uniqueness-lab snapshot file: it starts with 00 00 00 00 00 00 00 00 instead of the magic/;
    refused(['scan', at('zeros.bin')], message);
    refused(['run', '--from-snapshot', at('zeros.bin')], message);
  });

  it('a file over the format limit gets the lab\'s own message, not the runtime\'s "> 2 GiB"', () => {
    sparse(at('huge.bin'), 5 * 2 ** 30, good.subarray(0, 32));
    refused(
      ['scan', at('huge.bin')],
      /huge\.bin: not a snapshot file uniqueness-lab can read: it is 5368709120 bytes and a snapshot file is at most 4294967295 bytes/,
    );
  });

  it('a large damaged snapshot file is checksummed in a stream, never held whole', () => {
    // the header of a real file, declaring 100 MiB, then zeros: the CRC-64 cannot match
    const size = 100 * 2 ** 20;
    const head = good.slice(0, 32);
    new DataView(head.buffer).setUint32(16, size, true);
    sparse(at('damaged.ulsnap'), size, head);
    const r = refused(
      ['scan', at('damaged.ulsnap')],
      /damaged\.ulsnap: snapshot file is corrupt: its CRC-64 says /,
    );
    // held whole it would add 100 MiB; streamed it adds a chunk
    expect(r.m!.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
  });

  it('a CRC-valid file whose vmstate is 500,000 nested arrays is refused, naming the limit', () => {
    const message = /deep\.ulsnap: snapshot file vmstate JSON: is nested deeper than 16 levels/;
    refused(['scan', at('deep.ulsnap')], message);
    refused(['run', '--from-snapshot', at('deep.ulsnap')], message);
  });
});

describe('sessions: a settings export with a key that is not a setting', () => {
  it('names the key, says what is wrong with it and lists the keys', async () => {
    const r = await inProcess(
      'run',
      '--guest',
      manifest('small', {}),
      '--clones',
      '2',
      '--draws',
      '2',
      '--json',
    );
    const { settings, actions } = JSON.parse(r.stdout) as { settings: object; actions: unknown[] };
    const text = JSON.stringify({ settings, actions }).replace('{"guest"', '{"__proto__":{"x":1},"guest"');
    writeFileSync(at('proto.json'), text);
    refused(
      ['run', '--settings', at('proto.json')],
      /--settings: .*proto\.json: settings\.__proto__: is not a known key \(allowed: guest, /,
    );
  });
});

describe('exports: checked before the run, written whole or not at all', () => {
  const run = ['run', '--clones', '2', '--draws', '2', '--memory-mib', '16'];
  const partials = (d: string) => readdirSync(d).filter((n) => n.includes('.partial-'));

  it('a directory where vmstate.json goes: refused, memory.bin untouched', () => {
    const d = at('export-blocked');
    mkdirSync(join(d, 'vmstate.json'), { recursive: true });
    writeFileSync(join(d, 'memory.bin'), 'OLD');
    refused(
      [...run, '--export', d],
      /--export: cannot write .*vmstate\.json: it is a directory; a file is written there/,
    );
    expect(readFileSync(join(d, 'memory.bin'), 'utf8')).toBe('OLD');
    expect(partials(d)).toEqual([]);
  });

  it('a folder that cannot be made (/proc/nope) fails at once, naming it', () => {
    if (!existsSync('/proc/self')) return;
    refused(
      [...run, '--export', '/proc/nope'],
      /--export: cannot write \/proc\/nope: the folder \/proc\/nope cannot be made/,
    );
  });

  it('a folder the export made is removed again when the run is refused', () => {
    const d = at('made/for/nothing');
    const g = manifest('s00b', { secrets: [{ name: 'z', hex: '00', wipeOnSuspend: false }] });
    refused(['run', '--guest', g, '--export', d], /secrets\[0\]\.hex: is one byte/);
    expect(existsSync(at('made'))).toBe(false);
  });

  it('--export-snapshot onto an existing file asks for --force and leaves it as it was', () => {
    const file = at('kept.ulsnap');
    writeFileSync(file, good);
    refused(
      [...run, '--seed', '2', '--export-snapshot', file],
      /--export-snapshot: .*kept\.ulsnap already exists; add --force to replace it/,
    );
    expect(new Uint8Array(readFileSync(file))).toEqual(good);
    expect(partials(dir)).toEqual([]);
  });

  it('--force replaces it, whole', async () => {
    const file = at('replaced.ulsnap');
    writeFileSync(file, 'OLD');
    const r = await inProcess(...run, '--export-snapshot', file, '--force');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(file).subarray(1, 6).toString()).toBe('ULSNP');
    expect(partials(dir)).toEqual([]);
  });

  it('--export-snapshot into a folder that does not exist fails before the run', () => {
    refused(
      [...run, '--export-snapshot', at('no/such/folder/x.ulsnap')],
      /--export-snapshot: cannot write .*x\.ulsnap: no such file or directory/,
    );
  });
});
