// Node's side of the real-kernel runner: assets from a folder, v86's wasm from node_modules.
// Only the CLI, the tests and the asset script import this (never the browser bundle).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssetSource } from './assets';
import { createV86 } from './emulator';
import type { RealEnv } from './runner';

/** The environment variable that points the CLI and tests at another asset folder. */
export const ASSETS_DIR_ENV = 'UNIQUENESS_LAB_REAL_DIR';

/** public/real/ of this checkout (where `npm run guest:real` writes and the app serves from). */
export function defaultAssetsDir(): string {
  const fromEnv = process.env[ASSETS_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'public', 'real');
}

/** Asset files read from a folder; a missing file reads as null. */
export function folderSource(dir: string): AssetSource {
  return {
    where: dir,
    async read(name, { onBytes } = {}) {
      try {
        const b = await readFile(join(dir, name));
        onBytes?.(b.length);
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
  };
}

/** The path of v86's wasm in node_modules. */
export function v86WasmPath(): string {
  return createRequire(import.meta.url).resolve('v86/build/v86.wasm');
}

/** The installed v86 version (a saved state only restores in the build that wrote it). */
export async function v86Version(): Promise<string> {
  const pkg = createRequire(import.meta.url).resolve('v86/package.json');
  return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
}

let compiled: Promise<WebAssembly.Module> | null = null;

/** The runner's environment in Node: the real v86, its wasm from node_modules compiled once. */
export async function nodeEnv(): Promise<RealEnv> {
  compiled ??= readFile(v86WasmPath()).then((b) => WebAssembly.compile(b));
  return { createEmulator: createV86, wasm: await compiled };
}
