// docs/FIDELITY.md is the one reference of what the model does, from which upstream line, and
// what every library x configuration cell shows. These checks keep it from silently falling
// behind the model: it cites at least 25 distinct upstream sources, and its cell table has a row
// for every library the lab runs (a library added to LIBRARY_IDS needs its cells written down).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIBRARY_IDS } from '../src/core/lab/types';

const DOC = 'docs/FIDELITY.md';
const doc = readFileSync(new URL(`../${DOC}`, import.meta.url), 'utf8');

/** The heading the cell table sits under (the first table after it). */
const CELL_TABLE_HEADING = '### Cells';
const MIN_SOURCES = 25;
const VERDICT_WORDS = ['dup-until', 'dup', 'unique', 'predictable', 'mixed', 'refused'];

/**
 * Distinct https links, each without its fragment: two line ranges of one file are one source.
 * Inline links, autolinks and reference definitions all count.
 */
function sourceLinks(md: string): Set<string> {
  const links = new Set<string>();
  for (const m of md.matchAll(/https:\/\/[^\s<>()[\]`"']+/g)) {
    const url = m[0].replace(/[.,;:]+$/, '').replace(/#.*$/, '');
    links.add(url);
  }
  return links;
}

/** A markdown table row's cells, trimmed; pipes inside backticks or escaped with \ stay in their cell. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cur = '';
  let code = false;
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '`') {
      code = !code;
      cur += ch;
    } else if (ch === '|' && !code) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** The first table after the line `heading`: its header cells and its body rows' cells. */
function tableAfter(md: string, heading: string): { header: string[]; rows: string[][] } | null {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.trim() === heading);
  if (at < 0) return null;
  let i = at + 1;
  while (i < lines.length && !lines[i]!.trim().startsWith('|')) {
    if (/^#{1,6} /.test(lines[i]!.trim())) return null; // the next section began: no table
    i++;
  }
  const table: string[] = [];
  while (i < lines.length && lines[i]!.trim().startsWith('|')) table.push(lines[i++]!);
  if (table.length < 2 || !/^\|?\s*:?-{3,}/.test(table[1]!.trim())) return null;
  return { header: cells(table[0]!), rows: table.slice(2).map(cells) };
}

const unticked = (s: string) => s.replace(/`/g, '').trim();

describe(`${DOC} keeps up with the model`, () => {
  it(`cites at least ${MIN_SOURCES} distinct upstream sources by https link`, () => {
    const links = sourceLinks(doc);
    expect(links.size, [...links].join('\n')).toBeGreaterThanOrEqual(MIN_SOURCES);
  });

  it('has a cell table whose first column is the library and whose verdicts are the lab’s words', () => {
    const table = tableAfter(doc, CELL_TABLE_HEADING);
    expect(table, `no table under "${CELL_TABLE_HEADING}"`).not.toBeNull();
    const { header, rows } = table!;
    expect(header[0]!.toLowerCase()).toBe('library');
    const verdictCol = header.findIndex((h) => h.toLowerCase().startsWith('verdict'));
    expect(verdictCol, 'a "verdict" column').toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.length, `row "${row.join(' | ')}" has the header's columns`).toBe(header.length);
      const verdict = row[verdictCol]!;
      expect(
        VERDICT_WORDS.some((w) => verdict.startsWith(w)),
        `${row[0]}: "${verdict}" is a verdict word`,
      ).toBe(true);
      expect(row.at(-1), `${row[0]} (${row[1]}) cites a source`).toMatch(/\[[^\]]+\]/);
    }
  });

  it('has at least one cell-table row for every library in LIBRARY_IDS, and none for an unknown one', () => {
    const { rows } = tableAfter(doc, CELL_TABLE_HEADING)!;
    const named = new Set(rows.map((r) => unticked(r[0]!)));
    const missing = LIBRARY_IDS.filter((id) => !named.has(id));
    expect(missing, `libraries without a row in ${DOC}`).toEqual([]);
    const unknown = [...named].filter((n) => !(LIBRARY_IDS as readonly string[]).includes(n));
    expect(unknown, `rows naming no library of LIBRARY_IDS`).toEqual([]);
  });
});
