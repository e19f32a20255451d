// `npm run guest:real`: fetches Debian's i386 Linux 6.1 kernel, busybox-static and SeaBIOS with the
// system's apt, builds the initramfs and the reseed helper, boots once in v86 and saves a
// compressed pre-booted state, all into public/real/ (git-ignored; the app serves it from there).
//
// Invariants:
// - Idempotent: when public/real/ holds a manifest whose every file matches its size and sha256
//   (and the installed v86 is the one that saved the state) it exits 0 at once.
// - Never reads stdin; every child process gets /dev/null as stdin.
// - Without apt/dpkg, or without root where root is needed, it prints exactly what to install or
//   run and exits 1. Nothing it downloads is kept outside public/real/ (a temp folder is removed).
// - The manifest is written last, after every other file: a half-finished run is never "valid".
//
// Flags (for measurements; the defaults are what the app and tests expect):
//   --out DIR       write somewhere else than public/real/
//   --uptime-s N    guest uptime at the snapshot (default DEFAULT_UPTIME_S)
//   --force         rebuild even if valid assets are present

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { bootAndSave } from '../src/core/real/boot';
import { GUEST_MEMORY_BYTES } from '../src/core/real/emulator';
import { buildInitramfs, KERNEL_CMDLINE } from '../src/core/real/initramfs';
import { REAL_DEFAULTS } from '../src/core/real/limits';
import {
  ASSET_FILES,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  parseManifest,
  type AssetRole,
  type DebianPackage,
  type RealManifest,
} from '../src/core/real/manifest';
import { nodeEnv, v86Version } from '../src/core/real/node';

/** Guest uptime at the snapshot: the clones' first kernel reseed comes from the schedule then. */
const DEFAULT_UPTIME_S = REAL_DEFAULTS.snapshotUptimeS;
const BOOT_TIMEOUT_MS = 300_000;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const say = (line: string) => process.stdout.write(`guest:real: ${line}\n`);
function fail(lines: string[]): never {
  for (const l of lines) process.stderr.write(`guest:real: ${l}\n`);
  process.exit(1);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const has = (cmd: string) =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: ['ignore', 'ignore', 'ignore'] }).status === 0;
const run = (cmd: string, args: string[], cwd?: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const tryRun = (cmd: string, args: string[], cwd?: string) =>
  spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Whether `dir` already holds a complete, matching asset set (the idempotent fast path). */
async function validAssets(dir: string): Promise<RealManifest | null> {
  try {
    const m = parseManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
    if (!m.ok) return null;
    if (m.value.v86 !== (await v86Version())) return null;
    for (const role of Object.keys(ASSET_FILES) as AssetRole[]) {
      const f = m.value.files[role];
      const b = await readFile(join(dir, f.name));
      if (b.length !== f.bytes || sha256(b) !== f.sha256) return null;
    }
    return m.value;
  } catch {
    return null;
  }
}

/** Stops with instructions when this machine cannot fetch Debian packages. */
function preflight(): void {
  if (
    process.platform !== 'linux' ||
    !has('apt-get') ||
    !has('dpkg') ||
    !has('dpkg-deb') ||
    !has('apt-cache')
  )
    fail([
      "this needs a Debian or Ubuntu system with apt-get, apt-cache, dpkg and dpkg-deb, to fetch Debian 12's",
      'i386 packages linux-image-6.1.0-*-686, busybox-static and seabios. On another system, run it in a',
      'Debian 12 container with this folder mounted, e.g.:',
      '  docker run --rm -v "$PWD":/lab -w /lab node:20-bookworm npm run guest:real',
    ]);
  const arches = [
    run('dpkg', ['--print-architecture']).trim(),
    ...run('dpkg', ['--print-foreign-architectures']).split('\n'),
  ];
  if (!arches.includes('i386')) {
    if (!isRoot())
      fail([
        'the i386 architecture is not enabled in dpkg. As root, run:',
        '  dpkg --add-architecture i386 && apt-get update',
        'then run `npm run guest:real` again.',
      ]);
    say('enabling the i386 architecture (dpkg --add-architecture i386) and updating apt lists');
    run('dpkg', ['--add-architecture', 'i386']);
    aptUpdate();
  }
}

let updated = false;
function aptUpdate(): void {
  if (updated) return;
  if (!isRoot())
    fail([
      'apt has no i386 package lists. As root, run:',
      '  apt-get update',
      'then run `npm run guest:real` again.',
    ]);
  run('apt-get', ['update', '-qq']);
  updated = true;
}

/** The exact kernel package behind Debian's linux-image-686 meta-package (i386, 6.1 only). */
function kernelPackage(): string {
  let show = tryRun('apt-cache', ['show', '--no-all-versions', 'linux-image-686:i386']);
  if (show.status !== 0 || !/^Depends:/m.test(show.stdout)) {
    aptUpdate();
    show = tryRun('apt-cache', ['show', '--no-all-versions', 'linux-image-686:i386']);
  }
  const dep = /^Depends:.*?\b(linux-image-(6\.1\.0-\d+)-686)\b/m.exec(show.stdout);
  if (!dep)
    fail([
      'apt knows no linux-image-686:i386 that depends on a 6.1 kernel (linux-image-6.1.0-*-686).',
      "The lab's ground truth is Debian 12 (bookworm)'s Linux 6.1: add a bookworm source to apt, run",
      '`apt-get update` as root, then run `npm run guest:real` again.',
    ]);
  return dep[1]!;
}

function debInfo(deb: string, licence: string): DebianPackage {
  const field = (f: string) => run('dpkg-deb', ['-f', deb, f]).trim();
  const pkg = field('Package');
  const version = field('Version');
  const src = field('Source');
  const builtUsing = field('Built-Using');
  // Source: "busybox (1:1.35.0-4+deb12u1)" or absent (= the package name and version); the signed
  // kernel's Source is linux-signed-i386, whose Built-Using names the real source, linux.
  let source = src ? src.split(' ')[0]! : pkg;
  let sourceVersion = /\((.*)\)/.exec(src)?.[1] ?? version;
  const linux = /\blinux \(= ([^)]+)\)/.exec(builtUsing);
  if (source.startsWith('linux-signed') && linux) {
    source = 'linux';
    sourceVersion = linux[1]!;
  }
  return {
    package: pkg,
    version,
    architecture: field('Architecture'),
    source,
    sourceVersion,
    builtUsing,
    licence,
  };
}

const buf = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'uptime-s': { type: 'string' }, force: { type: 'boolean' } },
    strict: true,
  });
  const out = resolve(values.out ?? join(ROOT, 'public', 'real'));
  const uptimeS = values['uptime-s'] === undefined ? DEFAULT_UPTIME_S : Number(values['uptime-s']);
  if (!Number.isFinite(uptimeS) || uptimeS < 0 || uptimeS > 3600)
    fail(['--uptime-s must be a number of seconds from 0 to 3600']);

  if (!values.force) {
    const present = await validAssets(out);
    if (present) {
      say(
        `assets present in ${out} (kernel ${present.kernelRelease}, snapshot at ${present.snapshot.uptimeS.toFixed(0)} s uptime); nothing to do`,
      );
      return;
    }
  }

  preflight();
  try {
    await mkdir(join(out, 'licences'), { recursive: true });
    await access(out, constants.W_OK);
  } catch (e) {
    fail([`cannot write the assets to ${out}: ${(e as Error).message}`]);
  }
  const kernel = kernelPackage();
  const tmp = await mkdtemp(join(tmpdir(), 'guest-real-'));
  try {
    say(`downloading ${kernel}:i386, busybox-static:i386 and seabios with apt-get download`);
    const sandbox = isRoot() ? ['-o', 'APT::Sandbox::User=root'] : [];
    const download = () =>
      tryRun(
        'apt-get',
        [...sandbox, 'download', '-qq', `${kernel}:i386`, 'busybox-static:i386', 'seabios'],
        tmp,
      );
    let got = download();
    if (got.status !== 0 && !updated) {
      // stale package lists name versions the mirror no longer has: refresh once and retry
      say('apt-get download failed; updating the package lists and retrying');
      aptUpdate();
      got = download();
    }
    if (got.status !== 0) fail(['apt-get download failed:', ...got.stderr.trim().split('\n')]);
    const debs = (await readdir(tmp)).filter((f) => f.endsWith('.deb'));
    const find = (prefix: string) => {
      const f = debs.find((d) => d.startsWith(prefix));
      if (!f) fail([`apt-get download did not produce ${prefix}*.deb`]);
      return join(tmp, f);
    };
    const debKernel = find(`${kernel}_`);
    const debBusybox = find('busybox-static_');
    const debSeabios = find('seabios_');
    const root = join(tmp, 'root');
    for (const d of [debKernel, debBusybox, debSeabios]) run('dpkg-deb', ['-x', d, root]);
    const packages = [
      debInfo(debKernel, 'GPL-2.0'),
      debInfo(debBusybox, 'GPL-2.0 (static: contains glibc, LGPL-2.1)'),
      debInfo(debSeabios, 'LGPL-3.0'),
    ];
    const release = kernel.replace(/^linux-image-/, '');
    const bzimage = new Uint8Array(await readFile(join(root, 'boot', `vmlinuz-${release}`)));
    const bios = new Uint8Array(await readFile(join(root, 'usr/share/seabios/bios-256k.bin')));
    const vgaBios = new Uint8Array(await readFile(join(root, 'usr/share/seabios/vgabios-stdvga.bin')));
    const busybox = new Uint8Array(await readFile(join(root, 'bin/busybox')));
    const initrd = new Uint8Array(gzipSync(buildInitramfs(busybox), { level: 9 }));
    say(
      `initramfs ${(initrd.length / 1048576).toFixed(2)} MiB (busybox ${packages[1]!.version} and the reseed helper)`,
    );

    say(`booting ${release} in v86 and waiting for ${uptimeS} s of guest uptime before saving`);
    const saved = await bootAndSave(
      await nodeEnv(),
      { bios: buf(bios), vgaBios: buf(vgaBios), bzimage: buf(bzimage), initrd: buf(initrd) },
      {
        uptimeS,
        bootTimeoutMs: BOOT_TIMEOUT_MS,
        onStatus: say,
      },
    );
    if (!saved.ok) fail([saved.error.message]);
    const s = saved.value;
    const stateRaw = new Uint8Array(s.state);
    const state = new Uint8Array(gzipSync(stateRaw, { level: 6 }));
    say(
      `saved at ${s.uptimeS.toFixed(1)} s uptime: state ${(stateRaw.length / 1048576).toFixed(1)} MiB, ${(state.length / 1048576).toFixed(1)} MiB gzip`,
    );

    await mkdir(join(out, 'licences'), { recursive: true });
    await rm(join(out, MANIFEST_FILE), { force: true });
    const bytes: Record<AssetRole, Uint8Array> = { bios, vgaBios, bzimage, initrd, state };
    const files = {} as RealManifest['files'];
    for (const role of Object.keys(ASSET_FILES) as AssetRole[]) {
      const b = bytes[role];
      await writeFile(join(out, `${ASSET_FILES[role]}.partial`), b);
      await rename(join(out, `${ASSET_FILES[role]}.partial`), join(out, ASSET_FILES[role]));
      files[role] = {
        name: ASSET_FILES[role],
        bytes: b.length,
        sha256: sha256(b),
        ...(role === 'state' ? { rawBytes: stateRaw.length, rawSha256: sha256(stateRaw) } : {}),
      };
    }
    const licences: string[] = [];
    for (const p of packages) {
      const from = join(root, 'usr/share/doc', p.package, 'copyright');
      if (!existsSync(from)) continue;
      const name = `licences/${p.package}.copyright`;
      await writeFile(join(out, name), await readFile(from));
      licences.push(name);
    }
    const manifest: RealManifest = {
      format: MANIFEST_FORMAT,
      createdAt: new Date().toISOString(),
      kernelRelease: s.kernelRelease,
      kernelVersion: packages[0]!.version,
      v86: await v86Version(),
      memoryBytes: GUEST_MEMORY_BYTES,
      cmdline: KERNEL_CMDLINE,
      snapshot: { uptimeS: s.uptimeS, bootMs: Math.round(s.bootMs), saveMs: Math.round(s.saveMs) },
      files,
      packages,
      licences,
    };
    await writeFile(join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    say(
      `wrote ${out}: ${Object.values(files)
        .map((f) => f.name)
        .join(', ')}, ${licences.length} licence files, ${MANIFEST_FILE}`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`guest:real: failed: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
