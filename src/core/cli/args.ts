// The CLI's argument parser (DESIGN.md "CLI contract"): pure, so tests call it without spawning.
//
// Invariants:
// - Every setting's flag, its values, its default and its limit come from the one SETTINGS table
//   (settings/settings.ts): the app's controls read the same table, so the two cannot drift. The
//   run-only flags (--export, --link, --json, ...) are in RUN_ONLY_FLAGS. The help prints both.
// - node:util parseArgs tokenises; the checks and every message are ours: an unknown flag, a
//   missing value, a malformed or out-of-range value, a flag given twice or a stray argument is a
//   CliError naming the flag and why, in one line (CLI_MESSAGES). Nothing is guessed or clamped.
// - `--help`/`-h` anywhere wins over every other argument.

import { parseArgs as tokenise } from 'node:util';
import { CONSUMERS, LIBRARY_ALIASES, LIBRARY_IDS, libraryId, type LibraryId } from '../lab/types';
import { SETTINGS, type LabSettings, type SettingSpec, type SettingsPatch } from '../settings/settings';
import { count } from '../settings/words';
import { err, ok, type Result } from '../types';

/** What the CLI rejects, one kind per reason; `message` is the line printed after "uniqueness-lab: ". */
export type CliError =
  | { kind: 'UnknownCommand'; command: string; message: string }
  | { kind: 'UnknownFlag'; flag: string; message: string }
  | { kind: 'MissingValue'; flag: string; message: string }
  | { kind: 'BadValue'; flag: string; value: string; message: string }
  | { kind: 'DuplicateFlag'; flag: string; message: string }
  | { kind: 'FlagTakesNoValue'; flag: string; message: string }
  | { kind: 'UnexpectedArgument'; argument: string; message: string }
  | { kind: 'ConflictingFlags'; flag: string; with: string; message: string }
  | { kind: 'MissingArgument'; argument: string; message: string };

/** A parsed `run`: the settings the flags give (a patch: the guest fills the rest) and what to do. */
export interface ParsedRun {
  help: boolean;
  /** The settings the flags set. */
  patch: SettingsPatch;
  /** --guest given as a manifest file (a path), not a shipped guest's name. */
  guestFile: string | null;
  exportDir: string | null;
  /** Write the run's snapshot (with its diff chain) to this snapshot file. */
  exportSnapshot: string | null;
  /** Restore the clones from this snapshot file instead of booting a guest. */
  fromSnapshot: string | null;
  /** Run exactly what an app permalink holds. */
  link: string | null;
  /** Re-run an export: a JSON file with `settings` (and `actions`). */
  settingsFile: string | null;
  /** Replace an existing --export-snapshot file. */
  force: boolean;
  /** Run the openssl-1.1.1 attack on the last draw. */
  predict: boolean;
  json: boolean;
}

/** A parsed `guests`. */
export interface ParsedGuests {
  help: boolean;
  json: boolean;
}

/** A parsed `scan FILE`. */
export interface ParsedScan {
  help: boolean;
  file: string;
  /** Where the secret values come from: a shipped guest or a manifest file (null: the file's guest). */
  guest: string | null;
  json: boolean;
}

export type ParsedCommand =
  | { command: 'help' }
  | { command: 'run'; run: ParsedRun }
  | { command: 'guests'; guests: ParsedGuests }
  | { command: 'scan'; scan: ParsedScan }
  | { command: 'real'; argv: string[] };

export const COMMANDS = ['run', 'guests', 'scan', 'real'] as const;

const show = (v: string): string => {
  const s = JSON.stringify(v);
  return s.length > 42 ? `${s.slice(0, 40)}…"` : s;
};

/** The messages of every CliError, in one place. */
export const CLI_MESSAGES = {
  UnknownCommand: (command: string) =>
    `unknown command ${show(command)} (commands: ${COMMANDS.join(', ')}; see uniqueness-lab --help)`,
  UnknownFlag: (flag: string, command: string) =>
    `${flag}: unknown flag for ${command} (see uniqueness-lab ${command} --help)`,
  MissingValue: (flag: string, expected: string) => `${flag}: missing value (expected ${expected})`,
  BadValue: (flag: string, expected: string, value: string) =>
    `${flag}: expected ${expected}, got ${show(value)}`,
  DuplicateFlag: (flag: string) => `${flag}: given more than once`,
  FlagTakesNoValue: (flag: string, value: string) => `${flag}: takes no value (got ${show(value)})`,
  UnexpectedArgument: (argument: string, command: string) =>
    `unexpected argument ${show(argument)}: ${command} takes only flags (see uniqueness-lab ${command} --help)`,
  ConflictingFlags: (flag: string, other: string, why: string) =>
    `${flag}: cannot be combined with ${other} (${why})`,
  MissingArgument: (argument: string, usage: string) => `missing ${argument} (usage: ${usage})`,
} as const;

// --- Value kinds: each parses a string or explains what it expected. --------------------------

export interface ValueKind<T> {
  /** "a whole number from 1 to 10,000": used in errors and help. */
  expected: string;
  /** Placeholder in the help text (`N`, `on|off`). */
  meta: string;
  parse(s: string): T | undefined;
  /** A sharper reason for a refused value than `expected` (optional). */
  explain?(s: string): string;
}

const WHOLE = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function whole(min: number, max: number, unit?: string): ValueKind<number> {
  return {
    expected: `a whole number from ${count(min)} to ${count(max)}${unit ? ` (${unit})` : ''}`,
    meta: 'N',
    parse: (s) => {
      if (!WHOLE.test(s)) return undefined;
      const n = Number(s);
      return n >= min && n <= max ? n : undefined;
    },
  };
}

function decimal(min: number, max: number, unit: string): ValueKind<number> {
  return {
    expected: `a number from ${count(min)} to ${count(max)} ${unit} (decimals allowed)`,
    meta: unit === 'µs' ? 'US' : 'N',
    parse: (s) => {
      if (!DECIMAL.test(s)) return undefined;
      const n = Number(s);
      return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
    },
  };
}

function choice<T extends string>(options: readonly T[]): ValueKind<T> {
  return {
    expected:
      options.length === 2
        ? `"${options[0]}" or "${options[1]}"`
        : `one of ${options.map((o) => `"${o}"`).join(', ')}`,
    meta: options.join('|'),
    parse: (s) => ((options as readonly string[]).includes(s) ? (s as T) : undefined),
  };
}

const onOff: ValueKind<boolean> = {
  expected: '"on" or "off"',
  meta: 'on|off',
  parse: (s) => (s === 'on' ? true : s === 'off' ? false : undefined),
};

function text(expected: string, meta: string): ValueKind<string> {
  return { expected, meta, parse: (s) => (s.trim() === '' ? undefined : s) };
}

const aliasList = Object.entries(LIBRARY_ALIASES)
  .map(([a, id]) => `${a} = ${id}`)
  .join(', ');

/** "guest", "all", or a comma-separated list of library ids (or aliases), each known and given once. */
const libraries: ValueKind<'guest' | LibraryId[]> = {
  expected: `"guest", "all", or library ids separated by commas (${LIBRARY_IDS.join(', ')}; aliases ${aliasList})`,
  meta: 'guest|all|ID[,ID...]',
  parse: (s) => {
    if (s === 'guest') return 'guest';
    if (s === 'all') return [...LIBRARY_IDS];
    const items = s.split(',').map(libraryId);
    if (items.some((x) => x === undefined)) return undefined;
    return new Set(items).size === items.length ? (items as LibraryId[]) : undefined;
  },
  explain: (s) => {
    const items = s.split(',');
    const bad = items.find((x) => libraryId(x) === undefined);
    if (bad === '') return `empty item in ${show(s)} (expected library ids separated by commas)`;
    if (bad !== undefined)
      return `unknown library ${show(bad)} (libraries: ${LIBRARY_IDS.join(', ')}; aliases ${aliasList}; or "guest", "all")`;
    const ids = items.map(libraryId);
    const i = ids.findIndex((x, k) => ids.indexOf(x) !== k);
    return `library ${show(items[i]!)} given twice (as ${ids[i]})`;
  },
};

/** The value kind of a setting's flag. */
export function settingKind(s: SettingSpec): ValueKind<unknown> {
  switch (s.type) {
    case 'whole':
      return whole(s.min, s.max, s.unit);
    case 'number':
      return decimal(s.min, s.max, s.unit);
    case 'bool':
      return onOff;
    case 'choice':
      return choice(s.options);
    case 'libraries':
      return libraries;
    case 'consumer':
      return choice(['guest', ...CONSUMERS]);
    case 'name':
      return text('a shipped guest name or a manifest .json file', 'NAME|FILE');
  }
}

/** A setting's value as the help prints it. */
function helpValue(s: SettingSpec, v: unknown): string {
  return s.type === 'bool' ? (v ? 'on' : 'off') : Array.isArray(v) ? v.join(',') : String(v);
}

/**
 * A setting's default as the help prints it. `guest`: the default guest's settings, for the
 * settings a guest gives (else the table's default stands in for them).
 */
export function settingDefault(s: SettingSpec, guest?: Partial<LabSettings>): string {
  const fixed = helpValue(s, s.default);
  if (!s.fromGuest) return fixed;
  const given = guest?.[s.key];
  return `the guest's (${given === undefined ? fixed : helpValue(s, given)} for default)`;
}

/** A setting's limit as the help prints it (null: no numeric limit). */
export function settingLimit(s: SettingSpec): string | null {
  if (s.type === 'whole' || s.type === 'number')
    return `${count(s.min)} to ${count(s.max)}${s.unit ? ` ${s.unit}` : ''}`;
  return null;
}

// --- Flags. -----------------------------------------------------------------------------------

interface FlagSpec<S> {
  flag: `--${string}`;
  /** Undefined for switches (flags without a value). */
  kind?: ValueKind<unknown>;
  set(s: S, value: unknown): void;
  help: string;
  default: string;
}

/** Flags of `run` that are not settings. */
const RUN_ONLY_FLAGS: readonly FlagSpec<ParsedRun>[] = [
  {
    flag: '--link',
    kind: text('an app permalink (URL or its #s= state)', 'URL'),
    set: (r, v) => (r.link = v as string),
    help: 'run exactly what an app permalink holds (its settings and every action) and report its last draw: the same outputs the app shows',
    default: 'none',
  },
  {
    flag: '--settings',
    kind: text('a JSON file path', 'FILE'),
    set: (r, v) => (r.settingsFile = v as string),
    help: 'run again what a JSON export holds (its "settings" and "actions": an app export, or this command\'s --json output)',
    default: 'none',
  },
  {
    flag: '--export',
    kind: text('a directory path', 'DIR'),
    set: (r, v) => (r.exportDir = v as string),
    help: "write the snapshot to DIR: memory.bin (flat image; a diff snapshot's is sparse) and vmstate.json",
    default: 'no export',
  },
  {
    flag: '--export-snapshot',
    kind: text('a file path', 'FILE'),
    set: (r, v) => (r.exportSnapshot = v as string),
    help: 'write the snapshot with its diff chain to one checked snapshot file (magic, version, CRC-64; see `uniqueness-lab scan`)',
    default: 'no file',
  },
  {
    flag: '--force',
    set: (r) => (r.force = true),
    help: 'let --export-snapshot replace an existing file',
    default: 'off',
  },
  {
    flag: '--from-snapshot',
    kind: text('a snapshot file path', 'FILE'),
    set: (r, v) => (r.fromSnapshot = v as string),
    help: 'restore the clones from a snapshot file instead of booting; the restore and draw settings still apply, --guest only says where the secret values come from',
    default: 'boot the guest',
  },
  {
    flag: '--predict',
    set: (r) => (r.predict = true),
    help: "run the attack on every openssl-1.1.1 process of the last draw: recover each clone's first output from the snapshot and a bounded search over its timer bits, then its next one among 31 candidates (needs 2 draws or more)",
    default: 'off',
  },
  {
    flag: '--json',
    set: (r) => (r.json = true),
    help: 'print exactly one JSON object (the run report, with every setting) on stdout instead of tables',
    default: 'off',
  },
];

/** Every flag of `run`: the settings (from SETTINGS), then the run-only flags. */
export const RUN_FLAGS: readonly FlagSpec<ParsedRun>[] = [
  ...SETTINGS.map((s): FlagSpec<ParsedRun> => ({
    flag: s.flag,
    kind: settingKind(s),
    set: (r, v) => {
      if (s.key === 'guest' && typeof v === 'string' && (v.endsWith('.json') || v.includes('/')))
        r.guestFile = v;
      else (r.patch as Record<string, unknown>)[s.key] = v;
    },
    help: s.help,
    default: settingDefault(s),
  })),
  ...RUN_ONLY_FLAGS,
];

/** Settings flags a snapshot file replaces (they shape the boot or the snapshot). */
export const BOOT_FLAGS: readonly string[] = SETTINGS.filter(
  (s) => (s.applies === 'boot' || s.applies === 'snapshot') && s.key !== 'seed' && s.key !== 'guest',
).map((s) => s.flag);

const SCAN_FLAGS: readonly FlagSpec<ParsedScan>[] = [
  {
    flag: '--guest',
    kind: text('a shipped guest name or a manifest .json file', 'NAME|FILE'),
    set: (s, v) => (s.guest = v as string),
    help: 'the guest whose secrets to look for: a shipped guest or a .json file',
    default: 'the guest the file names',
  },
  {
    flag: '--json',
    set: (s) => (s.json = true),
    help: 'print one JSON object: the file, its guest and, per secret, whether and where it occurs',
    default: 'off',
  },
];

const GUESTS_FLAGS: readonly FlagSpec<ParsedGuests>[] = [
  {
    flag: '--json',
    set: (s) => (s.json = true),
    help: 'print the guest list as one JSON array',
    default: 'off',
  },
];

const HELP = new Set(['--help', '-h']);

/** Walks the tokens of argv against a table; the flags seen, or the first bad argument. */
function parseFlags<S>(
  argv: readonly string[],
  table: readonly FlagSpec<S>[],
  command: string,
  into: S,
  positionals: string[] | null = null,
): Result<Set<string>, CliError> {
  const options = Object.fromEntries(
    table.map((f) => [f.flag.slice(2), { type: f.kind ? ('string' as const) : ('boolean' as const) }]),
  );
  const { tokens } = tokenise({
    args: [...argv],
    options,
    strict: false,
    tokens: true,
    allowPositionals: true,
  });
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind === 'option-terminator' || t.kind === 'positional') {
      const arg = t.kind === 'positional' ? t.value : '--';
      if (positionals && t.kind === 'positional') {
        positionals.push(arg);
        continue;
      }
      return err({
        kind: 'UnexpectedArgument',
        argument: arg,
        message: CLI_MESSAGES.UnexpectedArgument(arg, command),
      });
    }
    const flag = t.rawName;
    const spec = table.find((f) => f.flag === flag);
    if (!spec) return err({ kind: 'UnknownFlag', flag, message: CLI_MESSAGES.UnknownFlag(flag, command) });
    if (seen.has(flag))
      return err({ kind: 'DuplicateFlag', flag, message: CLI_MESSAGES.DuplicateFlag(flag) });
    seen.add(flag);
    if (!spec.kind) {
      if (t.value !== undefined)
        return err({ kind: 'FlagTakesNoValue', flag, message: CLI_MESSAGES.FlagTakesNoValue(flag, t.value) });
      spec.set(into, true);
      continue;
    }
    const value = t.value;
    if (value === undefined || (!t.inlineValue && value.startsWith('--')))
      return err({
        kind: 'MissingValue',
        flag,
        message: CLI_MESSAGES.MissingValue(flag, spec.kind.expected),
      });
    const parsed = spec.kind.parse(value);
    if (parsed === undefined) {
      const message = spec.kind.explain
        ? `${flag}: ${spec.kind.explain(value)}`
        : CLI_MESSAGES.BadValue(flag, spec.kind.expected, value);
      return err({ kind: 'BadValue', flag, value, message });
    }
    spec.set(into, parsed);
  }
  return ok(seen);
}

/** The settings of a `run` without flags. */
export function defaultRun(): ParsedRun {
  return {
    help: false,
    patch: {},
    guestFile: null,
    exportDir: null,
    exportSnapshot: null,
    fromSnapshot: null,
    link: null,
    settingsFile: null,
    force: false,
    predict: false,
    json: false,
  };
}

function conflict(flag: string, other: string, why: string): { ok: false; error: CliError } {
  return err({
    kind: 'ConflictingFlags',
    flag,
    with: other,
    message: CLI_MESSAGES.ConflictingFlags(flag, other, why),
  });
}

/** Parses the arguments after `run`. */
export function parseRunArgs(argv: readonly string[]): Result<ParsedRun, CliError> {
  const run = defaultRun();
  if (argv.some((a) => HELP.has(a))) return ok({ ...run, help: true });
  const parsed = parseFlags(argv, RUN_FLAGS, 'run', run);
  if (!parsed.ok) return parsed;
  const seen = parsed.value;
  const settingFlags = SETTINGS.map((s) => s.flag).filter((f) => seen.has(f));
  for (const whole of ['--link', '--settings'] as const) {
    if (!seen.has(whole)) continue;
    const clash = [...settingFlags, '--from-snapshot', '--link', '--settings'].find(
      (f) => f !== whole && seen.has(f),
    );
    if (clash) return conflict(clash, whole, `${whole} fixes every setting and action`);
  }
  if (seen.has('--from-snapshot')) {
    const clash = BOOT_FLAGS.find((f) => seen.has(f));
    if (clash)
      return conflict(
        clash,
        '--from-snapshot',
        'the snapshot file fixes the guest, its kernel and its snapshot',
      );
  }
  if (seen.has('--force') && !seen.has('--export-snapshot'))
    return conflict(
      '--force',
      'a run without --export-snapshot',
      'it only lets --export-snapshot replace a file',
    );
  return ok(run);
}

/** Parses the arguments after `scan`: one FILE and flags, in any order. */
export function parseScanArgs(argv: readonly string[]): Result<ParsedScan, CliError> {
  const scan: ParsedScan = { help: false, file: '', guest: null, json: false };
  if (argv.some((a) => HELP.has(a))) return ok({ ...scan, help: true });
  const files: string[] = [];
  const parsed = parseFlags(argv, SCAN_FLAGS, 'scan', scan, files);
  if (!parsed.ok) return parsed;
  if (files.length > 1)
    return err({
      kind: 'UnexpectedArgument',
      argument: files[1]!,
      message: `unexpected argument ${show(files[1]!)}: scan takes one FILE (see uniqueness-lab scan --help)`,
    });
  if (files.length === 0 || files[0]!.trim() === '')
    return err({
      kind: 'MissingArgument',
      argument: 'FILE',
      message: CLI_MESSAGES.MissingArgument('FILE', 'uniqueness-lab scan FILE [--guest NAME|FILE] [--json]'),
    });
  return ok({ ...scan, file: files[0]! });
}

/** Parses the arguments after `guests`. */
export function parseGuestsArgs(argv: readonly string[]): Result<ParsedGuests, CliError> {
  const guests: ParsedGuests = { help: false, json: false };
  if (argv.some((a) => HELP.has(a))) return ok({ ...guests, help: true });
  const parsed = parseFlags(argv, GUESTS_FLAGS, 'guests', guests);
  return parsed.ok ? ok(guests) : parsed;
}

/** Parses a whole command line (without node and the script). */
export function parseArgs(argv: readonly string[]): Result<ParsedCommand, CliError> {
  const [command, ...rest] = argv;
  if (command === undefined || HELP.has(command)) return ok({ command: 'help' });
  if (command === 'run') {
    const run = parseRunArgs(rest);
    return run.ok ? ok({ command: 'run', run: run.value }) : run;
  }
  if (command === 'guests') {
    const guests = parseGuestsArgs(rest);
    return guests.ok ? ok({ command: 'guests', guests: guests.value }) : guests;
  }
  if (command === 'scan') {
    const scan = parseScanArgs(rest);
    return scan.ok ? ok({ command: 'scan', scan: scan.value }) : scan;
  }
  if (command === 'real') return ok({ command: 'real', argv: rest });
  return err({ kind: 'UnknownCommand', command, message: CLI_MESSAGES.UnknownCommand(command) });
}

// --- Help. ----------------------------------------------------------------------------------

const HELP_COLUMNS = 100;

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(textIn: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of textIn.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** Aligned help lines for rows of [head, text]. */
function helpLines(rows: [string, string][]): string[] {
  const width = Math.min(34, Math.max(...rows.map(([head]) => head.length)) + 2);
  const indent = ' '.repeat(2 + width);
  return rows.flatMap(([head, help]) => {
    const lines = wrap(help, HELP_COLUMNS - indent.length);
    if (head.length + 2 > width) return [`  ${head}`, ...lines.map((l) => indent + l)];
    return lines.map((l, i) => (i === 0 ? `  ${head.padEnd(width)}${l}` : indent + l));
  });
}

function flagRows<S>(table: readonly FlagSpec<S>[]): [string, string][] {
  return table.map((f) => [
    f.kind ? `${f.flag} ${f.kind.meta}` : f.flag,
    `${f.help} (default: ${f.default})`,
  ]);
}

/** The help row of a setting: its flag, help, default and limit. */
function settingRow(s: SettingSpec, guest?: Partial<LabSettings>): [string, string] {
  const limit = settingLimit(s);
  return [
    `${s.flag} ${settingKind(s).meta}`,
    `${s.label}: ${s.help} (default: ${settingDefault(s, guest)}${limit ? `; limit: ${limit}` : ''})`,
  ];
}

/** `uniqueness-lab --help`. */
export function topHelp(): string {
  return [
    'uniqueness-lab: the uniqueness problem of microVM snapshots, headless',
    '',
    'usage:',
    '  uniqueness-lab run [flags]      boot a guest, snapshot it, restore clones, draw, report collisions',
    '  uniqueness-lab guests [--json]  list the shipped guest manifests',
    '  uniqueness-lab scan FILE        list the secrets a snapshot file holds, with their offsets',
    '  uniqueness-lab real [flags]     clone a real Linux kernel (v86) and read its /dev/urandom',
    '  uniqueness-lab <command> --help',
    '',
    'Bad flags or values exit with code 2 and one line on stderr.',
    '',
    'example:',
    '  uniqueness-lab run --guest linux-6.11-vmgenid --library vdso,naive --clones 8 --notify-delay-us 50',
    '',
  ].join('\n');
}

/**
 * `uniqueness-lab run --help`: every setting (the app's, with its default and limit), then the
 * run's flags. `guest`: the default guest's settings, so the defaults a guest gives are its own.
 */
export function runHelp(guest?: Partial<LabSettings>): string {
  return [
    'usage: uniqueness-lab run [flags]',
    '',
    'Boots the guest, takes a snapshot, restores clones from it, lets every process draw after',
    'restore, and reports per library how many outputs collide across clones and what each call costs.',
    '',
    "settings (the same as the app's controls, with the same defaults and limits):",
    ...helpLines(SETTINGS.map((x) => settingRow(x, guest))),
    '',
    'run flags:',
    ...helpLines([...flagRows(RUN_ONLY_FLAGS), ['-h, --help', 'show this help']]),
    '',
    'Flags take their value as the next argument or after "=" (--clones=8). Draw indexes are 1-based;',
    '"never" means even the last draw collides. Exit codes: 0 success, 2 bad flags, manifest,',
    'configuration or file, 1 internal error.',
    '',
    'examples:',
    '  uniqueness-lab run',
    '  uniqueness-lab run --library naive,getrandom,vdso,rdrand --vmgenid on --clones 8 --draws 32',
    '  uniqueness-lab run --guest wipeonsuspend-rfc --notify-delay-us 100 --json',
    '  uniqueness-lab run --guest ./my-guest.json --snapshot diff --export ./snap',
    '  uniqueness-lab run --link "http://127.0.0.1:5173/#s=H4sI..."',
    '  uniqueness-lab run --guest wipeonsuspend-rfc --export-snapshot snap.ulsnap',
    '  uniqueness-lab run --from-snapshot snap.ulsnap --clones 16 --notify-delay-us 50',
    '',
  ].join('\n');
}

/** `uniqueness-lab scan --help`. */
export function scanHelp(): string {
  return [
    'usage: uniqueness-lab scan FILE [flags]',
    '',
    "Checks a snapshot file (written by run --export-snapshot) and searches its bytes for the guest's",
    'named secrets: where each occurs (file offset, layer, guest page). A secret flagged',
    'MADV_WIPEONSUSPEND is absent when the guest kernel supports it; an unflagged one is there byte',
    'for byte. The file holds no secret values itself: they come from the guest manifest.',
    '',
    'flags:',
    ...helpLines([...flagRows(SCAN_FLAGS), ['-h, --help', 'show this help']]),
    '',
    'Exit codes: 0 success, 2 an unreadable or invalid file or an unknown guest, 1 internal error.',
    '',
    'example:',
    '  uniqueness-lab scan snap.ulsnap --json',
    '',
  ].join('\n');
}

/** `uniqueness-lab guests --help`. */
export function guestsHelp(): string {
  return [
    'usage: uniqueness-lab guests [flags]',
    '',
    'Lists the shipped guest manifests (public/guest/index.json); pass a name to run --guest.',
    '',
    'flags:',
    ...helpLines([...flagRows(GUESTS_FLAGS), ['-h, --help', 'show this help']]),
    '',
  ].join('\n');
}
