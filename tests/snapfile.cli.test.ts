// The CLI's snapshot file commands: `run --export-snapshot FILE`, `run --from-snapshot FILE` and
// `scan FILE`, in-process through main() (as a user would call them, without spawning), plus the
// guarantee that a run split at its snapshot reports exactly what runExperiment reports.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, runHelp, topHelp, scanHelp } from '../src/core/cli/args';
import { main, type CliIo } from '../src/core/cli/main';
import type { RunReportJson as RunReport } from '../src/core/session/report';
import type { SecretScan } from '../src/core/snapfile';

const GUEST = new URL('./fixtures/snapfile/small-guest.json', import.meta.url).pathname;

function buffers(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

async function cli(...args: string[]) {
  const io = buffers();
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ul-snapfile-'));
});

describe('parsing the snapshot file flags and scan', () => {
  it('--export-snapshot and --from-snapshot take a file; boot flags conflict with --from-snapshot', () => {
    const r = parseArgs([
      'run',
      '--export-snapshot',
      'a.ulsnap',
      '--from-snapshot=b.ulsnap',
      '--clones',
      '8',
    ]);
    expect(r.ok && r.value.command === 'run' && r.value.run).toMatchObject({
      exportSnapshot: 'a.ulsnap',
      fromSnapshot: 'b.ulsnap',
      patch: { clones: 8 },
    });
    for (const flag of ['--library', '--memory-mib', '--snapshot', '--wipeonsuspend']) {
      const value = {
        '--library': 'naive',
        '--memory-mib': '16',
        '--snapshot': 'diff',
        '--wipeonsuspend': 'on',
      }[flag]!;
      const bad = parseArgs(['run', '--from-snapshot', 'b.ulsnap', flag, value]);
      expect(bad.ok ? null : bad.error, flag).toMatchObject({
        kind: 'ConflictingFlags',
        flag,
        message: `${flag}: cannot be combined with --from-snapshot (the snapshot file fixes the guest, its kernel and its snapshot)`,
      });
    }
    // without --from-snapshot the same flags are fine
    expect(parseArgs(['run', '--library', 'naive', '--export-snapshot', 'a']).ok).toBe(true);
  });

  it('scan takes one FILE and its flags in any order', () => {
    const r = parseArgs(['scan', '--json', 'snap.ulsnap', '--guest', 'default']);
    expect(r.ok && r.value.command === 'scan' && r.value.scan).toEqual({
      help: false,
      file: 'snap.ulsnap',
      guest: 'default',
      json: true,
    });
    const none = parseArgs(['scan', '--json']);
    expect(none.ok ? null : none.error).toMatchObject({ kind: 'MissingArgument', argument: 'FILE' });
    const two = parseArgs(['scan', 'a', 'b']);
    expect(two.ok ? null : two.error).toMatchObject({ kind: 'UnexpectedArgument', argument: 'b' });
    const flag = parseArgs(['scan', 'a', '--clones', '3']);
    expect(flag.ok ? null : flag.error).toMatchObject({ kind: 'UnknownFlag', flag: '--clones' });
  });

  it('the help texts document the new flags and command', () => {
    expect(runHelp()).toMatch(/--export-snapshot FILE\s+write the snapshot with its diff chain/);
    expect(runHelp()).toMatch(
      /--from-snapshot FILE\s+restore the clones from a snapshot file instead of booting/,
    );
    expect(topHelp()).toMatch(/uniqueness-lab scan FILE/);
    expect(scanHelp()).toMatch(/--guest NAME\|FILE/);
  });
});

describe('run with snapshot files', () => {
  it('--from-snapshot reports what the run that exported the file reported (full snapshot, same seed)', async () => {
    const file = join(dir, 'full.ulsnap');
    const common = ['--clones', '3', '--draws', '5', '--notify-delay-us', '20', '--seed', '9', '--json'];
    const a = await cli('run', '--guest', GUEST, '--export-snapshot', file, ...common);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(readFileSync(file).subarray(1, 6).toString()).toBe('ULSNP');
    const b = await cli('run', '--from-snapshot', file, '--guest', GUEST, ...common);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const ra = JSON.parse(a.stdout) as RunReport;
    const rb = JSON.parse(b.stdout) as RunReport;
    // host entropy is keyed by each clone's place under the snapshot, which the file keeps: the
    // clones restored from the file are the clones of the original, byte for byte
    const same = (r: RunReport) => ({
      libraries: r.libraries,
      secrets: r.secrets,
      snapshot: r.snapshot,
      clones: r.clones,
      draws: r.draws,
    });
    expect(same(rb)).toEqual(same(ra));
    expect(rb.actions.map((x) => x.a)).toEqual(['load', 'restore', 'draw']);
    expect(rb.secrets.find((s) => s.name === 'db-password')?.inSnapshot).toBe(true);
    expect(rb.secrets.find((s) => s.name === 'tls-session-key')?.inSnapshot).toBe(false);
  });

  it('a diff chain round-trips: same snapshot facts and the same duplicate pattern', async () => {
    const file = join(dir, 'diff.ulsnap');
    const common = ['--clones', '4', '--draws', '6', '--seed', '3', '--json'];
    const a = await cli('run', '--guest', GUEST, '--snapshot', 'diff', '--export-snapshot', file, ...common);
    expect(a.code).toBe(0);
    const b = await cli('run', '--from-snapshot', file, ...common);
    expect(b.code).toBe(0);
    const ra = JSON.parse(a.stdout) as RunReport;
    const rb = JSON.parse(b.stdout) as RunReport;
    expect(rb.snapshot).toEqual(ra.snapshot);
    const stats = (r: RunReport) =>
      r.libraries.map((l) => [l.library, l.duplicates, l.collidingPairs, l.firstUniqueDraw]);
    expect(stats(rb)).toEqual(stats(ra));
  });

  it('--from-snapshot with --export-snapshot writes the loaded snapshot out again', async () => {
    const first = join(dir, 'first.ulsnap');
    const again = join(dir, 'again.ulsnap');
    expect((await cli('run', '--guest', GUEST, '--export-snapshot', first, '--json')).code).toBe(0);
    expect((await cli('run', '--from-snapshot', first, '--export-snapshot', again, '--json')).code).toBe(0);
    const scan = async (f: string) =>
      (JSON.parse((await cli('scan', f, '--guest', GUEST, '--json')).stdout) as { secrets: SecretScan[] })
        .secrets;
    expect((await scan(again)).map((s) => [s.name, s.inFile])).toEqual(
      (await scan(first)).map((s) => [s.name, s.inFile]),
    );
  });

  it('a bad file exits 2 with the decoder message on one line and nothing on stdout', async () => {
    const good = join(dir, 'good.ulsnap');
    expect((await cli('run', '--guest', GUEST, '--export-snapshot', good, '--json')).code).toBe(0);
    const bytes = readFileSync(good);
    const indexAt = 32 + ((bytes.readUInt32LE(24) + 7) & ~7) + 24;
    const cases: [Uint8Array, RegExp][] = [
      [bytes.subarray(0, indexAt + 10), /snapshot file is truncated: layer 0's page index at byte \d+/],
      [
        Buffer.from('hello, world'),
        /not a uniqueness-lab snapshot file: it starts with 68 65 6c 6c 6f 2c 20 77/,
      ],
      [
        Buffer.concat([bytes.subarray(0, 5000), Buffer.from([bytes[5000]! ^ 0xff]), bytes.subarray(5001)]),
        /is corrupt/,
      ],
    ];
    for (const [content, message] of cases) {
      const f = join(dir, 'bad.ulsnap');
      writeFileSync(f, content);
      const r = await cli('run', '--from-snapshot', f, '--json');
      expect(r.code, message.source).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^uniqueness-lab: --from-snapshot: ${f}: `));
      expect(r.stderr).toMatch(message);
    }
    const missing = await cli('run', '--from-snapshot', join(dir, 'nope.ulsnap'));
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/--from-snapshot: cannot read .*nope\.ulsnap: no such file/);
    const unwritable = await cli(
      'run',
      '--guest',
      GUEST,
      '--export-snapshot',
      join(dir, 'no-dir', 'x.ulsnap'),
    );
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/--export-snapshot: cannot write/);
  });
});

describe('scan', () => {
  it('lists the secrets a file holds: flagged ones absent when the kernel wipes them, unflagged ones with offsets', async () => {
    const file = join(dir, 'scan.ulsnap');
    expect((await cli('run', '--guest', GUEST, '--export-snapshot', file, '--json')).code).toBe(0);
    const text = await cli('scan', file, '--guest', GUEST);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/guest small-guest, 1 layer\(s\) \(full\), \d+ bytes, CRC-64 [0-9a-f]{16}/);
    expect(text.stdout).toMatch(/tls-session-key\s+yes\s+no\s+-/);
    expect(text.stdout).toMatch(/db-password\s+no\s+yes\s+\d+ \(layer 0, page \d+ \+0\)/);
    const json = await cli('scan', file, '--guest', GUEST, '--json');
    const out = JSON.parse(json.stdout) as { guest: string; secrets: SecretScan[] };
    expect(out.guest).toBe('small-guest');
    const db = out.secrets.find((s) => s.name === 'db-password')!;
    const bytes = readFileSync(file);
    expect(bytes.subarray(db.hits[0]!.offset, db.hits[0]!.offset + 9).toString()).toBe('orders-db');
  });

  it("finds a shipped guest's secrets by the name the file holds", async () => {
    const file = join(dir, 'shipped.ulsnap');
    const run = await cli(
      'run',
      '--guest',
      'default',
      '--memory-mib',
      '16',
      '--export-snapshot',
      file,
      '--json',
    );
    expect(run.code).toBe(0);
    const r = await cli('scan', file, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { secrets: SecretScan[] };
    // the default kernel has no MADV_WIPEONSUSPEND: every secret is in the file
    expect(out.secrets.map((s) => s.inFile)).toEqual([true, true]);
  });

  it('a file of a guest that is not shipped needs --guest; a bad file exits 2', async () => {
    const file = join(dir, 'custom.ulsnap');
    expect((await cli('run', '--guest', GUEST, '--export-snapshot', file, '--json')).code).toBe(0);
    const r = await cli('scan', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /holds guest "small-guest", which is not a shipped guest: pass its manifest with --guest FILE/,
    );
    writeFileSync(join(dir, 'junk'), 'junk');
    const junk = await cli('scan', join(dir, 'junk'));
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/junk: not a uniqueness-lab snapshot file/);
  });
});
