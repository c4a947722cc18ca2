import { RunnerError } from '../domain/errors.js';
import { jobIdOf, type JobSpec } from '../domain/experiment.js';
import { runJob, type Runner } from '../../workers/runner.js';
import { Listeners } from './listeners.js';
import { DEFAULT_JOB_POLICY, type ExperimentQueue, type JobOutcome, type JobPolicy, type QueueCounts, type QueueListener, type WorkerInfo } from './port.js';

interface Entry {
  spec: JobSpec;
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';
  tries: number;
  result?: unknown;
  reason?: string;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
}

export interface MemoryQueueOptions {
  runner: Runner;
  /** Jobs run at once; the embedded default is one per core. */
  concurrency: number;
  policy?: Partial<JobPolicy>;
}

/**
 * The in-process queue of the embedded mode: jobs run on `runner` (for w2s, a pool of worker
 * threads), with the same retry, timeout and cancellation rules as the BullMQ adapter.
 * State lives in memory; after a crash the pipeline re-enqueues what the ledger says is
 * unfinished.
 */
export class MemoryQueue implements ExperimentQueue {
  readonly kind = 'memory' as const;
  private readonly jobs = new Map<string, Entry>();
  private readonly waiting: string[] = [];
  private readonly listeners = new Listeners();
  private readonly policy: JobPolicy;
  private active = 0;
  private done = 0;
  private failedCount = 0;
  private closed = false;

  constructor(private readonly o: MemoryQueueOptions) {
    this.policy = { ...DEFAULT_JOB_POLICY, ...o.policy };
  }

  async enqueue(spec: JobSpec): Promise<{ jobId: string; added: boolean }> {
    const jobId = jobIdOf(spec.experimentId, spec.seed);
    if (this.closed) throw new Error('the queue is closed');
    if (this.jobs.has(jobId)) return { jobId, added: false };
    this.jobs.set(jobId, { spec, state: 'waiting', tries: 0 });
    this.waiting.push(jobId);
    this.pump();
    return { jobId, added: true };
  }

  async outcome(jobId: string): Promise<JobOutcome> {
    const e = this.jobs.get(jobId);
    if (!e) return { state: 'missing' };
    if (e.state === 'completed') return { state: 'completed', result: e.result };
    if (e.state === 'failed') return { state: 'failed', reason: e.reason ?? 'failed' };
    return { state: e.state };
  }

  async cancel(jobId: string): Promise<boolean> {
    const e = this.jobs.get(jobId);
    if (!e) return false;
    if (e.state === 'waiting' || e.state === 'delayed') {
      clearTimeout(e.timer);
      const i = this.waiting.indexOf(jobId);
      if (i >= 0) this.waiting.splice(i, 1);
      this.fail(jobId, e, 'cancelled', true);
      return true;
    }
    if (e.state === 'active') {
      e.controller?.abort(new RunnerError('cancelled', { retry: false }));
      return true;
    }
    return false;
  }

  subscribe(listener: QueueListener): () => void {
    return this.listeners.add(listener);
  }

  async counts(): Promise<QueueCounts> {
    const c: QueueCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const e of this.jobs.values()) c[e.state]++;
    return c;
  }

  async workers(): Promise<WorkerInfo[]> {
    return [{ name: `in-process (pid ${process.pid})`, runner: this.o.runner.name, concurrency: this.o.concurrency, active: this.active, done: this.done, failed: this.failedCount, lastSeen: new Date().toISOString() }];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.jobs.values()) {
      clearTimeout(e.timer);
      e.controller?.abort(new RunnerError('the queue is closing', { retry: true }));
    }
    this.waiting.length = 0;
    await this.o.runner.close?.();
  }

  private pump(): void {
    while (!this.closed && this.active < this.o.concurrency && this.waiting.length > 0) {
      const jobId = this.waiting.shift()!;
      const e = this.jobs.get(jobId)!;
      void this.run(jobId, e);
    }
  }

  private async run(jobId: string, e: Entry): Promise<void> {
    this.active++;
    e.state = 'active';
    e.tries++;
    const controller = new AbortController();
    e.controller = controller;
    const timeout = setTimeout(() => controller.abort(new RunnerError(`timed out after ${this.policy.timeoutMs} ms`, { retry: true })), this.policy.timeoutMs);
    this.listeners.emit('active', jobId);
    try {
      const result = await runJob(this.o.runner, e.spec, { signal: controller.signal, progress: (p) => this.listeners.emit('progress', jobId, p) });
      if (controller.signal.aborted) throw controller.signal.reason;
      e.state = 'completed';
      e.result = result;
      this.done++;
      this.listeners.emit('completed', jobId, result);
    } catch (err) {
      const cause = controller.signal.aborted ? controller.signal.reason : err;
      const retry = cause instanceof RunnerError ? cause.retry : true;
      const reason = cause instanceof Error ? cause.message : String(cause);
      if (retry && e.tries < this.policy.attempts && !this.closed) {
        e.state = 'delayed';
        this.listeners.emit('failed', jobId, reason, false);
        e.timer = setTimeout(() => {
          e.state = 'waiting';
          this.waiting.push(jobId);
          this.pump();
        }, this.policy.backoffMs * 2 ** (e.tries - 1));
      } else {
        this.fail(jobId, e, reason, true);
      }
    } finally {
      clearTimeout(timeout);
      e.controller = undefined;
      this.active--;
      this.pump();
    }
  }

  private fail(jobId: string, e: Entry, reason: string, final: boolean): void {
    e.state = 'failed';
    e.reason = reason;
    this.failedCount++;
    this.listeners.emit('failed', jobId, reason, final);
  }
}
