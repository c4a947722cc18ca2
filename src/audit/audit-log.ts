import type { Ledger } from '../ledger/ledger.js';
import { overturnStats, type OverturnStats } from './overturn-stats.js';
import { experimentsNamed } from './targets.js';
import { toVerdict } from './verdicts.js';

/** What kind of integrity fact an audit-log entry is. */
export type AuditEntryKind = 'flag' | 'verdict' | 'overturn' | 'veto' | 'unveto' | 'approve';

/** One integrity fact: who did what to which experiment (or method tag), when, and why. */
export interface AuditEntry {
  /** The ledger event's seq: the log's order. */
  seq: number;
  at: string;
  kind: AuditEntryKind;
  /** A person's name, the auditor's, a flag's source (`lineage`, `detector:…`), or `scoring` for per-seed flags. */
  who: string;
  /** The experiment id or method tag acted on. */
  target: string;
  /** The experiments the target names (several for a method tag). */
  experiments: string[];
  /** A short description: `flagged`, `verdict: suspicious (veto recommended)`, `overturned: ok → suspicious`, … */
  what: string;
  why: string;
}

/** The audit log of a ledger or of one campaign, with how often people overturned the auditor. */
export interface AuditLog {
  campaignId: string | null;
  entries: AuditEntry[];
  overturns: OverturnStats;
}

/**
 * Every flag, verdict, overturn, veto, unveto and approval in ledger order. With a campaign,
 * only what touches its experiments (a method-tag veto counts when it names one of them).
 */
export function auditLog(ledger: Ledger, o: { campaignId?: string } = {}): AuditLog {
  const scope = o.campaignId === undefined ? undefined : new Set((ledger.db.prepare('SELECT id FROM experiments WHERE campaign_id = ?').all(o.campaignId) as { id: string }[]).map((r) => r.id));
  const entries = [...flagEntries(ledger), ...verdictEntries(ledger), ...vetoEntries(ledger)]
    .filter((e) => !scope || e.experiments.some((id) => scope.has(id)))
    .sort((a, b) => a.seq - b.seq);
  return { campaignId: o.campaignId ?? null, entries, overturns: overturnStats(ledger, scope) };
}

function flagEntries(ledger: Ledger): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const e of ledger.events({ kind: 'flag' })) {
    if (!e.experimentId) continue;
    out.push({ seq: e.seq, at: e.at, kind: 'flag', who: String(e.data.source ?? 'unknown'), target: e.experimentId, experiments: [e.experimentId], what: 'flagged', why: String(e.data.reason ?? '') });
  }
  // Scoring's per-seed flags live in the results table; the seed's `scored` event places them in time.
  const flagged = ledger.db.prepare("SELECT job_id, experiment_id, seed, flags FROM results WHERE flags <> '[]'").all() as { job_id: string; experiment_id: string; seed: number; flags: string }[];
  if (!flagged.length) return out;
  // Only the flagged experiments' scored events, by experiment: scored is not in the kind index (event-kinds.ts).
  const scored = new Map([...new Set(flagged.map((r) => r.experiment_id))].flatMap((id) => ledger.events({ experimentId: id, kind: 'scored' })).map((e) => [e.jobId, e]));
  for (const r of flagged) {
    const e = scored.get(r.job_id);
    for (const reason of JSON.parse(r.flags) as string[]) {
      out.push({ seq: e?.seq ?? 0, at: e?.at ?? '', kind: 'flag', who: 'scoring', target: r.experiment_id, experiments: [r.experiment_id], what: `flagged seed ${r.seed}`, why: reason });
    }
  }
  return out;
}

function verdictEntries(ledger: Ledger): AuditEntry[] {
  const out: AuditEntry[] = [];
  const verdicts = ledger.events({ kind: 'verdict' }).map(toVerdict);
  const bySeq = new Map(verdicts.filter((v) => v !== undefined).map((v) => [v.seq, v]));
  for (const v of verdicts) {
    if (!v) continue;
    const base = { seq: v.seq, at: v.at, who: v.who, target: v.experiment, experiments: [v.experiment], why: v.reasons.join(' ') };
    if (v.human) {
      const was = v.overturns !== undefined ? bySeq.get(v.overturns) : undefined;
      const from = was ? `${was.verdict}${was.recommendVeto ? ' (veto recommended)' : ''} → ` : '';
      out.push({ ...base, kind: 'overturn', what: `overturned the auditor: ${from}${v.verdict}` });
    } else {
      const extra = [v.recommendVeto ? 'veto recommended' : '', v.vetoed ? 'auto-vetoed' : ''].filter(Boolean).join(', ');
      out.push({ ...base, kind: 'verdict', what: `verdict: ${v.verdict}${extra ? ` (${extra})` : ''}` });
    }
  }
  return out;
}

const VETO_WHAT = { veto: 'vetoed', unveto: 'lifted the veto', approve: 'approved' } as const;

function vetoEntries(ledger: Ledger): AuditEntry[] {
  return ledger.events({ kind: 'veto' }).map((e) => {
    const action = e.data.action === 'unveto' || e.data.action === 'approve' ? e.data.action : 'veto';
    const target = String(e.data.target ?? '');
    return { seq: e.seq, at: e.at, kind: action, who: String(e.data.who ?? 'unknown'), target, experiments: experimentsNamed(ledger, target), what: VETO_WHAT[action], why: String(e.data.reason ?? '') };
  });
}
