// What a CLI run may use on this machine: its runs that would not fit are refused before they
// start (lab/fit.ts).

import { totalmem } from 'node:os';
import type { MemoryBudget } from '../lab/fit';

/**
 * What a lab in this Node process may use: 3/4 of the machine's memory (or of the process's
 * cgroup limit where one is set), one copy of each draw's result.
 */
export function nodeBudget(): MemoryBudget {
  const machine = totalmem();
  const limit = process.constrainedMemory?.() ?? 0;
  const constrained = limit > 0 && limit < machine;
  const total = constrained ? limit : machine;
  const gib = (total / 2 ** 30).toFixed(1);
  return {
    hostBytes: Math.floor(total * 0.75),
    resultCopies: 1,
    hostSource: constrained
      ? `3/4 of this process's ${gib} GiB memory limit`
      : `3/4 of this machine's ${gib} GiB`,
  };
}
