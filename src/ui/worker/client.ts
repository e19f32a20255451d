// The main thread's handle on the lab worker: request/answer by id, progress callbacks, cancel,
// and restart. A Transport abstracts postMessage so tests run the same client against a
// SessionHost in Node (serve.ts inProcessTransport).
//
// Two ways to stop a command: cancel(id) sets the worker's cancel flag, honoured at the next
// chunk boundary (restore, replay, matrix); restart() terminates the worker outright and starts a
// fresh one (for a command that runs as one core call, such as a draw); every pending answer then
// resolves with a 'Stopped' error, and the caller rebuilds the lab (a replay of its history).

import type { Args, FromWorker, Op, ResultOf, ToWorker, WireError } from './protocol';

export interface Transport {
  post(msg: ToWorker): void;
  onMessage(fn: (msg: FromWorker) => void): void;
  close(): void;
}

export type Answer<T> = { ok: true; value: T } | { ok: false; error: WireError };

export interface RequestOptions {
  onProgress?: (done: number, total: number) => void;
  /** Receives the request id as soon as it is sent, so the caller can cancel it. */
  onStart?: (id: number) => void;
}

interface Pending {
  op: Op;
  sent: number;
  resolve(a: Answer<unknown>): void;
  onProgress?: (done: number, total: number) => void;
}

/** The error every pending request gets when the worker is restarted. */
export const STOPPED: WireError = { kind: 'Stopped', message: 'the lab worker was stopped' };

/** Sends commands to the worker; answers are data, never rejected promises. */
export class LabClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private transport: Transport;

  constructor(private readonly connect: () => Transport) {
    this.transport = this.open();
  }

  private open(): Transport {
    const t = this.connect();
    t.onMessage((msg) => {
      if (t === this.transport) this.receive(msg);
    });
    return t;
  }

  /** Runs one command in the worker; the promise never rejects (errors are data). */
  request<K extends Op>(op: K, args: Args<K>, opts: RequestOptions = {}): Promise<Answer<ResultOf<K>>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, {
        op,
        sent: performance.now(),
        resolve: resolve as (a: Answer<unknown>) => void,
        onProgress: opts.onProgress,
      });
      this.transport.post({ kind: 'request', id, op, args });
      opts.onStart?.(id);
    });
  }

  /** Asks the worker to stop request `id` at its next chunk boundary. */
  cancel(id: number): void {
    this.transport.post({ kind: 'cancel', id });
  }

  /** Terminates the worker (and its lab) and starts a fresh, empty one. */
  restart(): void {
    this.transport.close();
    const stopped = [...this.pending.values()];
    this.pending.clear();
    this.transport = this.open();
    for (const p of stopped) p.resolve({ ok: false, error: STOPPED });
  }

  private receive(msg: FromWorker): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') {
      p.onProgress?.(msg.done, msg.total);
      return;
    }
    this.pending.delete(msg.id);
    // the round trip shows in the browser's performance timeline (DevTools, the UI benchmark)
    performance.measure(`lab ${p.op}`, { start: p.sent, end: performance.now() });
    p.resolve(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
  }
}

/**
 * A transport over a fresh Worker from the factory; `guests` is the URL of the guest folder,
 * sent first (the worker cannot know the page's address: the app may be served under any path).
 */
export function workerTransport(make: () => Worker, guests: string): () => Transport {
  return () => {
    const worker = make();
    worker.postMessage({ kind: 'hello', guests } satisfies ToWorker);
    return {
      post: (msg) => worker.postMessage(msg),
      onMessage: (fn) => worker.addEventListener('message', (e: MessageEvent<FromWorker>) => fn(e.data)),
      close: () => worker.terminate(),
    };
  };
}
