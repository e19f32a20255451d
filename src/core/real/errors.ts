// What can go wrong with the real kernel: one error union, each kind with one message (in one
// table) that says what happened and what to do. The runner returns these for everything a user
// or the machine can cause (missing assets, a slow or dead emulator, cancel); it throws only for
// bugs.

/** The command that fetches and builds the assets (README "A real kernel"). */
export const FETCH_COMMAND = 'npm run guest:real';

export type RealError =
  /** An asset (or the manifest) is not where the runner looked. */
  | { kind: 'AssetsMissing'; where: string; file: string; message: string }
  /** An asset is there but is not what the manifest promises (size, sha256, format, v86 version). */
  | { kind: 'AssetsInvalid'; file: string; reason: string; message: string }
  /** The emulator could not be created or did not become ready. */
  | { kind: 'EmulatorFailed'; clone: number; reason: string; message: string }
  /** A command sent over serial got no end marker in time; `serialTail` is the console's last output. */
  | {
      kind: 'KernelTimeout';
      clone: number;
      command: string;
      timeoutMs: number;
      serialTail: string;
      message: string;
    }
  /** The guest answered, but not in the form the runner expects, or the command failed. */
  | { kind: 'BadReply'; clone: number; command: string; output: string; message: string }
  /** The caller cancelled (AbortSignal) before the operation finished. */
  | { kind: 'Cancelled'; message: string }
  /** The clone was destroyed (or never restored) before a command reached it. */
  | { kind: 'CloneGone'; clone: number; message: string };

export type RealErrorKind = RealError['kind'];
type Fields<K extends RealErrorKind> = Omit<Extract<RealError, { kind: K }>, 'kind' | 'message'>;

const quoteTail = (tail: string) => {
  const shown = tail.replace(/\r/g, '').trim();
  return shown ? `; the serial console's last output:\n${shown}` : '; the serial console printed nothing';
};

/** The message of every kind, in one place. Clone numbers are 1-based in words. */
const messages: { [K in RealErrorKind]: (f: Fields<K>) => string } = {
  AssetsMissing: (f) => `real-kernel assets are missing (${f.file} in ${f.where}): run \`${FETCH_COMMAND}\``,
  AssetsInvalid: (f) =>
    `real-kernel asset ${f.file} is not usable (${f.reason}): run \`${FETCH_COMMAND}\` again`,
  EmulatorFailed: (f) => `the emulator for clone ${f.clone + 1} failed: ${f.reason}`,
  KernelTimeout: (f) =>
    `clone ${f.clone + 1}'s kernel did not answer \`${f.command}\` within ${f.timeoutMs} ms${quoteTail(f.serialTail)}`,
  BadReply: (f) =>
    `clone ${f.clone + 1} answered \`${f.command}\` with something unexpected: ${JSON.stringify(f.output.slice(0, 200))}`,
  Cancelled: () => 'cancelled',
  CloneGone: (f) => `clone ${f.clone + 1} is gone (destroyed)`,
};

/** Builds a RealError of `kind` with its message from the table. */
export function realError<K extends RealErrorKind>(
  kind: K,
  fields: Fields<K>,
): Extract<RealError, { kind: K }> {
  const message = (messages[kind] as (f: Fields<K>) => string)(fields);
  return { kind, ...fields, message } as Extract<RealError, { kind: K }>;
}
