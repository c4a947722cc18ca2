import { AarError } from '../domain/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ScoreBudget } from './budget.js';

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

/**
 * The scoring service's window for agents. Each answer spends one unit of the agent's
 * scoring budget, so repeated queries cannot be used to mine the hidden labels.
 */
export class ScoreDesk {
  constructor(
    private readonly ledger: Ledger,
    private readonly budget: ScoreBudget,
  ) {}

  async answer(agent: string, experimentId: string): Promise<AgentScore> {
    if (!this.ledger.experiment(experimentId)) throw new AarError('unknown_experiment', `no experiment "${experimentId}"`);
    await this.budget.take(agent);
    const results = this.ledger.results(experimentId);
    const failed = this.ledger.jobs(experimentId).filter((j) => j.status === 'failed').length;
    const mean = results.reduce((a, r) => a + r.score.public.pgr, 0) / Math.max(1, results.length);
    return {
      experiment: experimentId,
      pgrPublic: results.length ? Math.round(mean * 100) / 100 : Number.NaN,
      seedsScored: results.length,
      seedsFailed: failed,
      perSeed: results.map((r) => ({ seed: r.seed, pgrPublic: Math.round(r.score.public.pgr * 100) / 100 })).sort((a, b) => a.seed - b.seed),
    };
  }
}
