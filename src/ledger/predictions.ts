import type { Ledger } from './ledger.js';

/** A scored job's student predictions on the public half, one class per item in the label vault's public order. */
export interface PublicPredictions {
  /** Order of recording: near-duplicates are judged against what was scored before. */
  seq: number;
  jobId: string;
  experimentId: string;
  /** The agent that proposed the experiment (null for a person). */
  agent: string | null;
  task: string;
  seed: number;
  classes: Uint8Array;
}

/**
 * Records a job's public predictions once (a redelivered job is ignored). Call it after the
 * job's result is recorded, in the same transaction: the row refers to the result.
 */
export function recordPublicPredictions(ledger: Ledger, p: Omit<PublicPredictions, 'seq'>): boolean {
  const info = ledger.db
    .prepare('INSERT OR IGNORE INTO public_predictions (job_id, experiment_id, agent, task, seed, at, classes) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(p.jobId, p.experimentId, p.agent, p.task, p.seed, new Date().toISOString(), Buffer.from(p.classes.buffer, p.classes.byteOffset, p.classes.byteLength));
  return info.changes > 0;
}

/** Public predictions recorded after `afterSeq`, oldest first (everything with 0). */
export function publicPredictionsAfter(ledger: Ledger, afterSeq: number): PublicPredictions[] {
  const rows = ledger.db.prepare('SELECT seq, job_id, experiment_id, agent, task, seed, classes FROM public_predictions WHERE seq > ? ORDER BY seq').all(afterSeq) as Record<string, unknown>[];
  return rows.map((r) => {
    const blob = r.classes as Buffer;
    return {
      seq: Number(r.seq),
      jobId: String(r.job_id),
      experimentId: String(r.experiment_id),
      agent: (r.agent as string | null) ?? null,
      task: String(r.task),
      seed: Number(r.seed),
      classes: new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength),
    };
  });
}
