import { AarError } from '../domain/errors.js';
import type { OpenPipeline } from '../pipeline/setup.js';
import type { ReproducePlan, SeedScore } from './reproduce.js';

/** The name reproductions are submitted under: their own group, never an agent's. */
export const REPRODUCER = 'reproduce';

/**
 * Re-runs the seeds as a new experiment on the configured queue (BullMQ with REDIS_URL: any
 * `aar worker`, GPU trainers included), recorded in this ledger as a reproduction of the
 * original, and waits for its scores.
 */
export async function runOnQueue(plan: ReproducePlan, p: OpenPipeline, o: { timeoutMs: number }): Promise<{ experiment: string; scores: SeedScore[] }> {
  const id = plan.original.id;
  const experiment = await p.pipeline.submit({
    task: plan.original.task,
    method: plan.method,
    seeds: plan.seeds,
    agent: REPRODUCER,
    hypothesis: `Reproduction of ${id}: the same method, task data and seeds; its numbers should match the original's.`,
    parents: p.ledger.experiment(id) ? [id] : undefined,
  });
  try {
    const report = await p.pipeline.waitFor(experiment, { signal: AbortSignal.timeout(o.timeoutMs) });
    if (report.failed.length) {
      throw new AarError('reproduction_failed', `the reproduction ${experiment} could not run seed${report.failed.length > 1 ? 's' : ''} ${report.failed.map((f) => f.seed).join(', ')}: ${report.failed[0].reason.split('\n')[0]}`);
    }
  } catch (err) {
    if (err instanceof AarError) throw err;
    throw new AarError('reproduce_timeout', `no scores for ${experiment} within ${Math.round(o.timeoutMs / 60_000)} minutes: are \`aar worker\` processes taking jobs from this REDIS_URL and queue?`, { cause: err });
  }
  return { experiment, scores: p.ledger.results(experiment).map((r) => ({ seed: r.seed, pgrPublic: r.score.public.pgr, pgrPrivate: r.score.private.pgr })) };
}
