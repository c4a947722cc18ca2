import { methodDelta } from '../domain/method-delta.js';
import { methodNormalForm } from '../domain/method-normal-form.js';
import { addFlag } from '../ledger/flags.js';
import type { VetoRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger } from '../ledger/ledger.js';
import { publicPredictionsOf } from '../ledger/predictions.js';
import { vetoState } from '../report/veto-state.js';
import { LINEAGE_SOURCE, lineageReason, type LineageFlag } from './lineage-flags.js';
import { descendantsOf, experimentsNamed } from './targets.js';

/** Public predictions that agree on at least this share of items, over the seeds both ran, are the same result. */
export const SAME_PREDICTIONS = 0.99;
/** A method one setting away from a vetoed one needs only this agreement to be built on it. */
export const NEAR_PREDICTIONS = 0.97;

/** Why an experiment is taken to be built on a vetoed one it does not name. */
export interface InferredParent {
  ancestor: string;
  evidence: string;
}

/** Share of public items on which two experiments agree, over the seeds both ran; undefined without a shared seed. */
export function predictionAgreement(ledger: Ledger, a: string, b: string): { agreement: number; seeds: number } | undefined {
  const pa = publicPredictionsOf(ledger, a);
  const pb = publicPredictionsOf(ledger, b);
  let same = 0;
  let items = 0;
  let seeds = 0;
  for (const [seed, x] of pa) {
    const y = pb.get(seed);
    if (!y || y.length !== x.length) continue;
    seeds++;
    items += x.length;
    for (let k = 0; k < x.length; k++) same += x[k] === y[k] ? 1 : 0;
  }
  return seeds ? { agreement: same / items, seeds } : undefined;
}

const codeOf = (m: Record<string, unknown>) => JSON.stringify(m.code ?? null);

/**
 * Whether `child` behaves as built on the vetoed `ancestor`, judged by behaviour rather than by
 * what it declares: the same method code (comments, whitespace and its own names aside), public
 * predictions that agree on 99% of the items of the seeds both ran, or one setting changed with
 * 97% agreement.
 */
export function behavesAsBuiltOn(ledger: Ledger, child: Pick<ExperimentRow, 'id' | 'task' | 'method'>, ancestor: Pick<ExperimentRow, 'id' | 'task' | 'method'>): string | undefined {
  if (child.task !== ancestor.task) return undefined;
  const a = methodNormalForm(ancestor.method, ancestor.task);
  const c = methodNormalForm(child.method, child.task);
  if (a.code && codeOf(a) === codeOf(c)) return 'the same method code (comments, whitespace and its own names aside)';
  const p = predictionAgreement(ledger, child.id, ancestor.id);
  if (!p) return undefined;
  const agree = `${(100 * p.agreement).toFixed(1)}% of public predictions agree over ${p.seeds} shared seed${p.seeds === 1 ? '' : 's'}`;
  if (p.agreement >= SAME_PREDICTIONS) return agree;
  const changed = methodDelta(ancestor.method, child.method);
  if (changed.length <= 1 && p.agreement >= NEAR_PREDICTIONS) return `${agree}, and the method differs only in ${changed[0] ?? 'its name'}`;
  return undefined;
}

/** Vetoed experiments on `e`'s task proposed before it. Starts from the vetoes (few), never from every experiment. */
function vetoedBefore(ledger: Ledger, vetoes: readonly VetoRecord[], e: ExperimentRow): ExperimentRow[] {
  const targets = new Set(vetoes.filter((v) => v.action === 'veto').map((v) => v.target));
  const mine = (ledger.db.prepare('SELECT rowid AS r FROM experiments WHERE id = ?').get(e.id) as { r: number }).r;
  // What experimentsNamed reads, narrowed in SQL to e's task and to experiments older than e.
  const named = ledger.db.prepare('SELECT id FROM experiments WHERE (id = ? OR method_tag = ?) AND task = ? AND rowid < ? ORDER BY created_at, rowid');
  const ids = new Set([...targets].flatMap((t) => (named.all(t, t, e.task, mine) as { id: string }[]).map((r) => r.id)));
  return [...ids].map((id) => ledger.experiment(id)!).filter((x) => x.id !== e.id && vetoState(vetoes, x.id, x.methodTag).vetoed);
}

/** Every experiment `id` derives from through `parents`, transitively: one query up its lineage. */
function ancestorsOf(ledger: Ledger, id: string): Set<string> {
  const rows = ledger.db
    .prepare('WITH RECURSIVE up(id) AS (SELECT parent_id FROM experiment_parents WHERE experiment_id = ? UNION SELECT p.parent_id FROM experiment_parents p JOIN up ON p.experiment_id = up.id) SELECT id FROM up')
    .all(id) as { id: string }[];
  return new Set(rows.map((r) => r.id));
}

/**
 * Flags `experimentId` as derived from each vetoed experiment it behaves as built on without
 * declaring it (declared lineage is flagged by `flagLineage` and at proposal). Run when its
 * seeds are scored; a lineage flag lapses like any other when the ancestor's veto is lifted.
 * Returns the parents inferred and newly flagged.
 */
export function flagInferredLineage(ledger: Ledger, vetoes: readonly VetoRecord[], experimentId: string): InferredParent[] {
  const e = ledger.experiment(experimentId);
  if (!e || vetoState(vetoes, e.id, e.methodTag).vetoed) return [];
  const out: InferredParent[] = [];
  const candidates = vetoedBefore(ledger, vetoes, e);
  // Declared lineage is flagged elsewhere: an ancestor is e's own walk up, not each candidate's walk down.
  const declared = candidates.length ? ancestorsOf(ledger, e.id) : new Set<string>();
  for (const v of candidates) {
    if (declared.has(v.id)) continue;
    const evidence = behavesAsBuiltOn(ledger, e, v);
    if (!evidence) continue;
    const reason = vetoState(vetoes, v.id, v.methodTag).reason ?? '';
    if (addFlag(ledger, e.id, LINEAGE_SOURCE, lineageReason(v.id, `${reason} (inferred, not declared: ${evidence})`), e.campaignId ?? undefined)) out.push({ ancestor: v.id, evidence });
  }
  return out;
}

/**
 * When `vetoedId` is vetoed: the later experiments on its task that behave as built on it
 * without declaring it, each with the evidence.
 */
export function inferredDescendants(ledger: Ledger, vetoedId: string): { experiment: string; evidence: string }[] {
  const v = ledger.experiment(vetoedId);
  if (!v) return [];
  const declared = new Set(descendantsOf(ledger, [vetoedId]));
  const rows = ledger.db.prepare('SELECT id FROM experiments WHERE task = ? AND id <> ? AND created_at >= ? ORDER BY created_at, rowid').all(v.task, v.id, v.createdAt) as { id: string }[];
  const out: { experiment: string; evidence: string }[] = [];
  for (const { id } of rows) {
    if (declared.has(id)) continue;
    const evidence = behavesAsBuiltOn(ledger, ledger.experiment(id)!, v);
    if (evidence) out.push({ experiment: id, evidence });
  }
  return out;
}

/**
 * At a veto of `target` (an experiment id or a method tag): flags the experiments that behave
 * as built on what it names without declaring it, as `flagLineage` flags declared descendants.
 * Returns the flags newly recorded.
 */
export function flagInferredDescendants(ledger: Ledger, target: string, reason: string): LineageFlag[] {
  const vetoed = experimentsNamed(ledger, target);
  const direct = new Set(vetoed);
  const out: LineageFlag[] = [];
  for (const ancestor of vetoed) {
    for (const { experiment, evidence } of inferredDescendants(ledger, ancestor)) {
      if (direct.has(experiment)) continue;
      const campaignId = ledger.experiment(experiment)?.campaignId ?? undefined;
      if (addFlag(ledger, experiment, LINEAGE_SOURCE, lineageReason(ancestor, `${reason} (inferred, not declared: ${evidence})`), campaignId)) out.push({ experiment, ancestor });
    }
  }
  return out;
}
