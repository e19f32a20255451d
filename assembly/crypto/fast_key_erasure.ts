// ChaCha20 with fast key erasure over a 32-byte key kept in guest memory: block 0 of
// ChaCha20(key, counter 0, nonce 0) replaces the key and yields up to 32 bytes; further blocks
// use the old key with counters 1.. (Linux's crng_fast_key_erasure and the block loop of
// get_random_bytes). The kernel CRNG uses it for its per-CPU and output keys; the userspace
// library models use it as their DRBG. Real libraries differ in cipher (OpenSSL and AWS-LC use
// AES-CTR-DRBG, BoringSSL ChaCha20); uniqueness depends on whether the state is duplicated or
// refreshed, which the models reproduce byte for byte, not on the cipher.

import { chacha20Block } from './chacha20';

const NONCE0 = memory.data(16, 16);
const OLD_KEY = memory.data(32, 16);
const BLOCK = memory.data(64, 16);

/** Generates len bytes at out from the key at key (updated in place); returns ChaCha blocks used. */
export function fastKeyErasure(key: usize, out: usize, len: u32): u32 {
  memory.copy(OLD_KEY, key, 32);
  chacha20Block(OLD_KEY, 0, NONCE0, BLOCK);
  memory.copy(key, BLOCK, 32);
  const first = min<u32>(len, 32);
  memory.copy(out, BLOCK + 32, first);
  let done = first;
  let counter: u32 = 1;
  while (done < len) {
    chacha20Block(OLD_KEY, counter++, NONCE0, BLOCK);
    const n = min<u32>(64, len - done);
    memory.copy(out + done, BLOCK, n);
    done += n;
  }
  memory.fill(OLD_KEY, 0, 32);
  memory.fill(BLOCK, 0, 64);
  return counter;
}

/** True if n bytes at p are all zero (a wiped state page). */
export function allZero(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) != 0) return false;
  return true;
}
