import type { Flag } from '../ledger/flags.js';
import type { ForumRecords, VetoRecord } from '../ledger/forum-records.js';
import type { Ledger, LedgerEvent } from '../ledger/ledger.js';
import { vetoState } from '../report/veto-state.js';
import { LINEAGE_SOURCE, lineageAncestor } from './lineage-flags.js';

/** A flag with its place in the ledger's event order. */
export interface SequencedFlag extends Flag {
  /** The `flag` event's seq, or for a per-seed flag from scoring the seq of that seed's `scored` event. */
  seq: number;
}

/**
 * The same flags as `flagsOf`, each with its ledger position. Timestamps can tie within a
 * millisecond (a veto, its lineage flags and an approval in one test, or one busy second),
 * while event seqs are strictly ordered, so "approved after the flag" is decided on seqs.
 */
export function sequencedFlags(ledger: Ledger, experimentId: string): SequencedFlag[] {
  const events = ledger.events({ experimentId, kind: 'flag' }).map((e) => ({ experiment: experimentId, at: e.at, source: String(e.data.source ?? 'unknown'), reason: String(e.data.reason ?? ''), seq: e.seq }));
  const scoredSeq = new Map(ledger.events({ experimentId, kind: 'scored' }).map((e) => [e.jobId, e.seq]));
  // Only the columns flags need: a result's score and stats are kilobytes of JSON each, and a
  // board judges every flagged experiment (1 in 100 at 50,000 experiments) at its first read.
  const seeds = ledger.db.prepare('SELECT job_id, seed, scored_at, flags FROM results WHERE experiment_id = ? ORDER BY seed').all(experimentId) as { job_id: string; seed: number; scored_at: string; flags: string }[];
  const perSeed = seeds.flatMap((r) => (JSON.parse(r.flags) as string[]).map((f) => ({ experiment: experimentId, at: r.scored_at, source: `seed ${r.seed}`, reason: f, seq: scoredSeq.get(r.job_id) ?? 0 })));
  return [...events, ...perSeed];
}

/**
 * The flags on an experiment that still count. Flags are append-only facts, so lifting one
 * is a rule over later facts, not a deletion:
 * - a lineage flag counts only while its vetoed ancestor is still vetoed (by id or method tag,
 *   as `vetoState` says); an unveto restores the descendants, a new veto flags them again;
 * - any flag stops counting once a person approved the experiment after it was raised (a
 *   lineage flag counts as raised again when its ancestor is vetoed again).
 * The leaderboard and the auditor can use this in place of `flagsOf` to decide what is held back.
 */
export function activeFlags(ledger: Ledger, records: ForumRecords, experimentId: string, known: VetoFacts = vetoFacts(ledger, records)): Flag[] {
  const { vetoes, vetoEvents } = known;
  const lastApproval = Math.max(0, ...vetoEvents.filter((e) => e.data.action === 'approve' && e.data.target === experimentId).map((e) => e.seq));
  const out: Flag[] = [];
  for (const { seq, ...flag } of sequencedFlags(ledger, experimentId)) {
    let raised = seq;
    const ancestor = flag.source === LINEAGE_SOURCE ? lineageAncestor(flag.reason) : undefined;
    if (ancestor !== undefined) {
      const tag = ledger.experiment(ancestor)?.methodTag ?? null;
      if (!vetoState(vetoes, ancestor, tag).vetoed) continue;
      raised = Math.max(raised, lastVetoOn(vetoEvents, ancestor, tag));
    }
    if (lastApproval > raised) continue;
    out.push(flag);
  }
  return out;
}

/** The vetoes, unvetoes and approvals every experiment's flags are judged against. */
export interface VetoFacts {
  vetoes: readonly VetoRecord[];
  vetoEvents: readonly LedgerEvent[];
}

/**
 * Read once and passed to `activeFlags` when judging many experiments in one pass (a board's
 * first read): each call would otherwise read and parse every veto event again.
 */
export function vetoFacts(ledger: Ledger, records: ForumRecords): VetoFacts {
  return { vetoes: records.vetoes(), vetoEvents: ledger.events({ kind: 'veto' }) };
}

/** The seq of the latest veto naming an experiment or its method tag: when the veto now in force began. */
function lastVetoOn(vetoEvents: readonly LedgerEvent[], id: string, tag: string | null): number {
  const hits = vetoEvents.filter((e) => e.data.action === 'veto' && (e.data.target === id || (tag !== null && e.data.target === tag)));
  return hits.at(-1)?.seq ?? 0;
}
