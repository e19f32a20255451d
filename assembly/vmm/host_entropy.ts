// Host entropy from a seeded generator: every run is reproducible from its seed. Each draw is
// named by (purpose, vm, counter) and computed as ChaCha20 keystream under a key derived from
// the seed, so the bytes do not depend on the order in which VMs ask.
//
//   key   = BLAKE2s-256("uniqueness-lab host entropy" || seed as u64 LE)
//   nonce = purpose u32 LE || vm u32 LE || counter-high u32 LE
//   block counter = counter-low u32

import { blake2s } from '../crypto/blake2s';
import { chacha20Keystream } from '../crypto/chacha20';

export const HE_BOOT: u32 = 1; // entropy the kernel collects at boot
export const HE_VMGENID: u32 = 2; // a fresh VMGenID at restore
export const HE_RDRAND: u32 = 3; // RDRAND output
export const HE_JITTER: u32 = 4; // per-clone timing jitter
export const HE_AGENT: u32 = 5; // the guest agent's fresh entropy after restore

const KEY = memory.data(32, 16);
const NONCE = memory.data(12, 16);
const LABEL = memory.data(40, 16);
const SCRATCH = memory.data(128, 16);
const BLOCK = memory.data(64, 16);
let seeded = false;

/** Sets the generator's seed (a whole number; the lab's --seed). */
export function setHostSeed(seed: f64): void {
  const label = 'uniqueness-lab host entropy';
  for (let i = 0; i < label.length; i++) store<u8>(LABEL + i, <u8>label.charCodeAt(i));
  store<u64>(LABEL + label.length, <u64>seed);
  blake2s(KEY, 32, LABEL, label.length + 8, 0, 0, SCRATCH);
  seeded = true;
}

/** Writes len (<= 64) bytes of host entropy for (purpose, vm, counter) at out. */
export function hostEntropy(purpose: u32, vm: u32, counter: u64, out: usize, len: u32): void {
  if (!seeded) setHostSeed(0);
  store<u32>(NONCE, purpose);
  store<u32>(NONCE + 4, vm);
  store<u32>(NONCE + 8, <u32>(counter >> 32));
  chacha20Keystream(KEY, NONCE, <u32>counter, BLOCK, 64);
  memory.copy(out, BLOCK, min<u32>(len, 64));
}
