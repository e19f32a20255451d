import { describe, expect, it } from 'vitest';
import { loadCoreNode } from '../src/core/load/node';

describe('core loading', () => {
  it('the release core reports a positive version', async () => {
    const core = await loadCoreNode('release');
    expect(core.coreVersion()).toBeGreaterThan(0);
  });
});
