import { ChangeLog } from './change-log.js';
import type { EventKind, Ledger } from './ledger.js';

/**
 * Event kinds that can change what is derived for many experiments at once: a veto or approval
 * names a method tag or an ancestor (lineage), not only one experiment.
 */
const WIDE_KINDS: ReadonlySet<string> = new Set<EventKind>(['veto']);

/**
 * A value derived per experiment from the ledger (a leaderboard row, a standing), kept until the
 * ledger records something about that experiment. Every fact that changes such a value is an
 * event (scored, failed, flag, verdict, claim), or a veto, which clears everything. A board of
 * 50,000 experiments then recomputes the few that changed since the last call, not all of them.
 */
export class ExperimentMemo<T> {
  private values = new Map<string, T>();
  private seq: number;
  private empty = true;
  /** The experiments whose value may have changed, for readers that keep something derived from it. */
  readonly changes = new ChangeLog();

  /**
   * @param compute one experiment's value, read from the ledger.
   * @param computeAll every experiment's value in a few grouped reads: used when nothing is known
   *   yet (the first call, after a veto), where one read per experiment would be slow.
   */
  constructor(
    private readonly ledger: Ledger,
    private readonly compute: (experimentId: string) => T,
    private readonly computeAll?: () => Map<string, T>,
  ) {
    this.seq = this.lastSeq();
  }

  /** The values of these experiments, recomputing those the ledger changed since the last call. */
  get(ids: readonly string[]): T[] {
    this.catchUp();
    if (this.empty && this.computeAll) {
      // Read the position first: whatever is recorded during the bulk read is recomputed next call.
      this.seq = this.lastSeq();
      this.values = this.computeAll();
    }
    this.empty = false;
    return ids.map((id) => {
      if (this.values.has(id)) return this.values.get(id)!;
      const v = this.compute(id);
      this.values.set(id, v);
      return v;
    });
  }

  /** Forgets the values of experiments the ledger recorded something about since the last call. */
  catchUp(): void {
    const rows = this.ledger.db.prepare('SELECT seq, kind, experiment_id FROM events WHERE seq > ? ORDER BY seq').all(this.seq) as { seq: number; kind: string; experiment_id: string | null }[];
    if (!rows.length) return;
    this.seq = rows[rows.length - 1].seq;
    if (rows.some((r) => WIDE_KINDS.has(r.kind))) {
      this.values.clear();
      this.empty = true;
      this.changes.reset();
      return;
    }
    for (const r of rows) {
      if (!r.experiment_id) continue;
      this.values.delete(r.experiment_id);
      this.changes.add(r.experiment_id);
    }
  }

  private lastSeq(): number {
    return (this.ledger.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM events').get() as { n: number }).n;
  }
}
