// Serves a SessionHost over a message port: each command calls the host method of the same name
// (dispatch), one at a time (the core is single-threaded), with a cancel flag per request; the
// typed arrays of an answer's bundle or file are transferred, not copied. No lab logic lives here.

import type { SessionHost } from '../../core/host/host';
import type { Transport } from './client';
import type { Args, ChunkContext, FromWorker, LabBundle, Op, ResultOf, ToWorker } from './protocol';
import { BUNDLED } from './protocol';

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

type Handlers = { [K in Op]: (a: Args<K>, ctx: ChunkContext) => ResultOf<K> | Promise<ResultOf<K>> };

/** Calls the host method a command names. */
export function dispatch(host: SessionHost, op: Op, args: unknown, ctx: ChunkContext): unknown {
  const handlers: Handlers = {
    guests: () => host.guests,
    act: (a) => host.act(a),
    restore: (a, c) => host.restore(a, c),
    replay: (a, c) => host.replay(a, c),
    scenarioStep: (a) => host.scenarioStep(a),
    views: (a) => host.views(a),
    pageInfo: (a) => host.pageInfo(a.vm, a.page),
    addFile: (a) => host.addFile(a.bytes, a.name),
    exportSnapshot: (a) => host.exportSnapshot(a.snap),
    scanSecrets: (a) => host.scanSecrets(a.snap),
    matrix: (a, c) => host.matrix(a, c),
    recoverOutputs: (a, c) => host.recoverOutputs(a, c),
    predictReal: (a) => host.predictReal(a),
    setFrameLimit: (a) => host.setFrameLimit(a.frames),
  };
  const h = handlers[op] as ((a: unknown, c: ChunkContext) => unknown) | undefined;
  if (!h) throw new Error(`unknown command ${String(op)}`);
  return h(args, ctx);
}

function bundleBuffers(b: LabBundle, out: Set<ArrayBuffer>): void {
  const add = (a: ArrayBufferView) => {
    if (a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) out.add(a.buffer);
  };
  for (const m of [b.maps.a, b.maps.b]) if (m) add(m.classes);
  for (const l of b.draw?.libraries ?? []) {
    add(l.bytes);
    add(l.groups);
    add(l.pairs);
  }
}

/**
 * The buffers of an answer to transfer: a bundle's page classes and draw arrays, a snapshot
 * file's bytes. They are made for the answer (the maps, the file) or handed over once (a draw
 * is sent in one bundle only; the host reads only its counts afterwards).
 */
export function transferables(op: Op, value: unknown): Transferable[] {
  const out = new Set<ArrayBuffer>();
  if (BUNDLED.has(op)) {
    const v = value as { bundle?: LabBundle } & Partial<LabBundle>;
    const bundle = op === 'views' ? (v as LabBundle) : v.bundle;
    if (bundle) bundleBuffers(bundle, out);
  }
  if (op === 'exportSnapshot') {
    const r = value as ResultOf<'exportSnapshot'>;
    if (r.ok && r.value.bytes.buffer instanceof ArrayBuffer) out.add(r.value.bytes.buffer);
  }
  return [...out];
}

/**
 * Connects a host to a port; requests are handled in order as they arrive. `yieldNow` must let
 * the port's messages in (a cancel lands between two chunks of a long request).
 */
export function serve(
  host: SessionHost | Promise<SessionHost>,
  port: Port,
  yieldNow: () => Promise<void> = makeYield(),
): void {
  const cancelled = new Set<number>();
  let queue: Promise<void> = Promise.resolve();
  port.onMessage((msg) => {
    if (msg.kind === 'cancel') {
      cancelled.add(msg.id);
      return;
    }
    if (msg.kind !== 'request') return;
    const { id, op, args } = msg;
    queue = queue.then(async () => {
      const ctx: ChunkContext = {
        progress: (done, total) => port.post({ kind: 'progress', id, done, total }, []),
        cancelled: () => cancelled.has(id),
        yieldNow,
      };
      let reply: FromWorker;
      let transfer: Transferable[] = [];
      try {
        const value = await dispatch(await host, op, args, ctx);
        reply = { kind: 'result', id, ok: true, value };
        transfer = transferables(op, value);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        reply = { kind: 'result', id, ok: false, error: { kind: 'Bug', message } };
      }
      cancelled.delete(id);
      port.post(reply, transfer);
    });
  });
}

/**
 * A transport that serves a host in the same thread (tests, and a fallback without workers).
 * Messages cross asynchronously and are structured-cloned, transferables transferred, as between
 * a page and its worker; close() drops everything in flight, like Worker.terminate().
 */
export function inProcessTransport(makeHost: () => SessionHost | Promise<SessionHost>): () => Transport {
  return () => {
    let closed = false;
    let toClient: ((msg: FromWorker) => void) | null = null;
    let toHost: ((msg: ToWorker) => void) | null = null;
    const later = (fn: () => void) => setTimeout(fn, 0);
    serve(
      makeHost(),
      {
        post: (msg, transfer) => {
          const copy = structuredClone(msg, { transfer });
          later(() => !closed && toClient?.(copy));
        },
        onMessage: (fn) => (toHost = fn),
      },
      // messages here are timers: a yield of the same kind lets a cancel in between two chunks
      () => new Promise((r) => later(() => r())),
    );
    return {
      post: (msg) => {
        const copy = structuredClone(msg);
        later(() => !closed && toHost?.(copy));
      },
      onMessage: (fn) => (toClient = fn),
      close: () => (closed = true),
    };
  };
}
