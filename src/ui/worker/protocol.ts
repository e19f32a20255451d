// The messages between the app (main thread) and the lab worker. The worker holds ONE SessionHost
// (src/core/host/host.ts) and every command is one of its methods, with its arguments and its
// answer unchanged: this file names them, it adds no shape of its own. Everything is plain data
// (structured clone); the typed arrays of a bundle (a draw's bytes and marks, the maps' page
// classes) and of a snapshot file are transferred, not copied.
//
//   main -> worker   { kind: 'hello', guests }              once per worker: where the guest files are
//                    { kind: 'request', id, op, args }      one command, answered once
//                    { kind: 'cancel', id }                 sets the cancel flag of request id
//   worker -> main   { kind: 'progress', id, done, total }  between chunks of a long command
//                    { kind: 'result', id, ok, value|error } the answer (also after a cancel)
//
// A failed lab action is NOT an error here: it is the host's own answer (HostAnswer.error, with
// the bundle of the lab as it is). `error` carries only what broke the exchange itself (a bug in
// the worker, a worker that failed to start, a worker that was stopped).

import type { SessionHost } from '../../core/host/host';

type Host = SessionHost;
type Answer<F extends (...a: never[]) => unknown> = Awaited<ReturnType<F>>;

export type {
  ChunkContext,
  CloneRecovery,
  FileView,
  GuestEntry,
  HostAnswer,
  HostError,
  LabBundle,
  RecoveryView,
  RestoreOutcome,
  SecretScanView,
  Selection,
  SessionView,
  StepOutcomeView,
} from '../../core/host/host';

/** Every command: the SessionHost method it calls, its argument and its answer. */
export interface CommandMap {
  /** SessionHost.guests: the shipped guests with their checked manifests (or why one failed). */
  guests: { args: Record<string, never>; result: Host['guests'] };
  act: { args: Parameters<Host['act']>[0]; result: Answer<Host['act']> };
  restore: { args: Parameters<Host['restore']>[0]; result: Answer<Host['restore']> };
  replay: { args: Parameters<Host['replay']>[0]; result: Answer<Host['replay']> };
  scenarioStep: { args: Parameters<Host['scenarioStep']>[0]; result: Answer<Host['scenarioStep']> };
  views: { args: Parameters<Host['views']>[0]; result: Answer<Host['views']> };
  pageInfo: { args: { vm: number; page: number }; result: Answer<Host['pageInfo']> };
  addFile: { args: { bytes: Uint8Array; name: string }; result: Answer<Host['addFile']> };
  exportSnapshot: { args: { snap: number }; result: Answer<Host['exportSnapshot']> };
  scanSecrets: { args: { snap: number }; result: Answer<Host['scanSecrets']> };
  matrix: { args: Parameters<Host['matrix']>[0]; result: Answer<Host['matrix']> };
  recoverOutputs: {
    args: Parameters<Host['recoverOutputs']>[0];
    result: Answer<Host['recoverOutputs']>;
  };
  predictReal: { args: Parameters<Host['predictReal']>[0]; result: Answer<Host['predictReal']> };
  /** TEST ONLY (window.__lab): caps the core's frames; 0 lifts the cap. */
  setFrameLimit: { args: { frames: number }; result: number };
}
export type Op = keyof CommandMap;
export type Args<K extends Op> = CommandMap[K]['args'];
export type ResultOf<K extends Op> = CommandMap[K]['result'];

/** The commands whose answer carries a LabBundle (every lab-changing command, and `views`). */
export const BUNDLED: ReadonlySet<Op> = new Set<Op>(['act', 'restore', 'replay', 'scenarioStep', 'views']);

/** One page of a VM, decoded (the value of a successful pageInfo). */
export type PageInfoView = Extract<ResultOf<'pageInfo'>, { ok: true }>['value'];

/** What broke an exchange (never a refused lab action: that is in the host's answer). */
export interface WireError {
  kind: string;
  message: string;
}

export type ToWorker =
  | { kind: 'hello'; guests: string }
  | { kind: 'request'; id: number; op: Op; args: unknown }
  | { kind: 'cancel'; id: number };

export type FromWorker =
  | { kind: 'progress'; id: number; done: number; total: number }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: WireError };
