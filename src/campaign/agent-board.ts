import type { ChangeCursor } from '../ledger/change-log.js';
import type { VetoRecord } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { rankCandidate, rankCandidates, rankChanges } from '../report/rank-inputs.js';
import type { RankCandidate } from '../report/ranking.js';
import type { PublicAnswers } from '../scoring/public-answers.js';
import type { PublicResult } from './agent-view.js';

/** Which rows of a board to return: the first `top` of each task, and any row of `alsoMethods` (baselines). */
export interface BoardWindow {
  top?: number;
  alsoMethods?: readonly string[];
}

/** A board row and what orders it: public PGR best first, then creation (created_at, then rowid). */
interface Placed {
  result: PublicResult;
  at: string;
  rowid: number;
}

/** How one experiment's public result is made from its inputs (AgentView's rule, with its claim seeds). */
export type ResultOf = (c: RankCandidate, answers: PublicAnswers, vetoes: readonly VetoRecord[]) => PublicResult | undefined;

/**
 * The agents' board, kept sorted per task between calls. Each call applies only the
 * experiments whose inputs or Ladder answers changed since the last (binary search in and out
 * of their task's list) and returns the window asked for, so a turn's board costs what changed
 * plus the rows it shows, not a pass over 50,000 experiments. A veto, which can change any
 * experiment's standing, or a reader that fell behind the change logs, rebuilds it once.
 */
export class AgentBoard {
  private readonly byTask = new Map<string, Placed[]>();
  /** Per task and method tag, its rows: a window's baselines are found without a pass. */
  private readonly byMethod = new Map<string, Map<string, Set<Placed>>>();
  private readonly placed = new Map<string, Placed>();
  private readonly created = new Map<string, { at: string; rowid: number }>();
  private lastRowid = 0;
  private inputsSeen?: ChangeCursor;
  private answersSeen?: ChangeCursor;
  private answersFrom?: PublicAnswers;

  constructor(
    private readonly ledger: Ledger,
    private readonly vetoes: () => readonly VetoRecord[],
    private readonly resultOf: ResultOf,
    /** Whether a result may be shown on the board at all. */
    private readonly shown: (r: PublicResult) => boolean,
  ) {}

  /** The board's rows (tasks in name order, each best first, with its rank), as of now. */
  rows(answers: PublicAnswers, task?: string, o: BoardWindow = {}): (PublicResult & { rank: number })[] {
    this.catchUp(answers);
    const out: (PublicResult & { rank: number })[] = [];
    const tasks = task ? [task] : [...this.byTask.keys()].sort((a, b) => a.localeCompare(b));
    for (const t of tasks) {
      const list = this.byTask.get(t);
      if (!list) continue;
      if (o.top === undefined) {
        list.forEach((p, k) => out.push({ ...p.result, rank: k + 1 }));
        continue;
      }
      const ranks = new Set<number>();
      for (let k = 0; k < Math.min(o.top, list.length); k++) ranks.add(k);
      for (const method of o.alsoMethods ?? []) for (const p of this.byMethod.get(t)?.get(method) ?? []) ranks.add(indexOf(list, p));
      for (const k of [...ranks].sort((a, b) => a - b)) out.push({ ...list[k].result, rank: k + 1 });
    }
    return out;
  }

  private catchUp(answers: PublicAnswers): void {
    const inputs = rankChanges(this.ledger);
    // After the inputs: every experiment they know of has its creation read.
    this.readCreation();
    const changedInputs = inputs.since(this.inputsSeen);
    const changedAnswers = answers === this.answersFrom ? answers.changes.since(this.answersSeen) : 'all';
    this.inputsSeen = inputs.cursor();
    this.answersSeen = answers.changes.cursor();
    this.answersFrom = answers;
    if (changedInputs === 'all' || changedAnswers === 'all') return this.rebuild(answers);
    if (!changedInputs.length && !changedAnswers.length) return;
    const vetoes = this.vetoes();
    for (const id of new Set([...changedInputs, ...changedAnswers])) {
      this.remove(id);
      const c = rankCandidate(this.ledger, id);
      const r = c && this.resultOf(c, answers, vetoes);
      if (r && this.shown(r)) this.insert(id, r);
    }
  }

  private rebuild(answers: PublicAnswers): void {
    this.byTask.clear();
    this.byMethod.clear();
    this.placed.clear();
    const vetoes = this.vetoes();
    for (const c of rankCandidates(this.ledger)) {
      const r = this.resultOf(c, answers, vetoes);
      if (!r || !this.shown(r)) continue;
      const p = this.place(c.id, r);
      const list = this.byTask.get(r.task);
      if (list) list.push(p);
      else this.byTask.set(r.task, [p]);
    }
    for (const list of this.byTask.values()) list.sort(order);
  }

  private insert(id: string, result: PublicResult): void {
    const p = this.place(id, result);
    let list = this.byTask.get(result.task);
    if (!list) this.byTask.set(result.task, (list = []));
    list.splice(lowerBound(list, p), 0, p);
  }

  private remove(id: string): void {
    const p = this.placed.get(id);
    if (!p) return;
    this.placed.delete(id);
    this.byMethod.get(p.result.task)?.get(p.result.method)?.delete(p);
    const list = this.byTask.get(p.result.task)!;
    list.splice(indexOf(list, p), 1);
  }

  /** Records where a result goes (its creation order and method) without putting it in a list. */
  private place(id: string, result: PublicResult): Placed {
    const made = this.created.get(id) ?? { at: '', rowid: 0 };
    const p = { result, at: made.at, rowid: made.rowid };
    this.placed.set(id, p);
    let methods = this.byMethod.get(result.task);
    if (!methods) this.byMethod.set(result.task, (methods = new Map()));
    let set = methods.get(result.method);
    if (!set) methods.set(result.method, (set = new Set()));
    set.add(p);
    return p;
  }

  /** Experiments' creation times and rowids, read once each: ties on the board go to the older. */
  private readCreation(): void {
    const rows = this.ledger.db.prepare('SELECT rowid, id, created_at FROM experiments WHERE rowid > ? ORDER BY rowid').all(this.lastRowid) as { rowid: number; id: string; created_at: string }[];
    for (const r of rows) this.created.set(r.id, { at: r.created_at, rowid: r.rowid });
    if (rows.length) this.lastRowid = rows[rows.length - 1].rowid;
  }
}

/** Best public PGR first; ties by creation time, then by rowid (the order experiments were stored). */
function order(a: Placed, b: Placed): number {
  return pgrKey(b) - pgrKey(a) || (a.at < b.at ? -1 : a.at > b.at ? 1 : a.rowid - b.rowid);
}

/** A seed the Ladder has not answered yet makes the mean NaN: such a row sorts last, and the order stays total. */
const pgrKey = (p: Placed) => (Number.isNaN(p.result.pgrPublic) ? Number.NEGATIVE_INFINITY : p.result.pgrPublic);

/** The first index whose row does not come before `p`. */
function lowerBound(list: readonly Placed[], p: Placed): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(list[mid], p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where `p` is in its list: the order is total (rowids differ), so the lower bound is its place. */
function indexOf(list: readonly Placed[], p: Placed): number {
  const k = lowerBound(list, p);
  if (list[k] !== p) throw new Error(`agent board: ${p.result.experiment} is not where its order puts it`);
  return k;
}
