// The guest's initramfs: Debian's static busybox, the reseed helper and an /init that prepares a
// shell on the serial console for the runner (serial.ts) to drive.
//
// Invariants the runner relies on:
// - /init prints READY_MARKER on its own line only when the shell is about to take over, so
//   "marker seen" means "a command sent now will be read by the shell".
// - Terminal echo is off, so the serial output holds only what commands print.
// - boot_id is read once before the marker: the kernel creates it lazily on the first read, and it
//   must be state from BEFORE the snapshot (identical in every clone, as on a real restored VM).
// - The shell that reads the commands is the one running at snapshot time, so its $RANDOM (a
//   busybox generator, seeded at its first use, which boot.ts makes before the save) is snapshot
//   state too.

import { writeCpio, type CpioEntry } from './cpio';
import { reseedHelperElf } from './reseedElf';

/** The line /init prints when the shell is ready. */
export const READY_MARKER = 'UL-REAL-READY';
/** Where the reseed helper lives in the guest. */
export const RESEED_HELPER_PATH = '/sbin/ul-reseed';
/** Kernel command line: serial console; quiet, so kernel messages rarely interleave with replies. */
export const KERNEL_CMDLINE = 'console=ttyS0 quiet';

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root PS1='# '
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
cat /proc/sys/kernel/random/boot_id >/dev/null
stty -echo -onlcr
cd /root
echo ${READY_MARKER}
exec sh
`;

/** The archive's members: directories, /dev/console (the kernel opens it before /init), files. */
export function initramfsEntries(busybox: Uint8Array): CpioEntry[] {
  const dirs = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'root'];
  return [
    ...dirs.map((path): CpioEntry => ({ type: 'dir', path, mode: path === 'tmp' ? 0o1777 : 0o755 })),
    { type: 'chardev', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
    { type: 'file', path: 'init', mode: 0o755, data: new TextEncoder().encode(INIT) },
    { type: 'file', path: 'bin/busybox', mode: 0o755, data: busybox },
    { type: 'file', path: RESEED_HELPER_PATH.slice(1), mode: 0o755, data: reseedHelperElf() },
  ];
}

/** The uncompressed initramfs (cpio newc); the asset script gzips it. */
export function buildInitramfs(busybox: Uint8Array): Uint8Array {
  return writeCpio(initramfsEntries(busybox));
}
