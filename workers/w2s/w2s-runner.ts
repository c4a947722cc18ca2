import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobResult, JobSpec } from '../../src/domain/experiment.js';
import { codeLanguage } from '../../src/domain/method.js';
import type { RunContext, Runner } from '../runner.js';
import type { ChildProcess } from 'node:child_process';
import { baseEnv, discardSpare, runGuarded, spawnGuarded, type GuardedSpawn, type GuardLimits } from '../sandbox/guarded-process.js';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from './method/code/sandbox.js';
import type { ThreadMessage, ThreadRequest } from './thread.js';

/** The compiled thread entry when running from dist, else a bootstrap that loads the .ts source. */
function threadEntry(): URL {
  const compiled = new URL('./thread.js', import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL('./thread-dev.mjs', import.meta.url);
}

/** The guarded child's entry: compiled when running from dist, else a bootstrap that loads the .ts source. */
function childEntry(): string {
  const compiled = new URL('./child.js', import.meta.url);
  return fileURLToPath(existsSync(fileURLToPath(compiled)) ? compiled : new URL('./child-dev.mjs', import.meta.url));
}

/** Limits of the process a job with method code runs in; its isolate has its own (SandboxLimits). */
export interface MethodProcessLimits extends GuardLimits {
  /** V8's old-space limit for the process (--max-old-space-size): the trusted parts of the job need it. */
  heapMb: number;
}

export const DEFAULT_METHOD_PROCESS_LIMITS: MethodProcessLimits = { memoryMb: 2048, heapMb: 1024, wallMs: 10 * 60_000 };

/**
 * Runs embedded-benchmark jobs on a pool of worker threads (one per core by default).
 * Cancelling or timing out a job terminates its thread: CPU-bound training cannot be
 * interrupted any other way, and a fresh thread replaces it. A job with method code runs
 * instead in a child process of its own under a guard (workers/sandbox): a fatal error of the
 * method's code, such as V8 running out of memory in its isolate, ends that process only, and
 * the job fails as the method's fault (never retried). It still takes one of the pool's slots.
 */
export class W2sRunner implements Runner {
  readonly name = 'w2s';
  private readonly idle: Worker[] = [];
  private readonly waiters: ((w: Worker) => void)[] = [];
  private size = 0;
  private closed = false;
  /** A guarded child already loading its code, for the next job with method code. */
  private spare?: ChildProcess;

  constructor(
    private readonly o: {
      cacheDir: string;
      threads: number;
      /** Limits of a method's isolate (defaults: DEFAULT_SANDBOX_LIMITS). */
      sandbox?: Partial<SandboxLimits>;
      /** Limits of the process a job with method code runs in (defaults: DEFAULT_METHOD_PROCESS_LIMITS). */
      methodProcess?: Partial<MethodProcessLimits>;
    },
  ) {}

  async run(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    if (codeLanguage(spec.method) === 'python') {
      throw new RunnerError(
        'method code: Python hooks run on the GPU trainer (workers/gpu, `aar worker --runner command`); the embedded w2s runner takes JavaScript hooks (code.language left out or "javascript")',
        { retry: false },
      );
    }
    const worker = await this.acquire();
    if (spec.method.code) {
      // The idle thread is this job's slot: the pool's size still bounds what runs at once.
      try {
        return await this.runGuarded(spec, ctx);
      } finally {
        this.release(worker);
      }
    }
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

  private childSpawn(limits: MethodProcessLimits): GuardedSpawn {
    // isolated-vm needs --no-node-snapshot on Node 20+.
    return { command: process.execPath, args: ['--no-node-snapshot', `--max-old-space-size=${limits.heapMb}`, childEntry()], env: baseEnv() };
  }

  private async runGuarded(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    const limits = { ...DEFAULT_METHOD_PROCESS_LIMITS, ...this.o.methodProcess };
    const sandbox = { ...DEFAULT_SANDBOX_LIMITS, ...this.o.sandbox };
    const spawn = this.childSpawn(limits);
    const spare = this.spare;
    // The next job's child loads its modules while this one trains: ~0.5-1 s off each job.
    this.spare = this.closed ? undefined : spawnGuarded(spawn);
    const result = await runGuarded({
      ...spawn,
      spare,
      request: { spec, cacheDir: this.o.cacheDir, sandbox } satisfies ThreadRequest,
      limits,
      what: 'method code',
      heapLimitMb: sandbox.memoryMb,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(p),
    });
    // Our own child's output: the pipeline validates every result where it is scored.
    return result as JobResult;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.spare) discardSpare(this.spare);
    this.spare = undefined;
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
