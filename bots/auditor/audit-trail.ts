import type { ForumRecords } from '../../src/ledger/forum-records.js';
import type { ExperimentRow, Ledger, ResultRow } from '../../src/ledger/ledger.js';
import { flagLineage } from '../../src/audit/lineage-flags.js';
import { flagsOf, type Flag } from '../../src/ledger/flags.js';
import { leaderboard, vetoState } from '../../src/report/leaderboard.js';
import { runChecks, THRESHOLDS, type AuditVerdict, type Finding } from './checks.js';

/** Why an experiment is up for review. */
export type AuditReason = 'leader' | 'flagged' | 'claimed';

/** One experiment the auditor has to judge, with what the heuristic checks found. */
export interface AuditCase {
  experiment: ExperimentRow;
  results: ResultRow[];
  why: AuditReason[];
  findings: Finding[];
}

/** How a verdict was reached: the checks alone, the model, or the checks because the model gave no usable verdict. */
export type VerdictSource = 'heuristic' | 'model' | 'fallback';

export interface AuditTrailOptions {
  ledger: Ledger;
  records: ForumRecords;
  /** Record the veto at once when a verdict recommends one (otherwise a person confirms it). */
  autoVeto?: boolean;
  campaignId?: string;
  /** Scored seeds a leading result needs (default 5). */
  claimSeeds?: number;
  /** The clock that dates the day's routine threads (default: now). */
  now?: () => Date;
}

/** The auditor's name: its posts, verdict events and vetoes carry it. */
export const AUDITOR = 'auditor';

const MAX_POST = 3900;

/**
 * What every auditor shares, whoever reaches the verdict: which experiments need a review
 * (new leaders, flagged or claimed results not yet judged), and how a verdict is published.
 * "Judged" is read from the ledger's `verdict` events, so a restarted auditor (or a second
 * instance on the same ledger) never reviews an experiment twice.
 */
export class AuditTrail {
  constructor(readonly o: AuditTrailOptions) {}

  /** Finished, unvetoed experiments that lead their task, were flagged by scoring or were claimed, and have no verdict yet; oldest first. */
  cases(): AuditCase[] {
    const { ledger, records } = this.o;
    const judged = new Set(ledger.events({ kind: 'verdict' }).map((e) => e.experimentId));
    const leaders = new Set(
      // The agents' board: which result an agent could see at the top (a review of the private leader would tell agents which one it is).
      leaderboard(ledger, records, undefined, { minSeeds: this.o.claimSeeds ?? 5, by: 'public' })
        .filter((r) => r.rank === 1)
        .map((r) => r.experiment),
    );
    // Scoring's per-seed flags ('[]' is the column's default) and flag facts (experiment-level detectors, lineage).
    const flagged = new Set([
      ...(ledger.db.prepare("SELECT DISTINCT experiment_id FROM results WHERE flags <> '[]'").all() as { experiment_id: string }[]).map((r) => r.experiment_id),
      ...ledger.events({ kind: 'flag' }).map((e) => e.experimentId).filter((id): id is string => id !== null),
    ]);
    const claimed = new Set(ledger.events({ kind: 'claim' }).map((e) => e.experimentId));
    const ids = (ledger.db.prepare('SELECT id FROM experiments ORDER BY created_at, rowid').all() as { id: string }[]).map((r) => r.id);
    const vetoes = records.vetoes();
    const out: AuditCase[] = [];
    for (const id of ids) {
      if (judged.has(id)) continue;
      const why: AuditReason[] = [];
      if (leaders.has(id)) why.push('leader');
      if (flagged.has(id)) why.push('flagged');
      if (claimed.has(id)) why.push('claimed');
      if (!why.length || !ledger.isFinished(id)) continue;
      const experiment = ledger.experiment(id)!;
      // Already vetoed by a person: nothing left to recommend. Not marked judged, so an unveto brings it back.
      if (vetoState(vetoes, id, experiment.methodTag).vetoed) continue;
      const results = ledger.results(id);
      if (!results.length) continue;
      out.push({ experiment, results, why, findings: runChecks(results, { leads: why.includes('leader'), claimSeeds: this.o.claimSeeds ?? THRESHOLDS.claimSeeds }) });
    }
    return out;
  }

  /**
   * Publishes a verdict: a post in the audit channel, a short reply in the experiment's
   * thread, the `verdict` event, and (with autoVeto) the veto, all in one transaction, so a
   * crash leaves either all of them or none and the review simply happens again.
   */
  publish(c: AuditCase, v: AuditVerdict, o: { source: VerdictSource; note?: string }): { vetoed: boolean } {
    const { ledger, records } = this.o;
    const id = c.experiment.id;
    const vetoed = v.recommendVeto && this.o.autoVeto === true;
    const fold = vetoed ? undefined : routineThread(c, v, flagsOf(ledger, id), (this.o.now ?? (() => new Date()))());
    ledger.db.transaction(() => {
      // What needs a person is a post of its own in the audit channel; routine reviews go in one thread a day.
      if (fold && !records.message(fold.id)) records.addMessage({ id: fold.id, channel: 'audit', threadId: null, author: AUDITOR, authorKind: 'agent', text: fold.text });
      records.addMessage({ id: `audit-${id}`, channel: 'audit', threadId: fold ? `msg:${fold.id}` : null, author: AUDITOR, authorKind: 'agent', text: auditPost(c, v, { vetoed, note: o.note }) });
      records.addMessage({ id: `audit-${id}-thread`, channel: 'forum', threadId: `exp:${id}`, author: AUDITOR, authorKind: 'agent', text: threadReply(c, v, vetoed) });
      if (vetoed) {
        records.addVeto('veto', id, AUDITOR, vetoReason(v));
        // Like a person's veto, the auditor's flags everything built on the vetoed result.
        flagLineage(ledger, id, vetoReason(v));
      }
      ledger.append('verdict', {
        agent: AUDITOR,
        experimentId: id,
        campaignId: this.o.campaignId,
        data: { experiment: id, verdict: v.verdict, reasons: v.reasons, recommendVeto: v.recommendVeto, why: c.why, source: o.source, vetoed, ...(o.note ? { note: o.note } : {}) },
      });
    })();
    return { vetoed };
  }
}

/** The scoring detector that answers a near-duplicate submission with its twin's score (see src/scoring). */
const NEAR_DUPLICATE = 'probing the scorer';

/**
 * Where a verdict that needs nobody goes: the day's thread of routine reviews (an OK verdict),
 * or the day's thread of one agent's near-duplicate submissions (suspicious only because
 * scoring answered them with an earlier twin's score, so they taught the agent nothing).
 * Undefined for everything else, which gets a post of its own: that is what people read.
 */
export function routineThread(c: AuditCase, v: AuditVerdict, flags: readonly Flag[], now: Date): { id: string; text: string } | undefined {
  const day = now.toISOString().slice(0, 10);
  if (v.verdict === 'ok' && !v.recommendVeto) {
    return {
      id: `audit-routine-${day}`,
      text: `Routine reviews, ${day}: results the auditor checked and found nothing wrong with are in this thread, one reply each. Nothing here needs you; if you disagree with one, \`overturn <experiment> <reason>\`.`,
    };
  }
  const serious = c.findings.filter((f) => f.severity !== 'info');
  // Only scoring's per-seed near-duplicate flags: a flag fact (an experiment-level detector, lineage) or any other flag gets a post.
  const onlyNearDuplicates =
    !v.recommendVeto && serious.length > 0 && serious.every((f) => f.check === 'scoring-flags') && flags.length > 0 && flags.every((f) => f.source.startsWith('seed ') && f.reason.startsWith(NEAR_DUPLICATE));
  if (!onlyNearDuplicates || c.why.includes('claimed')) return undefined;
  const agent = c.experiment.agent ?? 'human';
  return {
    id: `audit-near-duplicates-${agent}-${day}`,
    text: `Near-duplicate submissions by ${agent}, ${day}: each differed from one of ${agent}'s earlier submissions on under 1% of the public items, so scoring answered it with that one's score and it taught nothing. They stay off the leaderboard unless someone approves one (\`approve <experiment>\`); many in a day look like probing the scorer. One reply each in this thread.`,
  };
}

const WHY_TEXT: Record<AuditReason, string> = { leader: 'it leads its task', flagged: 'scoring flagged it', claimed: 'its author claimed it' };

/** The verdict as the audit channel shows it. */
export function auditPost(c: AuditCase, v: AuditVerdict, o: { vetoed: boolean; note?: string }): string {
  const e = c.experiment;
  const context = ` (Reviewed because ${c.why.map((w) => WHY_TEXT[w]).join(' and ')}: ${e.task}, ${e.methodTag ?? 'custom'}, by ${e.agent ?? 'human'}.)`;
  const reasons = v.reasons.join(' ');
  let tail = '';
  if (v.recommendVeto) tail = o.vetoed ? ` I recommend a veto, and have recorded it (auto-veto is on); reply \`unveto ${e.id}\` to lift it.` : ` I recommend a veto: reply \`veto ${e.id} <reason>\` to confirm.`;
  else if (v.verdict === 'suspicious') tail = ' Worth a human look before anyone builds on it.';
  const note = o.note ? ` (${o.note})` : '';
  const text = `Verdict on ${e.id}: ${v.verdict === 'ok' ? 'OK' : 'Suspicious'} — ${reasons}${tail}${note}${context}`;
  return text.length > MAX_POST ? `${text.slice(0, MAX_POST - 1)}…` : text;
}

/** Words for the checks, for a thread agents read. */
const CHECK_WORDS: Record<Finding['check'], string> = {
  'most-common-answer': 'its predictions lean on one class',
  'beats-ceiling': 'it beats the ceiling',
  'public-private-gap': 'it may be fitted to the half agents are scored on',
  'too-few-seeds': 'too few seeds',
  'seed-spread': 'a wide seed spread',
  'scoring-flags': 'scoring flagged it',
};

/**
 * The verdict in the experiment's thread, which agents read: the verdict and which checks
 * fired, never the reasons' numbers (they quote private PGR and accuracies; those are in the
 * audit channel, for people only).
 */
function threadReply(c: AuditCase, v: AuditVerdict, vetoed: boolean): string {
  if (v.verdict === 'ok') return 'Auditor: OK. Details for people in the audit channel.';
  const fired = [...new Set(c.findings.filter((f) => f.severity !== 'info').map((f) => CHECK_WORDS[f.check] ?? f.check))];
  const action = v.recommendVeto ? (vetoed ? ' Vetoed.' : ' Veto recommended; waiting for a person to confirm.') : '';
  return `Auditor: suspicious${fired.length ? ` (${fired.join('; ')})` : ''}.${action} Details for people in the audit channel.`.slice(0, MAX_POST);
}

function vetoReason(v: AuditVerdict): string {
  const r = v.reasons[0] ?? 'the auditor found it suspicious';
  return r.length > 300 ? `${r.slice(0, 299)}…` : r;
}
