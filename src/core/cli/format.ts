// The CLI's human-readable output: plain text tables (no colour, so pipes and logs stay clean).
// Pure functions of the report: the numbers come from the core; only the duplicate marks of the
// sample outputs are recomputed here, from the outputs themselves.

import type { GuestIndexEntry } from '../manifest/validate';
import { outputText } from '../lab/draw';
import type { DrawResult, SecretReport } from '../lab/types';
import type { LibrarySummary, RunReport } from '../session/report';
import { count as thousands, drawLabel, nsText, VERDICT_WORDS } from '../settings/words';
import { PAGE_SIZE } from '../types';

type Align = 'left' | 'right';

/** Lays rows out under headers, columns two spaces apart, trailing spaces trimmed. */
export function table(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(bytes % 1048576 === 0 ? 0 : 1)} MiB`;
const kib = (bytes: number) => (bytes >= 1048576 ? mib(bytes) : `${(bytes / 1024).toFixed(1)} KiB`);
const count = (n: number, one: string, many = `${one}s`) => `${thousands(n)} ${n === 1 ? one : many}`;

function verdictCell(lib: LibrarySummary): string {
  const v = VERDICT_WORDS[lib.verdict];
  return `${v.glyph} ${lib.verdict === 'dup-until' ? `duplicated until ${drawLabel(lib.firstUniqueDraw)}` : v.word}`;
}

function libraryTable(report: RunReport): string {
  const rows = report.libraries.map((lib) => [
    lib.library,
    lib.consumer,
    verdictCell(lib),
    thousands(lib.duplicates),
    thousands(lib.collidingPairs),
    drawLabel(lib.firstUniqueDraw),
    nsText(lib.nsPerCall),
    thousands(lib.reseeds),
    thousands(lib.aborts),
  ]);
  return table(
    [
      'library',
      'consumer',
      'verdict',
      'duplicates',
      'colliding pairs',
      'first unique draw',
      'ns/call',
      'reseeds',
      'aborts',
    ],
    rows,
    ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

function offsets(secret: SecretReport): string {
  if (secret.occurrences === 0) return '-';
  const shown = secret.offsets.slice(0, 3).map((o) => `0x${o.toString(16).padStart(8, '0')}`);
  const more = secret.occurrences - shown.length;
  return more > 0 ? `${shown.join(' ')} +${more} more` : shown.join(' ');
}

function secretTable(secrets: SecretReport[]): string {
  if (secrets.length === 0) return 'secrets: none in this guest';
  const rows = secrets.map((s) => [
    s.name,
    s.wipeOnSuspend ? 'yes' : 'no',
    s.inSnapshot ? 'YES' : 'no',
    offsets(s),
  ]);
  return `secrets\n${table(['name', 'flagged (WIPEONSUSPEND)', 'in snapshot', 'offsets'], rows)}`;
}

/** Shortens long outputs (256-bit keys) so a row of samples fits a terminal. */
const short = (v: string) => (v.length > 36 ? `${v.slice(0, 16)}…` : v);

function samples(draw: DrawResult, perClone: number, maxClones: number): string {
  const blocks = draw.libraries.map((lib) => {
    const lines: string[] = [];
    for (let c = 0; c < Math.min(maxClones, lib.clones); c++) {
      const cells: string[] = [];
      for (let d = 0; d < Math.min(perClone, lib.draws); d++)
        cells.push(`${lib.groups[c * lib.draws + d]! >= 0 ? '*' : ' '}${short(outputText(lib, c, d))}`);
      lines.push(`  clone ${String(c + 1).padEnd(String(lib.clones).length)}  ${cells.join('  ')}`);
    }
    const hidden = lib.clones - maxClones;
    if (hidden > 0) lines.push(`  … ${count(hidden, 'more clone')}`);
    return [`${lib.library} (${lib.consumer})`, ...lines].join('\n');
  });
  return [
    `first ${count(perClone, 'output')} per clone (* = also drawn by another clone: a duplicate)`,
    ...blocks,
  ].join('\n');
}

/** The readable report of `uniqueness-lab run` (without --json). */
export function formatReport(
  report: RunReport,
  draw: DrawResult,
  opts: { outputsPerClone?: number; maxClones?: number } = {},
): string {
  const perClone = Math.min(opts.outputsPerClone ?? 3, report.draws);
  const maxClones = opts.maxClones ?? 4;
  const snap = report.snapshot;
  return [
    `guest ${report.guest}: ${count(report.clones, 'clone')} x ${count(report.draws, 'draw')}, seed ${report.seed}`,
    '',
    snap
      ? `snapshot  ${snap.type}, ${count(snap.pages, 'page')} (${mib(snap.pages * PAGE_SIZE)} guest), ` +
        `${thousands(snap.bytes)} bytes of memory, ${count(snap.wipedPages, 'page')} wiped at suspend`
      : 'snapshot  none',
    `memory    wasm ${mib(report.memory.wasmBytes)}, ${kib(report.memory.bytesPerClone)} private per clone, ` +
      `${count(report.memory.faults, 'page fault')}`,
    '',
    libraryTable(report),
    '',
    secretTable(report.secrets),
    '',
    ...(report.predictions ? [predictionLines(report.predictions), ''] : []),
    samples(draw, perClone, maxClones),
    '',
  ].join('\n');
}

/** `--predict`: what the attack recovered, per openssl-1.1.1 process. */
function predictionLines(predictions: NonNullable<RunReport['predictions']>): string {
  return predictions
    .map((p) => {
      const c = p.clones;
      const first = c.filter((x) => x.matches > 0).length;
      const next = c.filter((x) => x.nextRecovered).length;
      const searched = c[0]?.searched ?? 0;
      return (
        `attack    ${p.library} (process ${p.process}): each clone's first output recovered in ${first} of ${c.length} clones ` +
        `by searching ${thousands(searched)} timer values (${(c[0]?.unknownBits ?? 0).toFixed(1)} bits) from the snapshot; ` +
        `its next output then among ${c[0]?.nextCandidates ?? 0} candidates in ${next} of ${c.length}: distinct, not safe`
      );
    })
    .join('\n');
}

/** The table of `uniqueness-lab guests`. */
export function formatGuests(guests: GuestIndexEntry[]): string {
  return `${table(
    ['name', 'description'],
    guests.map((g) => [g.name, g.description]),
  )}\n\nrun one with: uniqueness-lab run --guest NAME\n`;
}
