// A guided scenario made for the app's tests (Node and e2e): its claims hold on any faithful
// core, so the tests exercise stepping, claims on screen, highlights, rebuilds and links, not
// the content of the shipped talks (the core's own tests hold those).

import type { Scenario } from '../src/core/scenario/types';

export const UI_SCENARIO: Scenario = {
  id: 'ui-test',
  title: 'UI test: clones, secrets, a reseed',
  description: 'Four clones collide, the secrets are in the file, VMGenID with δ = 0 makes getrandom unique.',
  guest: 'default',
  steps: [
    {
      title: 'Clones collide',
      narration: 'Every clone prints the same UUIDs: they all resumed the same generator state.',
      state: { libraries: ['naive', 'getrandom'], clones: 4, draws: 8 },
      actions: [{ a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
      highlight: 'outputs',
      expect: [
        { library: 'naive', duplicates: '>0' },
        { library: 'naive', verdict: 'dup' },
      ],
    },
    {
      title: 'The secrets',
      narration: 'The snapshot file holds the guest’s secrets.',
      highlight: 'secrets',
      expect: [{ secretInSnapshot: { name: 'db-password', present: true } }],
    },
    {
      title: 'VMGenID reseeds',
      narration: 'With the vmgenid driver and δ = 0 the kernel reseeds before the first draw.',
      state: { vmgenid: true, notifyDelayUs: 0 },
      actions: [{ a: 'reset' }, { a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
      highlight: 'outputs',
      expect: [
        { library: 'getrandom', duplicates: '0' },
        { library: 'naive', duplicates: '>0' },
      ],
    },
    {
      title: 'Draw again',
      narration: 'The same clones draw once more: naive still repeats itself.',
      actions: [{ a: 'draw' }],
      highlight: 'timeline',
      expect: [{ library: 'naive', duplicates: '>0' }],
    },
  ],
};
