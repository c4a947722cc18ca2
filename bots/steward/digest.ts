import { flagsOf } from '../../src/ledger/flags.js';
import { meanSd } from '../../src/eval/stats.js';
import type { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { leaderboard, vetoState, type LeaderboardRow } from '../../src/report/leaderboard.js';
import { rankedByText } from '../../src/report/ranking.js';
import { findingsDigest } from './findings-digest.js';

export interface DigestInput {
  ledger: Ledger;
  records: ForumRecords;
  tasks: readonly string[];
  /** Seeds a result needs to count as a task's best. */
  claimSeeds: number;
  /** ISO time: only experiments and vetoes after it; undefined means everything. */
  since?: string;
  /** When the digest is written (ISO time), for its heading. */
  at: string;
}

// A digest is read on a phone in the morning: past this many experiments, a count says enough.
const MAX_LISTED = 15;

const f2 = (x: number) => x.toFixed(2);

/**
 * The digest's text: what ran since `since`, the best result per task on each half, the most
 * upvoted insights and the dead ends, what
 * waits for a person (verdicts recommending a veto, suspicious verdicts, flagged results the
 * auditor has not judged) and vetoes. Plain text, one item a line.
 */
export function digestText(d: DigestInput): string {
  const lines = [`Digest at ${d.at}, covering ${d.since ? `everything since ${d.since}` : 'the whole campaign so far'}.`, ''];
  lines.push(...experimentsSince(d), '', ...bestPerTask(d), '', ...findingsDigest(d.ledger, d.records), '', ...waiting(d), '', ...vetoesSince(d));
  return lines.join('\n');
}

function experimentsSince(d: DigestInput): string[] {
  const ids = (d.ledger.db.prepare(`SELECT id FROM experiments ${d.since ? 'WHERE created_at > ?' : ''} ORDER BY created_at, rowid`).all(...(d.since ? [d.since] : [])) as { id: string }[]).map((r) => r.id);
  const finished = ids.filter((id) => d.ledger.isFinished(id));
  const out = [`Experiments: ${ids.length} proposed, ${finished.length} finished, ${ids.length - finished.length} still running.`];
  for (const id of finished.slice(-MAX_LISTED)) {
    const e = d.ledger.experiment(id)!;
    const results = d.ledger.results(id);
    const pub = meanSd(results.map((r) => r.score.public.pgr));
    const priv = meanSd(results.map((r) => r.score.private.pgr));
    const score = results.length ? `public PGR ${f2(pub.mean)} ± ${f2(pub.sd)}, private ${f2(priv.mean)} ± ${f2(priv.sd)} over ${results.length} seed${results.length === 1 ? '' : 's'}` : 'no seed scored';
    out.push(`- ${id} (${e.task}, ${e.methodTag ?? 'custom'}, ${e.agent ?? 'human'}): ${score}`);
  }
  if (finished.length > MAX_LISTED) out.push(`- … and ${finished.length - MAX_LISTED} earlier ones`);
  return out;
}

function bestPerTask(d: DigestInput): string[] {
  const out = [`Best per task (${d.claimSeeds}+ seeds, vetoed ones left out), ${rankedByText('private')}:`];
  const rows = leaderboard(d.ledger, d.records).filter((r) => r.seeds >= d.claimSeeds);
  const line = (r: LeaderboardRow, half: 'pgrPublic' | 'pgrPrivate') => `${r.experiment} (${r.method}, ${r.agent}) ${f2(r[half].mean)} ± ${f2(r[half].sd)}`;
  for (const task of d.tasks) {
    const mine = rows.filter((r) => r.task === task);
    if (!mine.length) {
      out.push(`- ${task}: no result with ${d.claimSeeds}+ seeds yet`);
      continue;
    }
    // The board is ranked by private: its top is people's best; the public leader is shown for contrast.
    const priv = mine[0];
    const pub = mine.reduce((a, b) => (b.pgrPublic.mean > a.pgrPublic.mean ? b : a));
    out.push(`- ${task}: private ${line(priv, 'pgrPrivate')}; public ${line(pub, 'pgrPublic')}`);
  }
  return out;
}

function waiting(d: DigestInput): string[] {
  const vetoes = d.records.vetoes();
  const decided = (id: string) => {
    const s = vetoState(vetoes, id, d.ledger.experiment(id)?.methodTag ?? null);
    return s.vetoed || s.approved;
  };
  const out: string[] = [];
  // The latest verdict per experiment counts: a person's overturn (source 'human') has decided it.
  const latest = new Map<string, Record<string, unknown>>();
  for (const e of d.ledger.events({ kind: 'verdict' })) if (e.experimentId) latest.set(e.experimentId, e.data);
  for (const [id, v] of latest) {
    if (v.verdict !== 'suspicious' || v.source === 'human' || decided(id)) continue;
    const reason = Array.isArray(v.reasons) ? String(v.reasons[0] ?? '') : '';
    const ask = v.recommendVeto === true ? 'the auditor recommends a veto' : 'the auditor finds it suspicious';
    out.push(`- ${id}: ${ask}: ${reason} Reply \`veto ${id} <reason>\` or \`approve ${id}\`.`);
  }
  // Flagged by scoring (per seed or across seeds) or by lineage, and not reviewed yet.
  const flagged = new Set([
    ...(d.ledger.db.prepare("SELECT DISTINCT experiment_id FROM results WHERE flags <> '[]'").all() as { experiment_id: string }[]).map((r) => r.experiment_id),
    ...d.ledger.events({ kind: 'flag' }).map((e) => e.experimentId).filter((id): id is string => id !== null),
  ]);
  for (const id of flagged) {
    if (latest.has(id) || decided(id)) continue;
    const names = [...new Set(flagsOf(d.ledger, id).map((f) => f.reason.split(':')[0]))];
    out.push(`- ${id}: flagged (${names.join(', ')}); no verdict yet.`);
  }
  return [`Waiting for a person: ${out.length ? '' : 'nothing.'}`.trimEnd(), ...out];
}

function vetoesSince(d: DigestInput): string[] {
  const vs = d.records.vetoes().filter((v) => !d.since || v.at > d.since);
  const out = vs.map((v) => `- ${v.target}: ${v.action === 'veto' ? 'vetoed' : v.action === 'unveto' ? 'veto lifted' : 'approved'} by ${v.who}${v.reason ? `: ${v.reason}` : ''}`);
  return [`Vetoes${d.since ? ' since then' : ''}: ${out.length ? '' : 'none.'}`.trimEnd(), ...out];
}
