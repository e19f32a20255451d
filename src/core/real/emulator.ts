// The one place that touches the v86 emulator (npm `v86`, BSD-2-Clause). Everything else in
// src/core/real talks to the small V86Like surface below, so tests could pass a fake and the
// runner does not depend on v86's loose typings.
//
// Facts this relies on (REAL_KERNEL.md, checked with v86 0.5.462):
// - memory_size must be MORE than 64 MiB (the bzImage loader puts the initrd at 64 MiB).
// - A clone needs only the BIOS images, the memory size and the saved state: the kernel and the
//   initramfs are in the state's RAM image. "emulator-loaded" fires once the state is restored
//   and the CPU runs ("emulator-ready" fires earlier, before the restore).

import { V86 } from 'v86';

/** The part of a v86 instance the runner uses. */
export interface V86Like {
  add_listener(event: string, listener: (arg: never) => void): void;
  remove_listener(event: string, listener: (arg: never) => void): void;
  serial0_send(data: string): void;
  save_state(): Promise<ArrayBuffer>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** Options the runner passes (a subset of v86's V86Options). */
export interface EmulatorOptions {
  /** Instantiates v86's wasm with the given imports (see wasmFn: one compiled module for all). */
  wasm_fn: (imports: WebAssembly.Imports) => Promise<WebAssembly.Exports>;
  memory_size: number;
  bios: { buffer: ArrayBuffer };
  vga_bios: { buffer: ArrayBuffer };
  bzimage?: { buffer: ArrayBuffer };
  initrd?: { buffer: ArrayBuffer };
  cmdline?: string;
  initial_state?: { buffer: ArrayBuffer };
  autostart: true;
  disable_speaker: true;
  disable_keyboard: true;
  disable_mouse: true;
}

/** Creates an emulator; the default is the real v86. */
export type EmulatorFactory = (options: EmulatorOptions) => V86Like;

/** A v86 instance with the given options (throws what v86 throws). */
export const createV86: EmulatorFactory = (options) => new V86(options) as unknown as V86Like;

/**
 * v86's wasm_fn option over one compiled module: without it every instance downloads and
 * compiles v86.wasm (2 MB) again.
 */
export function wasmFn(module: WebAssembly.Module): EmulatorOptions['wasm_fn'] {
  return async (imports) => (await WebAssembly.instantiate(module, imports)).exports;
}

/** Guest RAM of every real-kernel VM: 128 MiB (more than 64 MiB is required, see above). */
export const GUEST_MEMORY_BYTES = 128 * 1024 * 1024;
