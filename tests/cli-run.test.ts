// The CLI's run command end to end (spawned as a user would run it): secrets searched in the
// exported memory.bin, diff exports holding only dirty pages, same seed -> same outputs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReportJson as RunReport } from '../src/core/session/report';

const bin = new URL('../bin/uniqueness-lab.js', import.meta.url).pathname;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function runJson(args: string[]): RunReport {
  const r = cli(['run', '--json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RunReport;
}

function contains(hay: Buffer, needle: Buffer): boolean {
  return hay.indexOf(needle) >= 0;
}

describe('uniqueness-lab run', () => {
  it('a flagged secret is absent from memory.bin when the kernel supports WIPEONSUSPEND; an unflagged one is present', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ul-'));
    const report = runJson(['--wipeonsuspend', 'on', '--clones', '2', '--draws', '2', '--export', dir]);
    const image = readFileSync(join(dir, 'memory.bin'));
    expect(image.length).toBe(128 * 1024 * 1024);
    expect(report.secrets.length).toBeGreaterThanOrEqual(2);
    for (const s of report.secrets) {
      const found = contains(image, Buffer.from(s.hex, 'hex'));
      expect(found, s.name).toBe(!s.wipeOnSuspend);
      expect(s.inSnapshot, s.name).toBe(found);
    }
    expect(report.snapshot!.wipedPages).toBeGreaterThan(0);
  });

  it('without kernel support every secret reaches memory.bin byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ul-'));
    const report = runJson(['--wipeonsuspend', 'off', '--clones', '2', '--draws', '2', '--export', dir]);
    const image = readFileSync(join(dir, 'memory.bin'));
    for (const s of report.secrets) {
      expect(contains(image, Buffer.from(s.hex, 'hex')), s.name).toBe(true);
      expect(s.inSnapshot).toBe(true);
    }
  });

  it('a diff snapshot memory.bin holds only the dirty pages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ul-'));
    const full = mkdtempSync(join(tmpdir(), 'ul-'));
    const report = runJson(['--snapshot', 'diff', '--clones', '2', '--draws', '2', '--export', dir]);
    runJson(['--snapshot', 'full', '--clones', '2', '--draws', '2', '--export', full]);
    const image = readFileSync(join(dir, 'memory.bin'));
    const vmstate = JSON.parse(readFileSync(join(dir, 'vmstate.json'), 'utf8')) as {
      presentPages: number;
      snapshotType: string;
    };
    expect(vmstate.snapshotType).toBe('diff');
    expect(report.snapshot!.type).toBe('diff');
    const present = report.snapshot!.bytes / 4096;
    expect(vmstate.presentPages).toBe(present);
    expect(present).toBeGreaterThan(0);
    expect(present).toBeLessThan(200); // the heap pages touched after the base, and kernel pages
    // pages outside the layer are holes (zero); the file has the guest's size
    expect(image.length).toBe(128 * 1024 * 1024);
    let nonZeroPages = 0;
    for (let p = 0; p < image.length / 4096; p++) {
      const page = image.subarray(p * 4096, (p + 1) * 4096);
      if (page.some((b) => b !== 0)) nonZeroPages++;
    }
    expect(nonZeroPages).toBeLessThanOrEqual(present);
    // and the file is sparse on disk: far fewer blocks than a full image
    expect(statSync(join(dir, 'memory.bin')).blocks * 512).toBeLessThan(
      (statSync(join(full, 'memory.bin')).blocks * 512) / 10,
    );
  });

  it('the same seed gives the same outputs; another seed gives other outputs', () => {
    const args = ['--library', 'rdrand,getrandom', '--vmgenid', 'on', '--clones', '3', '--draws', '4'];
    const a = runJson([...args, '--seed', '7']);
    const b = runJson([...args, '--seed', '7']);
    const c = runJson([...args, '--seed', '8']);
    expect(a.libraries.map((l) => l.outputs)).toEqual(b.libraries.map((l) => l.outputs));
    expect(a.libraries[0]!.outputs).not.toEqual(c.libraries[0]!.outputs);
  });

  it('bad flags exit 2 with one line naming the flag', () => {
    for (const args of [
      ['--clones', '0'],
      ['--library', 'nope'],
      ['--snapshot', 'half'],
      ['--guest', 'missing-guest'],
    ]) {
      const r = cli(['run', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('run --link and run --settings: the CLI runs what the app and exports hold', () => {
  it('a permalink runs to the same outputs and counts as the session that made it', async () => {
    const { Lab } = await import('../src/core/lab/lab');
    const { loadCoreNode } = await import('../src/core/load/node');
    const { shippedGuestsNode } = await import('../src/core/manifest/load-node');
    const { catalogOf, Session } = await import('../src/core/session/session');
    const { encodeLabState, labStateOf } = await import('../src/core/permalink');
    const { outputRows } = await import('../src/core/lab/draw');
    const guests = await shippedGuestsNode();
    if (!guests.ok) throw new Error(guests.error.message);
    const lab = new Lab(await loadCoreNode('release'));
    const opened = Session.open(lab, catalogOf(guests.value), {
      guest: 'linux-6.11-vmgenid',
      clones: 3,
      draws: 5,
      notifyDelayUs: 12,
      seed: 21,
    });
    if (!opened.ok) throw new Error(opened.error.message);
    const s = opened.value;
    for (const a of [
      { a: 'boot' },
      { a: 'snapshot' },
      { a: 'restore' },
      { a: 'set', s: { draws: 6 } },
      { a: 'draw' },
    ] as const)
      if (!s.apply(a).ok) throw new Error(`action ${a.a} failed`);
    const link = await encodeLabState(labStateOf(s));
    if (!link.ok) throw new Error(link.error.message);
    const report = runJson(['--link', `http://127.0.0.1:5173/sub/path/#s=${link.value}`]);
    const draw = s.lastDraw!;
    expect(report.libraries.map((l) => l.outputs)).toEqual(draw.libraries.map(outputRows));
    expect(report.libraries.map((l) => [l.duplicates, l.firstUniqueDraw])).toEqual(
      draw.libraries.map((l) => [l.duplicates, l.firstUniqueDraw]),
    );
    expect(report.settings).toEqual(s.initial);
    expect(report.actions).toEqual(s.log);
  });

  it('a JSON report re-run with --settings gives the same run', () => {
    const first = cli([
      'run',
      '--json',
      '--library',
      'getrandom,naive',
      '--vmgenid',
      'on',
      '--notify-delay-us',
      '9',
      '--clones',
      '3',
      '--draws',
      '4',
    ]);
    expect(first.code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'ul-')), 'export.json');
    writeFileSync(file, first.stdout);
    const again = runJson(['--settings', file]);
    expect(again).toEqual(JSON.parse(first.stdout) as RunReport);
  });

  it('a damaged link or settings file exits 2 with one line saying why', () => {
    const bad = cli(['run', '--link', 'http://x/#s=AAAA*AAA']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^uniqueness-lab: --link: the link has "\*" at position 5/);
    const file = join(mkdtempSync(join(tmpdir(), 'ul-')), 'x.json');
    writeFileSync(file, '{"settings": {"guest": "default", "clones": 0}}');
    const r = cli(['run', '--settings', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('settings.');
  });
});
