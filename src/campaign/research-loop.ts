import type { ResearcherBot } from '../../bots/types.js';
import type { CodeLanguage } from '../domain/method.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { ScoreDesk } from '../scoring/desk.js';
import { BotLoop, type ReviewerBot } from './bot-loop.js';
import { ResearchDesk, type CampaignStatus } from './research-desk.js';

export interface ResearchLoopOptions {
  ledger: Ledger;
  pipeline: Pipeline;
  tasks: readonly string[];
  researchers: readonly ResearcherBot[];
  reviewers?: (desk: ResearchDesk) => ReviewerBot[];
  campaignId?: string;
  /** Scores each agent may read per hour (the anti-mining budget). */
  scoresPerHour: number;
  claimSeeds?: number;
  mayPropose?: (agent: string) => string | undefined;
  /** Where the campaign stands, for the researchers' turn prompts. */
  status?: () => CampaignStatus;
  log?: (line: string) => void;
  /** First wait before a failed bot's next try (doubles per failure). */
  retryAfterMs?: number;
  /** Called once a claim is recorded (the desk's confirmation). */
  onClaim?: (experiment: string) => void;
  /** The method code language the workers run (ResearchDeskOptions.codeLanguage). */
  codeLanguage?: CodeLanguage;
}

/** The research side of a campaign, assembled: the desk every bot acts through and the loop that gives them turns. */
export function openResearchLoop(o: ResearchLoopOptions): { desk: ResearchDesk; loop: BotLoop } {
  const records = new ForumRecords(o.ledger);
  // Budget and Ladder live in the ledger: a restart neither refills the one nor forgets the other.
  const scores = ScoreDesk.persistent(o.ledger, { perHour: o.scoresPerHour });
  const desk = new ResearchDesk({
    ledger: o.ledger,
    records,
    pipeline: o.pipeline,
    scores,
    tasks: o.tasks,
    agents: o.researchers.map((r) => r.name),
    campaignId: o.campaignId,
    claimSeeds: o.claimSeeds,
    mayPropose: o.mayPropose,
    status: o.status,
    onClaim: o.onClaim,
    codeLanguage: o.codeLanguage,
  });
  const loop = new BotLoop({ ledger: o.ledger, desk, researchers: o.researchers, reviewers: o.reviewers?.(desk), campaignId: o.campaignId, log: o.log, retryAfterMs: o.retryAfterMs });
  return { desk, loop };
}

/**
 * Runs rounds until `maxExperiments` have been proposed or `deadline` passes, waiting for
 * results between rounds so bots always see fresh numbers; jobs in flight then finish.
 */
export async function runRounds(o: { loop: BotLoop; desk: ResearchDesk; ledger: Ledger; pipeline: Pipeline; maxExperiments: number; deadline: number; signal?: AbortSignal; onRound?: () => void }): Promise<number> {
  const count = () => (o.ledger.db.prepare('SELECT COUNT(*) AS n FROM experiments').get() as { n: number }).n;
  let rounds = 0;
  o.desk.closed = undefined;
  while (count() < o.maxExperiments && Date.now() < o.deadline && !o.signal?.aborted) {
    const { turns, proposed } = await o.loop.round({ signal: o.signal });
    rounds++;
    o.onRound?.();
    // Nothing proposed: wait for a running experiment to finish before the next round.
    if (!proposed.length) {
      const running = o.ledger.unfinishedJobs()[0];
      if (running) await o.pipeline.waitFor(running.experimentId, { signal: o.signal });
      else if (!turns) break;
    }
  }
  // Wind down: no new proposals, jobs in flight finish and are scored, and one last round lets
  // the bots conclude on them (a confirmation finished after the cap is still claimed).
  o.desk.closed = count() >= o.maxExperiments ? `the campaign has reached its cap of ${o.maxExperiments} experiments` : 'the campaign is over';
  for (const j of o.ledger.unfinishedJobs()) await o.pipeline.waitFor(j.experimentId);
  if (!o.signal?.aborted) await o.loop.round({ signal: o.signal });
  return rounds + 1;
}
