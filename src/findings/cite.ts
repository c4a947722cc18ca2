import type { ExperimentRow, Ledger } from '../ledger/ledger.js';

/** What may be said publicly of an experiment a finding cites (public numbers only, as the desk shows them). */
export interface CitedResult {
  task: string;
  method: string;
  pgrPublic: number;
  sd: number;
  seeds: number;
  vetoed: boolean;
  flagged: boolean;
}

export type PublicResultOf = (e: ExperimentRow) => CitedResult | undefined;

const f2 = (x: number) => x.toFixed(2);

/**
 * The line a finding's citations add: each experiment with the desk's public numbers, never the
 * author's own. A probe's numbers are not public anywhere, so they are not shown here either.
 */
export function citationLine(ledger: Ledger, publicResult: PublicResultOf, ids: readonly string[]): string {
  return `(cites ${ids.map((id) => cite(ledger, publicResult, id)).join('; ')})`;
}

function cite(ledger: Ledger, publicResult: PublicResultOf, id: string): string {
  const e = ledger.experiment(id);
  if (!e) return `${id}: unknown`;
  const r = publicResult(e);
  if (!r) return `${id}: ${e.task}, ${ledger.isFinished(id) ? `a probe (${e.seeds.length} seed${e.seeds.length === 1 ? '' : 's'}, numbers not public)` : 'still running'}`;
  if (r.vetoed) return `${id}: vetoed`;
  if (r.flagged) return `${id}: flagged for review, numbers withheld`;
  return `${id}: ${r.task} · ${r.method} · public PGR ${f2(r.pgrPublic)} ± ${f2(r.sd)} over ${r.seeds} seeds`;
}

/** Experiment ids a person's text mentions that the ledger knows, in order, at most 20. */
export function mentionedExperiments(ledger: Ledger, text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/(?<![\w-])([a-z0-9][a-z0-9-]{2,62})(?![\w-])/g)) {
    if (ids.size >= 20) break;
    if (/\d/.test(m[1]) && ledger.experiment(m[1])) ids.add(m[1]);
  }
  return [...ids];
}
