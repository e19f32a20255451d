import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import type { GuestManifest } from '../src/core/lab/types';
import { loadCoreNode } from '../src/core/load/node';

const big = Array.from({ length: 5000 }, (_, i) => ((i * 7 + 3) & 0xff).toString(16).padStart(2, '0')).join(
  '',
);

function guest(wipeOnSuspend: boolean): GuestManifest {
  return {
    name: 'secrets',
    description: 'a secret that spans two pages',
    memoryMiB: 16,
    kernel: {
      version: '6.11',
      vmgenid: true,
      sysgenid: 'off',
      wipeOnSuspend,
      vdsoGetrandom: false,
      jitterEntropy: false,
      agentReseed: false,
      agentDelayUs: 0,
    },
    processes: [{ name: 'app', library: 'getrandom', consumer: 'key' }],
    secrets: [
      { name: 'long-key', hex: big, wipeOnSuspend: true },
      { name: 'short', text: 'hunter2-and-more', wipeOnSuspend: false },
    ],
    layout: { kernelPages: 16, heapPages: 16 },
  };
}

describe('the secret scanner', () => {
  it('finds a secret that crosses a page boundary exactly once, at its guest address', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const vm = lab.boot(guest(false), { seed: 1 });
    if (!vm.ok) throw new Error(vm.error.message);
    const snap = lab.snapshot(vm.value, 'full');
    if (!snap.ok) throw new Error(snap.error.message);
    const found = lab.secrets(snap.value);
    if (!found.ok) throw new Error(found.error.message);
    const [long, short] = found.value;
    expect(long!.offsets).toHaveLength(1);
    expect(long!.offsets[0]! % 4096).toBe(0);
    expect(short!.inSnapshot).toBe(true);
    // the offset is where the bytes really are in the memory image
    const image = lab.memoryImage(snap.value);
    if (!image.ok) throw new Error('no image');
    const at = long!.offsets[0]!;
    expect(Buffer.from(image.value.memory.subarray(at, at + 5000)).toString('hex')).toBe(big);
  });

  it('a flagged secret is wiped from the snapshot when the kernel supports WIPEONSUSPEND', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const vm = lab.boot(guest(true), { seed: 1 });
    if (!vm.ok) throw new Error(vm.error.message);
    const snap = lab.snapshot(vm.value, 'full');
    if (!snap.ok) throw new Error(snap.error.message);
    const found = lab.secrets(snap.value);
    if (!found.ok) throw new Error(found.error.message);
    expect(found.value.map((s) => [s.name, s.inSnapshot])).toEqual([
      ['long-key', false],
      ['short', true],
    ]);
  });
});
