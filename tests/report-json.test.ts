// The run report's JSON (DESIGN.md "CLI contract") is streamed in pieces of UTF-8 made straight
// from the draw's bytes; these tests hold it to the same object built whole the plain way (every
// output formatted to text), for pieces of any size and for the CLI's own --json.
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/core/cli/main';
import { outputRows } from '../src/core/lab/draw';
import { Lab } from '../src/core/lab/lab';
import { loadCoreNode } from '../src/core/load/node';
import { shippedGuestsNode } from '../src/core/manifest/load-node';
import {
  buildReport,
  writeReportJson,
  writeReportJsonBytes,
  type RunReport,
  type RunReportJson,
} from '../src/core/session/report';
import { catalogOf, replay, Session, standardRun, type GuestCatalog } from '../src/core/session/session';
import type { DrawResult } from '../src/core/lab/types';
import { unwrap } from '../src/core/types';

let lab: Lab;
let catalog: GuestCatalog;

beforeAll(async () => {
  lab = new Lab(await loadCoreNode('release'));
  catalog = catalogOf(unwrap(await shippedGuestsNode()));
});

/** The report object built whole: every library's outputs as rows of text. */
function whole(report: RunReport, draw: DrawResult): RunReportJson {
  return {
    ...report,
    libraries: report.libraries.map((s, i) => ({ ...s, outputs: outputRows(draw.libraries[i]!) })),
  };
}

function run(): { report: RunReport; draw: DrawResult } {
  const s = unwrap(Session.open(lab, catalog, { guest: 'default', clones: 3, draws: 5 }));
  unwrap(s.applyAll(standardRun(s.settings)));
  return buildReport(s)!;
}

describe('the run report as streamed JSON', () => {
  it('equals the report object built whole, for a small run of the default guest', () => {
    const { report, draw } = run();
    let text = '';
    writeReportJson(report, draw, (c) => (text += c));
    expect(JSON.parse(text)).toEqual(whole(report, draw));
    expect(report.libraries.length).toBeGreaterThan(1); // several libraries, several consumers
  });

  it('gives the same text in pieces of any size, with a character split across pieces', () => {
    const { report, draw } = run();
    const named = { ...report, guest: 'gäst µ ✓' }; // two- and three-byte UTF-8 in the head
    const texts = [1, 7, 64, 1 << 20].map((size) => {
      let text = '';
      writeReportJson(named, draw, (c) => (text += c), size);
      return text;
    });
    for (const t of texts) expect(t).toBe(texts[3]);
    const pieces: Uint8Array[] = [];
    writeReportJsonBytes(named, draw, (p) => pieces.push(p), 7);
    expect(pieces.every((p) => p.length <= 7)).toBe(true);
    expect(new TextDecoder().decode(Buffer.concat(pieces))).toBe(texts[3]);
    expect(JSON.parse(texts[0]!)).toEqual(whole(named, draw));
  });

  it("the CLI's run --json prints that object for the run its settings and actions name", async () => {
    let out = '';
    let err = '';
    const code = await main(['run', '--json', '--clones', '3', '--draws', '5'], {
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.endsWith('}\n')).toBe(true);
    const printed = JSON.parse(out) as RunReportJson;
    const again = unwrap(replay(lab, catalog, { settings: printed.settings, actions: printed.actions }));
    const { report, draw } = buildReport(again)!;
    expect({ ...printed, memory: null }).toEqual({ ...whole(report, draw), memory: null });
  });
});
