import type { Flag } from '../ledger/flags.js';
import type { ForumRecords } from '../ledger/forum-records.js';
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
export function activeFlags(ledger: Ledger, records: ForumRecords, experimentId: string): Flag[] {
  return activeFlagsReader(ledger, records)(experimentId);
}

/**
 * `activeFlags` for many experiments against one reading of the vetoes: a report asks about
 * every flagged experiment of a campaign (hundreds at 50,000 experiments), and reading every
 * veto again for each was most of its time. The vetoes are read when this is called: use the
 * reader for one pass, then drop it.
 */
export function activeFlagsReader(ledger: Ledger, records: ForumRecords): (experimentId: string) => Flag[] {
  const vetoes = records.vetoes();
  const vetoEvents = ledger.events({ kind: 'veto' });
  // The latest approval of each experiment; events come in seq order, so the last one wins.
  const lastApprovalOf = new Map<string, number>();
  for (const e of vetoEvents) if (e.data.action === 'approve' && typeof e.data.target === 'string') lastApprovalOf.set(e.data.target, e.seq);
  const tagOf = new Map<string, string | null>();
  const methodTag = (id: string) => {
    if (!tagOf.has(id)) tagOf.set(id, ledger.experiment(id)?.methodTag ?? null);
    return tagOf.get(id)!;
  };
  return (experimentId) => {
    const lastApproval = lastApprovalOf.get(experimentId) ?? 0;
    const out: Flag[] = [];
    for (const { seq, ...flag } of sequencedFlags(ledger, experimentId)) {
      let raised = seq;
      const ancestor = flag.source === LINEAGE_SOURCE ? lineageAncestor(flag.reason) : undefined;
      if (ancestor !== undefined) {
        const tag = methodTag(ancestor);
        if (!vetoState(vetoes, ancestor, tag).vetoed) continue;
        raised = Math.max(raised, lastVetoOn(vetoEvents, ancestor, tag));
      }
      if (lastApproval > raised) continue;
      out.push(flag);
    }
    return out;
  };
}

/** The seq of the latest veto naming an experiment or its method tag: when the veto now in force began. */
function lastVetoOn(vetoEvents: readonly LedgerEvent[], id: string, tag: string | null): number {
  const hits = vetoEvents.filter((e) => e.data.action === 'veto' && (e.data.target === id || (tag !== null && e.data.target === tag)));
  return hits.at(-1)?.seq ?? 0;
}
