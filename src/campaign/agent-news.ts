import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import type { Ledger } from '../ledger/ledger.js';

/** Events that can change what a researcher would do: results, people's words, vetoes, claims, others' proposals. */
const NEWS = "('scored', 'failed', 'message', 'claim', 'veto', 'control', 'proposed', 'flag')";

interface LastTurn {
  /** The ledger's last event seq when the turn started: what came after is news to it. */
  seq: number;
  at: number;
  /** It proposed or posted something. */
  productive: boolean;
}

/**
 * What is new for each agent since its last turn, read from the ledger by event seq (so a
 * message posted by another process counts too). Every query reads only events after a seq,
 * through the (kind, seq) index: waiting agents can ask several times a second at any size.
 */
export class AgentNews {
  private readonly last = new Map<string, LastTurn>();
  private readonly inboxSeen = new Map<string, number>();
  private reviewedUpTo = -1;

  constructor(
    private readonly ledger: Ledger,
    private readonly now: () => number,
  ) {}

  private maxSeq(): number {
    return (this.ledger.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM events').get() as { n: number }).n;
  }

  /** Call when a turn starts; pass the result to turnEnds. */
  turnStarts(_agent: string): number {
    return this.maxSeq();
  }

  /** A turn that ended (a failed one is not recorded: it is retried by its backoff, not by news). */
  turnEnds(agent: string, startSeq: number, productive: boolean): void {
    this.last.set(agent, { seq: startSeq, at: this.now(), productive });
  }

  /**
   * Whether the agent has something to do: its first turn; at its in-flight limit, only when
   * one of its own experiments got a result or a person wrote; otherwise after a productive
   * turn, on any news, or when its last idle turn is `idleTurnMs` old.
   */
  hasWork(agent: string, o: { atLimit: boolean; idleTurnMs: number }): boolean {
    const last = this.last.get(agent);
    if (!last) return true;
    if (o.atLimit) return this.ownResult(agent, last.seq) || this.peopleWrote(last.seq);
    return last.productive || this.anyNews(agent, last.seq) || this.now() - last.at >= o.idleTurnMs;
  }

  /** True when a person may have written since the agent's inbox was last read (or `force`). */
  inboxChanged(agent: string, force = false): boolean {
    const seen = this.inboxSeen.get(agent) ?? -1;
    const latest = (this.ledger.db.prepare(`SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE kind = 'message' AND ${SPARSE_KINDS}`).get() as { n: number }).n;
    const changed = seen < 0 || this.peopleWrote(seen);
    this.inboxSeen.set(agent, latest);
    return changed || force;
  }

  /** True when something reviewers look at happened since their last look (always the first time). */
  reviewDue(): boolean {
    const latest = this.maxSeq();
    const due = this.reviewedUpTo < 0 || this.ledger.db.prepare(`SELECT 1 FROM events WHERE kind IN ${NEWS} AND seq > ? LIMIT 1`).get(this.reviewedUpTo) !== undefined;
    this.reviewedUpTo = latest;
    return due;
  }

  private ownResult(agent: string, after: number): boolean {
    return (
      this.ledger.db
        .prepare("SELECT 1 FROM events e JOIN experiments x ON x.id = e.experiment_id WHERE e.kind IN ('scored', 'failed') AND e.seq > ? AND x.agent = ? LIMIT 1")
        .get(after, agent) !== undefined
    );
  }

  private peopleWrote(after: number): boolean {
    return this.ledger.db.prepare(`SELECT 1 FROM events WHERE kind = 'message' AND ${SPARSE_KINDS} AND seq > ? AND json_extract(data, '$.authorKind') = 'human' LIMIT 1`).get(after) !== undefined;
  }

  private anyNews(agent: string, after: number): boolean {
    return this.ledger.db.prepare(`SELECT 1 FROM events WHERE kind IN ${NEWS} AND seq > ? AND (agent IS NULL OR agent != ?) LIMIT 1`).get(after, agent) !== undefined;
  }
}
