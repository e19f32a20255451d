// The one cold boot: the kernel and initramfs from the Debian packages, booted in v86 until the
// shell marker, kept running until the guest's uptime reaches the requested snapshot uptime, then
// saved (v86 save_state). Clones restore from that state (runner.ts).
//
// Invariants:
// - The last command before the save uses randomness the way a function's init does: it reads
//   /dev/urandom and the shell's $RANDOM. Busybox seeds $RANDOM's generator lazily (pid and clock
//   at its first use), so without that use each clone would seed its own after the restore; with
//   it the generator is snapshot state, as a language runtime's PRNG seeded at init would be.
// - Linux 6.1 reseeds on demand (random.c crng_make_state -> crng_has_old_seed; the delayed work
//   came in 6.2): the read just before the save reseeds if the key is older than
//   max(1 s, uptime/2), and the clones' first reseed is the first read after the key outgrows that
//   interval again (2 min of uptime and on: 60 s). So the snapshot uptime decides how long the
//   clones keep printing the same bytes: about as long again (src/core/real/model.ts).
// - The shell is idle and its console drained at the save: a clone's console starts clean.

import { err, ok, type Result } from '../types';
import { realError, type RealError } from './errors';
import { GUEST_MEMORY_BYTES, wasmFn, type V86Like } from './emulator';
import { KERNEL_CMDLINE, READY_MARKER } from './initramfs';
import type { RealEnv } from './runner';
import { frameCommand, SerialLog, type Reply } from './serial';

export interface BootInputs {
  bios: ArrayBuffer;
  vgaBios: ArrayBuffer;
  bzimage: ArrayBuffer;
  initrd: ArrayBuffer;
}

export interface BootOptions {
  /** Guest uptime (s) to reach before saving. */
  uptimeS: number;
  /** Limit for the boot to reach the marker (ms). */
  bootTimeoutMs: number;
  /** Called with a line of progress in words. */
  onStatus?: (text: string) => void;
}

export interface SavedBoot {
  state: ArrayBuffer;
  kernelRelease: string;
  uptimeS: number;
  bootMs: number;
  saveMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Boots once, waits for the uptime, saves. The emulator is destroyed either way. */
export async function bootAndSave(
  env: RealEnv,
  inputs: BootInputs,
  opts: BootOptions,
): Promise<Result<SavedBoot, RealError>> {
  const log = new SerialLog();
  const t0 = performance.now();
  let emu: V86Like;
  try {
    emu = env.createEmulator({
      wasm_fn: wasmFn(env.wasm),
      memory_size: GUEST_MEMORY_BYTES,
      bios: { buffer: inputs.bios },
      vga_bios: { buffer: inputs.vgaBios },
      bzimage: { buffer: inputs.bzimage },
      initrd: { buffer: inputs.initrd },
      cmdline: KERNEL_CMDLINE,
      autostart: true,
      disable_speaker: true,
      disable_keyboard: true,
      disable_mouse: true,
    });
  } catch (e) {
    return err(realError('EmulatorFailed', { clone: 0, reason: String((e as Error)?.message ?? e) }));
  }
  emu.add_listener('serial0-output-byte', ((b: number) => log.push(b)) as (arg: never) => void);
  let nextId = 1;
  const run = async (command: string, timeoutMs = 30_000): Promise<Result<Reply, RealError>> => {
    const id = nextId++;
    const reply = log.expect(id);
    emu.serial0_send(frameCommand(id, command));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      reply,
      new Promise<null>((res) => (timer = setTimeout(() => res(null), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (r) return ok(r);
    log.abandon();
    return err(realError('KernelTimeout', { clone: 0, command, timeoutMs, serialTail: log.tail(800) }));
  };
  try {
    while (!log.hasLine(READY_MARKER)) {
      if (performance.now() - t0 > opts.bootTimeoutMs)
        return err(
          realError('KernelTimeout', {
            clone: 0,
            command: `boot to ${READY_MARKER}`,
            timeoutMs: opts.bootTimeoutMs,
            serialTail: log.tail(800),
          }),
        );
      await sleep(100);
    }
    const bootMs = performance.now() - t0;
    opts.onStatus?.(`booted to the shell in ${(bootMs / 1000).toFixed(1)} s`);
    const uname = await run('uname -r');
    if (!uname.ok) return uname;
    const kernelRelease = uname.value.output.trim();
    for (;;) {
      const up = await run('cut -d" " -f1 /proc/uptime');
      if (!up.ok) return up;
      const uptime = Number(up.value.output.trim());
      if (!(uptime < opts.uptimeS)) break;
      opts.onStatus?.(`guest uptime ${uptime.toFixed(0)} s of ${opts.uptimeS} s`);
      await sleep(Math.min(5000, (opts.uptimeS - uptime) * 1000));
    }
    const last = await run(': $RANDOM; head -c 16 /dev/urandom >/dev/null; cut -d" " -f1 /proc/uptime');
    if (!last.ok) return last;
    const t1 = performance.now();
    const state = await emu.save_state();
    const saveMs = performance.now() - t1;
    return ok({ state, kernelRelease, uptimeS: Number(last.value.output.trim()), bootMs, saveMs });
  } finally {
    await emu.destroy().catch(() => undefined);
  }
}
