// What a read of a real clone returns, and how it is parsed and counted. Separate from the runner
// so the app's main thread can use the types and distinctCount without bundling the emulator.

/** What one clone saw in one read. */
export interface CloneReading {
  clone: number;
  /** 16 bytes of /dev/urandom, lowercase hex. */
  urandom: string;
  /** The busybox shell's $RANDOM (a userspace generator, seeded before the snapshot). */
  shellRandom: number;
  /** /proc/sys/kernel/random/boot_id (created before the snapshot). */
  bootId: string;
  /** /proc/uptime's first field: the guest's uptime in seconds. */
  uptimeS: number;
}

/**
 * The shell line of a read; its four output lines are parsed by parseReading. head reads
 * /dev/urandom ALONE (into a file) before od formats it: in a pipeline, od and tr exec while head
 * reads, and each exec draws from the same CRNG (AT_RANDOM, stack randomisation), so the order the
 * scheduler picks would shift head's bytes by a step in one clone and not another, a brief
 * difference that re-converges at the next read. Sequential commands make a read see the kernel's
 * CRNG, not the scheduler.
 */
export const READ_COMMAND =
  'head -c 16 /dev/urandom >/tmp/u; od -An -tx1 /tmp/u | tr -d " \\n"; echo; echo $RANDOM; ' +
  'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime';

/** Parses a read's reply, or null when it is not four well-formed lines. */
export function parseReading(clone: number, output: string): CloneReading | null {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length !== 4) return null;
  const [urandom, shellRandom, bootId, uptime] = lines as [string, string, string, string];
  if (!/^[0-9a-f]{32}$/.test(urandom) || !/^\d+$/.test(shellRandom) || !/^\d+(\.\d+)?$/.test(uptime))
    return null;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(bootId)) return null;
  return { clone, urandom, shellRandom: Number(shellRandom), bootId, uptimeS: Number(uptime) };
}

/** Number of distinct values (the figure the app shows as real-distinct-count). */
export function distinctCount(values: readonly string[]): number {
  return new Set(values).size;
}
