import { methodDelta } from '../domain/method-delta.js';
import { methodNormalForm } from '../domain/method-normal-form.js';
import { addFlag } from '../ledger/flags.js';
import type { VetoRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger } from '../ledger/ledger.js';
import { itemsThatDiffer, packedPredictionsOf, packedPredictionsOfMany, type PackedPredictions } from '../ledger/predictions.js';
import { vetoState } from '../report/veto-state.js';
import { LINEAGE_SOURCE, lineageReason, type LineageFlag } from './lineage-flags.js';
import { descendantsOf, experimentsNamed } from './targets.js';
import { vetoNamedBefore } from './vetoed-experiments.js';

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
  return agreementOf(packedPredictionsOf(ledger, a), packedPredictionsOf(ledger, b));
}

/** The same over predictions already read: a check against many vetoed experiments reads the child's once. */
function agreementOf(pa: Map<number, PackedPredictions>, pb: Map<number, PackedPredictions>): { agreement: number; seeds: number } | undefined {
  let differ = 0;
  let items = 0;
  let seeds = 0;
  for (const [seed, x] of pa) {
    const y = pb.get(seed);
    if (!y || y.items !== x.items) continue;
    seeds++;
    items += x.items;
    differ += itemsThatDiffer(x, y);
  }
  return seeds ? { agreement: (items - differ) / items, seeds } : undefined;
}

/** Normal forms of methods already seen: kept experiments share one frozen method object, so each is worked out once. */
const normalForms = new WeakMap<object, { task: string; form: Record<string, unknown> }>();

function normalFormOf(e: Pick<ExperimentRow, 'task' | 'method'>): Record<string, unknown> {
  const kept = normalForms.get(e.method);
  if (kept?.task === e.task) return kept.form;
  const form = methodNormalForm(e.method, e.task);
  if (Object.isFrozen(e.method)) normalForms.set(e.method, { task: e.task, form });
  return form;
}

const codeOf = (m: Record<string, unknown>) => JSON.stringify(m.code ?? null);

/**
 * Whether `child` behaves as built on the vetoed `ancestor`, judged by behaviour rather than by
 * what it declares: the same method code (comments, whitespace and its own names aside), public
 * predictions that agree on 99% of the items of the seeds both ran, or one setting changed with
 * 97% agreement.
 */
export function behavesAsBuiltOn(
  ledger: Ledger,
  child: Pick<ExperimentRow, 'id' | 'task' | 'method'>,
  ancestor: Pick<ExperimentRow, 'id' | 'task' | 'method'>,
  /** Predictions already read (a check against many experiments reads the one they share once). */
  read: { child?: Map<number, PackedPredictions>; ancestor?: Map<number, PackedPredictions> } = {},
): string | undefined {
  if (child.task !== ancestor.task) return undefined;
  const a = normalFormOf(ancestor);
  const c = normalFormOf(child);
  if (a.code && codeOf(a) === codeOf(c)) return 'the same method code (comments, whitespace and its own names aside)';
  const p = agreementOf(read.child ?? packedPredictionsOf(ledger, child.id), read.ancestor ?? packedPredictionsOf(ledger, ancestor.id));
  if (!p) return undefined;
  const agree = `${(100 * p.agreement).toFixed(1)}% of public predictions agree over ${p.seeds} shared seed${p.seeds === 1 ? '' : 's'}`;
  if (p.agreement >= SAME_PREDICTIONS) return agree;
  if (p.agreement < NEAR_PREDICTIONS) return undefined;
  const changed = methodDelta(ancestor.method, child.method);
  if (changed.length <= 1) return `${agree}, and the method differs only in ${changed[0] ?? 'its name'}`;
  return undefined;
}

/** Vetoed experiments on `e`'s task proposed before it. Starts from the vetoes (few), never from every experiment. */
function vetoedBefore(ledger: Ledger, vetoes: readonly VetoRecord[], e: ExperimentRow): ExperimentRow[] {
  const mine = (ledger.db.prepare('SELECT rowid AS r FROM experiments WHERE id = ?').get(e.id) as { r: number }).r;
  return vetoNamedBefore(ledger, vetoes, e.task, mine)
    .map((id) => ledger.experiment(id)!)
    .filter((x) => x.id !== e.id && vetoState(vetoes, x.id, x.methodTag).vetoed);
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
  const read = candidates.length ? packedPredictionsOfMany(ledger, [e.id, ...candidates.map((v) => v.id)]) : new Map<string, Map<number, PackedPredictions>>();
  const none = new Map<number, PackedPredictions>();
  for (const v of candidates) {
    if (declared.has(v.id)) continue;
    const evidence = behavesAsBuiltOn(ledger, e, v, { child: read.get(e.id) ?? none, ancestor: read.get(v.id) ?? none });
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
  const vetoed = packedPredictionsOf(ledger, v.id);
  for (const { id } of rows) {
    if (declared.has(id)) continue;
    const evidence = behavesAsBuiltOn(ledger, ledger.experiment(id)!, v, { ancestor: vetoed });
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
