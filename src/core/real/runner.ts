// The real-kernel runner, one code for Node (CLI, tests, the asset script) and the browser (its
// Web Worker): restores N clones of the saved v86 state, sends them shell commands over serial and
// reads what a program inside each clone would see: 16 bytes of /dev/urandom, the shell's
// $RANDOM, boot_id and uptime. The "agent" mitigation writes host entropy into /dev/urandom and
// makes the kernel reseed at once (RNDRESEEDCRNG via the helper in the initramfs).
//
// Invariants:
// - All or nothing: restoreClones returns every clone or none (the ones made are destroyed on a
//   failure or a cancel), as the lab's model never leaves a partial fleet.
// - One command at a time per clone (a queue); every command has a timeout, and a timeout's
//   error carries the tail of that clone's serial console.
// - Host entropy comes from crypto.getRandomValues, never from the guest or the snapshot.
// - Nothing here imports Node or DOM APIs: assets arrive through an AssetSource (assets.ts).

import { err, ok, type Result } from '../types';
import { realError, type RealError } from './errors';
import { GUEST_MEMORY_BYTES, wasmFn, type EmulatorFactory, type V86Like } from './emulator';
import { RESEED_HELPER_PATH } from './initramfs';
import type { RealAssets } from './assets';
import { parseReading, READ_COMMAND, type CloneReading } from './reading';
import { frameCommand, SerialLog, type Reply } from './serial';

export { distinctCount, parseReading, READ_COMMAND, type CloneReading } from './reading';

/** Time limits (ms). Generous: a 2-core machine running 8 clones and a test suite is slow. */
export const REAL_TIMEOUTS = {
  restore: 60_000,
  command: 20_000,
};

/** How the runner creates emulators, and v86's wasm compiled once (node.ts, or the worker). */
export interface RealEnv {
  createEmulator: EmulatorFactory;
  wasm: WebAssembly.Module;
}

/** Hex of `bytes` bytes of host entropy (crypto.getRandomValues). */
export function hostEntropyHex(bytes = 32): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Options of a long operation: a cancel signal and a progress callback. */
export interface OpOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const cancelled = () => err(realError('Cancelled', {}));

/** One running clone of the saved state. */
export class RealClone {
  private readonly log = new SerialLog();
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private gone = false;

  private constructor(
    readonly index: number,
    private readonly emulator: V86Like,
    /** Host ms from the constructor to "emulator-loaded". */
    public restoreMs = 0,
  ) {
    emulator.add_listener('serial0-output-byte', ((b: number) => this.log.push(b)) as (arg: never) => void);
  }

  /** Starts a clone from the assets' saved state and waits until it runs. */
  static async restore(
    env: RealEnv,
    assets: RealAssets,
    index: number,
    signal?: AbortSignal,
  ): Promise<Result<RealClone, RealError>> {
    if (signal?.aborted) return cancelled();
    const t0 = performance.now();
    let emulator: V86Like;
    try {
      emulator = env.createEmulator({
        wasm_fn: wasmFn(env.wasm),
        memory_size: assets.manifest.memoryBytes || GUEST_MEMORY_BYTES,
        bios: { buffer: assets.bios },
        vga_bios: { buffer: assets.vgaBios },
        initial_state: { buffer: assets.state },
        autostart: true,
        disable_speaker: true,
        disable_keyboard: true,
        disable_mouse: true,
      });
    } catch (e) {
      return err(realError('EmulatorFailed', { clone: index, reason: String((e as Error)?.message ?? e) }));
    }
    const clone = new RealClone(index, emulator);
    const loaded = await new Promise<'loaded' | 'timeout' | 'cancelled'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), REAL_TIMEOUTS.restore);
      const onAbort = () => resolve('cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      emulator.add_listener('emulator-loaded', (() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve('loaded');
      }) as (arg: never) => void);
    });
    if (loaded !== 'loaded') {
      await clone.destroy();
      if (loaded === 'cancelled') return cancelled();
      return err(
        realError('EmulatorFailed', {
          clone: index,
          reason: `not running ${REAL_TIMEOUTS.restore} ms after the restore began`,
        }),
      );
    }
    clone.restoreMs = performance.now() - t0;
    return ok(clone);
  }

  /** Runs one shell command (queued behind earlier ones) and returns its reply. */
  run(
    command: string,
    timeoutMs = REAL_TIMEOUTS.command,
    signal?: AbortSignal,
  ): Promise<Result<Reply, RealError>> {
    const next = this.queue.then(() => this.runNow(command, timeoutMs, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(
    command: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Result<Reply, RealError>> {
    if (this.gone) return err(realError('CloneGone', { clone: this.index }));
    if (signal?.aborted) return cancelled();
    const id = this.nextId++;
    const reply = this.log.expect(id);
    this.emulator.serial0_send(frameCommand(id, command));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = await Promise.race([
      reply,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
      new Promise<'cancelled'>((r) => {
        onAbort = () => r('cancelled');
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (outcome === 'timeout' || outcome === 'cancelled') {
      this.log.abandon();
      if (outcome === 'cancelled') return cancelled();
      return err(
        realError('KernelTimeout', {
          clone: this.index,
          command: shorten(command),
          timeoutMs,
          serialTail: this.log.tail(600),
        }),
      );
    }
    if (this.gone) return err(realError('CloneGone', { clone: this.index }));
    return ok(outcome);
  }

  /** Reads 16 bytes of /dev/urandom, $RANDOM, boot_id and uptime in the clone. */
  async read(signal?: AbortSignal): Promise<Result<CloneReading, RealError>> {
    const r = await this.run(READ_COMMAND, REAL_TIMEOUTS.command, signal);
    if (!r.ok) return r;
    const reading = r.value.status === 0 ? parseReading(this.index, r.value.output) : null;
    if (!reading)
      return err(realError('BadReply', { clone: this.index, command: 'read', output: r.value.output }));
    return ok(reading);
  }

  /**
   * The agent mitigation: writes 32 bytes of host entropy (as hex text) into /dev/urandom, then
   * asks the kernel to reseed its CRNG now. Returns the host ms it took.
   */
  async agentReseed(signal?: AbortSignal): Promise<Result<number, RealError>> {
    const t0 = performance.now();
    const r = await this.run(
      `echo ${hostEntropyHex(32)} >/dev/urandom && ${RESEED_HELPER_PATH}`,
      REAL_TIMEOUTS.command,
      signal,
    );
    if (!r.ok) return r;
    if (r.value.status !== 0)
      return err(
        realError('BadReply', {
          clone: this.index,
          command: 'agent reseed',
          output: `exit status ${r.value.status} ${r.value.output}`,
        }),
      );
    return ok(performance.now() - t0);
  }

  /** The last bytes of the clone's serial console. */
  serialTail(bytes?: number): string {
    return this.log.tail(bytes);
  }

  /** Stops and frees the emulator; later commands get CloneGone. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    this.log.abandon();
    try {
      await this.emulator.destroy();
    } catch {
      // a half-constructed emulator may fail to tear down; it holds nothing we can free anyway
    }
  }
}

const shorten = (command: string) => (command.length > 60 ? `${command.slice(0, 57)}...` : command);

/** Restores `count` clones one after another; all of them, or none (a failure destroys the rest). */
export async function restoreClones(
  env: RealEnv,
  assets: RealAssets,
  count: number,
  opts: OpOptions = {},
): Promise<Result<RealClone[], RealError>> {
  const clones: RealClone[] = [];
  opts.onProgress?.(0, count);
  for (let i = 0; i < count; i++) {
    const c = await RealClone.restore(env, assets, i, opts.signal);
    if (!c.ok) {
      await destroyClones(clones);
      return c;
    }
    clones.push(c.value);
    opts.onProgress?.(i + 1, count);
  }
  return ok(clones);
}

/** Reads every clone in parallel; the first error wins (the clones stay up). */
export async function readAll(
  clones: readonly RealClone[],
  signal?: AbortSignal,
): Promise<Result<CloneReading[], RealError>> {
  const rs = await Promise.all(clones.map((c) => c.read(signal)));
  const bad = rs.find((r) => !r.ok);
  if (bad && !bad.ok) return bad;
  return ok(rs.map((r) => (r as { ok: true; value: CloneReading }).value));
}

/** Runs the agent reseed in every clone in parallel; returns each clone's host ms. */
export async function agentReseedAll(
  clones: readonly RealClone[],
  signal?: AbortSignal,
): Promise<Result<number[], RealError>> {
  const rs = await Promise.all(clones.map((c) => c.agentReseed(signal)));
  const bad = rs.find((r) => !r.ok);
  if (bad && !bad.ok) return bad;
  return ok(rs.map((r) => (r as { ok: true; value: number }).value));
}

/** Destroys every clone. */
export async function destroyClones(clones: readonly RealClone[]): Promise<void> {
  await Promise.all(clones.map((c) => c.destroy()));
}
