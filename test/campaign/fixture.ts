import { ResearchDesk } from '../../src/campaign/research-desk.js';
import type { JobSpec } from '../../src/domain/experiment.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { ExperimentQueue, JobOutcome } from '../../src/queue/port.js';
import { ScoreBudget } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import type { LabelVault } from '../../src/scoring/label-vault.js';
import { FixedBaselines } from '../../src/scoring/trusted-baselines.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

export const TASKS = ['spam', 'sentiment', 'math', 'code'] as const;
export const AGENTS = ['ada', 'bayes', 'curie'] as const;

/** A queue that only records what was enqueued: results are written into the ledger by the test. */
export class RecordingQueue implements ExperimentQueue {
  readonly kind = 'memory' as const;
  readonly specs: JobSpec[] = [];
  async enqueue(spec: JobSpec) {
    this.specs.push(spec);
    return { jobId: `${spec.experimentId}-s${spec.seed}`, added: true };
  }
  async outcome(): Promise<JobOutcome> {
    return { state: 'waiting' };
  }
  async cancel() {
    return false;
  }
  subscribe() {
    return () => {};
  }
  async counts() {
    return { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
  }
  async workers() {
    return [];
  }
  async close() {}
}

export interface Fixture {
  ledger: Ledger;
  records: ForumRecords;
  queue: RecordingQueue;
  pipeline: Pipeline;
  budget: ScoreBudget;
  desk: ResearchDesk;
  path: string;
}

export function makeDesk(
  o: {
    path?: string;
    claimSeeds?: number;
    perHour?: number;
    burst?: number;
    mayPropose?: (agent: string) => string | undefined;
    agents?: readonly string[];
  } = {},
): Fixture {
  const path = o.path ?? tempLedgerPath('aar-campaign-');
  const ledger = Ledger.open(path);
  const records = new ForumRecords(ledger);
  const queue = new RecordingQueue();
  let n = 0;
  const pipeline = new Pipeline({
    ledger,
    queue,
    // submit() only asks for the vault to refuse unscorable tasks; results are written directly.
    vaultFor: (task) => {
      if (!(TASKS as readonly string[]).includes(task)) throw new Error(`no vault for ${task}`);
      return {} as LabelVault;
    },
    baselines: new FixedBaselines({}),
    newId: () => `x${Date.now().toString(36)}${(n++).toString().padStart(3, '0')}`,
  });
  const budget = new ScoreBudget({ perHour: o.perHour ?? 1000, burst: o.burst, mode: 'refuse', now: () => 0 });
  const scores = new ScoreDesk(ledger, budget);
  const desk = new ResearchDesk({ ledger, records, pipeline, scores, tasks: TASKS, agents: o.agents ?? AGENTS, campaignId: 'c1', claimSeeds: o.claimSeeds ?? 5, mayPropose: o.mayPropose });
  return { ledger, records, queue, pipeline, budget, desk, path };
}

/** Private PGR values no agent may ever see (distinctive digits to search for in JSON). */
export const PRIVATE_PGR = 0.9137;

/** Writes scored results for the given seeds of an experiment (public PGR as given, private PGR secret). */
export function score(ledger: Ledger, experiment: string, publicPgrs: Record<number, number>): void {
  for (const [seedText, pgr] of Object.entries(publicPgrs)) {
    const seed = Number(seedText);
    ledger.recordResult({
      jobId: `${experiment}-s${seed}`,
      experimentId: experiment,
      seed,
      predictionsDigest: `d${seed}`,
      score: {
        public: { weak: 0.6, ceiling: 0.9, student: 0.6 + 0.3 * pgr, pgr },
        private: { weak: 0.61, ceiling: 0.93, student: 0.777, pgr: PRIVATE_PGR + seed / 10_000 },
      } as never,
    });
  }
}

/** Finishes a job with a final failure. */
export function failSeed(ledger: Ledger, experiment: string, seed: number): void {
  ledger.append('failed', { experimentId: experiment, jobId: `${experiment}-s${seed}`, data: { seed, reason: 'boom', final: true } });
}

export const msgId = (() => {
  let k = 0;
  return (prefix = 'h') => `${prefix}${(k++).toString().padStart(5, '0')}`;
})();

/** The data the forum records with a message from someone on the allowlist: only such messages steer agents (src/campaign/steering.ts). */
export const FROM_MEMBER = { authorship: { from: 'U-MEMBER', member: true } };
