// "Why?" beside a verdict: the button and its reason line as rendered, the Markdown reader of
// docs/FIDELITY.md (headings with GitHub's anchors, so the document's own #links land; tables;
// reference-style links), and the build step that puts the document beside index.html.

import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { fidelityDoc, FIDELITY_PATH } from '../scripts/vite-fidelity.js';
import { parseMarkdown, plain, slug } from '../src/ui/why/markdown';
import { WhyVerdict } from '../src/ui/why/WhyVerdict';

describe('the Why? button', () => {
  it('names its subject, holds the reason line and points at how verdicts are decided', () => {
    const html = renderToString(
      createElement(WhyVerdict, {
        subject: 'openssl-1.1.1',
        verdict: 'predictable',
        reason: 'values differ, but each call mixes in only 20 unknown bits',
      }),
    );
    const target = /popovertarget="([^"]+)"/i.exec(html)![1]!;
    expect(html).toContain(`id="${target}"`);
    expect(html).toContain('aria-label="Why? openssl-1.1.1"');
    expect(html).toContain('>Why?</button>');
    expect(html).toContain('values differ, but each call mixes in only 20 unknown bits');
    expect(html).toContain('How verdicts are decided');
    // relative: the built app finds the document under any sub-path
    expect(html).toContain('href="docs/FIDELITY.md"');
  });

  it('is a "?" where a column has no room, with the same accessible name', () => {
    const html = renderToString(
      createElement(WhyVerdict, { subject: 'naive', verdict: 'dup', reason: 'r', compact: true }),
    );
    expect(html).toContain('aria-label="Why? naive"');
    expect(html).toContain('>?</button>');
  });
});

describe('the reader of docs/FIDELITY.md', () => {
  const doc = [
    '# Fidelity',
    '',
    'See [the cell table](#4-the-cell-table) and [random.c][rc], `code` and **bold**.',
    '',
    '### Verdicts ([`src/core/lab/verdict.ts`](../src/core/lab/verdict.ts))',
    '',
    '- `dup`: every draw gives the same value',
    '  in every clone.',
    '- `unique`: safe.',
    '',
    '## 4. The cell table',
    '',
    '| library | verdict |',
    '| --- | --- |',
    '| naive | dup |',
    '',
    '[rc]: https://github.com/gregkh/linux/blob/v6.1.192/drivers/char/random.c',
  ].join('\n');

  it("parses headings with GitHub's anchors, lists, tables and both kinds of links", () => {
    const b = parseMarkdown(doc);
    expect(b.map((x) => x.t)).toEqual(['heading', 'para', 'heading', 'list', 'heading', 'table']);
    const h = b.filter((x) => x.t === 'heading');
    expect(h.map((x) => x.id)).toEqual(['fidelity', 'verdicts-srccorelabverdictts', '4-the-cell-table']);
    expect(h[1]!.text.startsWith('Verdicts')).toBe(true);
    const para = b[1]!;
    if (para.t !== 'para') throw new Error('para');
    const links = para.children.filter((x) => x.t === 'link');
    expect(links.map((l) => (l.t === 'link' ? l.href : ''))).toEqual([
      '#4-the-cell-table',
      'https://github.com/gregkh/linux/blob/v6.1.192/drivers/char/random.c',
    ]);
    const list = b[3]!;
    if (list.t !== 'list') throw new Error('list');
    expect(plain(list.items[0]!)).toBe('dup: every draw gives the same value in every clone.');
    const table = b[5]!;
    if (table.t !== 'table') throw new Error('table');
    expect(table.rows.map((r) => r.map(plain))).toEqual([['naive', 'dup']]);
  });

  it('makes anchors the way GitHub does', () => {
    expect(slug('5. Disagreements and open items')).toBe('5-disagreements-and-open-items');
    expect(slug('7. The real kernel')).toBe('7-the-real-kernel');
  });
});

describe('the build step', () => {
  it('emits docs/FIDELITY.md beside index.html, with a UTF-8 mark so a browser reads "δ" as δ', () => {
    const emitted: Array<{ fileName: string; source: Uint8Array }> = [];
    const plugin = fidelityDoc(new URL('fixtures/why/', import.meta.url).pathname);
    const generate = plugin.generateBundle as unknown as (this: unknown) => void;
    generate.call({ emitFile: (f: (typeof emitted)[number]) => emitted.push(f), warn: () => {} });
    expect(emitted.map((f) => f.fileName)).toEqual([FIDELITY_PATH]);
    const bytes = emitted[0]!.source;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toBe('# Fidelity\n\nδ = 0, 5 µs apart.\n');
  });

  it('says so, and emits nothing, when the document is missing', () => {
    const warned: string[] = [];
    const plugin = fidelityDoc('/nonexistent');
    const generate = plugin.generateBundle as unknown as (this: unknown) => void;
    generate.call({ emitFile: () => expect.unreachable(), warn: (m: string) => warned.push(m) });
    expect(warned[0]).toMatch(/docs\/FIDELITY\.md is missing/);
  });
});
