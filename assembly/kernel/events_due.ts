// What happens in a guest by itself as its virtual clock runs, earliest first, handled when the
// VM's clock reaches it (before a draw round, inside a long library call, while idling):
//
//   the VMGenID notification   raised by the VMM before the vCPUs resumed, handled δ later
//   the agent's reseed         RNDADDENTROPY + RNDRESEEDCRNG some time after restore
//   the scheduled reseed       6.11: delayed work every crng_reseed_interval(); 6.1: the first
//                              request after birth + interval; 5.10: after 300 s
//   the interrupt flush        the fast pool into the input pool, once a second
//
// vmgenid driver (Linux >= 5.18, drivers/virt/vmgenid.c vmgenid_notify + random.c
// add_vmfork_randomness): copy the new 16-byte ID; if it changed, add_device_randomness (the
// cycle counter, then the ID; no credit), crng_reseed() ("crng reseeded due to virtual machine
// fork"), which bumps the base generation and publishes it to the vDSO; then (6.8 only) the
// NEW_VMGENID=1 uevent. SysGenId's v1-v7 VMGenID backend, where present, bumps the counter and
// adds the ID as device randomness with no reseed.

import { sysgenidBump, sysgenidOnVmgenid } from '../devices/sysgenid';
import { callCacheEpoch } from '../memory/guest_memory';
import { vmgenidIdAddr } from '../devices/vmgenid';
import { EV_AGENT_RESEED, EV_SYSGENID_BUMP, EV_UEVENT, EV_VMGENID_NOTIFY, logEvent } from '../vmm/events';
import { HE_AGENT, vmHostEntropy } from '../vmm/host_entropy';
import { ledgerPool } from '../vmm/ledger';
import {
  clockOf,
  FEAT_AGENT,
  FEAT_GEN_510,
  FEAT_SYSGENID_OVERSEER,
  FEAT_SYSGENID_VMGENID,
  FEAT_UEVENT,
  FEAT_VMGENID,
  hasFeature,
  NEVER,
  vs,
  VS_AGENT_AT,
  VS_NOTIFY_AT,
} from '../vmm/vmstate';
import {
  crngReseedAt,
  interruptFlush,
  K_VMGENID_ID,
  kdataR,
  kdataW,
  mixPoolBytes,
  nextInterruptFlush,
  nextScheduledReseed,
  scheduledReseed,
} from './crng';
import { credit510 } from './crng510';
import { FLUSH_CREDIT_BITS, FLUSH_INTERVAL_NS, randomGetEntropy } from './timing';

const ID = memory.data(16, 16);
const AGENT_BYTES = memory.data(32, 16);
const CYCLES = memory.data(8, 8);
/** Bits a fresh VMGenID carries for an attacker holding the snapshot (16 bytes of host randomness). */
const VMGENID_BITS: u32 = 128;
/** Bits the agent's 32 bytes of host entropy carry (RNDADDENTROPY credits them). */
const AGENT_BITS: u32 = 256;

/** add_device_randomness: the cycle counter, then the buffer, into the pool (no credit). */
export function addDeviceRandomness(r: usize, p: usize, len: u32): void {
  store<u64>(CYCLES, randomGetEntropy(r));
  mixPoolBytes(r, CYCLES, 8);
  mixPoolBytes(r, p, len);
}

/** The vmgenid driver's notify handler (and SysGenId's v1-v7 backend). */
function vmgenidNotify(r: usize, vm: u32, t: f64): void {
  logEvent(vm, EV_VMGENID_NOTIFY, t, 0);
  memory.copy(ID, vmgenidIdAddr(r), 16);
  const mainline = hasFeature(r, FEAT_VMGENID) && !hasFeature(r, FEAT_GEN_510);
  // no driver bound: the notification goes unheard (nothing in the guest changes)
  if (!mainline && !hasFeature(r, FEAT_SYSGENID_VMGENID)) return;
  const changed = memory.compare(ID, kdataR(r) + K_VMGENID_ID, 16) != 0;
  if (!changed) return;
  memory.copy(kdataW(r) + K_VMGENID_ID, ID, 16);
  if (mainline) {
    addDeviceRandomness(r, ID, 16);
    ledgerPool(vm, VMGENID_BITS, EV_VMGENID_NOTIFY);
    crngReseedAt(r, vm, t, EV_VMGENID_NOTIFY);
    if (hasFeature(r, FEAT_UEVENT)) logEvent(vm, EV_UEVENT, t, 0);
  }
  if (sysgenidOnVmgenid(r, vm) > 0 && !mainline) {
    // the v1-v7 backend: sysgenid_bump_generation(); add_device_randomness(uuid) — no reseed
    addDeviceRandomness(r, ID, 16);
    ledgerPool(vm, VMGENID_BITS, EV_SYSGENID_BUMP);
  }
}

/** The guest agent after restore: fresh entropy in (credited), CRNG reseeded (and the v8 overseer's trigger). */
function agentReseed(r: usize, vm: u32, t: f64): void {
  if (!hasFeature(r, FEAT_AGENT)) return;
  vmHostEntropy(r, HE_AGENT, AGENT_BYTES, 32);
  mixPoolBytes(r, AGENT_BYTES, 32);
  ledgerPool(vm, AGENT_BITS, EV_AGENT_RESEED);
  if (hasFeature(r, FEAT_GEN_510)) credit510(r, AGENT_BITS);
  logEvent(vm, EV_AGENT_RESEED, t, 0);
  crngReseedAt(r, vm, t, EV_AGENT_RESEED);
  if (hasFeature(r, FEAT_SYSGENID_OVERSEER)) sysgenidBump(r, vm, 0);
}

// Inside one VM's draw (the call cache of memory/guest_memory.ts) only this function moves the
// times it watches (the notification and agent times, 6.11's reseed timer, the interrupt flush),
// so the earliest of them, found when it last returned, stands until the clock reaches it.
let dueEpoch: u32 = 0;
let dueFirst: f64 = 0;

/** Handles every pending event whose time has come, earliest first. */
export function runDueEvents(r: usize, vm: u32): void {
  const epoch = callCacheEpoch(r);
  if (epoch != 0 && epoch == dueEpoch && !(dueFirst <= clockOf(r))) return;
  dueEpoch = 0;
  for (let guard = 0; guard < 100000; guard++) {
    const now = clockOf(r);
    let n = load<f64>(vs(r, VS_NOTIFY_AT));
    let a = load<f64>(vs(r, VS_AGENT_AT));
    // an agent waiting on the NEW_VMGENID uevent acts when the notification is handled
    if (hasFeature(r, FEAT_UEVENT) && a != NEVER && n != NEVER && n < a) a = n;
    const s = nextScheduledReseed(r);
    const f = nextInterruptFlush(r);
    const first = min(min(n, a), min(s, f));
    if (!(first <= now)) {
      dueEpoch = epoch;
      dueFirst = first;
      return;
    }
    if (n == first) {
      store<f64>(vs(r, VS_NOTIFY_AT), NEVER);
      vmgenidNotify(r, vm, n);
    } else if (a == first) {
      store<f64>(vs(r, VS_AGENT_AT), NEVER);
      agentReseed(r, vm, a);
    } else if (s == first) {
      scheduledReseed(r, vm, s);
    } else {
      // every flush due before the next other event (or now) at once
      const limit = min(now, min(min(n, a), s));
      const count = <u32>min<f64>(Math.floor((limit - f) / FLUSH_INTERVAL_NS) + 1, 1e6);
      interruptFlush(r, vm, f, count);
      if (hasFeature(r, FEAT_GEN_510)) credit510(r, count * FLUSH_CREDIT_BITS);
    }
  }
}
