// The real kernel (Debian's i386 Linux 6.1 in v86) restored as clones from one saved state: what
// the clones share, what the agent reseed changes and what it cannot, and how the CLI fails when
// the assets are missing. Needs `npm run guest:real` (public/real/, or $UNIQUENESS_LAB_REAL_DIR);
// `.ci/run` builds them first.
//
// Every test has its own timeout, below the runner's own limits' sum, and a guest that stops
// answering fails with the runner's KernelTimeout message, which carries the serial console's tail.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRealArgs, realCommand, type RealReport } from '../src/core/cli/real';
import { loadRealAssets, type RealAssets } from '../src/core/real/assets';
import { readCpio, writeCpio } from '../src/core/real/cpio';
import type { RealError } from '../src/core/real/errors';
import { buildInitramfs, RESEED_HELPER_PATH } from '../src/core/real/initramfs';
import { defaultAssetsDir, folderSource, nodeEnv } from '../src/core/real/node';
import { reseedHelperElf, RNDRESEEDCRNG } from '../src/core/real/reseedElf';
import {
  agentReseedAll,
  destroyClones,
  distinctCount,
  parseReading,
  readAll,
  restoreClones,
  type RealClone,
} from '../src/core/real/runner';
import { findReply, frameCommand } from '../src/core/real/serial';
import type { Result } from '../src/core/types';

/** The value of a successful result; fails the test with the error's message (serial tail included). */
function must<T>(r: Result<T, RealError>): T {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function bufferIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('the real kernel, restored as clones', () => {
  let assets: RealAssets;
  let clones: RealClone[] = [];

  beforeAll(async () => {
    assets = must(await loadRealAssets(folderSource(defaultAssetsDir())));
  }, 60_000);

  afterEach(async () => {
    await destroyClones(clones);
    clones = [];
  });

  it('three clones print the same /dev/urandom bytes, $RANDOM and boot_id on their first read', async () => {
    clones = must(await restoreClones(await nodeEnv(), assets, 3));
    const first = must(await readAll(clones));
    expect(first.map((r) => r.urandom)).toHaveLength(3);
    expect(distinctCount(first.map((r) => r.urandom))).toBe(1);
    expect(distinctCount(first.map((r) => String(r.shellRandom)))).toBe(1);
    expect(distinctCount(first.map((r) => r.bootId))).toBe(1);
    // the guest clock goes on from the snapshot, it does not restart
    for (const r of first) expect(r.uptimeS).toBeGreaterThanOrEqual(assets.manifest.snapshot.uptimeS);
  }, 90_000);

  it('after the agent reseed every clone reads different /dev/urandom bytes', async () => {
    clones = must(await restoreClones(await nodeEnv(), assets, 3));
    must(await agentReseedAll(clones));
    const after = must(await readAll(clones));
    expect(distinctCount(after.map((r) => r.urandom))).toBe(3);
  }, 90_000);

  it('boot_id and $RANDOM stay identical in every clone even after the agent reseed', async () => {
    clones = must(await restoreClones(await nodeEnv(), assets, 3));
    must(await agentReseedAll(clones));
    const after = must(await readAll(clones));
    expect(distinctCount(after.map((r) => r.bootId))).toBe(1);
    expect(distinctCount(after.map((r) => String(r.shellRandom)))).toBe(1);
  }, 90_000);

  it('a command the guest does not finish in time fails with the serial console tail', async () => {
    clones = must(await restoreClones(await nodeEnv(), assets, 1));
    const r = await clones[0]!.run('echo still-here; sleep 30', 1500);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('KernelTimeout');
    expect(r.error.message).toContain('within 1500 ms');
    expect(r.error.message).toContain('still-here');
  }, 60_000);

  it('a destroyed clone refuses commands', async () => {
    clones = must(await restoreClones(await nodeEnv(), assets, 1));
    await clones[0]!.destroy();
    const r = await clones[0]!.read();
    expect(r.ok ? 'ok' : r.error.kind).toBe('CloneGone');
  }, 60_000);

  it('a cancelled restore leaves no clone behind', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await restoreClones(await nodeEnv(), assets, 2, { signal: ac.signal });
    expect(r.ok ? 'ok' : r.error.kind).toBe('Cancelled');
  });
});

describe('uniqueness-lab real', () => {
  it('exits 2 with the fetch command on one stderr line when the assets are missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ul-real-'));
    const b = bufferIo();
    const code = await realCommand(['--assets', empty, '--json'], b.io);
    expect(code).toBe(2);
    expect(b.stdout()).toBe('');
    expect(b.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(b.stderr()).toContain('npm run guest:real');
    expect(b.stderr()).toContain(empty);
  });

  it.each([
    [
      ['--clones', '9'],
      '--clones: expected a whole number of clones (each ~200 MB of memory) from 1 to 8, got "9"',
    ],
    [['--clones', '0'], 'from 1 to 8'],
    [['--reads', '1001'], '--reads: expected a whole number of reads from 1 to 1000, got "1001"'],
    [['--read-interval-ms', '-5'], '--read-interval-ms'],
    [['--read-interval-ms', '600001'], 'from 0 to 600000'],
    [['--agent-reseed', 'maybe'], '--agent-reseed: expected on or off, got "maybe"'],
    [['--clones'], '--clones: missing value'],
    [['--bogus'], '--bogus: unknown flag for real'],
    [['--reads', '2', '--reads', '3'], '--reads: given more than once'],
    [['extra'], 'unexpected argument "extra"'],
  ])('rejects %j with exit 2 and one line naming the flag and its limit', async (argv, line) => {
    const b = bufferIo();
    expect(await realCommand(argv, b.io)).toBe(2);
    expect(b.stdout()).toBe('');
    expect(b.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(b.stderr()).toContain(line);
  });

  it('parses the defaults of DESIGN.md: 3 clones, 1 read, agent reseed off', () => {
    const r = parseRealArgs([]);
    expect(r.ok && { clones: r.value.clones, reads: r.value.reads, agent: r.value.agentReseed }).toEqual({
      clones: 3,
      reads: 1,
      agent: false,
    });
  });

  it('--json prints one object with the kernel, the clones and every read', async () => {
    const b = bufferIo();
    const code = await realCommand(
      ['--clones', '2', '--reads', '2', '--read-interval-ms', '0', '--agent-reseed', 'on', '--json'],
      b.io,
    );
    expect(b.stderr()).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(b.stdout()) as RealReport;
    expect(report.kernel).toMatch(/^6\.1\./);
    expect(report.clones).toBe(2);
    expect(report.agentReseed).toBe(true);
    expect(report.reads).toHaveLength(2);
    expect(report.reads[0]!.atMs).toBe(0);
    for (const read of report.reads) {
      expect(read.outputs).toHaveLength(2);
      for (const o of read.outputs) expect(o).toMatch(/^[0-9a-f]{32}$/);
      expect(read.distinct).toBe(2);
    }
    // the model of the same setup (the agent at the restore): distinct from the first read, as measured
    expect(report.model).toMatchObject({ agent: true, firstDistinctS: 0, endedBy: 'agent-reseed' });
    expect(report.divergence.modelS).toBe(0);
    expect(report.divergence.measuredS).not.toBeNull();
    expect(report.divergence.differenceS).toBe(report.divergence.measuredS);
  }, 90_000);

  it("prints the model's divergence for a state saved at its uptime beside the reads, and why they can differ", async () => {
    const b = bufferIo();
    expect(await realCommand(['--clones', '2', '--reads', '1'], b.io)).toBe(0);
    expect(b.stdout()).toMatch(
      /^model \(Linux 6\.1, no vmgenid driver, an Intel vCPU with RDRAND, saved at \d+ s uptime, a read every 1 s\): distinct from \d+ s after the restore \(the kernel's scheduled reseed\)$/m,
    );
    expect(b.stdout()).toMatch(/^measured: no read with every clone distinct/m);
    expect(b.stdout()).toMatch(/^why they can differ: They can differ by the CRNG key's age at the save/m);
  }, 90_000);
});

describe('the pieces of the assets', () => {
  it('a cpio newc archive reads back the entries it was written from', () => {
    const data = new TextEncoder().encode('hello');
    const bytes = writeCpio([
      { type: 'dir', path: 'bin', mode: 0o755 },
      { type: 'file', path: 'bin/hi', mode: 0o755, data },
      { type: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
    ]);
    expect(bytes.length % 4).toBe(0);
    const back = readCpio(bytes);
    expect(back.map((e) => e.path)).toEqual(['bin', 'bin/hi', 'dev/console']);
    expect(new TextDecoder().decode(back[1]!.data)).toBe('hello');
    expect(back[2]!.mode).toBe(0o020600);
  });

  it('the initramfs holds /init, busybox and the reseed helper', () => {
    const files = readCpio(buildInitramfs(new Uint8Array([1, 2, 3]))).map((e) => e.path);
    expect(files).toEqual(
      expect.arrayContaining(['init', 'bin/busybox', RESEED_HELPER_PATH.slice(1), 'dev/console']),
    );
  });

  it('the reseed helper is a static i386 ELF that issues ioctl RNDRESEEDCRNG', () => {
    const elf = reseedHelperElf();
    expect([...elf.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(elf[4]).toBe(1); // ELFCLASS32
    expect(elf[18]).toBe(3); // EM_386
    const le = [RNDRESEEDCRNG & 0xff, RNDRESEEDCRNG >> 8, 0, 0];
    expect(Buffer.from(elf).indexOf(Buffer.from([0xb9, ...le]))).toBeGreaterThan(0);
    expect(new TextDecoder().decode(elf.subarray(-13, -1))).toBe('/dev/urandom');
  });

  it('a reply is what the shell printed between its markers, kernel messages left out', () => {
    const sent = frameCommand(7, 'echo hi');
    expect(sent).not.toContain('@@ULB 7');
    const console = '# @@ULB 7\nhi\n[   61.234] random: something\nthere\n@@ULE 7 0\n# ';
    expect(findReply(console, 7)).toEqual({ output: 'hi\nthere\n', status: 0 });
    expect(findReply('@@ULB 8\nhalf', 8)).toBeNull();
  });

  it('a read parses only four well-formed lines', () => {
    const ok = '00112233445566778899aabbccddeeff\n1234\nd2b6e0d8-6f1e-4c62-9a3c-8b1e8e5d6f70\n61.20\n';
    expect(parseReading(0, ok)).toEqual({
      clone: 0,
      urandom: '00112233445566778899aabbccddeeff',
      shellRandom: 1234,
      bootId: 'd2b6e0d8-6f1e-4c62-9a3c-8b1e8e5d6f70',
      uptimeS: 61.2,
    });
    expect(parseReading(0, 'sh: head: not found\n')).toBeNull();
  });
});
