import { randomBytes } from 'node:crypto';
import { builtinMethod } from '../domain/method.js';
import type { ItemEvaluator } from '../eval/item-evaluator.js';
import { COMBINED_SE_LABEL, pairedGain, pgrWithSe, type SeedItems } from '../eval/paired-se.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { drawnSeeds } from '../confirmation/drawn-seeds.js';
import { transferCandidates, type TransferCandidate } from './choose-methods.js';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** A number with its combined SE. */
export interface WithSe {
  mean: number;
  se: number;
}

/** One team method on one held-out task, paired with aux-conf on the same fresh seeds. */
export interface TransferRow {
  role: string;
  experiment: string;
  /** The search task it was found on. */
  from: string;
  method: string;
  pgr: WithSe;
  /** PGR(method) - PGR(aux-conf), paired by seed and item. */
  gain: WithSe & { seSeed: number; seItem: number };
}

/** The transfer result of one held-out task: the campaign's headline (`aar run --json`'s `transfer`). */
export interface TransferResult {
  task: string;
  seeds: number;
  /** Which error bar `se` is. */
  se: typeof COMBINED_SE_LABEL;
  auxConf: WithSe;
  /** The team's overall best (mean rank over the search tasks), chosen before any held-out number was seen. */
  best?: TransferRow;
  /** Every candidate: the overall best and each search task's best. */
  methods: TransferRow[];
}

/**
 * The leave-one-task-out view of one search task: the overall best chosen on the OTHER search
 * tasks, run on this one (fresh seeds, private half) next to aux-conf.
 */
export interface LeaveOneOutRow {
  task: string;
  seeds: number;
  se: typeof COMBINED_SE_LABEL;
  auxConf: WithSe;
  /** Absent when the other search tasks had no candidate. */
  best?: TransferRow;
}

export interface TransferOptions {
  ledger: Ledger;
  campaignId: string;
  search: readonly string[];
  holdout: readonly string[];
  evaluate: ItemEvaluator;
  claimSeeds: number;
  /** Fresh seeds drawn for the transfer (default 5), recorded once per campaign. */
  seeds?: number;
  drawSeed?: () => number;
  log?: (line: string) => void;
}

/**
 * Held-out task transfer (issue 18): the team's best methods, chosen on the search tasks, run on
 * each held-out task on fresh seeds next to aux-conf and scored on the private half. Until this
 * runs, no agent has seen anything of a held-out task. Recorded in the ledger, posted to the
 * forum's results channel, and returned for the summary.
 */
export async function runTransfer(o: TransferOptions): Promise<{ transfer: Record<string, TransferResult>; leaveOneOut: Record<string, LeaveOneOutRow> }> {
  const { perTask, overall } = transferCandidates(o.ledger, o.campaignId, o.search, o.claimSeeds);
  const candidates: TransferCandidate[] = [];
  for (const c of [overall, ...perTask]) if (c && !candidates.some((x) => x.experiment === c.experiment)) candidates.push(c);
  const seeds = drawnSeeds(o.ledger, o.campaignId, 'transfer', o.seeds ?? 5, o.drawSeed);
  const run = async (task: string, m: Parameters<ItemEvaluator['evaluate']>[1]) => {
    const items: SeedItems[] = [];
    for (const seed of seeds) items.push(await o.evaluate.evaluate(task, m, seed));
    return items;
  };
  const row = async (task: string, c: TransferCandidate, aux: SeedItems[]): Promise<TransferRow> => {
    const items = await run(task, c.method);
    const pgr = pgrWithSe(items);
    const g = pairedGain(items, aux);
    return { role: c.role, experiment: c.experiment, from: c.task, method: c.methodTag, pgr: { mean: r3(pgr.mean), se: r3(pgr.se) }, gain: { mean: r3(g.mean), se: r3(g.se), seSeed: r3(g.seSeed), seItem: r3(g.seItem) } };
  };
  const out: Record<string, TransferResult> = {};
  for (const task of o.holdout) {
    const aux = await run(task, builtinMethod('aux-conf'));
    const auxPgr = pgrWithSe(aux);
    const rows: TransferRow[] = [];
    for (const c of candidates) rows.push(await row(task, c, aux));
    const best = overall ? rows.find((r) => r.experiment === overall.experiment) : undefined;
    out[task] = { task, seeds: seeds.length, se: COMBINED_SE_LABEL, auxConf: { mean: r3(auxPgr.mean), se: r3(auxPgr.se) }, ...(best ? { best } : {}), methods: rows };
    o.log?.(`transfer to ${task}: aux-conf ${auxPgr.mean.toFixed(2)}; ${rows.map((r) => `${r.role} ${r.method} ${r.pgr.mean.toFixed(2)} (vs aux-conf ${r.gain.mean >= 0 ? '+' : ''}${r.gain.mean.toFixed(2)} ± ${r.gain.se.toFixed(2)})`).join('; ')}`);
  }
  // Leave one search task out: would the pick made without it have worked on it?
  const leaveOneOut: Record<string, LeaveOneOutRow> = {};
  if (o.search.length >= 2) {
    for (const task of o.search) {
      const { overall: pick } = transferCandidates(o.ledger, o.campaignId, o.search.filter((t) => t !== task), o.claimSeeds);
      const aux = await run(task, builtinMethod('aux-conf'));
      const auxPgr = pgrWithSe(aux);
      leaveOneOut[task] = { task, seeds: seeds.length, se: COMBINED_SE_LABEL, auxConf: { mean: r3(auxPgr.mean), se: r3(auxPgr.se) }, ...(pick ? { best: await row(task, { ...pick, role: 'overall best of the other search tasks' }, aux) } : {}) };
    }
  }
  o.ledger.append('transfer', { campaignId: o.campaignId, data: { seeds: seeds.length, results: out, leaveOneOut } as unknown as Record<string, unknown> });
  new ForumRecords(o.ledger).addMessage({ id: `m-transfer-${randomBytes(5).toString('hex')}`, channel: 'results', threadId: null, author: 'steward', authorKind: 'system', text: transferText(out) });
  return { transfer: out, leaveOneOut };
}

/** The transfer table as the forum shows it at the end (private-half numbers: the campaign is over). */
export function transferText(results: Record<string, TransferResult>): string {
  const lines = ['Held-out task transfer (fresh seeds, private half; ± is the combined SE: seed + item bootstrap):'];
  for (const r of Object.values(results)) {
    lines.push(`${r.task}: aux-conf ${r.auxConf.mean.toFixed(2)} ± ${r.auxConf.se.toFixed(2)}`);
    for (const m of r.methods) lines.push(`  ${m.role}: ${m.method} (${m.experiment}, from ${m.from}) ${m.pgr.mean.toFixed(2)} ± ${m.pgr.se.toFixed(2)}; vs aux-conf ${m.gain.mean >= 0 ? '+' : ''}${m.gain.mean.toFixed(2)} ± ${m.gain.se.toFixed(2)}`);
  }
  return lines.join('\n');
}
