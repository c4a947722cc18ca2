import type { ResearcherBot } from '../../bots/types.js';
import type { Ledger } from '../ledger/ledger.js';
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
}

/**
 * Gives every bot its turn. Before a researcher's turn it answers the people who wrote to it;
 * a paused agent only answers. A turn that fails (the model unavailable after retries, a
 * crash in a bot) is logged in the ledger and retried at a later round with backoff: it is
 * never lost, and the loop never stops because one bot failed.
 */
export class BotLoop {
  private readonly failures = new Map<string, { count: number; until: number }>();
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  constructor(private readonly o: BotLoopOptions) {
    this.log = o.log ?? (() => {});
    this.now = o.now ?? Date.now;
  }

  /** One round: answers, then a turn for each researcher that is not paused or backing off, then the reviewers. */
  async round(o: { signal?: AbortSignal } = {}): Promise<{ turns: number; proposed: string[] }> {
    let turns = 0;
    const proposed: string[] = [];
    for (const bot of this.o.researchers) {
      if (o.signal?.aborted) break;
      if (!this.backingOff(bot.name, 'answer')) await this.attempt(bot.name, 'answer', () => this.answerAll(bot, o));
      if (this.paused(bot.name) || this.backingOff(bot.name, 'turn')) continue;
      await this.attempt(bot.name, 'turn', async () => {
        const outcome = await bot.turn(this.o.desk.forAgent(bot.name), o);
        turns++;
        proposed.push(...outcome.proposed);
        this.o.ledger.append('turn', { agent: bot.name, campaignId: this.o.campaignId, data: { ok: true, ...outcome } });
      });
    }
    for (const r of this.o.reviewers ?? []) {
      if (o.signal?.aborted) break;
      if (!this.backingOff(r.name, 'review')) await this.attempt(r.name, 'review', () => r.review(o));
    }
    return { turns, proposed };
  }

  /** Answers every person who wrote to the bot and has no answer yet. */
  private async answerAll(bot: ResearcherBot, o: { signal?: AbortSignal }): Promise<void> {
    const desk = this.o.desk.forAgent(bot.name);
    for (const m of unanswered(bot.name, this.o.desk.o.agents, this.o.ledger, this.o.desk.o.records)) {
      desk.answer(m, await bot.answer(desk, m, o));
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
    const last = this.o.ledger
      .events({ kind: 'control' })
      .filter((e) => (e.data.action === 'pause' || e.data.action === 'resume') && (e.data.agent === agent || e.data.agent === 'all'))
      .at(-1);
    return last?.data.action === 'pause';
  }
}
