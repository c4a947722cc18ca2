import { AarError } from '../domain/errors.js';
import type { Ledger, ResultRow } from '../ledger/ledger.js';
import type { ScoreBudget } from './budget.js';
import { defaultMinDistinct, NearDuplicates, type MinDistinct } from './detectors/near-duplicate.js';

/** What an agent is told about an experiment: never per-item correctness, counts or private scores. */
export interface AgentScore {
  experiment: string;
  /** Mean public PGR over the scored seeds, rounded to 0.01. */
  pgrPublic: number;
  seedsScored: number;
  seedsFailed: number;
  /** Public PGR of each scored seed, rounded to 0.01: what paired comparisons between methods need. */
  perSeed: { seed: number; pgrPublic: number }[];
}

export interface ScoreDeskOptions {
  /**
   * A job whose public predictions differ on fewer than this many items from an earlier job of
   * the same agent, task and seed is answered with that job's score. Default: 1% of the public
   * items, at least 5. 0 turns the defence off (for tests that show what it prevents).
   */
  minDistinct?: MinDistinct;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The scoring service's window for agents. Each answer spends one unit of the agent's
 * scoring budget, and a near-duplicate of an earlier submission is answered with the earlier
 * one's score, so repeated queries cannot be used to mine the hidden labels: flipping one
 * prediction per query and reading the change in the rounded PGR learns nothing.
 */
export class ScoreDesk {
  private readonly nearDuplicates: NearDuplicates;

  constructor(
    private readonly ledger: Ledger,
    private readonly budget: ScoreBudget,
    o: ScoreDeskOptions = {},
  ) {
    this.nearDuplicates = new NearDuplicates(ledger, o.minDistinct ?? defaultMinDistinct);
  }

  async answer(agent: string, experimentId: string): Promise<AgentScore> {
    if (!this.ledger.experiment(experimentId)) throw new AarError('unknown_experiment', `no experiment "${experimentId}"`);
    await this.budget.take(agent);
    const results = this.ledger.results(experimentId);
    const failed = this.ledger.jobs(experimentId).filter((j) => j.status === 'failed').length;
    const pgrs = results.map((r) => this.publicPgr(r));
    const mean = pgrs.reduce((a, p) => a + p, 0) / Math.max(1, pgrs.length);
    return {
      experiment: experimentId,
      pgrPublic: results.length ? r2(mean) : Number.NaN,
      seedsScored: results.length,
      seedsFailed: failed,
      perSeed: results.map((r, k) => ({ seed: r.seed, pgrPublic: r2(pgrs[k]) })).sort((a, b) => a.seed - b.seed),
    };
  }

  /**
   * The public PGR agents may be told for a scored job: its own, or, for a near-duplicate of an
   * earlier job, that job's. Anything else that shows agents a job's public PGR should use this.
   */
  publicPgr(r: ResultRow): number {
    const anchor = this.nearDuplicates.anchor(r.jobId);
    if (!anchor) return r.score.public.pgr;
    const earlier = this.ledger.results(anchor.experimentId).find((x) => x.jobId === anchor.jobId);
    return earlier ? earlier.score.public.pgr : r.score.public.pgr;
  }
}
