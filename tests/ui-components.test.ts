// The app rendered to HTML (react-dom/server, no browser): the UI contract's accessible names, no
// other control borrowing them, the outputs marking duplicates in text, and every setting's
// control held against the CLI's `run --help` (label, limits, default), so the app's table and
// the CLI's cannot drift. The state comes from real stores over the wasm core.

import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { runHelp } from '../src/core/cli/args';
import { resolveSettings, SETTINGS, type LabSettings } from '../src/core/settings/settings';
import { App } from '../src/ui/App';
import { StoreProvider } from '../src/ui/store/context';
import type { LabState } from '../src/ui/store/types';
import { journey, newStore } from './ui-setup';

async function stateAfter(drawn: boolean): Promise<LabState> {
  const store = await newStore();
  if (drawn) await journey(store, 4, 16);
  return store.getState();
}

/** Server rendering reads a store's initial state, so the state becomes a new store's initial one. */
function render(state: LabState): string {
  const store = createStore<LabState>()(() => state);
  return renderToString(createElement(StoreProvider, { store, children: createElement(App) }));
}

const text = (html: string) => html.replace(/<!-- -->/g, '');
const unescape = (s: string) =>
  s
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
const buttons = (html: string) =>
  [...text(html).matchAll(/<button([^>]*)>(.*?)<\/button>/gs)].map((m) => {
    const label = /aria-label="([^"]*)"/.exec(m[1]!)?.[1];
    return label ?? m[2]!.replace(/<[^>]+>/g, '').trim();
  });
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The control a <label for> names, with its attributes, and what follows it up to the field's end. */
function labelled(html: string, name: string): { tag: string; rest: string } {
  const t = text(html);
  const m = new RegExp(`<label[^>]*for="([^"]+)"[^>]*>${escapeRe(name)}</label>`).exec(t);
  if (!m) throw new Error(`no label ${name}`);
  const id = m[1]!.replace(/[«»:]/g, (c) => `\\${c}`);
  const ctl = new RegExp(`<(input|select)[^>]*id="${id}"[^>]*>`).exec(t);
  if (!ctl) throw new Error(`label ${name} names no control`);
  const rest = t.slice(ctl.index, t.indexOf('</div>', ctl.index));
  return { tag: ctl[0], rest };
}

/** The checkbox whose label is exactly `name`: its input tag. */
function checkbox(html: string, name: string): string {
  const m = new RegExp(`<label[^>]*>(<input type="checkbox"[^>]*/>)${escapeRe(name)}</label>`).exec(
    text(html),
  );
  if (!m) throw new Error(`no checkbox ${name}`);
  return m[1]!;
}

/** The settings rows of `run --help`: flag, label, default and limit as the CLI prints them. */
function helpRows(
  guest: LabSettings,
): Array<{ flag: string; label: string; default: string; limit: string | null }> {
  const lines = runHelp(guest).split('\n');
  const from = lines.findIndex((l) => l.startsWith('settings'));
  const to = lines.findIndex((l) => l.startsWith('run flags'));
  const rows: string[] = [];
  for (const l of lines.slice(from + 1, to)) {
    if (/^ {2}--/.test(l)) rows.push(l.trim());
    else if (l.trim() !== '' && rows.length) rows[rows.length - 1] += ` ${l.trim()}`;
  }
  return rows.map((r) => {
    const m = /^(--\S+) \S+\s+(.+?): .* \(default: (.+?)(?:; limit: (.+?))?\)$/.exec(r);
    if (!m) throw new Error(`cannot read the help row: ${r}`);
    return { flag: m[1]!, label: m[2]!, default: m[3]!, limit: m[4] ?? null };
  });
}

/** A default as the help prints it, for the default guest: "the guest's (128 for default)" -> "128". */
const forDefaultGuest = (d: string) => /^the guest's \((.*) for default\)$/.exec(d)?.[1] ?? d;

describe('the rendered app', () => {
  it.each([
    ['before Boot', false],
    ['after a draw', true],
  ])('has the UI contract %s: buttons, number inputs, the selects, kernel checkboxes', async (_, drawn) => {
    const html = render(await stateAfter(drawn));
    const names = buttons(html);
    for (const n of ['Boot', 'Snapshot', 'Restore', 'Draw', 'Reset']) {
      expect(names.filter((b) => b === n)).toHaveLength(1);
      // no other button's name contains the word (role+name locators match substrings), but for
      // the real kernel's "Restore clones", a name of the contract itself
      const others = names.filter((b) => b !== n && b !== 'Restore clones');
      expect(others.filter((b) => b.toLowerCase().includes(n.toLowerCase()))).toEqual([]);
    }
    expect(labelled(html, 'Clones').tag).toMatch(/type="number"/);
    expect(labelled(html, 'Draws').tag).toMatch(/type="number"/);
    for (const select of ['Library', 'CPU', 'Kernel']) expect(labelled(html, select).tag).toMatch(/^<select/);
    for (const box of ['VMGenID', 'SysGenId', 'MADV_WIPEONSUSPEND']) expect(checkbox(html, box)).toBeTruthy();
    // the words "Clones" and "Draws" label nothing else
    const labels = [...text(html).matchAll(/(?:aria-label="([^"]*)")|(?:<label[^>]*>([^<]*)<)/g)].map(
      (m) => m[1] ?? m[2]!,
    );
    // (the real kernel's "Real clones" is that panel's own field: tests there use exact names)
    expect(labels.filter((l) => /clones|draws/i.test(l) && l !== 'Real clones')).toEqual(['Clones', 'Draws']);
  });

  it('after a colliding draw: the duplicates count is the number, and each duplicate says so in text', async () => {
    const s = await stateAfter(true);
    const html = render(s);
    const count = /data-testid="duplicates-count"[^>]*>(\d+)</.exec(text(html));
    expect(Number(count![1])).toBe(s.lastDraw!.libraries.reduce((n, l) => n + l.duplicates, 0));
    const shown = s.lastDraw!.libraries[s.outputsLibrary]!;
    const dupCells = [...html.matchAll(/aria-label="[^"]*duplicate[^"]*"/g)];
    expect(dupCells).toHaveLength(shown.duplicates);
    expect(shown.duplicates).toBeGreaterThan(0);
    // the verdict in words, with its glyph
    expect(text(html)).toContain('✖</span> <!-- -->duplicated'.replace('<!-- -->', ''));
  });

  it('a duplicate names three other holders and counts the rest, each VM once', async () => {
    const store = await newStore();
    await journey(store, 7, 4);
    const s = store.getState();
    const html = unescape(text(render(s)));
    const lib = s.lastDraw!.libraries[s.outputsLibrary]!;
    const vms = s.lastDraw!.vms;
    // the holders of the first cell's group, from the groups themselves
    const g = lib.groups[0]!;
    expect(g).toBeGreaterThanOrEqual(0);
    const holders = vms.filter((_, c) =>
      Array.from(lib.groups.subarray(c * lib.draws, (c + 1) * lib.draws)).includes(g),
    );
    const others = holders.filter((v) => v !== vms[0]);
    expect(others.length).toBeGreaterThan(3);
    const want = `${others
      .slice(0, 3)
      .map((v) => `vm ${v}`)
      .join(', ')} and ${others.length - 3} more VMs)`;
    expect(html).toContain(`aria-label="vm ${vms[0]} output 1: `);
    const label = new RegExp(`aria-label="vm ${vms[0]} output 1: [^"]*"`).exec(html)![0];
    expect(label).toContain(`duplicate (group ${g + 1}, also in ${want}`);
  });

  it("every setting has a control with the CLI's label, limits and default (run --help)", async () => {
    const s = await stateAfter(false);
    const html = render({ ...s, moreSettings: true });
    // the CLI prints the default guest's values for the settings a guest gives, as `run --help` does
    const def = s.guests.find((g) => g.manifest?.name === 'default')!.manifest!;
    const rows = helpRows(resolveSettings(def));
    expect(rows.map((r) => r.flag)).toEqual(SETTINGS.map((x) => x.flag));
    for (const row of rows) {
      const spec = SETTINGS.find((x) => x.flag === row.flag)!;
      const want = forDefaultGuest(row.default);
      if (spec.type === 'bool') {
        const tag = checkbox(html, row.label);
        expect(/ checked=""/.test(tag), row.label).toBe(want === 'on');
        continue;
      }
      const { tag, rest } = labelled(html, row.label);
      if (spec.type === 'whole' || spec.type === 'number') {
        expect(tag, row.label).toMatch(/type="number"/);
        const [min, max] = row
          .limit!.replace(/,/g, '')
          .split(' to ')
          .map((x) => Number.parseFloat(x));
        expect(tag, row.label).toContain(` min="${min}"`);
        expect(tag, row.label).toContain(` max="${max}"`);
        expect(tag, row.label).toContain(` value="${want}"`);
        // the limit, in the same words, beside the field
        expect(rest, row.label).toContain(`>${row.limit}</span>`);
      } else {
        expect(tag, row.label).toMatch(/^<select/);
        const selected = /<option[^>]*value="([^"]*)"[^>]*selected=""/.exec(rest)?.[1];
        expect(unescape(selected ?? ''), row.label).toBe(want);
      }
    }
  });

  it('a value typed outside its limit stays as typed, says the limit, and disables every lab button', async () => {
    const s = await stateAfter(false);
    const html = text(render({ ...s, typed: { clones: '20000' } }));
    const { tag, rest } = labelled(html, 'Clones');
    expect(tag).toContain('value="20000"');
    expect(tag).toContain('aria-invalid="true"');
    expect(rest).toContain('>must be 1 to 10,000</span>');
    expect(html).toContain(
      'Nothing runs until every value is within its limits: Clones must be a whole number from 1 to 10,000 (not 20000).',
    );
    expect(html).toMatch(/<button class="primary" disabled=""[^>]*>Boot<\/button>/);
  });
});
