// The engine's error union and its messages, in one table. Codes come from assembly/errors.ts.

import * as L from './wasm/layout';

export type EngineError =
  | { kind: 'UnknownVm'; vm: number; message: string }
  | { kind: 'UnknownSnapshot'; snapshot: number; message: string }
  | { kind: 'AddressOutOfRange'; addr: number; message: string }
  | { kind: 'OutOfGuestMemory'; requestedFrames: number; message: string }
  | { kind: 'InvalidGuestSize'; pages: number; message: string }
  | { kind: 'VmPaused'; vm: number; message: string }
  | { kind: 'VmRunning'; vm: number; message: string }
  | { kind: 'NoParentSnapshot'; vm: number; message: string }
  | { kind: 'SnapshotHasChildren'; children: number; message: string }
  | { kind: 'InvalidArgument'; value: number; message: string }
  | { kind: 'TooManyObjects'; count: number; message: string }
  | { kind: 'NoRdrand'; library: number; message: string };

export type EngineErrorKind = EngineError['kind'];

// the core's error codes, read from its exported layout (assembly/errors.ts)
const codes: Record<number, EngineErrorKind> = {
  [L.E_UNKNOWN_VM]: 'UnknownVm',
  [L.E_UNKNOWN_SNAPSHOT]: 'UnknownSnapshot',
  [L.E_OUT_OF_RANGE]: 'AddressOutOfRange',
  [L.E_OUT_OF_GUEST_MEMORY]: 'OutOfGuestMemory',
  [L.E_INVALID_GUEST_SIZE]: 'InvalidGuestSize',
  [L.E_VM_PAUSED]: 'VmPaused',
  [L.E_NO_PARENT_SNAPSHOT]: 'NoParentSnapshot',
  [L.E_SNAPSHOT_HAS_CHILDREN]: 'SnapshotHasChildren',
  [L.E_INVALID_ARGUMENT]: 'InvalidArgument',
  [L.E_TOO_MANY_OBJECTS]: 'TooManyObjects',
  [L.E_VM_RUNNING]: 'VmRunning',
  [L.E_NO_RDRAND]: 'NoRdrand',
};

/** The core's code of an error kind (for the facade's own refusals of the same kind). */
export const ERROR_CODE = Object.fromEntries(Object.entries(codes).map(([c, k]) => [k, Number(c)])) as Record<
  EngineErrorKind,
  number
>;

const messages: Record<EngineErrorKind, (d: number) => string> = {
  UnknownVm: (d) => `no VM with id ${d} (destroyed, or never created)`,
  UnknownSnapshot: (d) => `no snapshot with id ${d} (deleted, or never taken)`,
  AddressOutOfRange: (d) =>
    `guest address 0x${d.toString(16)} (or the range from it) is outside guest memory`,
  OutOfGuestMemory: (d) =>
    `out of host memory: ${d} more 4 KiB frames were needed and wasm memory cannot grow further; nothing was changed`,
  InvalidGuestSize: (d) =>
    `guest size of ${(d * 4096) / 1048576} MiB is not supported: use a whole number of MiB from 16 to 1024`,
  VmPaused: (d) => `VM ${d} is paused after a snapshot: resume it (or restore a clone) before writing`,
  VmRunning: (d) => `VM ${d} is already running`,
  NoParentSnapshot: (d) => `VM ${d} has no parent snapshot to diff against: take a full snapshot first`,
  SnapshotHasChildren: (d) => `the snapshot has ${d} diff layer(s) on top of it: delete those first`,
  InvalidArgument: (d) => `invalid argument (${d})`,
  TooManyObjects: (d) => `too many objects: the core's id space cannot hold ${d} more`,
  NoRdrand: () =>
    'the rdrand library needs RDRAND, and this vCPU has none (cpu none: CPUID.01H:ECX bit 30 is clear); a real program would die of SIGILL: choose cpu intel or amd',
};

const fields: Record<EngineErrorKind, string> = {
  UnknownVm: 'vm',
  UnknownSnapshot: 'snapshot',
  AddressOutOfRange: 'addr',
  OutOfGuestMemory: 'requestedFrames',
  InvalidGuestSize: 'pages',
  VmPaused: 'vm',
  VmRunning: 'vm',
  NoParentSnapshot: 'vm',
  SnapshotHasChildren: 'children',
  InvalidArgument: 'value',
  TooManyObjects: 'count',
  NoRdrand: 'library',
};

/** Builds the typed error for a negative core return code and its detail number. */
export function engineError(code: number, detail: number): EngineError {
  const kind = codes[code];
  if (!kind) throw new Error(`core returned an unknown error code ${code}`);
  return { kind, [fields[kind]]: detail, message: messages[kind](detail) } as EngineError;
}
