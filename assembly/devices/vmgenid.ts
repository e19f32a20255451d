// VMGenID (Microsoft spec, 2012; Firecracker >= 1.8; QEMU -device vmgenid): a 128-bit ID in
// guest memory that the VMM rewrites with fresh host entropy on every restore — never from the
// snapshot — before the vCPUs resume, then raises the ACPI notification. The guest handles it
// δ (notifyDelay) of virtual time later: the race window.
// The ID is bytes 0..15 of the vmgenid page (role vmgenid).

import { pageForRead, pageForWrite } from '../memory/guest_memory';
import { HE_VMGENID, vmHostEntropy } from '../vmm/host_entropy';
import { vs, VS_VMGENID_PAGE } from '../vmm/vmstate';

/** VMM side: writes a fresh 16-byte generation ID from host entropy into the VM's vmgenid page. */
export function vmgenidNewId(r: usize): void {
  vmHostEntropy(r, HE_VMGENID, pageForWrite(r, load<u32>(vs(r, VS_VMGENID_PAGE))), 16);
}

/** Host address of the 16-byte ID (read side). */
export function vmgenidIdAddr(r: usize): usize {
  return pageForRead(r, load<u32>(vs(r, VS_VMGENID_PAGE)));
}
