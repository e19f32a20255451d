// The lab's actions: every button of the app, every scenario step, every permalink and saved
// session, every CLI run and every matrix column is a list of these, run by the one Session.
//
// Invariants:
// - Actions are small plain objects with short keys ({ a: 'restore', n: 4 }) so logs stay small
//   in URLs. Absent parameters come from the settings in effect (n) or the lineage (targets: the
//   booted VM, the latest snapshot, the drawing VMs). The log records counts resolved.
// - VM and snapshot ids in actions are the ids a lab reset hands out from 0: a log replayed on a
//   reset lab names the same objects (host entropy is keyed by place, not by id).

import { check, wholeNumber, numberIn, z, type CheckError } from '../check/check';
import { settingsPatchSchema } from '../settings/schema';
import type { SettingsPatch } from '../settings/settings';
import type { Result } from '../types';

export const ACTION_NAMES = [
  'set',
  'boot',
  'snapshot',
  'restore',
  'resume',
  'draw',
  'touch',
  'idle',
  'fork',
  'destroy',
  'delete-snapshot',
  'load',
  'reset',
  'sysgenid-track',
  'sysgenid-ack',
  'sysgenid-trigger',
  'sysgenid-wait',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/**
 * One lab action.
 * - set: changes settings (boot-time keys take effect at the next boot).
 * - boot: boots the guest with the settings; it becomes the lineage's original VM.
 * - snapshot: snapshots a VM (default the original; t: 'full' | 'diff').
 * - restore: n clones from a snapshot (default the latest).
 * - resume: resumes a paused VM (default the original: it draws as one more clone).
 * - draw: every process of every drawing VM draws n outputs; collisions across VMs.
 * - touch: a VM (default the original, or the first drawing VM) writes n heap pages.
 * - idle: virtual time passes (us µs) in every drawing VM; what falls due happens.
 * - fork: fork(2) of process p in every drawing VM.
 * - destroy / delete-snapshot: as named.
 * - load: a snapshot file the session was given (by its content id) becomes a snapshot.
 * - reset: destroys every VM and snapshot.
 * - sysgenid-*: /dev/sysgenid in every drawing VM (track: a lazy reader enables tracking; ack:
 *   tracked readers acknowledge; trigger: the overseer's TRIGGER_GEN_UPDATE; wait: WAIT_WATCHERS).
 */
export type Action =
  | { a: 'set'; s: SettingsPatch }
  | { a: 'boot' }
  | { a: 'snapshot'; vm?: number; t?: 'full' | 'diff' }
  | { a: 'restore'; snap?: number; n?: number }
  | { a: 'resume'; vm?: number }
  | { a: 'draw'; n?: number }
  | { a: 'touch'; vm?: number; n?: number }
  | { a: 'idle'; us: number }
  | { a: 'fork'; p?: number }
  | { a: 'destroy'; vm: number }
  | { a: 'delete-snapshot'; snap: number }
  | { a: 'load'; file: string }
  | { a: 'reset' }
  | { a: 'sysgenid-track' }
  | { a: 'sysgenid-ack' }
  | { a: 'sysgenid-trigger' }
  | { a: 'sysgenid-wait'; ms?: number };

/** Limits of action parameters. */
export const ACTION_LIMITS = {
  restore: [1, 10000],
  draw: [1, 100000],
  touch: [1, 262144],
  fork: [0, 63],
  id: [0, 0xffffffff],
  idleUs: [0, 1e12],
  'sysgenid-wait': [0, 3_600_000],
} as const;

/** Longest action log a link, a saved session or a step may carry. */
export const MAX_LOG_ACTIONS = 4096;

/** A snapshot file's content id: the first 16 hex digits of its CRC-64 and its length. */
export const FILE_ID_PATTERN = /^[0-9a-f]{16}-[0-9]+$/;

const id = () => wholeNumber(...ACTION_LIMITS.id);
const obj = <T extends z.ZodRawShape>(name: ActionName, shape: T) =>
  z.strictObject({ a: z.literal(name), ...shape });

/** The schema of one action. */
export const actionSchema = z.discriminatedUnion(
  'a',
  [
    obj('set', { s: settingsPatchSchema }),
    obj('boot', {}),
    obj('snapshot', { vm: id().optional(), t: z.enum(['full', 'diff']).optional() }),
    obj('restore', { snap: id().optional(), n: wholeNumber(...ACTION_LIMITS.restore).optional() }),
    obj('resume', { vm: id().optional() }),
    obj('draw', { n: wholeNumber(...ACTION_LIMITS.draw).optional() }),
    obj('touch', { vm: id().optional(), n: wholeNumber(...ACTION_LIMITS.touch).optional() }),
    obj('idle', { us: numberIn(...ACTION_LIMITS.idleUs, 'µs') }),
    obj('fork', { p: wholeNumber(...ACTION_LIMITS.fork).optional() }),
    obj('destroy', { vm: id() }),
    obj('delete-snapshot', { snap: id() }),
    obj('load', { file: z.string().regex(FILE_ID_PATTERN, { error: 'must be a snapshot file id' }) }),
    obj('reset', {}),
    obj('sysgenid-track', {}),
    obj('sysgenid-ack', {}),
    obj('sysgenid-trigger', {}),
    obj('sysgenid-wait', { ms: wholeNumber(...ACTION_LIMITS['sysgenid-wait']).optional() }),
  ],
  { error: `must be an action: one of ${ACTION_NAMES.join(', ')}` },
) as unknown as z.ZodType<Action>;

/** An action list of at most `max` actions. */
export function actionListSchema(max = MAX_LOG_ACTIONS) {
  return z
    .array(actionSchema, { error: 'must be a list of actions' })
    .max(max, { error: `must hold at most ${max} actions` });
}

/** Checks an action list (a link's, a saved session's). */
export function checkActions(
  v: unknown,
  prefix = 'actions',
  max = MAX_LOG_ACTIONS,
): Result<Action[], CheckError> {
  return check(actionListSchema(max), v, prefix);
}
