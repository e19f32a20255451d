// The app rendered to HTML (react-dom/server, no browser): the UI contract's accessible names,
// no other control borrowing them, and the outputs marking duplicates in text. The state comes
// from a real journey through the store over the wasm core.

import { readFile } from 'node:fs/promises';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { App } from '../src/ui/App';
import { StoreProvider } from '../src/ui/store/context';
import { createLabStore } from '../src/ui/store/store';
import type { LabState } from '../src/ui/store/types';
import { LabClient } from '../src/ui/worker/client';
import { loadGuests } from '../src/ui/worker/guests';
import { LabHost } from '../src/ui/worker/host';
import { inProcessTransport } from '../src/ui/worker/serve';

const readGuest = (file: string) => readFile(new URL(`../public/guest/${file}`, import.meta.url), 'utf8');

async function stateAfter(journey: boolean): Promise<LabState> {
  const client = new LabClient(
    inProcessTransport(async () => {
      const lab = await Lab.create(await loadCoreNode());
      return new LabHost(lab, lab.engine, () => loadGuests(readGuest));
    }),
  );
  const store = createLabStore(client);
  const a = store.getState();
  await a.init();
  if (journey) {
    await a.boot();
    await a.snapshot();
    a.setSetting('clones', 4);
    await a.restore();
    a.setSetting('draws', 16);
    await a.draw();
  }
  return store.getState();
}

/** Server rendering reads a store's initial state, so the state becomes a new store's initial one. */
function render(state: LabState): string {
  const store = createStore<LabState>()(() => state);
  return renderToString(createElement(StoreProvider, { store, children: createElement(App) }));
}

const text = (html: string) => html.replace(/<!-- -->/g, '');
const buttons = (html: string) =>
  [...text(html).matchAll(/<button([^>]*)>(.*?)<\/button>/gs)].map((m) => {
    const label = /aria-label="([^"]*)"/.exec(m[1]!)?.[1];
    return label ?? m[2]!.replace(/<[^>]+>/g, '').trim();
  });
function labelled(html: string, name: string): string {
  const m = new RegExp(`<label[^>]*for="([^"]+)"[^>]*>${name}</label>`).exec(text(html));
  if (!m) throw new Error(`no label ${name}`);
  const ctl = new RegExp(`<(input|select)[^>]*id="${m[1]!.replace(/[«»:]/g, (c) => `\\${c}`)}"[^>]*>`).exec(
    html,
  );
  if (!ctl) throw new Error(`label ${name} names no control`);
  return ctl[0];
}

describe('the rendered app', () => {
  it.each([
    ['before Boot', false],
    ['after a draw', true],
  ])(
    'has the UI contract %s: buttons, number inputs, the Library select, kernel checkboxes',
    async (_, journey) => {
      const html = render(await stateAfter(journey));
      const names = buttons(html);
      for (const n of ['Boot', 'Snapshot', 'Restore', 'Draw', 'Reset']) {
        expect(names.filter((b) => b === n)).toHaveLength(1);
        // no other button's name contains the word (role+name locators match substrings)
        expect(names.filter((b) => b !== n && b.toLowerCase().includes(n.toLowerCase()))).toEqual([]);
      }
      expect(labelled(html, 'Clones')).toMatch(/type="number"/);
      expect(labelled(html, 'Draws')).toMatch(/type="number"/);
      expect(labelled(html, 'Library')).toMatch(/^<select/);
      for (const box of ['VMGenID', 'SysGenId', 'MADV_WIPEONSUSPEND'])
        expect(text(html)).toMatch(new RegExp(`<label[^>]*><input type="checkbox"[^>]*/>${box}</label>`));
      // the words "Clones" and "Draws" label nothing else
      const labels = [...text(html).matchAll(/(?:aria-label="([^"]*)")|(?:<label[^>]*>([^<]*)<)/g)].map(
        (m) => m[1] ?? m[2]!,
      );
      expect(labels.filter((l) => /clones|draws/i.test(l))).toEqual(['Clones', 'Draws']);
    },
  );

  it('after a colliding draw: the duplicates count is the number, and each duplicate says so in text', async () => {
    const s = await stateAfter(true);
    const html = render(s);
    const count = /data-testid="duplicates-count"[^>]*>(\d+)</.exec(text(html));
    expect(Number(count![1])).toBe(s.lastDraw!.duplicates);
    const shown = s.lastDraw!.libraries[s.outputsLibrary]!;
    const dupCells = [...html.matchAll(/aria-label="[^"]*duplicate[^"]*"/g)];
    expect(dupCells).toHaveLength(shown.duplicates);
    expect(shown.duplicates).toBeGreaterThan(0);
  });
});
