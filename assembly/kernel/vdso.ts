// vDSO getrandom (Linux 6.11, lib/vdso/getrandom.c), per thread: the opaque state lives in a
// MAP_DROPPABLE page (WIPEONFORK | DONTDUMP in the model), so fork zeroes it.
//
// vgetrandom_state (in the process's state page):
//     0 batch[96]   96 key[32]   (batch_key: 128 bytes = two ChaCha20 blocks)
//   128 generation u64   136 pos u8   137 in_use u8
//
// Each call: if the kernel's vDSO generation differs, FIRST store the new generation, then
// rekey through the getrandom syscall and mark the batch empty; serve bytes from the batch,
// zeroing what it hands out; refill batch and key together with ChaCha20 (the key is
// overwritten: forward secrecy); at the end re-read the generation: if it moved, start over from
// the caller's buffer ONCE (have_retried), and if it moved again fall back to the getrandom
// syscall for the whole request (lib/vdso/getrandom.c 6.11, "Prevent this from looping forever").

import { chacha20Block } from '../crypto/chacha20';
import { pageForWrite } from '../memory/guest_memory';
import { cost, COST_VDSO_CALL } from '../vmm/costs';
import { EV_VDSO_FALLBACK, logEvent } from '../vmm/events';
import { advance, clockOf } from '../vmm/vmstate';
import { K_VDSO_GEN, kdataR, sysGetrandom } from './crng';
import { runDueEvents } from './events_due';

const V_BATCH: usize = 0;
const V_KEY: usize = 96;
const V_GEN: usize = 128;
const V_POS: usize = 136;
const V_IN_USE: usize = 137;
const BATCH: u32 = 96;

const NONCE0 = memory.data(16, 16);
const KEYCOPY = memory.data(32, 16);

/** Refills batch and key from the current key: blocks 0 and 1 of ChaCha20(key). */
function refill(st: usize): void {
  memory.copy(KEYCOPY, st + V_KEY, 32);
  chacha20Block(KEYCOPY, 0, NONCE0, st + V_BATCH);
  chacha20Block(KEYCOPY, 1, NONCE0, st + 64);
  memory.fill(KEYCOPY, 0, 32);
}

/**
 * vgetrandom(buffer, len) for a thread whose state is guest page `statePage` (its address is
 * re-fetched after calls that may copy pages). Returns the number of rekeys done.
 */
export function vdsoGetrandom(r: usize, vm: u32, statePage: u32, out: usize, len: u32): u32 {
  advance(r, cost(COST_VDSO_CALL));
  let rekeys: u32 = 0;
  let haveRetried = false;
  while (true) {
    let st = pageForWrite(r, statePage);
    const current = load<u64>(kdataR(r) + K_VDSO_GEN);
    if (load<u64>(st + V_GEN) != current) {
      store<u64>(st + V_GEN, current); // generation first, in case of fork
      sysGetrandom(r, vm, st + V_KEY, 32);
      st = pageForWrite(r, statePage);
      store<u8>(st + V_POS, <u8>BATCH);
      rekeys++;
    }
    store<u8>(st + V_IN_USE, 1);
    let done: u32 = 0;
    while (done < len) {
      const pos = <u32>load<u8>(st + V_POS);
      const n = min<u32>(BATCH - pos, len - done);
      if (n > 0) {
        memory.copy(out + done, st + V_BATCH + pos, n);
        memory.fill(st + V_BATCH + pos, 0, n);
        store<u8>(st + V_POS, <u8>(pos + n));
        done += n;
      }
      if (done == len) break;
      refill(st); // its cost is inside the measured 11.5 ns per call (batching amortises it)
      store<u8>(st + V_POS, 0);
    }
    // the call took time: a notification due by now is handled before the generation re-check
    runDueEvents(r, vm);
    st = pageForWrite(r, statePage);
    if (load<u64>(st + V_GEN) == load<u64>(kdataR(r) + K_VDSO_GEN)) {
      store<u8>(st + V_IN_USE, 0);
      return rekeys;
    }
    if (haveRetried) {
      store<u8>(st + V_IN_USE, 0);
      logEvent(vm, EV_VDSO_FALLBACK, clockOf(r), 0);
      sysGetrandom(r, vm, out, len);
      return rekeys;
    }
    haveRetried = true;
  }
  return rekeys;
}
