// The Real kernel's Web Worker: holds the v86 clones (128 MiB of guest RAM each) off the main
// thread, so the page stays responsive while they restore and run. Protocol and dispatch only:
// the work is src/core/real's runner, the same code the CLI and the tests use.
//
// Invariants:
// - One operation at a time (the panel disables its buttons while busy); a cancel aborts the
//   running one through its AbortSignal.
// - The loaded assets are kept after the first restore, so a second restore does not download again.
// - A new restore destroys the previous fleet first (memory: a tab cannot hold two fleets).

import wasmUrl from 'v86/build/v86.wasm?url';
import { loadRealAssets, type RealAssets } from '../../core/real/assets';
import { createV86 } from '../../core/real/emulator';
import { fetchSource } from '../../core/real/fetch';
import {
  agentReseedAll,
  destroyClones,
  readAll,
  restoreClones,
  type RealClone,
  type RealEnv,
} from '../../core/real/runner';
import type { Result } from '../../core/types';
import type { RealError } from '../../core/real/errors';
import type { FromRealWorker, RealResult, ToRealWorker } from './protocol';

const scope = self as unknown as {
  postMessage(msg: FromRealWorker): void;
  onmessage: ((e: MessageEvent<ToRealWorker>) => void) | null;
};

let env: Promise<RealEnv> | null = null;
let assets: { url: string; value: RealAssets } | null = null;
let clones: RealClone[] = [];
const running = new Map<number, AbortController>();

const post = (msg: FromRealWorker) => scope.postMessage(msg);

function getEnv(): Promise<RealEnv> {
  env ??= WebAssembly.compileStreaming(fetch(wasmUrl)).then((wasm) => ({ createEmulator: createV86, wasm }));
  return env;
}

async function restore(
  id: number,
  count: number,
  assetsUrl: string,
  signal: AbortSignal,
): Promise<Result<RealResult, RealError>> {
  await destroyClones(clones);
  clones = [];
  if (!assets || assets.url !== assetsUrl) {
    const loaded = await loadRealAssets(fetchSource(assetsUrl), {
      signal,
      onProgress: (done, total) => post({ kind: 'progress', id, phase: 'download', done, total }),
    });
    if (!loaded.ok) return loaded;
    assets = { url: assetsUrl, value: loaded.value };
  }
  const a = assets.value;
  const r = await restoreClones(await getEnv(), a, count, {
    signal,
    onProgress: (done, total) => post({ kind: 'progress', id, phase: 'restore', done, total }),
  });
  if (!r.ok) return r;
  clones = r.value;
  const m = a.manifest;
  return {
    ok: true,
    value: {
      kernel: {
        release: m.kernelRelease,
        version: m.kernelVersion,
        snapshotUptimeS: m.snapshot.uptimeS,
        stateBytes: m.files.state.bytes,
        stateRawBytes: a.state.byteLength,
      },
      restoreMs: clones.map((c) => c.restoreMs),
    },
  };
}

async function handle(
  msg: Exclude<ToRealWorker, { kind: 'cancel' }>,
  signal: AbortSignal,
): Promise<Result<RealResult, RealError>> {
  switch (msg.kind) {
    case 'restore':
      return restore(msg.id, msg.count, msg.assetsUrl, signal);
    case 'read':
      return readAll(clones, signal);
    case 'reseed':
      return agentReseedAll(clones, signal);
    case 'destroy':
      await destroyClones(clones);
      clones = [];
      return { ok: true, value: null };
  }
}

const KINDS = new Set<string>(['restore', 'read', 'reseed', 'destroy', 'cancel']);

scope.onmessage = (e) => {
  const msg = e.data;
  if (typeof msg !== 'object' || msg === null || !KINDS.has(msg.kind)) return;
  if (msg.kind === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const ac = new AbortController();
  running.set(msg.id, ac);
  handle(msg, ac.signal)
    .then(
      (r) =>
        r.ok
          ? post({ kind: 'answer', id: msg.id, ok: true, value: r.value })
          : post({
              kind: 'answer',
              id: msg.id,
              ok: false,
              error: { kind: r.error.kind, message: r.error.message },
            }),
      (e: unknown) =>
        post({
          kind: 'answer',
          id: msg.id,
          ok: false,
          error: {
            kind: 'EmulatorFailed',
            message: `the real-kernel worker failed: ${(e as Error)?.message ?? String(e)}`,
          },
        }),
    )
    .finally(() => running.delete(msg.id));
};
