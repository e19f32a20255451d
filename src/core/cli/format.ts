// The CLI's human-readable output: plain text tables (no colour, so pipes and logs stay clean).
// Pure functions of the report: the numbers come from the core; only the duplicate marks of the
// sample outputs are recomputed here, from the outputs themselves.

import type { GuestIndexEntry } from '../manifest/validate';
import type { LibraryReport, RunReport, SecretReport } from '../lab/types';
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

/** Values that more than one clone drew (the ones a table marks as duplicates). */
export function duplicatedValues(outputs: readonly (readonly string[])[]): Set<string> {
  const owner = new Map<string, number>();
  const dup = new Set<string>();
  outputs.forEach((clone, c) => {
    for (const v of clone) {
      const first = owner.get(v);
      if (first === undefined) owner.set(v, c);
      else if (first !== c) dup.add(v);
    }
  });
  return dup;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(bytes % 1048576 === 0 ? 0 : 1)} MiB`;
const kib = (bytes: number) => (bytes >= 1048576 ? mib(bytes) : `${(bytes / 1024).toFixed(1)} KiB`);
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "never" when even the last draw collides; otherwise the draw index. */
function firstUnique(lib: LibraryReport, draws: number): string {
  return lib.firstUniqueDraw >= draws && lib.duplicates > 0 ? 'never' : String(lib.firstUniqueDraw);
}

function libraryTable(report: RunReport): string {
  const rows = report.libraries.map((lib) => [
    lib.library,
    lib.consumer,
    String(lib.duplicates),
    String(lib.collidingPairs),
    firstUnique(lib, report.draws),
    lib.nsPerCall.toFixed(1),
    String(lib.reseeds),
    String(lib.aborts),
  ]);
  return table(
    [
      'library',
      'consumer',
      'duplicates',
      'colliding pairs',
      'first unique draw',
      'ns/call',
      'reseeds',
      'aborts',
    ],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

function offsets(secret: SecretReport): string {
  if (secret.offsets.length === 0) return '-';
  const shown = secret.offsets.slice(0, 3).map((o) => `0x${o.toString(16).padStart(8, '0')}`);
  const more = secret.offsets.length - shown.length;
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

function samples(report: RunReport, perClone: number, maxClones: number): string {
  const blocks = report.libraries.map((lib) => {
    const dup = duplicatedValues(lib.outputs);
    const lines = lib.outputs.slice(0, maxClones).map((clone, c) => {
      const cells = clone.slice(0, perClone).map((v) => `${dup.has(v) ? '*' : ' '}${short(v)}`);
      return `  clone ${String(c).padEnd(String(lib.outputs.length - 1).length)}  ${cells.join('  ')}`;
    });
    const hidden = lib.outputs.length - maxClones;
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
  opts: { outputsPerClone?: number; maxClones?: number } = {},
): string {
  const perClone = Math.min(opts.outputsPerClone ?? 3, report.draws);
  const maxClones = opts.maxClones ?? 4;
  const snap = report.snapshot;
  return [
    `guest ${report.guest}: ${count(report.clones, 'clone')} x ${count(report.draws, 'draw')}, seed ${report.seed}`,
    '',
    `snapshot  ${snap.type}, ${count(snap.pages, 'page')} (${mib(snap.pages * PAGE_SIZE)} guest), ` +
      `${snap.bytes} bytes of memory, ${count(snap.wipedPages, 'page')} wiped at suspend`,
    `memory    wasm ${mib(report.memory.wasmBytes)}, ${kib(report.memory.bytesPerClone)} private per clone, ` +
      `${count(report.memory.faults, 'page fault')}`,
    '',
    libraryTable(report),
    '',
    secretTable(report.secrets),
    '',
    samples(report, perClone, maxClones),
    '',
  ].join('\n');
}

/** The table of `uniqueness-lab guests`. */
export function formatGuests(guests: GuestIndexEntry[]): string {
  return `${table(
    ['name', 'description'],
    guests.map((g) => [g.name, g.description]),
  )}\n\nrun one with: uniqueness-lab run --guest NAME\n`;
}
