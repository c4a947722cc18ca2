import type { ForumRecords, MessageRecord } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { FindingDataSchema, FINDING_TYPES, type Finding, type FindingData, type FindingType } from './types.js';
import { tally, votesOn, type Audience } from './votes.js';

/** Channels agents never read (verdicts quote private scores; direct messages are for one agent). */
const HIDDEN_FROM_AGENTS = (channel: string) => channel === 'audit' || channel.startsWith('direct:');

/** The finding a message records, if it is one (message data `finding`). */
export function findingDataOf(m: Pick<MessageRecord, 'data'>): FindingData | undefined {
  const parsed = FindingDataSchema.safeParse(m.data?.finding);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The team's findings, read from the ledger: typed messages (`msg:ID`) and every experiment's
 * thread, a hypothesis (`exp:ID`), each with its votes counted for an audience. Lists are
 * "newest N" reads on indexes (migration 30), so they cost the same however long the campaign.
 */
export class FindingsStore {
  constructor(
    private readonly ledger: Ledger,
    private readonly records: ForumRecords,
  ) {}

  /** The finding a key names (`msg:ID`, `exp:ID`), or undefined when it names none. */
  get(key: string, audience: Audience = 'people'): Finding | undefined {
    if (key.startsWith('exp:')) return this.experimentFinding(key.slice(4), audience);
    if (!key.startsWith('msg:')) return undefined;
    const m = this.records.message(key.slice(4));
    if (!m || (audience === 'agents' && HIDDEN_FROM_AGENTS(m.channel))) return undefined;
    return this.messageFinding(m, audience);
  }

  /** Findings of a type, newest first (`limit` of them; hypotheses include experiments' threads). */
  newest(type: FindingType, o: { limit: number; audience?: Audience; since?: string }): Finding[] {
    const audience = o.audience ?? 'people';
    const rows = this.ledger.db
      .prepare(`SELECT id FROM messages WHERE json_extract(data, '$.finding.type') = ? ${o.since ? 'AND at > ?' : ''} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...[type, ...(o.since ? [o.since] : []), o.limit]) as { id: string }[];
    const out = rows.map((r) => this.get(`msg:${r.id}`, audience)).filter((f): f is Finding => f !== undefined);
    if (type === 'hypothesis') {
      const exps = this.ledger.db
        .prepare(`SELECT id FROM experiments ${o.since ? 'WHERE created_at > ?' : ''} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .all(...[...(o.since ? [o.since] : []), o.limit]) as { id: string }[];
      out.push(...exps.map((r) => this.experimentFinding(r.id, audience)).filter((f): f is Finding => f !== undefined));
      out.sort((a, b) => (a.at === b.at ? (a.key < b.key ? 1 : -1) : a.at < b.at ? 1 : -1));
    }
    return out.slice(0, o.limit);
  }

  /**
   * The highest-rated findings of a type among its newest `window`: by weighted score (people's
   * votes weigh more), then newest first. Findings nobody voted for still come after the rated
   * ones, so a fresh dead end is seen before anyone votes on it.
   */
  top(type: FindingType, o: { n: number; window?: number; audience?: Audience; since?: string }): Finding[] {
    return this.newest(type, { limit: o.window ?? 200, audience: o.audience, since: o.since })
      .map((f, i) => ({ f, i }))
      .sort((a, b) => b.f.votes.score - a.f.votes.score || a.i - b.i)
      .slice(0, o.n)
      .map((x) => x.f);
  }

  /** Every type's findings, newest first, `limit` per type: for exports and digests. */
  all(o: { limit: number; audience?: Audience }): Finding[] {
    return FINDING_TYPES.flatMap((t) => this.newest(t, o));
  }

  private messageFinding(m: MessageRecord, audience: Audience): Finding | undefined {
    const data = findingDataOf(m);
    if (!data) return undefined;
    const key = `msg:${m.id}`;
    const from = (m.data?.authorship as { from?: unknown } | undefined)?.from;
    const authorId = m.authorKind === 'human' ? (typeof from === 'string' ? from : undefined) : m.author;
    return { key, type: data.type, at: m.at, author: m.author, authorKind: m.authorKind, ...(authorId ? { authorId } : {}), text: m.text, experiments: data.experiments, votes: tally(votesOn(this.ledger, key), audience) };
  }

  private experimentFinding(id: string, audience: Audience): Finding | undefined {
    const e = this.ledger.experiment(id);
    if (!e) return undefined;
    const hypothesis = (this.ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(id) as { text: string } | undefined)?.text;
    const key = `exp:${id}`;
    return {
      key,
      type: 'hypothesis',
      at: e.createdAt,
      author: e.agent ?? 'human',
      authorKind: e.agent ? 'agent' : 'human',
      ...(e.agent ? { authorId: e.agent } : {}),
      text: hypothesis ?? `Experiment ${id}`,
      experiments: [id],
      votes: tally(votesOn(this.ledger, key), audience),
    };
  }
}
