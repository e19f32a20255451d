// The CLI's argument parser (DESIGN.md "CLI contract"): pure, so tests call it without spawning.
//
// Invariants:
// - One table (FLAGS) defines every flag of `run`: its value, its default and its help line. The
//   parser and the help text both read it, so a flag cannot exist without being documented.
// - Parsing is strict: an unknown flag, a missing value, a malformed or out-of-range value, an
//   unknown library id, a flag given twice or a stray argument is a CliError naming the flag and
//   why, in one line (messages in one table, CLI_MESSAGES). Nothing is guessed or clamped.
// - `--help`/`-h` anywhere wins over every other argument.

import {
  CONSUMERS,
  LIBRARY_IDS,
  type Consumer,
  type GuestManifest,
  type LibraryId,
  type RunConfig,
} from '../lab/types';
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

/** A parsed `run`: every setting resolved (defaults filled), null where the guest decides. */
export interface ParsedRun {
  help: boolean;
  /** A shipped guest's name or a manifest file path. */
  guest: string;
  libraries: LibraryId[] | null;
  consumer: Consumer | null;
  clones: number;
  draws: number;
  vmgenid: boolean | null;
  sysgenid: boolean | null;
  wipeOnSuspend: boolean | null;
  notifyDelayUs: number;
  drawIntervalUs: number | null;
  snapshot: 'full' | 'diff';
  memoryMiB: number | null;
  seed: number;
  lazy: boolean;
  exportDir: string | null;
  /** Write the run's snapshot (with its diff chain) to this snapshot file (absent: no file). */
  exportSnapshot?: string;
  /** Restore the clones from this snapshot file instead of booting a guest (absent: boot). */
  fromSnapshot?: string;
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
  /** The snapshot file to search. */
  file: string;
  /** Where the secret values come from: a shipped guest or a manifest file (null: the file's guest). */
  guest: string | null;
  json: boolean;
}

export type ParsedCommand =
  | { command: 'help' }
  | { command: 'run'; run: ParsedRun }
  | { command: 'guests'; guests: ParsedGuests }
  | { command: 'scan'; scan: ParsedScan };

/** The guest `run` boots without --guest (public/guest/default.json). */
export const DEFAULT_GUEST = 'default';
/** Upper bound of the µs flags: 1,000 s of virtual time, far beyond any race window. */
export const MAX_MICROSECONDS = 1e9;
/** The largest --seed: seeds are u32 in the core. */
export const MAX_SEED = 2 ** 32 - 1;

const show = (v: string): string => {
  const s = JSON.stringify(v);
  return s.length > 42 ? `${s.slice(0, 40)}…"` : s;
};
const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

/** The messages of every CliError, in one place. */
export const CLI_MESSAGES = {
  UnknownCommand: (command: string) =>
    `unknown command ${show(command)} (commands: run, guests, scan; see uniqueness-lab --help)`,
  UnknownFlag: (flag: string, command: string) =>
    `${flag}: unknown flag for ${command} (see uniqueness-lab ${command} --help)`,
  MissingValue: (flag: string, expected: string) => `${flag}: missing value (expected ${expected})`,
  BadValue: (flag: string, expected: string, value: string) =>
    `${flag}: expected ${expected}, got ${show(value)}`,
  DuplicateFlag: (flag: string) => `${flag}: given more than once`,
  FlagTakesNoValue: (flag: string, value: string) => `${flag}: takes no value (got ${show(value)})`,
  UnexpectedArgument: (argument: string, command: string) =>
    `unexpected argument ${show(argument)}: ${command} takes only flags (see uniqueness-lab ${command} --help)`,
  ConflictingFlags: (flag: string, other: string) =>
    `${flag}: cannot be combined with ${other} (the snapshot file fixes the guest, its kernel and its snapshot)`,
  MissingArgument: (argument: string, usage: string) => `missing ${argument} (usage: ${usage})`,
} as const;

// --- Value kinds: each parses a string or explains what it expected. --------------------------

interface ValueKind<T> {
  /** "a whole number from 1 to 10000": used in errors and help. */
  expected: string;
  /** Placeholder in the help text (`N`, `on|off`). */
  meta: string;
  parse(s: string): T | undefined;
}

const WHOLE = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function whole(min: number, max: number): ValueKind<number> {
  return {
    expected: `a whole number from ${min} to ${max}`,
    meta: 'N',
    parse: (s) => {
      if (!WHOLE.test(s)) return undefined;
      const n = Number(s);
      return n >= min && n <= max ? n : undefined;
    },
  };
}

const microseconds: ValueKind<number> = {
  expected: `a number of microseconds from 0 to ${MAX_MICROSECONDS}`,
  meta: 'US',
  parse: (s) => {
    if (!DECIMAL.test(s)) return undefined;
    const n = Number(s);
    return Number.isFinite(n) && n <= MAX_MICROSECONDS ? n : undefined;
  },
};

function choice<T extends string>(options: readonly T[]): ValueKind<T> {
  return {
    expected: options.length === 2 ? `"${options[0]}" or "${options[1]}"` : `one of ${quoted(options)}`,
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

/** A comma-separated list of library ids, each known and given once; `explain` names the offending item. */
const libraryList: ValueKind<LibraryId[]> & { explain(s: string): string } = {
  expected: `library ids separated by commas, from ${LIBRARY_IDS.join(', ')}`,
  meta: 'ID[,ID...]',
  parse: (s) => {
    const items = s.split(',');
    const known = items.every((x) => (LIBRARY_IDS as readonly string[]).includes(x));
    return known && new Set(items).size === items.length ? (items as LibraryId[]) : undefined;
  },
  explain: (s) => {
    const items = s.split(',');
    const bad = items.find((x) => !(LIBRARY_IDS as readonly string[]).includes(x));
    if (bad === '') return `empty item in ${show(s)} (expected library ids separated by commas)`;
    if (bad !== undefined) return `unknown library ${show(bad)} (libraries: ${LIBRARY_IDS.join(', ')})`;
    const twice = items.find((x, i) => items.indexOf(x) !== i) as string;
    return `library ${show(twice)} given twice`;
  },
};

// --- The flag table. ------------------------------------------------------------------------

type Settings = Omit<ParsedRun, 'help'>;

interface FlagSpec<S = Settings> {
  flag: `--${string}`;
  /** Undefined for switches (flags without a value). */
  kind?: ValueKind<unknown> & { explain?(s: string): string };
  set(s: S, value: unknown): void;
  help: string;
  /** The default as shown in the help. */
  default: string;
}

/** Every flag of `run`, in help order. */
export const RUN_FLAGS: readonly FlagSpec[] = [
  {
    flag: '--guest',
    kind: text('a shipped guest name or a manifest .json file', 'NAME|FILE'),
    set: (s, v) => (s.guest = v as string),
    help: 'guest manifest: a shipped guest (see `uniqueness-lab guests`) or a .json file',
    default: DEFAULT_GUEST,
  },
  {
    flag: '--library',
    kind: libraryList,
    set: (s, v) => (s.libraries = v as LibraryId[]),
    help: `replace the guest's processes by one per library: ${LIBRARY_IDS.join(', ')}`,
    default: "the guest's processes",
  },
  {
    flag: '--clones',
    kind: whole(1, 10000),
    set: (s, v) => (s.clones = v as number),
    help: 'clones restored from the snapshot, 1 to 10000',
    default: '4',
  },
  {
    flag: '--draws',
    kind: whole(1, 100000),
    set: (s, v) => (s.draws = v as number),
    help: 'outputs each process draws in each clone after restore, 1 to 100000',
    default: '16',
  },
  {
    flag: '--consumer',
    kind: choice(CONSUMERS),
    set: (s, v) => (s.consumer = v as Consumer),
    help: 'what each draw makes: UUIDv4, 96-bit nonce or 256-bit key',
    default: "each process's own",
  },
  {
    flag: '--vmgenid',
    kind: onOff,
    set: (s, v) => (s.vmgenid = v as boolean),
    help: "the guest kernel's vmgenid driver (reseeds the CRNG on the VMGenID notification)",
    default: 'the guest kernel',
  },
  {
    flag: '--sysgenid',
    kind: onOff,
    set: (s, v) => (s.sysgenid = v as boolean),
    help: 'the SysGenId driver (generation counter bumped with the notification)',
    default: 'the guest kernel',
  },
  {
    flag: '--wipeonsuspend',
    kind: onOff,
    set: (s, v) => (s.wipeOnSuspend = v as boolean),
    help: 'guest kernel support for MADV_WIPEONSUSPEND (flagged pages zeroed at suspend)',
    default: 'the guest kernel',
  },
  {
    flag: '--notify-delay-us',
    kind: microseconds,
    set: (s, v) => (s.notifyDelayUs = v as number),
    help: 'δ, in µs (decimals allowed): time from vCPU resume until the guest handles the VMGenID notification (the race window)',
    default: '0',
  },
  {
    flag: '--draw-interval-us',
    kind: microseconds,
    set: (s, v) => (s.drawIntervalUs = v as number),
    help: 'virtual µs a process spends between two draws (request handling)',
    default: "the lab's",
  },
  {
    flag: '--snapshot',
    kind: choice(['full', 'diff'] as const),
    set: (s, v) => (s.snapshot = v as 'full' | 'diff'),
    help: 'snapshot type: every page, or only the pages dirty since a parent full snapshot',
    default: 'full',
  },
  {
    flag: '--memory-mib',
    kind: whole(16, 1024),
    set: (s, v) => (s.memoryMiB = v as number),
    help: 'guest memory size in MiB, 16 to 1024',
    default: "the guest's (128 for default)",
  },
  {
    flag: '--seed',
    kind: whole(0, MAX_SEED),
    set: (s, v) => (s.seed = v as number),
    help: 'seed of the host entropy (boot entropy, VMGenIDs, RDRAND), 0 to 4294967295: same seed, same run',
    default: '1',
  },
  {
    flag: '--lazy',
    set: (s) => (s.lazy = true),
    help: 'restore lazily: pages load on first touch and faults are counted (userfaultfd-like)',
    default: 'off',
  },
  {
    flag: '--export',
    kind: text('a directory path', 'DIR'),
    set: (s, v) => (s.exportDir = v as string),
    help: "write the snapshot to DIR: memory.bin (flat image; a diff snapshot's is sparse) and vmstate.json",
    default: 'no export',
  },
  {
    flag: '--export-snapshot',
    kind: text('a file path', 'FILE'),
    set: (s, v) => (s.exportSnapshot = v as string),
    help: 'write the snapshot with its diff chain to one checked snapshot file (magic, version, CRC-64; see `uniqueness-lab scan`)',
    default: 'no file',
  },
  {
    flag: '--from-snapshot',
    kind: text('a snapshot file path', 'FILE'),
    set: (s, v) => (s.fromSnapshot = v as string),
    help: 'restore the clones from a snapshot file instead of booting; --clones, --draws, --notify-delay-us, --draw-interval-us, --seed and --lazy still apply; --guest only says where the secret values come from (default: the guest the file names if it is a shipped one, else no secret is searched)',
    default: 'boot the guest',
  },
  {
    flag: '--json',
    set: (s) => (s.json = true),
    help: 'print exactly one JSON object (the run report) on stdout instead of tables',
    default: 'off',
  },
];

/** Flags that shape the boot, which --from-snapshot replaces by the file. */
export const BOOT_FLAGS = [
  '--library',
  '--consumer',
  '--vmgenid',
  '--sysgenid',
  '--wipeonsuspend',
  '--snapshot',
  '--memory-mib',
] as const;

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

function badValue<S>(spec: FlagSpec<S>, value: string): CliError {
  const kind = spec.kind as NonNullable<FlagSpec<S>['kind']>;
  const message = kind.explain
    ? `${spec.flag}: ${kind.explain(value)}`
    : CLI_MESSAGES.BadValue(spec.flag, kind.expected, value);
  return { kind: 'BadValue', flag: spec.flag, value, message };
}

/** Walks flags against a table; returns the error of the first bad argument. */
function parseFlags<S>(
  argv: readonly string[],
  table: readonly FlagSpec<S>[],
  command: string,
  into: S,
  seen = new Set<string>(),
): CliError | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      return {
        kind: 'UnexpectedArgument',
        argument: arg,
        message: CLI_MESSAGES.UnexpectedArgument(arg, command),
      };
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const inline = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    const spec = table.find((f) => f.flag === flag);
    if (!spec) return { kind: 'UnknownFlag', flag, message: CLI_MESSAGES.UnknownFlag(flag, command) };
    if (seen.has(flag)) return { kind: 'DuplicateFlag', flag, message: CLI_MESSAGES.DuplicateFlag(flag) };
    seen.add(flag);
    if (!spec.kind) {
      if (inline !== undefined) {
        return { kind: 'FlagTakesNoValue', flag, message: CLI_MESSAGES.FlagTakesNoValue(flag, inline) };
      }
      spec.set(into, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        return { kind: 'MissingValue', flag, message: CLI_MESSAGES.MissingValue(flag, spec.kind.expected) };
      }
      value = next;
      i++;
    }
    const parsed = spec.kind.parse(value);
    if (parsed === undefined) return badValue(spec, value);
    spec.set(into, parsed);
  }
  return null;
}

/** The settings of a `run` without flags. */
export function defaultRun(): ParsedRun {
  return {
    help: false,
    guest: DEFAULT_GUEST,
    libraries: null,
    consumer: null,
    clones: 4,
    draws: 16,
    vmgenid: null,
    sysgenid: null,
    wipeOnSuspend: null,
    notifyDelayUs: 0,
    drawIntervalUs: null,
    snapshot: 'full',
    memoryMiB: null,
    seed: 1,
    lazy: false,
    exportDir: null,
    json: false,
  };
}

/** Parses the arguments after `run`. */
export function parseRunArgs(argv: readonly string[]): Result<ParsedRun, CliError> {
  const run = defaultRun();
  if (argv.some((a) => HELP.has(a))) return ok({ ...run, help: true });
  const seen = new Set<string>();
  const error = parseFlags(argv, RUN_FLAGS, 'run', run, seen);
  if (error) return err(error);
  const clash = seen.has('--from-snapshot') ? BOOT_FLAGS.find((f) => seen.has(f)) : undefined;
  if (clash !== undefined)
    return err({
      kind: 'ConflictingFlags',
      flag: clash,
      with: '--from-snapshot',
      message: CLI_MESSAGES.ConflictingFlags(clash, '--from-snapshot'),
    });
  return ok(run);
}

/** Parses the arguments after `scan`: one FILE and flags, in any order. */
export function parseScanArgs(argv: readonly string[]): Result<ParsedScan, CliError> {
  const scan: ParsedScan = { help: false, file: '', guest: null, json: false };
  if (argv.some((a) => HELP.has(a))) return ok({ ...scan, help: true });
  const flags: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-') && a.length > 1) {
      flags.push(a);
      const spec = SCAN_FLAGS.find((f) => f.flag === a);
      if (spec?.kind && argv[i + 1] !== undefined) flags.push(argv[++i]!);
    } else files.push(a);
  }
  const error = parseFlags(flags, SCAN_FLAGS, 'scan', scan);
  if (error) return err(error);
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
  const error = parseFlags(argv, GUESTS_FLAGS, 'guests', guests);
  return error ? err(error) : ok(guests);
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
  return err({ kind: 'UnknownCommand', command, message: CLI_MESSAGES.UnknownCommand(command) });
}

/** The RunConfig for a parsed run over a loaded guest (only the flags given override the guest). */
export function toRunConfig(run: ParsedRun, guest: GuestManifest): RunConfig {
  const config: RunConfig = {
    guest,
    clones: run.clones,
    draws: run.draws,
    notifyDelayUs: run.notifyDelayUs,
    snapshot: run.snapshot,
    seed: run.seed,
  };
  if (run.libraries !== null) config.libraries = run.libraries;
  if (run.consumer !== null) config.consumer = run.consumer;
  if (run.vmgenid !== null) config.vmgenid = run.vmgenid;
  if (run.sysgenid !== null) config.sysgenid = run.sysgenid;
  if (run.wipeOnSuspend !== null) config.wipeOnSuspend = run.wipeOnSuspend;
  if (run.drawIntervalUs !== null) config.drawIntervalUs = run.drawIntervalUs;
  if (run.memoryMiB !== null) config.memoryMiB = run.memoryMiB;
  if (run.lazy) config.lazy = true;
  return config;
}

// --- Help. ----------------------------------------------------------------------------------

/** Aligned help lines for a flag table, ending with -h/--help. */
function flagLines<S>(table: readonly FlagSpec<S>[]): string[] {
  const rows: [string, string][] = table.map((f) => [
    f.kind ? `${f.flag} ${f.kind.meta}` : f.flag,
    `${f.help} (default: ${f.default})`,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([head]) => head.length)) + 2;
  const indent = ' '.repeat(2 + width);
  return rows.flatMap(([head, help]) =>
    wrap(help, HELP_COLUMNS - indent.length).map((l, i) =>
      i === 0 ? `  ${head.padEnd(width)}${l}` : indent + l,
    ),
  );
}

const HELP_COLUMNS = 100;

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
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
    '  uniqueness-lab <command> --help',
    '',
    'Bad flags or values exit with code 2 and one line on stderr.',
    '',
    'example:',
    '  uniqueness-lab run --guest linux-6.11-vmgenid --library vdso,naive --clones 8 --notify-delay-us 50',
    '',
  ].join('\n');
}

/** `uniqueness-lab run --help`: every flag, its value and its default. */
export function runHelp(): string {
  return [
    'usage: uniqueness-lab run [flags]',
    '',
    'Boots the guest, takes a snapshot, restores clones from it, lets every process draw after',
    'restore, and reports per library how many outputs collide across clones and what each call costs.',
    '',
    'flags:',
    ...flagLines(RUN_FLAGS),
    '',
    'Flags take their value as the next argument or after "=" (--clones=8). Exit codes: 0 success,',
    '2 bad flags, manifest or configuration, 1 internal error.',
    '',
    'examples:',
    '  uniqueness-lab run',
    '  uniqueness-lab run --library naive,getrandom,vdso,rdrand --vmgenid on --clones 8 --draws 32',
    '  uniqueness-lab run --guest wipeonsuspend-rfc --notify-delay-us 100 --json',
    '  uniqueness-lab run --guest ./my-guest.json --snapshot diff --export ./snap',
    '  uniqueness-lab run --guest wipeonsuspend-rfc --export-snapshot snap.ulsnap',
    '  uniqueness-lab run --from-snapshot snap.ulsnap --clones 16 --notify-delay-us 50',
    '',
    'A snapshot file that is not valid (wrong magic, newer version, bad checksum, truncated,',
    'inconsistent) exits with code 2 and one line saying what is wrong.',
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
    ...flagLines(SCAN_FLAGS),
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
    ...flagLines(GUESTS_FLAGS),
    '',
  ].join('\n');
}
