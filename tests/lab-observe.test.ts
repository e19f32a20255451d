import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';
import { pageNo } from '../src/core/types';

describe('observing a lazily restored clone', () => {
  it('reading its devices, pages and memory map counts no page fault; the guest touching them does', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const guest = await loadGuestNode('amazon-linux-sysgenid');
    if (!guest.ok) throw new Error(guest.error.message);
    const vm = lab.boot(guest.value, { seed: 1 });
    if (!vm.ok) throw new Error(vm.error.message);
    const snap = lab.snapshot(vm.value, 'full');
    if (!snap.ok) throw new Error(snap.error.message);
    const clones = lab.restore(snap.value, 1, { notifyDelayUs: 1e6, lazy: true });
    if (!clones.ok) throw new Error(clones.error.message);
    const c = clones.value[0]!;
    const faults = () => lab.vms().find((v) => v.id === c)!.faults;
    const before = faults(); // the VMM's own VMGenID write at restore is a first touch
    const dev = lab.devices(c);
    expect(dev.ok && dev.value.sysgenid).toBeTruthy();
    for (let p = 0; p < 300; p += 7) expect(lab.pageInfo(c, pageNo(p)).ok).toBe(true);
    expect(lab.memoryEntries(c).ok).toBe(true);
    expect(faults()).toBe(before);
    expect(lab.draw([c], 2).ok).toBe(true);
    expect(faults()).toBeGreaterThan(before);
  });
});
