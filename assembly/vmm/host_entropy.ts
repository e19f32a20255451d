// Host entropy from a seeded generator: every run is reproducible from its seed. Each draw is
// named by (purpose, lineage key, counter) and computed as ChaCha20 keystream under a key derived
// from the seed, so the bytes depend neither on the order in which VMs ask nor on VM ids.
//
//   key   = BLAKE2s-256("uniqueness-lab host entropy" || seed as u64 LE)
//   nonce = purpose u32 LE || lineage key u64 LE
//   block counter = counter (u32; a VM asks far fewer than 2^32 times)
//
// The lineage key (vmstate VS_LINEAGE, memory/guest_memory.ts) names the VM's place: the boot,
// then snapshot k of a VM, then clone i of a snapshot. A replay of the same actions from a reset
// lab gives every VM the same place, so the same host entropy: no id bookkeeping is needed.

import { blake2s } from '../crypto/blake2s';
import { chacha20Keystream } from '../crypto/chacha20';
import { R_VMSTATE, VS_LINEAGE } from '../memory/guest_memory';
import { VS_HOST_CTR } from './vmstate';

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

/** Writes len (<= 64) bytes of host entropy for (purpose, lineage, counter) at out. */
export function hostEntropy(purpose: u32, lineage: u64, counter: u64, out: usize, len: u32): void {
  if (!seeded) setHostSeed(0);
  store<u32>(NONCE, purpose);
  store<u64>(NONCE + 4, lineage);
  chacha20Keystream(KEY, NONCE, <u32>counter, BLOCK, 64);
  memory.copy(out, BLOCK, min<u32>(len, 64));
}

/** The VM (record r)'s next len (<= 64) bytes of host entropy for `purpose`; counts the draw. */
export function vmHostEntropy(r: usize, purpose: u32, out: usize, len: u32): void {
  const ctrAt = r + R_VMSTATE + VS_HOST_CTR;
  const ctr = load<u64>(ctrAt);
  store<u64>(ctrAt, ctr + 1);
  hostEntropy(purpose, load<u64>(r + R_VMSTATE + VS_LINEAGE), ctr, out, len);
}
