import type { JobSpec } from '../domain/experiment.js';
import type { RunProgress } from '../../workers/runner.js';

export type QueueJobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'missing';

/** What a queue tells its listeners. Results arrive raw: the pipeline validates them. */
export interface QueueListener {
  active?(jobId: string): void;
  progress?(jobId: string, progress: RunProgress): void;
  completed?(jobId: string, result: unknown): void;
  /** `final`: no retry will follow (the job is in the failed state). */
  failed?(jobId: string, reason: string, final: boolean): void;
  /**
   * The runner holding the job died or stopped answering (BullMQ: its lock lapsed, the job
   * stalled) and the job went back to wait; `runs` counts how often that has happened to it.
   */
  lost?(jobId: string, runs: number): void;
}

export type JobOutcome = { state: 'completed'; result: unknown } | { state: 'failed'; reason: string } | { state: Exclude<QueueJobState, 'completed' | 'failed'> };

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface WorkerInfo {
  name: string;
  runner: string;
  concurrency: number;
  active: number;
  done: number;
  failed: number;
  lastSeen: string;
}

/**
 * The experiment queue port. Adapters: `memory` (in-process worker threads, the embedded
 * default) and `bullmq` (Redis, with `aar worker` processes anywhere). The job id is
 * experiment id + seed, so enqueueing the same job twice runs it once.
 */
export interface ExperimentQueue {
  readonly kind: 'memory' | 'bullmq';
  /** `added` is false when a job with this id already exists (it is not run again). */
  enqueue(spec: JobSpec): Promise<{ jobId: string; added: boolean }>;
  outcome(jobId: string): Promise<JobOutcome>;
  /** Removes a waiting job or aborts a running one; false when there was nothing to cancel. */
  cancel(jobId: string): Promise<boolean>;
  subscribe(listener: QueueListener): () => void;
  counts(): Promise<QueueCounts>;
  workers(): Promise<WorkerInfo[]>;
  close(): Promise<void>;
  /** Since when (epoch ms) the queue's backing service has been unreachable; undefined while it is fine (in-process queues: always). */
  unreachableSince?(): number | undefined;
}

/** Retry and time limits shared by both adapters (and every `aar worker`). */
export interface JobPolicy {
  /** Total tries for transient failures. */
  attempts: number;
  /** First retry delay; doubles each time. */
  backoffMs: number;
  /** Per-job time limit: the job is aborted and counts as a transient failure. */
  timeoutMs: number;
}

export const DEFAULT_JOB_POLICY: JobPolicy = { attempts: 3, backoffMs: 1000, timeoutMs: 30 * 60_000 };
