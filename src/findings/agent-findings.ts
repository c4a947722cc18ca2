import { AarError, InvalidInputError } from '../domain/errors.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { castVote, resolveFindingKey } from './cast.js';
import { citationLine, type PublicResultOf } from './cite.js';
import { NotAFindingError } from './errors.js';
import { FindingsStore } from './store.js';
import type { Finding, FindingData, FindingType } from './types.js';

/** What AgentFindings needs from the research desk: the agent's own posting door and its public view. */
export interface FindingsDeskPort {
  agent: string;
  campaignId?: string;
  ledger: Ledger;
  records: ForumRecords;
  publicResult: PublicResultOf;
  post(o: { text: string; channel?: 'forum' | 'results'; thread?: string; finding: FindingData }): { message: string };
}

/** Agents post results only through claim_result: the numbers must be the desk's. */
export class UseClaimError extends AarError {
  constructor() {
    super('use_claim', 'a result is posted with claim_result, which attaches the desk\'s numbers; post what you learned as an insight or a dead-end');
  }
}

/**
 * An agent's findings: it posts hypotheses, insights and dead ends (results only through a
 * claim), votes on other people's and agents' findings (never its own), and reads the ones the
 * team rates highest. Citations get the desk's public numbers attached, never the agent's own,
 * and a probe's numbers stay private (they are shown nowhere public).
 */
export class AgentFindings {
  private readonly store: FindingsStore;

  constructor(private readonly o: FindingsDeskPort) {
    this.store = new FindingsStore(o.ledger, o.records);
  }

  post(p: { type: FindingType; text: string; experiments?: string[]; thread?: string }): { message: string; type: FindingType } {
    if (p.type === 'result') throw new UseClaimError();
    const experiments = [...new Set(p.experiments ?? [])];
    const problems = experiments.filter((id) => !this.o.ledger.experiment(id)).map((id) => ({ field: 'experiments', problem: `no experiment "${id}"` }));
    if ((p.type === 'insight' || p.type === 'dead-end') && !experiments.length) {
      problems.push({ field: 'experiments', problem: `${p.type === 'insight' ? 'an insight' : 'a dead end'} cites the experiments it rests on: give at least one id` });
    }
    if (problems.length) throw new InvalidInputError('finding', problems);
    const text = experiments.length ? `${p.text.trim()}\n${citationLine(this.o.ledger, this.o.publicResult, experiments)}` : p.text.trim();
    const posted = this.o.post({ text, thread: p.thread, finding: { type: p.type, experiments } });
    return { ...posted, type: p.type };
  }

  /** Votes +1 or -1 on someone else's finding, with an optional reason; returns its new count as agents see it. */
  vote(v: { finding: string; value: 1 | -1; reason?: string }): { finding: string; up: number; down: number; score: number } {
    const key = resolveFindingKey(this.o.ledger, this.o.records, v.finding);
    if (!key) throw new NotAFindingError(v.finding, 'no experiment or message has this id');
    const f = castVote(this.o.ledger, this.o.records, {
      target: key,
      value: v.value,
      voter: { id: this.o.agent, name: this.o.agent, kind: 'agent' },
      reason: v.reason,
      via: 'agent',
      campaignId: this.o.campaignId,
      audience: 'agents',
    });
    return { finding: key, up: f.votes.up, down: f.votes.down, score: f.votes.score };
  }

  /** The highest-rated findings of a type among the newest 100, as agents may see them: a turn's read that costs the same in a long campaign. */
  top(type: FindingType, n = 5): Finding[] {
    return this.store.top(type, { n, window: 100, audience: 'agents' });
  }

  newest(type: FindingType, limit = 20): Finding[] {
    return this.store.newest(type, { limit, audience: 'agents' });
  }
}
