// A guided scenario made for the app's tests (Node and e2e): its claims hold on any faithful
// core, so the tests exercise stepping, claims on screen, highlights, rebuilds and links, not
// the content of the shipped talks (the core's own tests hold those).

import type { Scenario } from '../src/core/scenario/types';

export const UI_SCENARIO: Scenario = {
  id: 'ui-test',
  title: 'UI test: clones, secrets, a reseed',
  description: 'Clones collide, the secrets are in the file, VMGenID without delay makes getrandom unique.',
  guest: 'default',
  steps: [
    {
      title: 'Clones collide',
      narration: 'Every clone prints the same UUIDs: they all resumed the same generator state.',
      state: { libraries: ['naive', 'getrandom'], clones: 4, draws: 8 },
      actions: [{ a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
      highlight: 'outputs',
      expect: [
        {
          library: 'naive',
          duplicates: '>0',
          source: 'https://docs.oracle.com/javase/8/docs/api/java/util/Random.html',
        },
        {
          library: 'naive',
          verdict: 'dup',
          source: 'https://docs.oracle.com/javase/8/docs/api/java/util/Random.html',
        },
      ],
    },
    {
      title: 'The secrets',
      narration: 'The snapshot file holds the guest’s secrets.',
      highlight: 'secrets',
      expect: [
        {
          secretInSnapshot: { name: 'db-password', present: true },
          source:
            'https://github.com/firecracker-microvm/firecracker/blob/main/docs/snapshotting/snapshot-support.md',
        },
      ],
    },
    {
      title: 'VMGenID reseeds',
      narration: 'With the vmgenid driver and no notify delay the kernel reseeds before the first draw.',
      state: { vmgenid: true, notifyDelayUs: 0 },
      actions: [{ a: 'reset' }, { a: 'boot' }, { a: 'snapshot' }, { a: 'restore' }, { a: 'draw' }],
      highlight: 'outputs',
      expect: [
        {
          library: 'getrandom',
          duplicates: '0',
          source: 'https://github.com/torvalds/linux/blob/v6.1/drivers/virt/vmgenid.c',
        },
        {
          library: 'naive',
          duplicates: '>0',
          source: 'https://docs.oracle.com/javase/8/docs/api/java/util/Random.html',
        },
      ],
    },
    {
      title: 'Draw again',
      narration: 'The same clones draw once more: naive still repeats itself.',
      actions: [{ a: 'draw' }],
      highlight: 'timeline',
      expect: [
        {
          library: 'naive',
          duplicates: '>0',
          source: 'https://docs.oracle.com/javase/8/docs/api/java/util/Random.html',
        },
      ],
    },
  ],
};
