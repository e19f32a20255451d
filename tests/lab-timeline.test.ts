import { describe, expect, it } from 'vitest';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { loadGuestNode } from '../src/core/manifest/load-node';

describe('the race-window timeline', () => {
  it('shows each draw round and the first unique draw of each library, after the notification', async () => {
    const lab = new Lab(await loadCoreNode('release'));
    const guest = await loadGuestNode('linux-6.11-vmgenid');
    if (!guest.ok) throw new Error(guest.error.message);
    const vm = lab.boot(guest.value, { seed: 1 });
    if (!vm.ok) throw new Error(vm.error.message);
    const snap = lab.snapshot(vm.value, 'full');
    if (!snap.ok) throw new Error(snap.error.message);
    const clones = lab.restore(snap.value, 2, { notifyDelayUs: 30 });
    if (!clones.ok) throw new Error(clones.error.message);
    const drawn = lab.draw(clones.value, 10, { intervalUs: 5 });
    if (!drawn.ok) throw new Error(drawn.error.message);
    const events = lab.timeline(clones.value[0]!);
    if (!events.ok) throw new Error(events.error.message);
    const rounds = events.value.filter((e) => e.kind === 'draw');
    expect(rounds.map((e) => e.detail)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const notify = events.value.find((e) => e.kind === 'vmgenid-notify')!;
    const firsts = events.value.filter((e) => e.kind === 'first-unique-draw');
    const vdso = drawn.value.libraries.find((l) => l.library === 'vdso')!;
    const k = vdso.firstUniqueDraw!; // 1-based
    expect(k).toBeGreaterThan(1);
    const first = firsts.find((e) => e.detail === 'vdso')!;
    expect(first.tNs).toBe(rounds[k - 1]!.tNs);
    expect(first.tNs).toBeGreaterThanOrEqual(notify.tNs);
    expect(rounds[k - 2]!.tNs).toBeLessThan(notify.tNs);
    // a library that never becomes unique has no such event
    expect(firsts.some((e) => e.detail === 'naive')).toBe(false);
  });
});
