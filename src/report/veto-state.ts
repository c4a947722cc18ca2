import type { VetoRecord } from '../ledger/forum-records.js';

/** Vetoes by target, built once per list: a board asks about every experiment against the same list. */
const byTarget = new WeakMap<readonly VetoRecord[], { length: number; index: Map<string, number[]> }>();

/** Lists shorter than this are scanned: building an index would cost more than it saves. */
const INDEX_FROM = 32;

/** The records of `vetoes` naming `experimentId` or `methodTag`, in list order. */
function hits(vetoes: readonly VetoRecord[], experimentId: string, methodTag: string | null): Iterable<VetoRecord> {
  if (vetoes.length < INDEX_FROM) return vetoes;
  let kept = byTarget.get(vetoes);
  if (!kept || kept.length !== vetoes.length) {
    const index = new Map<string, number[]>();
    vetoes.forEach((v, k) => {
      const list = index.get(v.target);
      if (list) list.push(k);
      else index.set(v.target, [k]);
    });
    byTarget.set(vetoes, (kept = { length: vetoes.length, index }));
  }
  const own = kept.index.get(experimentId) ?? [];
  const tag = methodTag === null || methodTag === experimentId ? [] : (kept.index.get(methodTag) ?? []);
  const at = tag.length ? [...own, ...tag].sort((a, b) => a - b) : own;
  return at.map((k) => vetoes[k]);
}

/** Is a veto in force on an experiment (by its id or its method tag)? Latest action wins. */
export function vetoState(vetoes: readonly VetoRecord[], experimentId: string, methodTag: string | null): { vetoed: boolean; approved: boolean; reason?: string } {
  let vetoed = false;
  let approved = false;
  let reason: string | undefined;
  for (const v of hits(vetoes, experimentId, methodTag)) {
    if (v.target !== experimentId && (methodTag === null || v.target !== methodTag)) continue;
    if (v.action === 'veto') {
      vetoed = true;
      reason = v.reason;
    } else if (v.action === 'unveto') vetoed = false;
    else if (v.target === experimentId) approved = true;
  }
  return { vetoed, approved, reason };
}
