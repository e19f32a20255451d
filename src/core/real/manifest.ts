// The asset manifest (public/real/manifest.json): what `npm run guest:real` built, from which
// Debian packages, and the size and sha256 of every file, so a runner can tell "present and
// usable" from "stale or damaged" without trusting file names.
//
// Invariants:
// - Every file the runner or the docs need is listed under `files` with its exact byte size and
//   sha256 (of the bytes as stored; the state is stored gzip-compressed and its raw size is given).
// - `packages` names each Debian binary package with its SOURCE package and version: that is what
//   anyone redistributing a build must offer the source of (GPL-2.0 kernel and busybox, LGPL-3.0
//   SeaBIOS, glibc inside the static busybox).
// - A state only restores in the v86 build that saved it: `v86` is checked against the installed one.

import { err, ok, type Result } from '../types';
import { realError, type RealError } from './errors';

export const MANIFEST_FORMAT = 'uniqueness-lab/real-assets@1';
export const MANIFEST_FILE = 'manifest.json';

/** The asset roles and the file names they are stored under in public/real/. */
export const ASSET_FILES = {
  bios: 'bios-256k.bin',
  vgaBios: 'vgabios-stdvga.bin',
  bzimage: 'vmlinuz',
  initrd: 'initramfs.cpio.gz',
  /** gzip inside; no .gz in the name (see assets.ts) */
  state: 'state.v86-gzip',
} as const;
export type AssetRole = keyof typeof ASSET_FILES;

/** What a clone needs to start from the saved state (the kernel and initrd live in its RAM image). */
export const RESTORE_ROLES: readonly AssetRole[] = ['bios', 'vgaBios', 'state'];

export interface AssetFile {
  name: string;
  bytes: number;
  sha256: string;
  /** For compressed files: the size and sha256 once decompressed. */
  rawBytes?: number;
  rawSha256?: string;
}

export interface DebianPackage {
  package: string;
  version: string;
  architecture: string;
  /** The Debian source package and its version (from the .deb's Source/Built-Using fields). */
  source: string;
  sourceVersion: string;
  /** Other sources whose code is inside the binary (Built-Using), e.g. glibc in busybox-static. */
  builtUsing: string;
  licence: string;
}

export interface RealManifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
  /** `uname -r` of the guest, e.g. "6.1.0-57-686". */
  kernelRelease: string;
  /** The Debian kernel version, e.g. "6.1.192-3". */
  kernelVersion: string;
  v86: string;
  memoryBytes: number;
  cmdline: string;
  snapshot: {
    /** Guest uptime (s) when the state was saved. */
    uptimeS: number;
    /** Wall time (ms) of the cold boot to the shell marker. */
    bootMs: number;
    saveMs: number;
  };
  files: Record<AssetRole, AssetFile>;
  packages: DebianPackage[];
  /** Copyright files of the packages, stored under licences/. */
  licences: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the parsed manifest's shape (not the files themselves: see checkAssetFile). */
export function parseManifest(json: unknown): Result<RealManifest, RealError> {
  const bad = (reason: string) => err(realError('AssetsInvalid', { file: MANIFEST_FILE, reason }));
  if (!isObj(json)) return bad('not a JSON object');
  if (json.format !== MANIFEST_FORMAT)
    return bad(`format is ${JSON.stringify(json.format)}, not ${MANIFEST_FORMAT}`);
  for (const k of ['kernelRelease', 'kernelVersion', 'v86', 'cmdline', 'createdAt'] as const)
    if (typeof json[k] !== 'string') return bad(`${k} is not a string`);
  if (typeof json.memoryBytes !== 'number') return bad('memoryBytes is not a number');
  if (!isObj(json.snapshot) || typeof json.snapshot.uptimeS !== 'number')
    return bad('snapshot.uptimeS is missing');
  if (!isObj(json.files)) return bad('files is missing');
  for (const role of Object.keys(ASSET_FILES) as AssetRole[]) {
    const f = json.files[role];
    if (
      !isObj(f) ||
      typeof f.name !== 'string' ||
      typeof f.bytes !== 'number' ||
      typeof f.sha256 !== 'string'
    )
      return bad(`files.${role} is missing or incomplete`);
    if (f.name.includes('/') || f.name.startsWith('.'))
      return bad(`files.${role}.name is not a plain file name`);
  }
  if (!Array.isArray(json.packages)) return bad('packages is missing');
  return ok(json as unknown as RealManifest);
}

/** Checks a file's bytes against its manifest entry (size, then sha256 via WebCrypto). */
export async function checkAssetFile(entry: AssetFile, bytes: Uint8Array): Promise<Result<void, RealError>> {
  if (bytes.length !== entry.bytes)
    return err(
      realError('AssetsInvalid', {
        file: entry.name,
        reason: `${bytes.length} bytes, the manifest says ${entry.bytes}`,
      }),
    );
  const sum = await sha256Hex(bytes);
  if (sum !== entry.sha256)
    return err(
      realError('AssetsInvalid', {
        file: entry.name,
        reason: `sha256 ${sum.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…`,
      }),
    );
  return ok(undefined);
}

/** Lowercase hex sha256 of the bytes (WebCrypto: Node 20 and browsers alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
