import { parseMethod, type Method } from '../domain/method.js';
import { meanSd } from '../eval/stats.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { standing } from '../report/leaderboard.js';
import { methodFingerprint } from '../campaign/research-desk.js';

/** A method the team found, to be carried to the held-out tasks. */
export interface TransferCandidate {
  /** `best on spam`, or `overall best (mean rank)`. */
  role: string;
  experiment: string;
  task: string;
  method: Method;
  methodTag: string;
}

/**
 * What the team would take to a new task, chosen from the search tasks only (never from any
 * held-out number): the best result of each search task by public PGR (claimed results first,
 * as the campaign summary prefers them), and the overall best by mean rank across the search
 * tasks (a method not run on a task ranks last there; ties go to the larger mean public gain
 * over the task's aux-conf baseline). The steward's baselines are the yardstick, not candidates:
 * run on every task, aux-conf would otherwise win the mean rank by being everywhere.
 */
export function transferCandidates(ledger: Ledger, campaignId: string, searchTasks: readonly string[], claimSeeds: number): { perTask: TransferCandidate[]; overall?: TransferCandidate } {
  const vetoes = new ForumRecords(ledger).vetoes();
  const claimed = new Set(ledger.events({ kind: 'claim' }).map((e) => e.experimentId));
  const ids = (ledger.db.prepare('SELECT id FROM experiments WHERE campaign_id = ? ORDER BY rowid').all(campaignId) as { id: string }[]).map((r) => r.id);
  type Row = { experiment: string; task: string; method: Method; tag: string; fingerprint: string; pgr: number; claimed: boolean };
  const rows: Row[] = [];
  const auxConf = new Map<string, number>();
  for (const id of ids) {
    const e = ledger.experiment(id)!;
    if (!searchTasks.includes(e.task) || !ledger.isFinished(id)) continue;
    const baseline = e.agent === 'steward';
    const results = ledger.results(id);
    const stands = standing(ledger, vetoes, e);
    if (results.length < claimSeeds || stands === 'vetoed' || stands === 'flagged') continue;
    const method = parseMethod(e.method);
    if (baseline) {
      if (e.methodTag === 'aux-conf') auxConf.set(e.task, meanSd(results.map((r) => r.score.public.pgr)).mean);
      continue;
    }
    rows.push({ experiment: id, task: e.task, method, tag: e.methodTag ?? 'custom', fingerprint: methodFingerprint(method), pgr: meanSd(results.map((r) => r.score.public.pgr)).mean, claimed: claimed.has(id) });
  }
  const perTask: TransferCandidate[] = [];
  const rankOn = new Map<string, Map<string, number>>();
  for (const task of searchTasks) {
    const mine = rows.filter((r) => r.task === task).sort((a, b) => Number(b.claimed) - Number(a.claimed) || b.pgr - a.pgr);
    if (mine[0]) perTask.push({ role: `best on ${task}`, experiment: mine[0].experiment, task, method: mine[0].method, methodTag: mine[0].tag });
    // Each method's place on this task: where its best experiment stands by public PGR.
    const ranks = new Map<string, number>();
    for (const r of [...mine].sort((a, b) => b.pgr - a.pgr)) if (!ranks.has(r.fingerprint)) ranks.set(r.fingerprint, ranks.size + 1);
    rankOn.set(task, ranks);
  }
  let overall: TransferCandidate | undefined;
  let bestKey: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const fp of new Set(rows.map((r) => r.fingerprint))) {
    const rank = searchTasks.reduce((a, t) => a + (rankOn.get(t)!.get(fp) ?? rankOn.get(t)!.size + 1), 0) / searchTasks.length;
    const mine = rows.filter((x) => x.fingerprint === fp);
    const gain = mine.reduce((a, x) => a + x.pgr - (auxConf.get(x.task) ?? 0), 0) / mine.length;
    if (rank < bestKey[0] || (rank === bestKey[0] && gain > bestKey[1])) {
      const r = [...mine].sort((a, b) => b.pgr - a.pgr)[0];
      bestKey = [rank, gain];
      overall = { role: 'overall best (mean rank)', experiment: r.experiment, task: r.task, method: r.method, methodTag: r.tag };
    }
  }
  return { perTask, overall };
}
