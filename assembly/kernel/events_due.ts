// Pending guest events (logged at their due time), handled when a VM's virtual clock reaches them: the VMGenID ACPI
// notification (raised before the vCPUs resumed, handled δ later) and the guest agent's reseed.
//
// vmgenid driver (Linux >= 5.18, drivers/virt/vmgenid.c + random.c add_vmfork_randomness):
// copy the new 16-byte ID; if it changed, mix it into the input pool (add_device_randomness,
// no entropy credit), crng_reseed() ("crng reseeded due to virtual machine fork"), which bumps
// the base generation and publishes it to the vDSO; then the vmfork notifier (SysGenId v1-v7).
// Guest agent (pre-5.18 kernels): RNDADDENTROPY with fresh host entropy, then RNDRESEEDCRNG;
// in the SysGenId v8 model the agent is also the overseer that calls TRIGGER_GEN_UPDATE.

import { sysgenidBump, sysgenidOnVmgenid } from '../devices/sysgenid';
import { vmgenidIdAddr } from '../devices/vmgenid';
import { EV_AGENT_RESEED, EV_VMGENID_NOTIFY, logEvent } from '../vmm/events';
import { HE_AGENT, vmHostEntropy } from '../vmm/host_entropy';
import {
  clockOf,
  FEAT_AGENT,
  FEAT_SYSGENID_OVERSEER,
  FEAT_VMGENID,
  hasFeature,
  NEVER,
  vs,
  VS_AGENT_AT,
  VS_NOTIFY_AT,
} from '../vmm/vmstate';
import { crngReseedAt, K_VMGENID_ID, kdataR, kdataW, mixPoolBytes } from './crng';

const ID = memory.data(16, 16);
const AGENT_BYTES = memory.data(32, 16);

/** The vmgenid driver's notify handler. */
function vmgenidNotify(r: usize, vm: u32, t: f64): void {
  logEvent(vm, EV_VMGENID_NOTIFY, t, 0);
  if (!hasFeature(r, FEAT_VMGENID)) return; // no driver: the notification goes unheard
  memory.copy(ID, vmgenidIdAddr(r), 16);
  if (memory.compare(ID, kdataR(r) + K_VMGENID_ID, 16) == 0) return;
  memory.copy(kdataW(r) + K_VMGENID_ID, ID, 16);
  mixPoolBytes(r, ID, 16);
  crngReseedAt(r, vm, t);
  sysgenidOnVmgenid(r, vm);
}

/** The guest agent after restore: fresh entropy in, CRNG reseeded (and the v8 overseer's trigger). */
function agentReseed(r: usize, vm: u32, t: f64): void {
  if (!hasFeature(r, FEAT_AGENT)) return;
  vmHostEntropy(r, HE_AGENT, AGENT_BYTES, 32);
  mixPoolBytes(r, AGENT_BYTES, 32);
  logEvent(vm, EV_AGENT_RESEED, t, 0);
  crngReseedAt(r, vm, t);
  if (hasFeature(r, FEAT_SYSGENID_OVERSEER)) sysgenidBump(r, vm, 0);
}

/** Handles every pending event whose time has come, earliest first. */
export function runDueEvents(r: usize, vm: u32): void {
  while (true) {
    const now = clockOf(r);
    const n = load<f64>(vs(r, VS_NOTIFY_AT));
    const a = load<f64>(vs(r, VS_AGENT_AT));
    if (n <= now && n <= a) {
      store<f64>(vs(r, VS_NOTIFY_AT), NEVER);
      vmgenidNotify(r, vm, n);
    } else if (a <= now) {
      store<f64>(vs(r, VS_AGENT_AT), NEVER);
      agentReseed(r, vm, a);
    } else {
      return;
    }
  }
}
