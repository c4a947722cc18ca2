import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobResult, JobSpec } from '../../src/domain/experiment.js';
import type { RunContext, Runner } from '../runner.js';
import type { ThreadMessage, ThreadRequest } from './thread.js';

/** The compiled thread entry when running from dist, else a bootstrap that loads the .ts source. */
function threadEntry(): URL {
  const compiled = new URL('./thread.js', import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL('./thread-dev.mjs', import.meta.url);
}

/**
 * Runs embedded-benchmark jobs on a pool of worker threads (one per core by default).
 * Cancelling or timing out a job terminates its thread: CPU-bound training cannot be
 * interrupted any other way, and a fresh thread replaces it.
 */
export class W2sRunner implements Runner {
  readonly name = 'w2s';
  private readonly idle: Worker[] = [];
  private readonly waiters: ((w: Worker) => void)[] = [];
  private size = 0;
  private closed = false;

  constructor(
    private readonly o: { cacheDir: string; threads: number },
  ) {}

  async run(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    const worker = await this.acquire();
    return new Promise<JobResult>((resolve, reject) => {
      const finish = (keep: boolean, settle: () => void) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        ctx.signal.removeEventListener('abort', onAbort);
        if (keep) this.release(worker);
        else this.discard(worker);
        settle();
      };
      const onMessage = (m: ThreadMessage) => {
        if (m.type === 'progress') return ctx.progress({ fraction: m.fraction, note: m.note });
        if (m.type === 'error') return finish(true, () => reject(new RunnerError(m.message, { retry: m.retry })));
        // Our own thread's output: the pipeline validates every result where it is scored.
        finish(true, () => resolve(m.result as JobResult));
      };
      const onError = (err: Error) => finish(false, () => reject(new RunnerError(`w2s thread crashed: ${err.message}`, { retry: true, cause: err })));
      const onAbort = () => finish(false, () => reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new RunnerError('cancelled', { retry: false })));
      if (ctx.signal.aborted) return onAbort();
      worker.on('message', onMessage);
      worker.on('error', onError);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ spec, cacheDir: this.o.cacheDir } satisfies ThreadRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }

  private acquire(): Promise<Worker> {
    if (this.closed) return Promise.reject(new RunnerError('the w2s runner is closed', { retry: true }));
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.size < this.o.threads) {
      this.size++;
      return Promise.resolve(new Worker(threadEntry()));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(w: Worker): void {
    if (this.closed) return void w.terminate();
    const next = this.waiters.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  private discard(w: Worker): void {
    void w.terminate();
    this.size--;
    const next = this.waiters.shift();
    if (next && !this.closed) {
      this.size++;
      next(new Worker(threadEntry()));
    }
  }
}
