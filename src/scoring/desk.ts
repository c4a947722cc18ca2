import { AarError } from '../domain/errors.js';
import type { Ledger, ResultRow } from '../ledger/ledger.js';
import { ScoreBudget } from './budget.js';
import { LedgerBudgetStore } from './budget-store.js';
import { Ladder, type LadderAnswer } from './ladder.js';
import { publicAnswers, type PublicAnswers } from './public-answers.js';

/**
 * What an agent is told about an experiment: the Ladder's answers (see Ladder), never an
 * experiment's own score below its author's best, per-item correctness, counts or private scores.
 */
export interface AgentScore {
  experiment: string;
  /** Mean over the scored seeds of the Ladder's answers, rounded to 0.01. */
  pgrPublic: number;
  seedsScored: number;
  seedsFailed: number;
  /**
   * Per seed, the author's best public PGR on this task and seed after this job (a multiple of
   * `margin`), and whether this job set it. `newBest: false` means only "not better than that
   * best by the margin": how much worse it was is not told.
   */
  perSeed: { seed: number; pgrPublic: number; newBest: boolean }[];
  /** The Ladder's margin: the smallest gain an answer shows. */
  margin: number;
}

export interface ScoreDeskOptions {
  /** The Ladder's margin in PGR (default DEFAULT_LADDER_MARGIN); `false` answers exact rounded scores (the control in tests, never a campaign). */
  ladder?: { margin?: number } | false;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The scoring service's window for agents. Every public score an agent sees goes through the
 * Ladder, and each seed's outcome (a score or a failure) spends one unit of the asking agent's
 * budget the first time it is told to that agent; both the Ladder's state and the budget live
 * in the ledger, so a restart neither forgets nor refills them.
 */
export class ScoreDesk {
  readonly ladder: Ladder | undefined;
  readonly margin: number;

  constructor(
    private readonly ledger: Ledger,
    private readonly budget: ScoreBudget,
    o: ScoreDeskOptions = {},
  ) {
    this.ladder = o.ladder === false ? undefined : new Ladder(ledger, o.ladder ?? {});
    this.margin = this.ladder?.margin ?? 0.01;
  }

  /** A desk whose budget is kept in the ledger: what a campaign uses. */
  static persistent(ledger: Ledger, o: { perHour: number; burst?: number; mode?: 'wait' | 'refuse'; now?: () => number } & ScoreDeskOptions): ScoreDesk {
    return new ScoreDesk(ledger, new ScoreBudget({ perHour: o.perHour, burst: o.burst, mode: o.mode ?? 'refuse', now: o.now, store: new LedgerBudgetStore(ledger) }), o);
  }

  async answer(agent: string, experimentId: string): Promise<AgentScore> {
    if (!this.ledger.experiment(experimentId)) throw new AarError('unknown_experiment', `no experiment "${experimentId}"`);
    const results = this.ledger.results(experimentId);
    const failed = this.ledger.jobs(experimentId).filter((j) => j.status === 'failed');
    // A failed seed is an outcome like a score: it is paid for the same way, so failing on
    // purpose tells nothing for free.
    const told = [...results.map((r) => r.jobId), ...failed.map((j) => j.jobId)];
    const fresh = this.unrevealed(agent, told);
    await this.budget.take(agent, fresh.length);
    this.reveal(agent, fresh);
    const answers = results.map((r) => this.answerOf(r));
    const mean = answers.reduce((a, p) => a + p.pgrPublic, 0) / Math.max(1, answers.length);
    return {
      experiment: experimentId,
      pgrPublic: results.length ? r2(mean) : Number.NaN,
      seedsScored: results.length,
      seedsFailed: failed.length,
      perSeed: results.map((r, k) => ({ seed: r.seed, pgrPublic: r2(answers[k].pgrPublic), newBest: answers[k].newBest })).sort((a, b) => a.seed - b.seed),
      margin: this.margin,
    };
  }

  /** What agents may be told of a scored job's public PGR: the Ladder's answer. Anything that shows agents a job's public PGR uses this. */
  answerOf(r: ResultRow): LadderAnswer {
    if (!this.ladder) return { jobId: r.jobId, pgrPublic: r2(r.score.public.pgr), newBest: true };
    return this.ladder.job(r.jobId) ?? { jobId: r.jobId, pgrPublic: Number.NaN, newBest: false };
  }

  /** The same answers as `answerOf` for every scored job, kept across calls (what boards read). */
  answers(): PublicAnswers {
    return publicAnswers(this.ledger, this.ladder ? { margin: this.ladder.margin } : false);
  }

  private unrevealed(agent: string, jobIds: string[]): string[] {
    const seen = this.ledger.db.prepare('SELECT 1 FROM score_reveals WHERE agent = ? AND job_id = ?');
    return jobIds.filter((id) => seen.get(agent, id) === undefined);
  }

  private reveal(agent: string, jobIds: string[]): void {
    if (!jobIds.length) return;
    const add = this.ledger.db.prepare('INSERT OR IGNORE INTO score_reveals (agent, job_id) VALUES (?, ?)');
    this.ledger.write(() => {
      for (const id of jobIds) add.run(agent, id);
    });
  }
}
