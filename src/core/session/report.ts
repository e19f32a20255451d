// A session's report: what the CLI prints (a table, or --json) and what the app's exports hold.
// The report carries the whole settings and the action log, so any export can be re-run
// (`uniqueness-lab run --settings FILE`) and gives the same outputs.
//
// Invariants:
// - The JSON shape (DESIGN.md "CLI contract") is written by writeReportJsonBytes, one piece of
//   UTF-8 at a time: outputs are formatted from the draw's bytes straight into the piece and never
//   held as strings, so a 10,000 x 1,000 run streams instead of building hundreds of MB of text.
//   writeReportJson is the same text as string pieces; reportJson() is the same object, whole
//   (small runs, tests).
// - Draw indexes are 1-based; "no unique draw" is null in JSON.

import { textLength, writeTextAt } from '../crypto/uuid';
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

/** The most bytes of JSON text in one piece the writers hand out. */
export const JSON_CHUNK_BYTES = 1 << 20;

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/**
 * Fills pieces of UTF-8 of `size` bytes and hands each one over whole: a piece is never touched
 * again after `write` got it, so a consumer may keep it (an asynchronous stream).
 */
class PieceWriter {
  private buf: Uint8Array;
  at = 0;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly write: (piece: Uint8Array) => void,
    readonly size: number,
  ) {
    this.buf = new Uint8Array(size);
  }

  /** The current piece with room for n more bytes at `at` (null: n is more than a piece holds). */
  room(n: number): Uint8Array | null {
    if (n > this.size) return null;
    if (this.at + n > this.size) this.flush();
    return this.buf;
  }

  /** Appends bytes, across pieces where they do not fit. */
  put(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length;) {
      if (this.at === this.size) this.flush();
      const k = Math.min(bytes.length - i, this.size - this.at);
      this.buf.set(bytes.subarray(i, i + k), this.at);
      this.at += k;
      i += k;
    }
  }

  byte(b: number): void {
    if (this.at === this.size) this.flush();
    this.buf[this.at++] = b;
  }

  text(s: string): void {
    this.put(this.encoder.encode(s));
  }

  flush(): void {
    if (this.at === 0) return;
    this.write(this.buf.subarray(0, this.at));
    this.buf = new Uint8Array(this.size);
    this.at = 0;
  }
}

/** Writes `"text",` (the comma first unless it is the row's first) of output (c, d) into buf at `at`. */
function putOutput(lib: LibraryDraw, offset: number, first: boolean, buf: Uint8Array, at: number): number {
  if (!first) buf[at++] = COMMA;
  buf[at++] = QUOTE;
  at = writeTextAt(lib.bytes, offset, lib.width, lib.consumer === 'uuid', buf, at);
  buf[at++] = QUOTE;
  return at;
}

/**
 * Writes the report as one JSON object (DESIGN.md "CLI contract"), each library's outputs under
 * "outputs" as rows of text, as UTF-8 in pieces of at most `pieceBytes` (each as full as the
 * next output or text allows; a piece may end inside a row, and inside a character of text). Each output is formatted from the draw's bytes
 * straight into the piece (no string per value), so the text of a 10,000 x 1,000 run is never
 * held whole and costs the GC nothing.
 */
export function writeReportJsonBytes(
  report: RunReport,
  draw: DrawResult,
  write: (piece: Uint8Array) => void,
  pieceBytes = JSON_CHUNK_BYTES,
): void {
  const w = new PieceWriter(write, pieceBytes);
  const { libraries, ...head } = report;
  w.text(`${JSON.stringify(head).slice(0, -1)},"libraries":[`);
  libraries.forEach((summary, i) => {
    const lib = draw.libraries[i]!;
    w.text(`${i > 0 ? ',' : ''}${JSON.stringify(summary).slice(0, -1)},"outputs":[`);
    const item = textLength(lib.width, lib.consumer === 'uuid') + 3; // ,"..."
    const staged = new Uint8Array(item);
    for (let c = 0; c < lib.clones; c++) {
      if (c > 0) w.byte(COMMA);
      w.byte(OPEN);
      let offset = c * lib.draws * lib.width;
      for (let d = 0; d < lib.draws;) {
        const buf = w.room(item);
        if (!buf) {
          w.put(staged.subarray(0, putOutput(lib, offset, d === 0, staged, 0)));
          d++;
          offset += lib.width;
          continue;
        }
        // as many outputs as the piece holds, without asking again for each
        const end = d + Math.min(lib.draws - d, Math.floor((w.size - w.at) / item));
        let at = w.at;
        for (; d < end; d++, offset += lib.width) at = putOutput(lib, offset, d === 0, buf, at);
        w.at = at;
      }
      w.byte(CLOSE);
    }
    w.text(']}');
  });
  w.text(']}');
  w.flush();
}

/**
 * The same JSON as text pieces (each a whole number of characters): what a consumer of strings
 * (a CLI's io, a download) writes one after another.
 */
export function writeReportJson(
  report: RunReport,
  draw: DrawResult,
  write: (chunk: string) => void,
  pieceBytes = JSON_CHUNK_BYTES,
): void {
  const decoder = new TextDecoder();
  writeReportJsonBytes(
    report,
    draw,
    (piece) => {
      const text = decoder.decode(piece, { stream: true });
      if (text) write(text);
    },
    pieceBytes,
  );
  const rest = decoder.decode();
  if (rest) write(rest);
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
