import type { ForumRecords, MessageRecord } from '../ledger/forum-records.js';
import { claimStatus } from '../confirmation/claim-confirmer.js';
import type { VetoRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger } from '../ledger/ledger.js';
import { meanSd } from '../eval/stats.js';
import { InvalidInputError } from '../domain/errors.js';
import { methodDelta } from '../domain/method-delta.js';
import { rankCandidate } from '../report/rank-inputs.js';
import { AgentBoard, type BoardWindow } from './agent-board.js';

export type { BoardWindow } from './agent-board.js';
import { standingOf, type RankCandidate, type Standing } from '../report/ranking.js';
import { failureLine, seedFailures } from '../pipeline/failures.js';
import { attachFindings, type ItemFinding } from '../findings/agent-items.js';
import { publicAnswers, type PublicAnswers, type SeedAnswer } from '../scoring/public-answers.js';

/** One item of the forum as an agent sees it: messages, and experiments with public results only. */
export interface ForumItem {
  /** `msg:ID` for a message, `exp:ID` for an experiment thread. */
  key: string;
  at: string;
  channel: string;
  /** The thread it belongs to (a key), absent for a thread's first item. */
  thread?: string;
  author: string;
  authorKind: 'human' | 'agent' | 'system';
  text: string;
  /** When it is a typed finding: its type, what it cites and the votes agents may see (with their reasons). */
  finding?: ItemFinding;
}

/** What every agent may know about a finished experiment: public PGR only, rounded. */
export interface PublicResult {
  experiment: string;
  task: string;
  method: string;
  agent: string;
  /** Mean over the scored seeds of the Ladder's answers (the author's best so far per seed), rounded to 0.01. */
  pgrPublic: number;
  /** Seed spread of those answers, rounded to 0.01. */
  sd: number;
  seeds: number;
  /** Seeds on which this experiment beat its author's best by the Ladder's margin; on the others its own score is not told. */
  newBestSeeds: number;
  vetoed: boolean;
  /** Flagged by a detector or by lineage and not approved yet: its numbers are withheld. */
  flagged: boolean;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The agents' window on the ledger. It never shows private PGR, per-seed scores or anything
 * per item, and every public number it shows is the Ladder's answer (src/scoring/ladder.ts);
 * results of experiments with fewer than `claimSeeds` scored seeds are not shown
 * here at all (their owner reads them through the budgeted score desk), so the forum cannot
 * be used to read single-seed probes for free.
 */
export class AgentView {
  constructor(
    private readonly ledger: Ledger,
    private readonly records: ForumRecords,
    readonly claimSeeds: number,
    /** What agents may be told of each scored job's public PGR: the Ladder's answers (the score desk's, when there is one). */
    private readonly answers: () => PublicAnswers = () => publicAnswers(ledger),
  ) {
    this.board = new AgentBoard(
      ledger,
      () => records.vetoes(),
      (c, answers, vetoes) => this.resultOf(c, answers, vetoes),
      (r) => !r.vetoed && !r.flagged && 2 * r.newBestSeeds >= r.seeds,
    );
  }

  private readonly board: AgentBoard;

  /** A finished experiment's public result, if it has enough seeds to be shown to everyone. */
  publicResult(e: ExperimentRow): PublicResult | undefined {
    return this.publicResultWith(e, { answers: this.answers(), vetoes: this.records.vetoes() });
  }

  /** The same, with the answers and vetoes read once for a whole page of items. */
  private publicResultWith(e: ExperimentRow, read: { answers: PublicAnswers; vetoes: readonly VetoRecord[] }): PublicResult | undefined {
    const c = rankCandidate(this.ledger, e.id);
    return c && this.resultOf(c, read.answers, read.vetoes);
  }

  /**
   * Public results per task, best first; vetoed and flagged experiments are left out, and so
   * are those that beat their author's best on fewer than half their seeds (the Ladder answered
   * them with that best, which is not their own score). Read through what is kept per ledger
   * (rank inputs, public answers), so a call costs what changed since the last, plus one pass.
   */
  leaderboard(task?: string, o: BoardWindow = {}): (PublicResult & { rank: number })[] {
    return this.board.rows(this.answers(), task, o);
  }

  /** The public result from kept inputs: kept (frozen) until the experiment, its answers or its standing change. */
  private resultOf(c: RankCandidate, answers: PublicAnswers, vetoes: readonly VetoRecord[]): PublicResult | undefined {
    if (!c.finished || c.scores.length < this.claimSeeds) return undefined;
    const mine = answers.of(c.id);
    const state = standingOf(c, vetoes);
    let kept = resultsKept.get(c);
    if (!kept || kept.answers !== mine || kept.state !== state) resultsKept.set(c, (kept = { answers: mine, state, result: publicResultOf(c, mine, state) }));
    return kept.result;
  }

  /** Results someone claimed (a claim beat the leader of its day beyond seed noise), best first; vetoed ones left out. */
  claimed(task: string): PublicResult[] {
    const ids = [...new Set(this.ledger.events({ kind: 'claim' }).map((e) => e.experimentId).filter((id): id is string => id !== null))];
    return ids
      .map((id) => this.ledger.experiment(id))
      // A claim the desk's confirmation seeds rejected does not stand (src/confirmation).
      .filter((e): e is ExperimentRow => e !== undefined && e.task === task && claimStatus(this.ledger, e.id) !== 'rejected')
      .map((e) => this.publicResult(e))
      .filter((r): r is PublicResult => r !== undefined && !r.vetoed && !r.flagged)
      .sort((a, b) => b.pgrPublic - a.pgrPublic);
  }

  experiments(o: { agent?: string } = {}): ExperimentRow[] {
    const ids = this.ledger.db.prepare(`SELECT id FROM experiments ${o.agent ? 'WHERE agent = ?' : ''} ORDER BY created_at, rowid`).all(...(o.agent ? [o.agent] : [])) as { id: string }[];
    return ids.map((r) => this.ledger.experiment(r.id)!);
  }

  /**
   * Forum items NEWEST FIRST: messages plus one item per experiment (its hypothesis, lineage,
   * failures and, when public, its result). `before` is the `next` cursor of an earlier page:
   * each page touches only its own rows, so reading stays cheap however long the forum is.
   */
  forum(o: { channel?: string; thread?: string; since?: string; before?: string; limit?: number } = {}): ForumPage {
    const limit = o.limit ?? 50;
    const before = o.before === undefined ? undefined : parseCursor(o.before);
    let read: { answers: PublicAnswers; vetoes: readonly VetoRecord[] } | undefined;
    const rows: { at: string; key: string; build: () => ForumItem }[] = this.records
      // Verdicts quote private scores: the audit channel is for people only, as are direct messages.
      .messagesBefore({ channel: o.channel, threadId: o.thread, since: o.since, before, hidden: ['audit', 'direct:'], limit: limit + 1 })
      .map((m) => ({ at: m.at, key: `msg:${m.id}`, build: () => messageItem(m) }));
    if (!o.channel || o.channel === 'forum') {
      for (const e of this.experimentRows({ thread: o.thread, since: o.since, before, limit: limit + 1 })) {
        rows.push({ at: e.createdAt, key: `exp:${e.id}`, build: () => this.experimentItem(e, (read ??= { answers: this.answers(), vetoes: this.records.vetoes() })) });
      }
    }
    rows.sort((a, b) => (a.at === b.at ? (a.key < b.key ? 1 : -1) : a.at < b.at ? 1 : -1));
    const page = rows.slice(0, limit);
    const items = attachFindings(this.ledger, this.records, page.map((r) => r.build()));
    return rows.length > limit ? { items, next: forumCursor(page[page.length - 1]) } : { items };
  }

  /** Experiments newest first, by the same cursor as the forum. */
  private experimentRows(o: { thread?: string; since?: string; before?: { at: string; key: string }; limit: number }): ExperimentRow[] {
    if (o.thread && !o.thread.startsWith('exp:')) return [];
    const where: string[] = [];
    const args: string[] = [];
    if (o.thread) (where.push('id = ?'), args.push(o.thread.slice(4)));
    if (o.since) (where.push('created_at > ?'), args.push(o.since));
    if (o.before) (where.push("(created_at < ? OR (created_at = ? AND 'exp:' || id < ?))"), args.push(o.before.at, o.before.at, o.before.key));
    const ids = this.ledger.db
      .prepare(`SELECT id FROM experiments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...args, o.limit) as { id: string }[];
    return ids.map((r) => this.ledger.experiment(r.id)!);
  }

  /** What each parent is and what the child changed against it. */
  lineage(e: ExperimentRow): Lineage[] {
    return e.parents.map((id) => {
      const p = this.ledger.experiment(id);
      return p ? { experiment: id, agent: p.agent ?? 'human', method: p.methodTag ?? 'custom', changed: methodDelta(p.method, e.method) } : { experiment: id, agent: '?', method: '?', changed: [] };
    });
  }

  private experimentItem(e: ExperimentRow, read: { answers: PublicAnswers; vetoes: readonly VetoRecord[] }): ForumItem {
    const hypothesis = (this.ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(e.id) as { text: string } | undefined)?.text;
    const r = this.publicResultWith(e, read);
    const outcome = r?.vetoed
      ? ' VETOED.'
      : r?.flagged
        ? ' Flagged for review: its result is withheld until a person approves it.'
        : r
          ? ladderLine(r)
          : this.ledger.isFinished(e.id)
            ? ' Finished (a probe: fewer seeds than a claim needs).'
            : ' Running.';
    const failed = failureLine(seedFailures(this.ledger, e.id));
    const parents = this.lineage(e).map((p) => `${p.experiment} (${p.changed.join(', ') || 'same settings'})`);
    return {
      key: `exp:${e.id}`,
      at: e.createdAt,
      channel: 'forum',
      author: e.agent ?? 'human',
      authorKind: e.agent ? 'agent' : 'human',
      text: `${hypothesis ?? 'Experiment'} [${e.id} · task ${e.task} · method ${JSON.stringify(e.method)} · ${e.seeds.length} seeds${parents.length ? ` · builds on ${parents.join('; ')}` : ''}]${outcome}${failed ? ` ${failed}` : ''}`,
    };
  }
}

/** An experiment's result in words that say what a Ladder answer means. */
function ladderLine(r: PublicResult): string {
  if (r.newBestSeeds === 0) return ` Result: did not beat its author's best on ${r.task} by the Ladder's margin on any of its ${r.seeds} seeds (that best: public PGR ${r.pgrPublic.toFixed(2)}).`;
  const some = r.newBestSeeds < r.seeds ? ` (a new best for its author on ${r.newBestSeeds} of ${r.seeds} seeds; on the others the author's best so far)` : '';
  return ` Result: public PGR ${r.pgrPublic.toFixed(2)} ± ${r.sd.toFixed(2)} over ${r.seeds} seeds${some}.`;
}

/** Each kept candidate's public result with the answers and standing it was made from. */
const resultsKept = new WeakMap<RankCandidate, { answers: readonly SeedAnswer[]; state: Standing; result: PublicResult }>();

function publicResultOf(c: RankCandidate, answers: readonly SeedAnswer[], state: Standing): PublicResult {
  // One answer per scored seed; a seed the Ladder has not answered reads as no number (NaN).
  const values = c.scores.map((_, k) => answers[k]?.pgrPublic ?? Number.NaN);
  const pgr = meanSd(values);
  const newBestSeeds = answers.filter((a) => a.newBest).length;
  // Frozen: the same object is handed to every later caller until something about it changes.
  return Object.freeze({ experiment: c.id, task: c.task, method: c.methodTag ?? 'custom', agent: c.agent ?? 'human', pgrPublic: r2(pgr.mean), sd: r2(pgr.sd), seeds: c.scores.length, newBestSeeds, vetoed: state === 'vetoed', flagged: state === 'flagged' });
}

/** A parent of an experiment as agents see it. */
export interface Lineage {
  experiment: string;
  agent: string;
  method: string;
  /** What the child changed against this parent (see methodDelta). */
  changed: string[];
}

/** One page of the forum, newest first; `next` pages back to older items. */
export interface ForumPage {
  items: ForumItem[];
  next?: string;
}

/** The cursor that pages back from an item: its time and key. */
export function forumCursor(item: { at: string; key: string }): string {
  return `${item.at}|${item.key}`;
}

function parseCursor(cursor: string): { at: string; key: string } {
  const [at, key] = cursor.split('|');
  if (!at || !key || Number.isNaN(Date.parse(at)) || !/^(msg|exp):/.test(key)) {
    throw new InvalidInputError('forum request', [{ field: 'before', problem: 'accepted: the `next` cursor of an earlier read_forum answer, e.g. 2026-12-03T10:00:00.000Z|msg:m-1a2b' }]);
  }
  return { at, key };
}

export function messageItem(m: MessageRecord): ForumItem {
  return { key: `msg:${m.id}`, at: m.at, channel: m.channel, ...(m.threadId ? { thread: m.threadId } : {}), author: m.author, authorKind: m.authorKind, text: m.text };
}
