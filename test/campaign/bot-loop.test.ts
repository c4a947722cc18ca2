import { describe, expect, it } from 'vitest';
import type { ResearcherBot, TurnOutcome } from '../../bots/types.js';
import { BotLoop, type ReviewerBot } from '../../src/campaign/bot-loop.js';
import { answerIdOf } from '../../src/campaign/inbox.js';
import type { AgentDesk } from '../../src/campaign/research-desk.js';
import type { MessageRecord } from '../../src/ledger/forum-records.js';
import { FROM_MEMBER, makeDesk, msgId } from './fixture.js';

class FakeBot implements ResearcherBot {
  readonly kind = 'offline' as const;
  readonly direction = 'test';
  readonly maxInFlight = 2;
  turns = 0;
  answered: string[] = [];
  failTurns = 0;
  failAnswers = 0;
  constructor(readonly name: string) {}
  async turn(desk: AgentDesk): Promise<TurnOutcome> {
    expect(desk.agent).toBe(this.name);
    if (this.failTurns > 0) {
      this.failTurns--;
      throw new Error(`${this.name} crashed`);
    }
    this.turns++;
    return { proposed: [`${this.name}-e${this.turns}`], posted: 0 };
  }
  async answer(desk: AgentDesk, m: MessageRecord): Promise<string> {
    expect(desk.agent).toBe(this.name);
    if (this.failAnswers > 0) {
      this.failAnswers--;
      throw new Error('model unavailable');
    }
    this.answered.push(m.id);
    return `${this.name} answers: ${m.text}`;
  }
}

function setup(o: { reviewers?: ReviewerBot[] } = {}) {
  const f = makeDesk();
  const bots = { ada: new FakeBot('ada'), bayes: new FakeBot('bayes'), curie: new FakeBot('curie') };
  let now = 1_000_000;
  const lines: string[] = [];
  const loop = new BotLoop({ ledger: f.ledger, desk: f.desk, researchers: Object.values(bots), reviewers: o.reviewers, campaignId: 'c1', now: () => now, retryAfterMs: 5000, log: (l) => lines.push(l) });
  const ask = (text: string) => {
    const id = msgId();
    f.records.addMessage({ id, channel: 'forum', threadId: null, author: 'alice', authorKind: 'human', text, data: FROM_MEMBER });
    return id;
  };
  const control = (action: 'pause' | 'resume', agent: string) => f.ledger.append('control', { data: { action, agent } });
  const turnEvents = () => f.ledger.events({ kind: 'turn' }).map((e) => ({ agent: e.agent, ...e.data }) as Record<string, unknown>);
  return {
    ...f,
    bots,
    loop,
    lines,
    ask,
    control,
    turnEvents,
    advance: (ms: number) => (now += ms),
  };
}

describe('BotLoop', () => {
  it('gives every researcher a turn, records it in the ledger, and reports what was proposed', async () => {
    const s = setup();
    expect(await s.loop.round()).toEqual({ turns: 3, proposed: ['ada-e1', 'bayes-e1', 'curie-e1'] });
    const events = s.ledger.events({ kind: 'turn' });
    expect(events.map((e) => [e.agent, e.data.ok, e.campaignId])).toEqual([
      ['ada', true, 'c1'],
      ['bayes', true, 'c1'],
      ['curie', true, 'c1'],
    ]);
  });

  it('logs a failed turn as ok:false, keeps the other bots going, and retries it after the backoff', async () => {
    const s = setup();
    s.bots.bayes.failTurns = 1;
    const r1 = await s.loop.round();
    expect(r1.turns).toBe(2);
    const failed = s.turnEvents().filter((e) => e.ok === false);
    expect(failed).toEqual([{ agent: 'bayes', ok: false, what: 'turn', reason: 'bayes crashed', retryInMs: 5000 }]);
    expect(s.lines.join('\n')).toMatch(/bayes: turn failed \(bayes crashed\)/);

    // During the backoff bayes is skipped; the others still get their turns.
    s.advance(1000);
    const r2 = await s.loop.round();
    expect(r2.proposed).toEqual(['ada-e2', 'curie-e2']);
    expect(s.bots.bayes.turns).toBe(0);

    // After it, bayes is retried (and succeeds).
    s.advance(5000);
    const r3 = await s.loop.round();
    expect(r3.proposed).toEqual(['ada-e3', 'bayes-e1', 'curie-e3']);
  });

  it('a successful answer does not cut short the backoff of a failed turn', async () => {
    const s = setup();
    s.bots.ada.failTurns = 1;
    await s.loop.round();
    s.ask('@ada are you ok?');
    s.advance(1000);
    await s.loop.round();
    expect(s.bots.ada.answered).toHaveLength(1);
    expect(s.bots.ada.turns).toBe(0);
  });

  it('doubles the backoff for each failure in a row', async () => {
    const s = setup();
    s.bots.ada.failTurns = 3;
    await s.loop.round();
    s.advance(5000);
    await s.loop.round();
    s.advance(10_000);
    await s.loop.round();
    expect(s.turnEvents().filter((e) => e.ok === false).map((e) => e.retryInMs)).toEqual([5000, 10_000, 20_000]);
  });

  it('a paused agent gets no turn but still answers; resume restores its turns', async () => {
    const s = setup();
    s.control('pause', 'ada');
    const q = s.ask('@ada why so slow?');
    const r = await s.loop.round();
    expect(r.proposed).toEqual(['bayes-e1', 'curie-e1']);
    expect(s.loop.paused('ada')).toBe(true);
    expect(s.loop.paused('bayes')).toBe(false);
    expect(s.bots.ada.answered).toEqual([q]);
    expect(s.records.message(answerIdOf(q, 'ada'))!.text).toBe('ada answers: @ada why so slow?');
    // Answered once only, however many rounds pass.
    await s.loop.round();
    expect(s.bots.ada.answered).toEqual([q]);
    expect(s.bots.ada.turns).toBe(0);

    s.control('resume', 'ada');
    expect(s.loop.paused('ada')).toBe(false);
    expect((await s.loop.round()).proposed).toContain('ada-e1');
  });

  it("'all' pauses and resumes everyone, and the latest command wins", async () => {
    const s = setup();
    s.control('pause', 'all');
    expect(await s.loop.round()).toEqual({ turns: 0, proposed: [] });
    s.control('resume', 'bayes');
    expect((await s.loop.round()).proposed).toEqual(['bayes-e1']);
    s.control('resume', 'all');
    expect((await s.loop.round()).turns).toBe(3);
    s.control('pause', 'curie');
    expect((await s.loop.round()).proposed).toEqual(['ada-e2', 'bayes-e3']);
    // Other control actions do not count as pause or resume.
    s.ledger.append('control', { data: { action: 'stop', agent: 'curie' } });
    expect(s.loop.paused('curie')).toBe(true);
  });

  it('a failed answer is logged, does not lose the message, and is answered in a later round', async () => {
    const s = setup();
    s.bots.curie.failAnswers = 1;
    const q = s.ask('curie: what next?');
    await s.loop.round();
    expect(s.turnEvents().filter((e) => e.ok === false)).toEqual([{ agent: 'curie', ok: false, what: 'answer', reason: 'model unavailable', retryInMs: 5000 }]);
    expect(s.records.message(answerIdOf(q, 'curie'))).toBeUndefined();
    // A failed answer does not cost the bot its turn...
    expect(s.bots.curie.turns).toBe(1);
    // ...and answers are not retried during their backoff.
    s.advance(1000);
    s.bots.curie.failAnswers = 1;
    await s.loop.round();
    expect(s.bots.curie.failAnswers).toBe(1);
    expect(s.bots.curie.turns).toBe(2);
    s.bots.curie.failAnswers = 0;
    s.advance(5000);
    await s.loop.round();
    expect(s.records.message(answerIdOf(q, 'curie'))).toBeDefined();
  });

  it('runs the reviewers after the researchers, and a failing reviewer is logged, not thrown', async () => {
    const order: string[] = [];
    const reviewers: ReviewerBot[] = [
      { name: 'auditor', review: async () => void order.push('auditor') },
      {
        name: 'steward',
        review: async () => {
          throw new Error('steward broke');
        },
      },
    ];
    const s = setup({ reviewers });
    await expect(s.loop.round()).resolves.toMatchObject({ turns: 3 });
    expect(order).toEqual(['auditor']);
    expect(s.turnEvents().filter((e) => e.ok === false)).toEqual([{ agent: 'steward', ok: false, what: 'review', reason: 'steward broke', retryInMs: 5000 }]);
  });

  it('stops giving turns once the signal is aborted', async () => {
    const s = setup();
    const ac = new AbortController();
    ac.abort();
    expect(await s.loop.round({ signal: ac.signal })).toEqual({ turns: 0, proposed: [] });
  });
});
