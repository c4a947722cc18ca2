/**
 * The poison-pill guard's rule, shared by the queue adapters, the BullMQ worker and the
 * pipeline. Method code cannot take its runner down any more (it runs in a guarded child
 * process, workers/sandbox), so a runner that dies holding a job is first taken for an outside
 * event (kill -9, a lost machine) and the job runs once more elsewhere: the crash invariant.
 * A second lost runner is the job's doing: it is failed as the method's fault and handed to no
 * other worker. Counted in the ledger (job_states.lost_runs), so a Redis that forgot the job
 * does not reset it.
 */
export const FORGIVEN_LOST_RUNS = 1;

/** Whether a job whose runners were lost `lostRuns` times must not run again. */
export function isPoisonPill(lostRuns: number): boolean {
  return lostRuns > FORGIVEN_LOST_RUNS;
}

/** What the agent reads as the seed's failure. */
export function poisonPillReason(lostRuns: number): string {
  return `the job's runner died ${lostRuns} times while running it (method code that takes its process down?): failed as the method's fault and not handed to another worker`;
}

/** BullMQ's own reason when a job stalled past maxStalledCount (the guard on the worker side). */
export const BULLMQ_STALLED_LIMIT_REASON = 'job stalled more than allowable limit';
