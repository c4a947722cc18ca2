import type { VetoRecord } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';

interface Named {
  id: string;
  rowid: number;
  createdAt: string;
}

/**
 * The experiments some veto names (by id or method tag), per task, kept per ledger: every
 * experiment's end checks its behaviour against the vetoed experiments of its task, and reading
 * them afresh costs a lookup per veto. Recomputed when the vetoes change (the list is kept per
 * ledger, so a new one is a new list); otherwise only experiments stored since are looked at.
 */
class VetoNamed {
  private vetoes?: readonly VetoRecord[];
  private targets = new Set<string>();
  private readonly byTask = new Map<string, Named[]>();
  private lastRowid = 0;

  constructor(private readonly ledger: Ledger) {}

  /** Experiments of `task` stored before the one with `beforeRowid` that a veto target names, oldest first. */
  of(vetoes: readonly VetoRecord[], task: string, beforeRowid: number): Named[] {
    if (vetoes !== this.vetoes) this.reload(vetoes);
    else this.addNew();
    return (this.byTask.get(task) ?? []).filter((x) => x.rowid < beforeRowid).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.rowid - b.rowid));
  }

  private reload(vetoes: readonly VetoRecord[]): void {
    this.vetoes = vetoes;
    this.targets = new Set(vetoes.filter((v) => v.action === 'veto').map((v) => v.target));
    this.byTask.clear();
    const targets = JSON.stringify([...this.targets]);
    this.lastRowid = (this.ledger.db.prepare('SELECT COALESCE(MAX(rowid), 0) AS n FROM experiments').get() as { n: number }).n;
    // By the id and method-tag indexes: one lookup per target, not a pass over every experiment.
    const rows = this.ledger.db
      .prepare(
        `SELECT id, task, created_at, rowid AS r FROM experiments WHERE id IN (SELECT value FROM json_each(?)) AND rowid <= ?
         UNION SELECT id, task, created_at, rowid FROM experiments WHERE method_tag IN (SELECT value FROM json_each(?)) AND rowid <= ?`,
      )
      .all(targets, this.lastRowid, targets, this.lastRowid) as { id: string; task: string; created_at: string; r: number }[];
    for (const r of rows) this.add(r.task, { id: r.id, rowid: r.r, createdAt: r.created_at });
  }

  private addNew(): void {
    const rows = this.ledger.db.prepare('SELECT rowid AS r, id, task, method_tag, created_at FROM experiments WHERE rowid > ? ORDER BY rowid').all(this.lastRowid) as { r: number; id: string; task: string; method_tag: string | null; created_at: string }[];
    for (const r of rows) if (this.targets.has(r.id) || (r.method_tag !== null && this.targets.has(r.method_tag))) this.add(r.task, { id: r.id, rowid: r.r, createdAt: r.created_at });
    if (rows.length) this.lastRowid = rows[rows.length - 1].r;
  }

  private add(task: string, x: Named): void {
    const list = this.byTask.get(task);
    if (list) list.push(x);
    else this.byTask.set(task, [x]);
  }
}

const kept = new WeakMap<Ledger, VetoNamed>();

/** The ids of `task`'s experiments stored before rowid `beforeRowid` that a veto in `vetoes` names (by id or method tag), oldest first. */
export function vetoNamedBefore(ledger: Ledger, vetoes: readonly VetoRecord[], task: string, beforeRowid: number): string[] {
  let named = kept.get(ledger);
  if (!named) kept.set(ledger, (named = new VetoNamed(ledger)));
  return named.of(vetoes, task, beforeRowid).map((x) => x.id);
}
