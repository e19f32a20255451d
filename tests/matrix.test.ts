// The mitigation matrix: DESIGN.md's truth table measured column by column on one core, the
// isolated-mechanism columns, the secrets row, and its CSV and SVG files read back.
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/core/engine';
import { Lab } from '../src/core/lab/lab';
import { LIBRARY_IDS, type LibraryId } from '../src/core/lab/types';
import { analyseRows, verdictOf } from '../src/core/lab/verdict';
import type { CoreExports } from '../src/core/load/instantiate';
import { loadCoreNode } from '../src/core/load/node';
import { shippedGuestsNode } from '../src/core/manifest/load-node';
import {
  CSV_COLUMNS,
  cellLabState,
  computeMatrix,
  escapeXml,
  MATRIX_COLUMNS,
  matrixToCsv,
  matrixToSvg,
  type Matrix,
  type MatrixColumnId,
} from '../src/core/matrix';
import { openLabState } from '../src/core/permalink';
import { catalogOf, type GuestCatalog } from '../src/core/session/session';
import type { Verdict } from '../src/core/settings/words';
import { unwrap } from '../src/core/types';

const outputsVerdict = (rows: string[][]) => verdictOf(analyseRows(rows));

/**
 * What each column shows per library, on each vCPU, from the upstream sources (docs/FIDELITY.md):
 * [intel, none]. Kernel 6.11 with vDSO getrandom in every column; 16 draws 5 µs apart.
 */
type Pair = [Verdict | 'refused', Verdict | 'refused'];
const EXPECTED: Record<MatrixColumnId, Record<LibraryId, Pair>> = {
  // nothing reseeds at restore: only RDRAND-per-call libraries differ, OpenSSL 1.1.1's timer
  // makes its values differ predictably
  'no-vmgenid': {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'dup'],
    'aws-lc-ube': ['unique', 'dup'],
    wipeonsuspend: ['dup', 'dup'],
    vdso: ['dup', 'dup'],
    getrandom: ['dup', 'dup'],
    rdrand: ['unique', 'refused'],
  },
  // the CRNG reseeds before the first draw; userspace DRBGs keep their snapshot state
  vmgenid: {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'dup'],
    'aws-lc-ube': ['unique', 'dup'],
    wipeonsuspend: ['dup', 'dup'],
    vdso: ['unique', 'unique'],
    getrandom: ['unique', 'unique'],
    rdrand: ['unique', 'refused'],
  },
  'vmgenid-delay': {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'dup'],
    'aws-lc-ube': ['unique', 'dup'],
    wipeonsuspend: ['dup', 'dup'],
    vdso: ['dup-until', 'dup-until'],
    getrandom: ['dup-until', 'dup-until'],
    rdrand: ['unique', 'refused'],
  },
  // the SysGenId bump makes both AWS-LC versions reseed from the reseeded kernel
  sysgenid: {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'unique'],
    'aws-lc-ube': ['unique', 'unique'],
    wipeonsuspend: ['dup', 'dup'],
    vdso: ['unique', 'unique'],
    getrandom: ['unique', 'unique'],
    rdrand: ['unique', 'refused'],
  },
  'wipeonsuspend-reseed': {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'dup'],
    'aws-lc-ube': ['unique', 'dup'],
    wipeonsuspend: ['unique', 'unique'],
    vdso: ['unique', 'unique'],
    getrandom: ['unique', 'unique'],
    rdrand: ['unique', 'refused'],
  },
  // S3 resume reseeds the CRNG (random_pm_notification): from RDSEED on intel; on a vCPU
  // without it only the cycle counter went in, so the values differ but predictably
  'wipeonsuspend-no-reseed': {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'dup'],
    'aws-lc-ube': ['unique', 'dup'],
    wipeonsuspend: ['unique', 'predictable'],
    vdso: ['unique', 'predictable'],
    getrandom: ['unique', 'predictable'],
    rdrand: ['unique', 'refused'],
  },
  // the agent reseeds the CRNG after its delay: kernel users recover, DRBG state does not
  agent: {
    naive: ['dup', 'dup'],
    'openssl-1.1.1': ['predictable', 'predictable'],
    'openssl-3': ['dup', 'dup'],
    boringssl: ['unique', 'dup'],
    'aws-lc': ['unique', 'dup'],
    'aws-lc-ube': ['unique', 'dup'],
    wipeonsuspend: ['dup', 'dup'],
    vdso: ['dup-until', 'dup-until'],
    getrandom: ['dup-until', 'dup-until'],
    rdrand: ['unique', 'refused'],
  },
};

const OPTS = { clones: 4, draws: 16, seed: 11, memoryMiB: 32, delayUs: 40, drawIntervalUs: 5 };

let core: CoreExports;
let catalog: GuestCatalog;
let m: Matrix;

beforeAll(async () => {
  core = await loadCoreNode('release');
  catalog = catalogOf(unwrap(await shippedGuestsNode()));
  const r = await computeMatrix(catalog, 'default', OPTS, core);
  if (!r.ok) throw new Error(r.error.message);
  m = r.value;
});

const col = (id: MatrixColumnId, cpu = 'intel') => m.columns.findIndex((c) => c.key === `${id}@${cpu}`);
const verdictsOf = (id: MatrixColumnId, cpu: string) =>
  Object.fromEntries(m.rows.map((lib, r) => [lib, m.cells[r]![col(id, cpu)]!.verdict]));

describe('the mitigation matrix', () => {
  it('has every library as a row and every configuration as a column, once per vCPU', () => {
    expect(m.rows).toEqual([...LIBRARY_IDS]);
    expect(m.cpus).toEqual(['intel', 'none']);
    expect(m.columns.map((c) => c.key)).toEqual(
      ['intel', 'none'].flatMap((cpu) => MATRIX_COLUMNS.map((c) => `${c.id}@${cpu}`)),
    );
    expect(m.cells).toHaveLength(LIBRARY_IDS.length);
    for (const row of m.cells) expect(row).toHaveLength(2 * MATRIX_COLUMNS.length);
    expect(m.columns[col('vmgenid-delay')]!.title).toBe('vmgenid driver, δ = 40 µs · intel');
    expect(m.columns[col('vmgenid-delay')]!.notifyDelayUs).toBe(40);
    for (const c of m.columns) expect(c.settings).toMatchObject({ kernel: '6.11', vdso: true, cpu: c.cpu });
  });

  for (const [id, want] of Object.entries(EXPECTED))
    for (const [i, cpu] of ['intel', 'none'].entries()) {
      it(`column "${id}" on cpu ${cpu} shows what the sources say`, () => {
        expect(verdictsOf(id as MatrixColumnId, cpu)).toEqual(
          Object.fromEntries(LIBRARY_IDS.map((l) => [l, want[l][i]])),
        );
      });
    }

  it('a refused cell is rdrand on a vCPU without RDRAND, and nothing else', () => {
    for (const [r, lib] of m.rows.entries())
      for (const [c, column] of m.columns.entries())
        expect(m.cells[r]![c]!.verdict === 'refused', `${lib}/${column.key}`).toBe(
          lib === 'rdrand' && column.cpu === 'none',
        );
  });

  it('every cell says why, in the reason line the CLI prints, and the reason agrees with the verdict', () => {
    const says: Record<string, RegExp> = {
      dup: /^every clone emitted the same/,
      'dup-until': /^duplicated until #\d+, then unique: /,
      unique: /^distinct from the first draw with at least 128 unknown bits/,
      predictable: /^values differ, but /,
      mixed: /^some draws collide/,
      refused: /no RDRAND/,
    };
    for (const row of m.cells)
      for (const c of row) expect(c.reason, `${c.library}/${c.column}`).toMatch(says[c.verdict]!);
  });

  it('"dup until δ" cells turn unique after the notification, not before', () => {
    const c = m.cells[m.rows.indexOf('vdso')]![col('vmgenid-delay')]!;
    const k = c.firstUniqueDraw!; // 1-based
    expect(k).toBeGreaterThan(1);
    expect(k).toBeLessThanOrEqual(OPTS.draws);
    expect((k - 2) * OPTS.drawIntervalUs).toBeLessThan(OPTS.delayUs);
    expect(c.duplicates).toBe((k - 1) * OPTS.clones);
  });

  it('counts every output of a "dup" cell as a duplicate and none of a "unique" cell', () => {
    for (const row of m.cells)
      for (const c of row) {
        if (c.verdict === 'dup')
          expect(c.duplicates, `${c.library}/${c.column}`).toBe(OPTS.clones * OPTS.draws);
        if (c.verdict === 'unique') expect(c.duplicates, `${c.library}/${c.column}`).toBe(0);
        if (c.verdict === 'unique' || c.verdict === 'dup-until')
          expect(c.freshBits, `${c.library}/${c.column}`).toBeGreaterThanOrEqual(128);
        if (c.verdict === 'predictable') expect(c.freshBits, `${c.library}/${c.column}`).toBeLessThan(128);
      }
  });

  it('charges the vDSO far less per call than the syscall, and RDRAND more', () => {
    const ns = (lib: LibraryId) => m.cells[m.rows.indexOf(lib)]![col('no-vmgenid')]!.nsPerCall;
    // the application's last call before the snapshot left the vDSO state current: no rekey
    const vdso = m.cells[m.rows.indexOf('vdso')]![col('no-vmgenid')]!;
    expect(vdso.reseeds).toBe(0);
    expect(ns('vdso')).toBeCloseTo(11.5, 5);
    expect(ns('vdso')).toBeLessThan(ns('getrandom') / 4);
    expect(ns('getrandom')).toBeCloseTo(176, 5);
    expect(ns('rdrand')).toBeGreaterThan(ns('getrandom'));
  });

  it('says which secrets reach the snapshot file: flagged ones only where the kernel wipes at suspend', () => {
    for (const c of m.columns) {
      const s = Object.fromEntries(c.secrets.map((x) => [x.name, x.inSnapshot]));
      expect(s, c.key).toEqual({ 'tls-session-key': !c.settings.wipeOnSuspend, 'db-password': true });
      expect(c.wipedPages > 0, c.key).toBe(c.settings.wipeOnSuspend);
      for (const row of m.cells)
        expect(row[col(c.id, c.cpu)]!.secrets).toEqual(
          c.secrets.map(({ name, inSnapshot }) => ({ name, inSnapshot })),
        );
    }
  });

  it('leaves no VM or snapshot behind in its core', () => {
    const e = new Engine(core);
    expect(e.liveVms().length).toBe(0);
    expect(e.liveSnapshots().length).toBe(0);
  });

  it('a cell as a lab state replays through the one session to the same numbers', () => {
    for (const [lib, id] of [
      ['vdso', 'vmgenid-delay'],
      ['wipeonsuspend', 'wipeonsuspend-reseed'],
      ['getrandom', 'agent'],
      ['aws-lc', 'sysgenid@none'],
      ['openssl-1.1.1', 'no-vmgenid@none'],
    ] as const) {
      const state = unwrap(cellLabState(m, lib, id));
      expect(state.settings.vdso).toBe(true);
      const lab = new Lab(core);
      const out = openLabState(lab, catalog, state);
      if (!out.ok) throw new Error(out.error.message);
      const rep = out.value.lastDraw!.libraries.find((l) => l.library === lib)!;
      const [colId, cpu] = id.split('@') as [MatrixColumnId, string | undefined];
      const cell = m.cells[m.rows.indexOf(lib)]![col(colId, cpu ?? 'intel')]!;
      expect(
        {
          duplicates: rep.duplicates,
          firstUniqueDraw: rep.firstUniqueDraw,
          nsPerCall: rep.nsPerCall,
          verdict: rep.verdict,
        },
        `${lib}/${id}`,
      ).toEqual({
        duplicates: cell.duplicates,
        firstUniqueDraw: cell.firstUniqueDraw,
        nsPerCall: cell.nsPerCall,
        verdict: cell.verdict,
      });
      lab.reset();
    }
  });

  it('refuses an unknown cell with a message naming the field', () => {
    const bad = cellLabState(m, 'nope' as LibraryId, 0);
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.error.message).toBe(
        'row: expected a library of the matrix or an index from 0 to 9, got nope',
      );
    const badCol = cellLabState(m, 0, 99);
    if (badCol.ok) throw new Error('accepted column 99');
    expect(badCol.error).toMatchObject({ kind: 'InvalidValue', field: 'col' });
  });

  it('refuses bad options before running anything', async () => {
    const cases: [Parameters<typeof computeMatrix>[2], string][] = [
      [{ ...OPTS, clones: 0 }, 'clones: expected a whole number from 1 to 10000 (got 0)'],
      [{ ...OPTS, delayUs: -1 }, 'delayUs: expected a number >= 0, got -1'],
      [{ ...OPTS, columns: ['vmgenid', 'nope' as MatrixColumnId] }, 'columns: unknown column "nope"'],
      [{ ...OPTS, columns: ['agent', 'agent'] }, 'columns: column "agent" is listed twice'],
    ];
    for (const [opts, message] of cases) {
      const r = await computeMatrix(catalog, 'default', opts, core);
      if (r.ok) throw new Error(`accepted ${JSON.stringify(opts)}`);
      expect(r.error.message.startsWith(message), r.error.message).toBe(true);
    }
    expect(new Engine(core).liveVms().length).toBe(0);
  });

  it('reports progress per column and stops when cancelled', async () => {
    const seen: [number, number][] = [];
    let n = 0;
    const r = await computeMatrix(
      catalog,
      'default',
      {
        ...OPTS,
        clones: 2,
        draws: 2,
        columns: ['no-vmgenid', 'vmgenid', 'agent'],
        onProgress: (done, total) => seen.push([done, total]),
        cancelled: () => n++ >= 2,
      },
      core,
    );
    expect(seen).toEqual([
      [1, 6],
      [2, 6],
    ]);
    expect(r.ok ? null : r.error.kind).toBe('Cancelled');
  });
});

describe('the shared verdict function', () => {
  it('names the truth-table patterns', () => {
    expect(
      outputsVerdict([
        ['a', 'b'],
        ['a', 'b'],
      ]),
    ).toBe('dup');
    expect(
      outputsVerdict([
        ['a', 'b'],
        ['c', 'd'],
      ]),
    ).toBe('unique');
    expect(
      outputsVerdict([
        ['a', 'b', 'c'],
        ['a', 'x', 'y'],
      ]),
    ).toBe('dup-until');
    expect(
      outputsVerdict([
        ['a', 'b'],
        ['c', 'b'],
      ]),
    ).toBe('mixed');
    expect(
      outputsVerdict([
        ['a', 'b'],
        ['b', 'a'],
      ]),
    ).toBe('mixed'); // values cross draws
    expect(outputsVerdict([['a', 'a']])).toBe('unique'); // one clone: nothing to collide with
  });

  it('recomputes the core counters: duplicates, first unique draw (1-based)', () => {
    const a = analyseRows([
      ['a', 'b', 'c'],
      ['a', 'e', 'f'],
      ['g', 'b', 'i'],
    ]);
    expect(a).toMatchObject({ duplicates: 4, firstUniqueDraw: 3 });
    expect(verdictOf(a)).toBe('mixed');
  });
});

/** RFC 4180 reader: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('CSV export', () => {
  it('parses back to the same numbers, one line per cell', () => {
    const rows = parseCsv(matrixToCsv(m));
    const header = rows[0]!;
    expect(header).toEqual([...CSV_COLUMNS, 'secret:tls-session-key', 'secret:db-password']);
    expect(rows).toHaveLength(1 + m.rows.length * m.columns.length);
    const at = (name: string) => header.indexOf(name);
    for (const line of rows.slice(1)) {
      expect(line).toHaveLength(header.length);
      const r = m.rows.indexOf(line[at('library')] as LibraryId);
      const [id, cpu] = line[at('column')]!.split('@') as [MatrixColumnId, string];
      const c = col(id, cpu);
      const cell = m.cells[r]![c]!;
      expect(line[at('columnTitle')]).toBe(m.columns[c]!.title);
      expect(line[at('cpu')]).toBe(cpu);
      expect(line[at('verdict')]).toBe(cell.verdict);
      for (const k of [
        'duplicates',
        'collidingPairs',
        'nsPerCall',
        'reseeds',
        'aborts',
        'freshBits',
      ] as const)
        expect(Number(line[at(k)]), k).toBe(cell[k]);
      expect(line[at('firstUniqueDraw')]).toBe(String(cell.firstUniqueDraw ?? 'never'));
      for (const s of cell.secrets) expect(line[at(`secret:${s.name}`)]).toBe(String(s.inSnapshot));
    }
  });

  it('quotes fields with commas (the δ column title)', () => {
    expect(matrixToCsv(m)).toContain('"vmgenid driver, δ = 40 µs · intel"');
  });
});

/**
 * A minimal XML well-formedness check: one root, balanced and properly nested tags, quoted
 * attributes without duplicates, only the five predefined entities and numeric references, no
 * stray '<' or '&' in text.
 */
function checkXml(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const checkText = (t: string, where: string) => {
    if (t.replace(entity, '').includes('&')) problems.push(`bad '&' in ${where}: ${t.slice(0, 40)}`);
  };
  for (const m of xml.matchAll(token)) {
    const [, close, name, attrs, selfClose, text, stray] = m;
    if (stray) {
      problems.push(`stray '<' at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
      continue;
    }
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '')
        problems.push(`text outside the root: ${text.slice(0, 40)}`);
      checkText(text, 'text');
      continue;
    }
    if (!name) continue; // comment or declaration
    if (close) {
      if (attrs || selfClose) problems.push(`closing tag </${name}> with attributes`);
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    if (stack.length === 0) roots++;
    const seen = new Set<string>();
    for (const a of attrs!.matchAll(/([^\s=]+)\s*=\s*("[^"]*"|'[^']*')/g)) {
      if (seen.has(a[1]!)) problems.push(`<${name}> repeats attribute ${a[1]}`);
      seen.add(a[1]!);
      checkText(a[2]!, `attribute ${a[1]}`);
    }
    if (!selfClose) stack.push(name);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

describe('SVG export', () => {
  it('is a well-formed standalone document naming every library', () => {
    for (const theme of ['light', 'dark'] as const) {
      const svg = matrixToSvg(m, { theme });
      expect(checkXml(svg), theme).toEqual([]);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      for (const lib of LIBRARY_IDS) expect(svg).toContain(`>${lib}<`);
      for (const c of m.columns) expect(svg).toContain(escapeXml(c.title.split(' ')[0]!));
      // inline attributes only: nothing fetched, no stylesheet, no classes, no script
      expect(svg).not.toMatch(/<style|class=|<script|href=|url\(|@import|@font-face/);
      // colour is not the only signal
      expect(svg).toContain('✖ duplicated');
      expect(svg).toContain('✔ unique');
      expect(svg).toContain('◐ dup until #');
    }
    expect(matrixToSvg(m, { theme: 'dark' })).not.toBe(matrixToSvg(m, { theme: 'light' }));
  });

  it('escapes text, so a hostile caption stays text', () => {
    const svg = matrixToSvg(m, { title: `</text><script>alert("x")</script> & 'more'` });
    expect(checkXml(svg)).toEqual([]);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain(
      '&lt;/text&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;more&apos;',
    );
  });

  it('the checker itself rejects broken XML', () => {
    expect(checkXml('<a><b></a></b>')).not.toEqual([]);
    expect(checkXml('<a x="1" x="2"/>')).not.toEqual([]);
    expect(checkXml('<a>1 < 2</a>')).not.toEqual([]);
    expect(checkXml('<a>&nbsp;</a>')).not.toEqual([]);
    expect(checkXml('<a/><b/>')).not.toEqual([]);
    expect(checkXml('<a><b/>text &amp; more</a>')).toEqual([]);
  });
});
