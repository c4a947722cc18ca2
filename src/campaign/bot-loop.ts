import type { ResearcherBot, TurnOutcome } from '../../bots/types.js';
import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import type { Ledger } from '../ledger/ledger.js';
import { nap } from './nap.js';
import { AgentNews } from './agent-news.js';
import { unanswered } from './inbox.js';
import type { ResearchDesk } from './research-desk.js';

/** A bot that reviews or reports after the researchers' turns (the auditor, the steward). */
export interface ReviewerBot {
  readonly name: string;
  review(o?: { signal?: AbortSignal }): Promise<void>;
}

export interface BotLoopOptions {
  ledger: Ledger;
  desk: ResearchDesk;
  researchers: readonly ResearcherBot[];
  reviewers?: readonly ReviewerBot[];
  campaignId?: string;
  log?: (line: string) => void;
  now?: () => number;
  /** After a failed turn, the bot's next turn waits this long, doubling per failure (capped at 10 min). */
  retryAfterMs?: number;
  /** How often a waiting agent looks for something new in `run` (a person's message, a result). Default 250 ms. */
  pollMs?: number;
  /** An agent whose last turn was idle takes another only on news, or after this long. Default 2 min. */
  idleTurnMs?: number;
  /** How often `run` lets the reviewers look at new results. Default 2 s. */
  reviewEveryMs?: number;
}

/** What the campaign allows now: work, wait (outside its active window), or stop. */
export type Gate = () => 'go' | 'wait' | 'stop';

/**
 * Gives every bot its turns. Each researcher runs its own loop (`run`), so one agent's long
 * think never holds up another's; how many model calls run at once is the model client's
 * concern (AAR_AGENT_CONCURRENCY). Before a turn an agent answers the people who wrote to it,
 * and a waiting agent answers them within `pollMs`. An agent with nothing it can do (at its
 * in-flight limit with no new result or message, or idle last time with nothing new since)
 * waits instead of taking a paid turn. A paused agent only answers. A turn that fails is
 * logged in the ledger and retried with backoff: it is never lost, and one failing bot never
 * stops the others.
 */
export class BotLoop {
  private readonly failures = new Map<string, { count: number; until: number }>();
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly news: AgentNews;

  constructor(private readonly o: BotLoopOptions) {
    this.log = o.log ?? (() => {});
    this.now = o.now ?? Date.now;
    this.news = new AgentNews(o.ledger, this.now);
  }

  /**
   * One round, for tests and scripted runs: answers, then a turn for each researcher that has
   * something to do (model-backed ones concurrently; offline ones one by one, which is as fast
   * on one thread and keeps their order reproducible), then the reviewers.
   */
  async round(o: { signal?: AbortSignal } = {}): Promise<{ turns: number; proposed: string[] }> {
    const outcomes = new Map<string, TurnOutcome | undefined>();
    const step = async (bot: ResearcherBot) => {
      if (o.signal?.aborted) return;
      await this.answer(bot, o);
      // A round is the caller's own pace: under its in-flight limit an agent always gets its turn.
      if (this.mayTurn(bot, 0)) outcomes.set(bot.name, await this.turn(bot, o));
    };
    const modelBacked = this.o.researchers.filter((b) => b.kind !== 'offline');
    const concurrent = Promise.all(modelBacked.map(step));
    for (const bot of this.o.researchers.filter((b) => b.kind === 'offline')) await step(bot);
    await concurrent;
    if (!o.signal?.aborted) await this.review(o);
    const done = this.o.researchers.map((b) => outcomes.get(b.name)).filter((x): x is TurnOutcome => x !== undefined);
    return { turns: done.length, proposed: done.flatMap((x) => x.proposed) };
  }

  /**
   * Every researcher's own loop, and the reviewers', until `gate` says stop or the signal
   * aborts; each finishes the turn it is in first.
   */
  async run(o: { gate: Gate; signal?: AbortSignal }): Promise<void> {
    const pollMs = this.o.pollMs ?? 250;
    // The inbox is cheap to check and people expect an answer at once; whether there is work
    // for a turn costs more (the agent's running experiments), so a waiting agent asks every
    // few polls, and at once after an answer.
    const checkEvery = Math.max(1, Math.round(1000 / pollMs));
    const agent = async (bot: ResearcherBot) => {
      let polls = 0;
      for (let g = o.gate(); g !== 'stop' && !o.signal?.aborted; g = o.gate()) {
        if (g === 'go') {
          const answered = await this.answer(bot, o);
          if (answered || polls++ % checkEvery === 0) {
            if (o.gate() === 'go' && !o.signal?.aborted && this.mayTurn(bot, this.o.idleTurnMs ?? 120_000)) {
              await this.turn(bot, o);
              polls = 0;
              continue;
            }
          }
        }
        await nap(pollMs, o.signal);
      }
    };
    const reviews = async () => {
      for (let g = o.gate(); g !== 'stop' && !o.signal?.aborted; g = o.gate()) {
        if (g === 'go' && this.news.reviewDue()) await this.review(o);
        await nap(this.o.reviewEveryMs ?? 2000, o.signal);
      }
    };
    await Promise.all([...this.o.researchers.map(agent), reviews()]);
  }

  /** Whether a researcher should take a turn now (see the class comment and AgentNews.hasWork). */
  private mayTurn(bot: ResearcherBot, idleTurnMs: number): boolean {
    if (this.paused(bot.name) || this.backingOff(bot.name, 'turn')) return false;
    const desk = this.o.desk.forAgent(bot.name);
    return this.news.hasWork(bot.name, { atLimit: desk.inFlight() >= bot.maxInFlight, idleTurnMs });
  }

  private async turn(bot: ResearcherBot, o: { signal?: AbortSignal }): Promise<TurnOutcome | undefined> {
    let outcome: TurnOutcome | undefined;
    const started = this.news.turnStarts(bot.name);
    const t0 = performance.now();
    await this.attempt(bot.name, 'turn', async () => {
      outcome = await bot.turn(this.o.desk.forAgent(bot.name), o);
      const activeMs = outcome.activeMs ?? Math.round(performance.now() - t0);
      this.o.ledger.append('turn', { agent: bot.name, campaignId: this.o.campaignId, data: { ok: true, ...outcome, activeMs } });
      if (outcome.cut) this.log(`${bot.name}: turn cut off: ${outcome.cut}`);
    });
    if (outcome) this.news.turnEnds(bot.name, started, outcome.proposed.length > 0 || outcome.posted > 0);
    return outcome;
  }

  /** Answers every person who wrote to the bot and has no answer yet; true when it answered someone. */
  private async answer(bot: ResearcherBot, o: { signal?: AbortSignal }): Promise<boolean> {
    if (this.backingOff(bot.name, 'answer') || !this.news.inboxChanged(bot.name, this.failures.has(`${bot.name}:answer`))) return false;
    let answered = false;
    await this.attempt(bot.name, 'answer', async () => {
      const desk = this.o.desk.forAgent(bot.name);
      for (const m of unanswered(bot.name, this.o.desk.o.agents, this.o.ledger, this.o.desk.o.records)) {
        const t0 = performance.now();
        const a = await bot.answer(desk, m, o);
        const { text, activeMs } = typeof a === 'string' ? { text: a, activeMs: undefined } : a;
        desk.answer(m, text);
        this.o.ledger.append('answer', { agent: bot.name, campaignId: this.o.campaignId, data: { message: m.id, activeMs: activeMs ?? Math.round(performance.now() - t0) } });
        answered = true;
      }
    });
    return answered;
  }

  private async review(o: { signal?: AbortSignal }): Promise<void> {
    for (const r of this.o.reviewers ?? []) {
      if (o.signal?.aborted) break;
      if (!this.backingOff(r.name, 'review')) await this.attempt(r.name, 'review', () => r.review(o));
    }
  }

  private async attempt(agent: string, what: string, run: () => Promise<void>): Promise<void> {
    // Answers, turns and reviews back off separately: a failing model call for one must not be masked by another's success.
    const key = `${agent}:${what}`;
    try {
      await run();
      this.failures.delete(key);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const count = (this.failures.get(key)?.count ?? 0) + 1;
      const wait = Math.min(600_000, (this.o.retryAfterMs ?? 5000) * 2 ** (count - 1));
      this.failures.set(key, { count, until: this.now() + wait });
      this.o.ledger.append('turn', { agent, campaignId: this.o.campaignId, data: { ok: false, what, reason, retryInMs: wait } });
      this.log(`${agent}: ${what} failed (${reason}); retrying in ${Math.round(wait / 1000)} s`);
    }
  }

  private backingOff(agent: string, what: string): boolean {
    return (this.failures.get(`${agent}:${what}`)?.until ?? 0) > this.now();
  }

  /** Paused by the latest `pause`/`resume` command naming the agent or `all`. */
  paused(agent: string): boolean {
    const last = this.o.ledger.db
      .prepare(
        `SELECT json_extract(data, '$.action') AS action FROM events
         WHERE kind = 'control' AND ${SPARSE_KINDS} AND json_extract(data, '$.action') IN ('pause', 'resume') AND json_extract(data, '$.agent') IN (?, 'all')
         ORDER BY seq DESC LIMIT 1`,
      )
      .get(agent) as { action: string } | undefined;
    return last?.action === 'pause';
  }
}
