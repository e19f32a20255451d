// A session's report: what the CLI prints (a table, or --json) and what the app's exports hold.
// The report carries the whole settings and the action log, so any export can be re-run
// (`uniqueness-lab run --settings FILE`) and gives the same outputs.
//
// Invariants:
// - The JSON shape (DESIGN.md "CLI contract") is written by writeReportJson, one piece at a time:
//   outputs are formatted row by row from the draw's bytes and never held as one big string, so a
//   10,000 x 1,000 run streams instead of building hundreds of MB of text. reportJson() is the
//   same object, whole (small runs, tests).
// - Draw indexes are 1-based; "no unique draw" is null in JSON.

import { outputText } from '../lab/draw';
import type { Prediction } from '../lab/predict';
import { verdictReason } from '../lab/reason';
import type { DrawResult, LibraryDraw, SecretReport } from '../lab/types';
import type { LabSettings } from '../settings/settings';
import type { Verdict } from '../settings/words';
import { PAGE_SIZE } from '../types';
import type { Action } from './actions';
import type { Session } from './session';

/** One library's line of the report (without its outputs, which stay bytes in the draw). */
export interface LibrarySummary {
  library: LibraryDraw['library'];
  consumer: LibraryDraw['consumer'];
  verdict: Verdict;
  duplicates: number;
  collidingPairs: number;
  /** 1-based; null: even the last draw collides. */
  firstUniqueDraw: number | null;
  nsPerCall: number;
  reseeds: number;
  aborts: number;
  /** The verdict's reason in one line (what went in, what did not). */
  reason: string;
  /** The first draw (1-based) whose values differ in every clone with 128 unknown bits behind them. */
  firstSafeDraw: number | null;
  /** What ended the duplication (or made it unique): the event or source the ledger credits. */
  endedBy: LibraryDraw['endedBy'];
  /** Per clone: bits of input since restore nobody holding the snapshot knows, in its generator. */
  freshEntropyBits: number[];
  /** The unknown bits one call mixed in by itself (a timer: guessable below 32). */
  perCallBits: number;
}

export interface RunReport {
  seed: number;
  /** VMs that drew in the last draw. */
  clones: number;
  draws: number;
  guest: string;
  settings: LabSettings;
  actions: Action[];
  snapshot: { type: 'full' | 'diff'; pages: number; wipedPages: number; bytes: number } | null;
  secrets: SecretReport[];
  libraries: LibrarySummary[];
  memory: { wasmBytes: number; bytesPerClone: number; faults: number };
  /** `run --predict`: the openssl-1.1.1 attack on each such process of the last draw. */
  predictions?: { library: string; process: number; clones: Prediction[] }[];
}

/** The summary of one library's draw. */
export function librarySummary(lib: LibraryDraw): LibrarySummary {
  return {
    library: lib.library,
    consumer: lib.consumer,
    verdict: lib.verdict,
    duplicates: lib.duplicates,
    collidingPairs: lib.collidingPairs,
    firstUniqueDraw: lib.firstUniqueDraw,
    nsPerCall: lib.nsPerCall,
    reseeds: lib.reseeds,
    aborts: lib.aborts,
    reason: verdictReason(lib),
    firstSafeDraw: lib.firstSafeDraw,
    endedBy: lib.endedBy,
    freshEntropyBits: lib.freshEntropyBits,
    perCallBits: lib.perCallBits,
  };
}

/** The report of a session after its last draw (null: it never drew). */
export function buildReport(session: Session): { report: RunReport; draw: DrawResult } | null {
  const draw = session.lastDraw;
  if (!draw) return null;
  const lab = session.lab;
  const latest = session.latestSnapshot();
  const info = latest === undefined ? null : lab.engine.snapshotInfo(latest);
  const secrets = session.secrets();
  const vms = new Set(draw.vms);
  const summaries = lab.vms().filter((v) => vms.has(v.id as number));
  const report: RunReport = {
    seed: session.settings.seed,
    clones: draw.vms.length,
    draws: draw.draws,
    guest: session.settings.guest,
    settings: structuredClone(session.initial),
    actions: structuredClone([...session.log]),
    snapshot: info
      ? {
          type: info.type,
          pages: info.pages,
          wipedPages: info.wipedPages,
          bytes: info.presentPages * PAGE_SIZE,
        }
      : null,
    secrets: secrets && secrets.ok ? secrets.value : [],
    libraries: draw.libraries.map(librarySummary),
    memory: {
      wasmBytes: lab.stats().wasmMemoryBytes,
      bytesPerClone: summaries.reduce((s, v) => s + v.privateBytes, 0) / Math.max(1, summaries.length),
      faults: summaries.reduce((s, v) => s + v.faults, 0),
    },
  };
  return { report, draw };
}

/**
 * Writes the report as one JSON object (DESIGN.md "CLI contract"), each library's outputs under
 * "outputs" as rows of text, in pieces: `write` is called many times, with no piece bigger than
 * one clone's row of outputs.
 */
export function writeReportJson(report: RunReport, draw: DrawResult, write: (chunk: string) => void): void {
  const { libraries, ...head } = report;
  const headText = JSON.stringify(head);
  write(`${headText.slice(0, -1)},"libraries":[`);
  libraries.forEach((summary, i) => {
    const lib = draw.libraries[i]!;
    const text = JSON.stringify(summary);
    write(`${i > 0 ? ',' : ''}${text.slice(0, -1)},"outputs":[`);
    for (let c = 0; c < lib.clones; c++) {
      const row: string[] = new Array<string>(lib.draws);
      for (let d = 0; d < lib.draws; d++) row[d] = outputText(lib, c, d);
      write(`${c > 0 ? ',' : ''}${JSON.stringify(row)}`);
    }
    write(']}');
  });
  write(']}');
}

/** The same JSON object, whole (for small runs and tests). */
export function reportJson(report: RunReport, draw: DrawResult): unknown {
  let text = '';
  writeReportJson(report, draw, (c) => (text += c));
  return JSON.parse(text) as unknown;
}

/** The report as JSON text holds it: each library with its outputs, rows[clone][draw]. */
export type RunReportJson = Omit<RunReport, 'libraries'> & {
  libraries: (LibrarySummary & { outputs: string[][] })[];
};
