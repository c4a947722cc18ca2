import { ClaudeAuditor, HeuristicAuditor } from '../../bots/auditor/index.js';
import { Steward } from '../../bots/steward/index.js';
import type { ResearcherBot } from '../../bots/types.js';
import { AarError } from '../domain/errors.js';
import type { CodeLanguage } from '../domain/method.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { nap } from './nap.js';
import type { Effort } from '../llm/models.js';
import type { LlmClient } from '../llm/port.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { ActiveWindows } from '../schedule/windows.js';
import { wallClock } from '../schedule/zoned-time.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { startCampaignSchedule } from '../schedule/campaign-schedule.js';
import type { Gate, ReviewerBot } from './bot-loop.js';
import { BudgetGuard } from './budget-guard.js';
import type { CampaignFile } from './campaign-file.js';
import type { CampaignStatus } from './research-desk.js';
import { campaignSummary, type CampaignSummary } from './summary.js';
import { ClaimConfirmer } from '../confirmation/claim-confirmer.js';
import type { ItemEvaluator } from '../eval/item-evaluator.js';
import { runTransfer } from '../transfer/transfer.js';
import { openResearchLoop } from './research-loop.js';
import { campaignSpend, type Spend } from './spend.js';
import { createTeam, redTeam } from './team.js';
import type { LiveSnapshot } from './live-view.js';

/** How often the coordinator checks the budget and redraws the live view while agents work. */
const TICK_MS = 1000;
/** How often a running campaign records that it is alive (spend counts a crashed session up to its last heartbeat). */
const HEARTBEAT_MS = 5000;

/** What a researcher is told about the campaign's limits (see CampaignStatus). */
export function campaignStatus(budget: CampaignFile['budget'], spend: Spend, msLeft: number | undefined, closed: string | undefined): CampaignStatus {
  const experimentsLeft = budget.experiments === undefined ? undefined : budget.experiments - spend.experiments;
  const usdLeft = budget.usd === undefined ? undefined : budget.usd - spend.usd;
  // The last tenth of any budget, or the last 5 minutes: time to conclude rather than start.
  const nearEnd =
    (msLeft !== undefined && budget.minutes !== undefined && msLeft < Math.min(5 * 60_000, budget.minutes * 6000)) ||
    (experimentsLeft !== undefined && budget.experiments !== undefined && experimentsLeft <= Math.max(1, budget.experiments / 10)) ||
    (usdLeft !== undefined && budget.usd !== undefined && usdLeft <= budget.usd / 10);
  const closing = closed ?? (nearEnd ? 'it is near the end of its budget' : undefined);
  return { ...(msLeft !== undefined ? { msLeft } : {}), ...(experimentsLeft !== undefined ? { experimentsLeft } : {}), ...(usdLeft !== undefined ? { usdLeft } : {}), ...(closing ? { closing } : {}) };
}


export interface CampaignOptions {
  file: CampaignFile;
  ledger: Ledger;
  pipeline: Pipeline;
  /** Claude bots when given (and the file does not ask for offline ones). */
  llm?: LlmClient;
  model: string;
  inputBudget: number;
  /** Output budget and effort of the bots' model calls (AAR_MAX_OUTPUT_TOKENS, AAR_EFFORT). */
  maxTokens?: number;
  effort?: Effort;
  scheduler: Scheduler;
  log?: (line: string) => void;
  /** Called after every round with the state the live view shows. */
  onTick?: (s: LiveSnapshot) => void;
  /** Posts the morning digest's chart (a report concern the campaign does not own). */
  onDigest?: (text: string) => Promise<void> | void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Runs methods for the desk itself (not experiments agents can see): the confirmation of claims
   * on fresh seeds and, at the end, the held-out transfer. Without it, claims stay unconfirmed and
   * a campaign with held-out tasks is refused.
   */
  evaluator?: ItemEvaluator;
  /** The method code language the workers run (default javascript: the embedded w2s runner). */
  codeLanguage?: CodeLanguage;
}

/**
 * One campaign, end to end: the team takes turns through the research desk, the steward runs
 * the baselines and reports, the auditor reviews, the budget guard and the schedule decide
 * when work may start, and when a cap, the time limit, a person's `stop` or a signal ends it,
 * jobs in flight finish and are scored and the bots conclude. Everything it needs to resume
 * is in the ledger: running the same campaign again carries on where it stopped.
 */
export class Campaign {
  readonly id: string;
  private readonly records: ForumRecords;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private exhausted?: string;

  constructor(private readonly o: CampaignOptions) {
    this.id = o.file.name;
    this.records = new ForumRecords(o.ledger);
    this.log = o.log ?? (() => {});
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private team(): ResearcherBot[] {
    const { file } = this.o;
    const llm = file.agents.kind === 'offline' ? undefined : this.o.llm;
    if (file.agents.kind === 'claude' && !llm) throw new Error('agents.kind is "claude" but no ANTHROPIC_API_KEY is set');
    const team = createTeam({
      agents: file.agents.count,
      tasks: file.tasks,
      llm,
      model: file.agents.model ?? this.o.model,
      inputBudget: this.o.inputBudget,
      maxTokens: this.o.maxTokens,
      effort: this.o.effort,
      campaignId: this.id,
      seed: file.seed,
      directions: file.agents.directions,
    });
    return file.redTeam ? [...team, ...redTeam()] : team;
  }

  async run(o: { signal?: AbortSignal } = {}): Promise<CampaignSummary> {
    const { file, ledger, pipeline } = this.o;
    if (file.holdout.length && !this.o.evaluator) throw new AarError('holdout_needs_evaluator', `campaign.holdout (${file.holdout.join(', ')}) needs the desk's evaluator to run the transfer at the end; none was given`);
    const started = this.now();
    const sessionSeq = this.register();
    const researchers = this.team();
    const steward = new Steward({ ledger, records: this.records, tasks: file.tasks, campaignId: this.id, claimSeeds: file.scoring.claimSeeds });
    const guard = new BudgetGuard(ledger, this.records, this.id, file.budget);
    const windows = new ActiveWindows(file.schedule.active, file.schedule.timezone);
    const minutesLeft = () => (file.budget.minutes === undefined ? undefined : file.budget.minutes * 60_000 - (this.now() - started));
    // The experiment cap is checked inside every proposal's transaction, baselines included:
    // exact however many agents propose at once. The campaign still ends at the next budget
    // check, which posts the 100% warning.
    const cap = file.budget.experiments;
    const capReached = (): string | undefined => {
      if (cap === undefined) return undefined;
      const n = (ledger.db.prepare('SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = ?').get(this.id) as { n: number }).n;
      return n >= cap ? `the experiments budget is spent (${n} of ${cap} experiments)` : undefined;
    };
    pipeline.guardProposals((req) => (req.campaignId === this.id ? capReached() : undefined));
    const stopReason = (): string | undefined => {
      if (o.signal?.aborted) return 'stopped by a signal';
      const stop = ledger.events({ kind: 'control', afterSeq: sessionSeq }).find((e) => e.data.action === 'stop');
      if (stop) return `stopped by ${String(stop.data.who)}`;
      if (this.exhausted) return this.exhausted;
      const left = minutesLeft();
      if (left !== undefined && left <= 0) return `the ${file.budget.minutes}-minute limit is reached`;
      return undefined;
    };
    const spend = (): Spend => campaignSpend(ledger, this.id);
    const confirmer = this.o.evaluator ? new ClaimConfirmer({ ledger, campaignId: this.id, evaluate: this.o.evaluator, log: this.log, announce: (experiment, text) => this.announce(experiment, text) }) : undefined;
    const { desk, loop } = openResearchLoop({
      ledger,
      pipeline,
      tasks: file.tasks,
      researchers,
      campaignId: this.id,
      scoresPerHour: file.scoring.scoresPerHour,
      claimSeeds: file.scoring.claimSeeds,
      reviewers: () => [this.auditor(), steward],
      log: this.log,
      mayPropose: () => stopReason() ?? capReached(),
      status: () => campaignStatus(file.budget, spend(), minutesLeft(), stopReason() ?? capReached()),
      onClaim: confirmer ? (e) => confirmer.schedule(e) : undefined,
      codeLanguage: this.o.codeLanguage,
    });
    const checkBudget = () => {
      const state = guard.check(spend());
      this.exhausted = state.exhausted;
      for (const w of state.warnings) this.log(w.text);
    };
    const schedule = startCampaignSchedule({
      scheduler: this.o.scheduler,
      digestCron: file.schedule.digest,
      leaderboardCron: file.schedule.leaderboard,
      onDigest: async () => {
        const text = steward.digest();
        await this.o.onDigest?.(text);
      },
      onLeaderboard: () => steward.review(),
      onReap: async () => void (await pipeline.recover()),
      onBudgetGuard: checkBudget,
    });
    const tick = (waiting?: string) => this.o.onTick?.(this.snapshot(started, spend(), waiting, minutesLeft()));
    // A round can block on a Redis that is down (an enqueue waits for it): watch it apart from
    // the rounds, so the live line and the log say so while it lasts.
    const redisWatch = this.watchQueue(() => tick());

    try {
      // A resumed campaign: collect what finished while nobody listened, re-enqueue what was lost.
      await pipeline.recover();
      await steward.seedBaselines((req) => pipeline.submit({ ...req, campaignId: this.id })).catch((err: unknown) => {
        // The cap counts baselines too: the ones past it are not run.
        if (!(err instanceof AarError && err.code === 'proposal_refused')) throw err;
        this.log(`baselines: ${err.message}`);
      });
      // Every researcher runs its own loop; this one keeps the books: budget, heartbeat, live view.
      let stopped = false;
      const gate: Gate = () => (stopped || stopReason() ? 'stop' : windows.isActive(new Date(this.now())) ? 'go' : 'wait');
      const agents = loop.run({ gate, signal: o.signal });
      let beat = Number.NEGATIVE_INFINITY;
      for (let reason = stopReason(); !reason; reason = stopReason()) {
        checkBudget();
        if (stopReason()) break;
        const at = new Date(this.now());
        if (!windows.isActive(at)) {
          const next = windows.nextActive(at);
          tick(`outside the active window; next at ${next ? wallClock(next, file.schedule.timezone) : 'no time in the next 8 days'} (${file.schedule.timezone})`);
          await this.sleep(30_000);
          continue;
        }
        if (this.now() - beat >= HEARTBEAT_MS) {
          ledger.append('campaign', { campaignId: this.id, data: { action: 'heartbeat' } });
          beat = this.now();
        }
        tick();
        await Promise.race([agents, nap(TICK_MS, o.signal)]);
      }
      stopped = true;
      desk.closed = stopReason() ?? 'the campaign is over';
      // Each agent finishes the turn it is in.
      await agents;
      this.log(`winding down: ${desk.closed}; waiting for ${ledger.unfinishedJobs().length} job(s) in flight`);
      for (const j of ledger.unfinishedJobs()) {
        if (o.signal?.aborted && ledger.unfinishedJobs().length) break;
        await pipeline.waitFor(j.experimentId, { signal: o.signal }).catch(() => {});
      }
      if (!o.signal?.aborted) await loop.round();
      await confirmer?.idle();
      tick();
    } finally {
      clearInterval(redisWatch);
      pipeline.guardProposals(undefined);
      await schedule.stop();
      ledger.append('campaign', { campaignId: this.id, data: { action: 'stop', reason: desk.closed ?? 'error' } });
    }
    const summary = campaignSummary(ledger, this.id, spend(), file.scoring.claimSeeds);
    // Only now, with every agent done, does anything of a held-out task get run or shown.
    if (file.holdout.length && this.o.evaluator && !o.signal?.aborted) {
      const t = await runTransfer({ ledger, campaignId: this.id, search: file.tasks, holdout: file.holdout, evaluate: this.o.evaluator, claimSeeds: file.scoring.claimSeeds, log: this.log });
      summary.transfer = t.transfer;
      summary.leaveOneTaskOut = t.leaveOneOut;
    }
    return summary;
  }

  /** The desk's word on a claim, in the claim's thread of the results channel. */
  private announce(experiment: string, text: string): void {
    const claim = this.o.ledger.events({ experimentId: experiment, kind: 'claim' }).at(-1);
    const message = typeof claim?.data.message === 'string' ? claim.data.message : undefined;
    this.records.addMessage({ id: `m-confirm-${experiment}`, channel: 'results', threadId: message ?? null, author: 'steward', authorKind: 'system', text });
  }

  /** Records the campaign (once) and the start of this session; returns the session's first event seq. */
  private register(): number {
    const { ledger, file } = this.o;
    ledger.db
      .prepare('INSERT OR IGNORE INTO campaigns (id, created_at, name, config) VALUES (?, ?, ?, ?)')
      .run(this.id, new Date(this.now()).toISOString(), file.name, JSON.stringify(file));
    return ledger.append('campaign', { campaignId: this.id, data: { action: 'start', agents: file.agents.count } });
  }

  private auditor(): ReviewerBot {
    const { ledger, file, llm } = this.o;
    const common = { ledger, records: this.records, campaignId: this.id, claimSeeds: file.scoring.claimSeeds, autoVeto: file.scoring.autoVeto };
    return llm && file.agents.kind !== 'offline'
      ? new ClaudeAuditor({ ...common, llm, model: file.agents.model ?? this.o.model, maxTokens: this.o.maxTokens, effort: this.o.effort, log: this.log })
      : new HeuristicAuditor(common);
  }

  /** Every second: whether the queue's Redis is reachable; on a change, logs it and refreshes the live view (every 5 s while it is down). */
  private watchQueue(refresh: () => void): NodeJS.Timeout {
    let downSince: number | undefined;
    let lastRefresh = 0;
    const timer = setInterval(() => {
      const since = this.o.pipeline.queueUnreachableSince();
      // Wall-clock time, as the queue measures it (not the campaign's injectable clock).
      const now = Date.now();
      if (since !== downSince) {
        if (since !== undefined) this.log(`Redis is unreachable (REDIS_URL): jobs wait in the ledger and run when it is back`);
        else if (downSince !== undefined) this.log(`Redis is reachable again after ${Math.round((now - downSince) / 1000)} s`);
        downSince = since;
      } else if (since === undefined || now - lastRefresh < 5000) {
        return;
      }
      lastRefresh = now;
      refresh();
    }, 1000);
    timer.unref();
    return timer;
  }

  private snapshot(started: number, spend: Spend, waiting: string | undefined, msLeft: number | undefined): LiveSnapshot {
    const { ledger, file } = this.o;
    const summary = campaignSummary(ledger, this.id, spend, file.scoring.claimSeeds);
    const fractions: number[] = [];
    if (msLeft !== undefined && file.budget.minutes) fractions.push(1 - msLeft / (file.budget.minutes * 60_000));
    if (file.budget.experiments) fractions.push(spend.experiments / file.budget.experiments);
    if (file.budget.usd) fractions.push(spend.usd / file.budget.usd);
    const unfinished = new Set(ledger.unfinishedJobs().map((j) => j.experimentId));
    const downSince = this.o.pipeline.queueUnreachableSince();
    return {
      campaign: this.id,
      elapsedMs: this.now() - started,
      progress: fractions.length ? Math.min(1, Math.max(...fractions)) : undefined,
      experimentsDone: spend.experiments - unfinished.size,
      experimentsQueued: unfinished.size,
      best: Object.entries(summary.tasks).map(([task, t]) => ({ task, pgr: t.best?.pgrPublic, baseline: t.baseline?.pgrPublic })),
      spend,
      waiting,
      queueDownMs: downSince === undefined ? undefined : Math.max(0, Date.now() - downSince),
    };
  }
}
