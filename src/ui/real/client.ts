// The panel's handle on the real-kernel worker: one request per message id, progress callbacks,
// cancel. The worker is started on the first request (no emulator code runs until someone asks
// for the real kernel), through a factory so tests can pass a fake.

import type { FromRealWorker, RealResult, ToRealWorker, WireRealError } from './protocol';

export type RealAnswer<T> = { ok: true; value: T } | { ok: false; error: WireRealError };

type Request = ToRealWorker extends infer M ? (M extends { kind: 'cancel' } ? never : Omit<M, 'id'>) : never;

export interface WorkerLike {
  postMessage(msg: ToRealWorker): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<FromRealWorker>) => void): void;
  terminate(): void;
}

interface Pending {
  resolve(a: RealAnswer<RealResult>): void;
  onProgress?: (phase: 'download' | 'restore', done: number, total: number) => void;
}

export class RealClient {
  private worker: WorkerLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly start: () => WorkerLike) {}

  private get w(): WorkerLike {
    if (!this.worker) {
      const w = this.start();
      w.addEventListener('message', (e) => this.receive(e.data));
      this.worker = w;
    }
    return this.worker;
  }

  private receive(msg: FromRealWorker): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') {
      p.onProgress?.(msg.phase, msg.done, msg.total);
      return;
    }
    this.pending.delete(msg.id);
    p.resolve(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
  }

  /** Sends one request; `onStart` gets its id (for cancel). Never rejects: errors are data. */
  request<T extends RealResult>(
    req: Request,
    opts: { onProgress?: Pending['onProgress']; onStart?: (id: number) => void } = {},
  ): Promise<RealAnswer<T>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'], onProgress: opts.onProgress });
      this.w.postMessage({ ...req, id } as ToRealWorker);
      opts.onStart?.(id);
    });
  }

  /** Asks the worker to abort request `id`. */
  cancel(id: number): void {
    this.worker?.postMessage({ kind: 'cancel', id });
  }
}

/** The real client over the module worker (Vite bundles real.worker.ts and v86 into it). */
export function realWorkerClient(): RealClient {
  return new RealClient(
    () =>
      new Worker(new URL('./real.worker.ts', import.meta.url), { type: 'module' }) as unknown as WorkerLike,
  );
}
