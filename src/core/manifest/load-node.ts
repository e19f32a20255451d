// Loads guest manifests from disk for the CLI, tests and benchmarks (Node only; the browser
// fetches /guest/NAME.json and calls parseManifestText itself).
//
// A bare name (`default`, `linux-6.11-vmgenid`) is a shipped guest: public/guest/NAME.json,
// found relative to this module, never to the working directory, so `npx uniqueness-lab` works
// from anywhere. Anything with a slash or ending in .json is a path, relative to the working
// directory. Every failure, including a missing file, is a ManifestError naming the file.

import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestManifest } from '../lab/types';
import { err, type Result } from '../types';
import { readTextFile } from '../files/node';
import {
  MANIFEST_LIMITS,
  manifestError,
  parseGuestIndexText,
  parseManifestText,
  type GuestIndexEntry,
  type ManifestError,
} from './validate';

/** The folder of the shipped guests (public/guest/), as a file URL ending in a slash. */
export const GUEST_DIR_URL = new URL('../../../public/guest/', import.meta.url);

/** The shipped guests' folder as a file-system path. */
export const guestDir = (): string => fileURLToPath(GUEST_DIR_URL);

/** True when the argument names a file rather than a shipped guest. */
export const isManifestPath = (nameOrPath: string): boolean =>
  nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json');

type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** A manifest's text: a regular file of at most MANIFEST_LIMITS.textMaxBytes (a FIFO or a device is refused). */
async function readText(path: string): Promise<ReadResult> {
  const r = await readTextFile(path, MANIFEST_LIMITS.textMaxBytes, 'a guest manifest');
  if (r.ok) return { ok: true, text: r.value };
  return { ok: false, reason: r.error === 'no such file or directory' ? 'no such file' : r.error };
}

/** Reads and checks the guest index (public/guest/index.json). */
export async function listGuestsNode(): Promise<Result<GuestIndexEntry[], ManifestError>> {
  const path = fileURLToPath(new URL('index.json', GUEST_DIR_URL));
  const read = await readText(path);
  if (!read.ok) return err(manifestError('index.json', '', `cannot read ${path}: ${read.reason}`));
  return parseGuestIndexText(read.text, 'index.json');
}

/** Loads a shipped guest by name (`default`) or a manifest file by path (`./my-guest.json`). */
export async function loadGuestNode(nameOrPath: string): Promise<Result<GuestManifest, ManifestError>> {
  if (nameOrPath.trim() === '') return err(manifestError('(guest)', '', 'no guest name or file given'));
  if (isManifestPath(nameOrPath)) {
    const path = resolvePath(nameOrPath);
    const read = await readText(path);
    if (!read.ok) return err(manifestError(nameOrPath, '', `cannot read ${path}: ${read.reason}`));
    return parseManifestText(read.text, nameOrPath);
  }
  const file = `${nameOrPath}.json`;
  const path = fileURLToPath(new URL(encodeURIComponent(file), GUEST_DIR_URL));
  const read = await readText(path);
  if (!read.ok) {
    const index = await listGuestsNode();
    const known = index.ok ? ` (shipped guests: ${index.value.map((g) => g.name).join(', ')})` : '';
    const problem =
      read.reason === 'no such file'
        ? `no shipped guest named "${nameOrPath}"${known}; a manifest file needs a path (./my-guest.json)`
        : `cannot read ${path}: ${read.reason}`;
    return err(manifestError(file, '', problem));
  }
  return parseManifestText(read.text, file);
}

/** Every shipped guest (public/guest/index.json), checked; the first bad one is the error. */
export async function shippedGuestsNode(): Promise<Result<GuestManifest[], ManifestError>> {
  const index = await listGuestsNode();
  if (!index.ok) return index;
  const out: GuestManifest[] = [];
  for (const e of index.value) {
    const g = await loadGuestNode(e.name);
    if (!g.ok) return g;
    out.push(g.value);
  }
  return { ok: true, value: out };
}
