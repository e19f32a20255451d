// Serves a LabHost over a message port: queues requests one at a time (the core is single-
// threaded), keeps a cancel flag per request, and transfers typed arrays instead of copying them.

import type { HostAnswer, LabHost, RunContext } from './host';
import type { Transport } from './client';
import type { FromWorker, Op, ToWorker } from './protocol';

export interface Port {
  post(msg: FromWorker, transfer: Transferable[]): void;
  onMessage(fn: (msg: ToWorker) => void): void;
}

/** Resolves on a later turn of the event loop (a MessageChannel: no 4 ms timer clamping). */
export function makeYield(): () => Promise<void> {
  if (typeof MessageChannel === 'undefined') return () => new Promise((r) => setTimeout(r, 0));
  const ch = new MessageChannel();
  const waiting: Array<() => void> = [];
  ch.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((r) => {
      waiting.push(r);
      ch.port2.postMessage(0);
    });
}

/** Typed-array buffers inside an answer, to transfer rather than copy. */
export function transferables(value: unknown, out: Transferable[] = [], depth = 0): Transferable[] {
  if (depth > 4 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    const b = value.buffer;
    if (b instanceof ArrayBuffer && !out.includes(b)) out.push(b);
    return out;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, out, depth + 1);
  return out;
}

/** Connects a host to a port; returns when wired (requests are handled as they arrive). */
export function serve(host: LabHost | Promise<LabHost>, port: Port): void {
  const cancelled = new Set<number>();
  const yieldNow = makeYield();
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((msg) => {
    if (msg.kind === 'cancel') {
      cancelled.add(msg.id);
      return;
    }
    const { id, op, args } = msg;
    queue = queue.then(async () => {
      const ctx: RunContext = {
        progress: (done, total) => port.post({ kind: 'progress', id, done, total }, []),
        cancelled: () => cancelled.has(id),
        yieldNow,
      };
      let answer: HostAnswer;
      try {
        answer = await (await host).handle(op as Op, args, ctx);
      } catch (e) {
        answer = { ok: false, error: { kind: 'Bug', message: String(e) }, fleet: null };
      }
      cancelled.delete(id);
      const reply: FromWorker = answer.ok
        ? { kind: 'result', id, ok: true, value: answer.value, fleet: answer.fleet }
        : { kind: 'result', id, ok: false, error: answer.error, fleet: answer.fleet };
      port.post(reply, answer.ok ? transferables(answer.value) : []);
    });
  });
}

/**
 * A transport that serves a host in the same thread (tests, and a fallback without workers).
 * Messages cross asynchronously and are structured-cloned, transferables transferred, as between
 * a page and its worker; close() drops everything in flight, like Worker.terminate().
 */
export function inProcessTransport(makeHost: () => LabHost | Promise<LabHost>): () => Transport {
  return () => {
    let closed = false;
    let toClient: ((msg: FromWorker) => void) | null = null;
    let toHost: ((msg: ToWorker) => void) | null = null;
    serve(makeHost(), {
      post: (msg, transfer) => {
        const copy = structuredClone(msg, { transfer });
        setTimeout(() => !closed && toClient?.(copy), 0);
      },
      onMessage: (fn) => (toHost = fn),
    });
    return {
      post: (msg) => {
        const copy = structuredClone(msg);
        setTimeout(() => !closed && toHost?.(copy), 0);
      },
      onMessage: (fn) => (toClient = fn),
      close: () => (closed = true),
    };
  };
}
