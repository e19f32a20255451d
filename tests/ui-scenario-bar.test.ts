// The scenario bar rendered to HTML (react-dom/server) from a real store: the narration says the
// numbers of the step's live run (placeholders filled, "…" while the step runs), and each claim
// links its upstream source in a new tab.

import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { loadScenarioNode } from '../src/core/scenario/load-node';
import { unwrap } from '../src/core/types';
import { ScenarioBar } from '../src/ui/panels/ScenarioBar';
import { StoreProvider } from '../src/ui/store/context';
import type { LabState } from '../src/ui/store/types';
import { newStore } from './ui-setup';

function render(state: LabState): string {
  const store = createStore<LabState>()(() => state);
  return renderToString(createElement(StoreProvider, { store, children: createElement(ScenarioBar) }))
    .replace(/<!-- -->/g, '')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"');
}

describe('the scenario bar', () => {
  it("fills the narration from the step's live run and links each claim's source", async () => {
    const scenario = unwrap(await loadScenarioNode('race-window'));
    const store = await newStore();
    const s = () => store.getState();
    s().setScenarios(
      [{ id: scenario.id, title: scenario.title, description: 'd', scenario, error: null }],
      null,
    );
    await s().startScenario('race-window');
    await s().nextStep();
    const html = render(s());
    const getrandom = s().lastDraw!.libraries.find((l) => l.library === 'getrandom')!;
    expect(getrandom.firstSafeDraw).not.toBeNull();
    expect(html).toContain(
      `Now the vCPUs run for 40 µs before the guest handles the notification. Requests served in that window repeat across clones, and every one from draw #${getrandom.firstSafeDraw} on is unique.`,
    );
    expect(html).not.toContain('{');
    const links = [
      ...html.matchAll(/<a class="source" href="([^"]+)" target="_blank" rel="noopener">([^<]+)<\/a>/g),
    ];
    expect(links.map((m) => m[1])).toEqual(scenario.steps[1]!.expect!.map((e) => e.source));
    expect(links.map((m) => m[2])).toEqual(links.map(() => 'source (github.com)'));

    // while a step runs its numbers are not known yet: a neutral "…" for each
    const running = render({ ...s(), active: { ...s().active!, result: null } });
    expect(running).toContain('Now the vCPUs run for … before the guest handles the notification.');
    expect(running).toContain('from draw … on is unique.');
  });
});
