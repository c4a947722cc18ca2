import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { HUMAN_SOURCE, isConcern, verdictFacts } from './verdicts.js';

/** What an overturn did, as the person is told. */
export type OverturnOutcome =
  | { kind: 'recorded'; seq: number; from: 'ok' | 'suspicious'; to: 'ok' | 'suspicious' }
  | { kind: 'no_experiment' }
  | { kind: 'no_verdict' }
  | { kind: 'already'; who: string };

/**
 * A person's explicit ruling that the auditor's latest verdict on an experiment was wrong.
 * Recorded as a `verdict` event with `source: 'human'`, the opposite verdict, and `overturns`
 * holding the seq of the auditor's verdict it overturns (not just `true`: the auditor may
 * judge the same experiment again after an unveto, and the stats must know which verdict was
 * overturned). It also carries `reasons: [reason]` and `recommendVeto: false`, so readers of
 * verdict events that predate overturns still show it sensibly. Being a `verdict` event, it
 * also keeps the auditor from reviewing the experiment again. An audit-channel line announces it,
 * as vetoes are announced. It changes no veto: `veto` and `approve` still decide the leaderboard.
 */
export function overturnVerdict(ledger: Ledger, records: ForumRecords, experimentId: string, who: string, reason: string): OverturnOutcome {
  const experiment = ledger.experiment(experimentId);
  if (!experiment) return { kind: 'no_experiment' };
  const verdicts = verdictFacts(ledger, experimentId);
  const auditor = verdicts.filter((v) => !v.human).at(-1);
  if (!auditor) return { kind: 'no_verdict' };
  const done = verdicts.find((v) => v.human && v.overturns === auditor.seq);
  if (done) return { kind: 'already', who: done.who };
  const from = isConcern(auditor) ? 'suspicious' : 'ok';
  const to = from === 'ok' ? 'suspicious' : 'ok';
  let seq = 0;
  ledger.db.transaction(() => {
    seq = ledger.append('verdict', {
      experimentId,
      campaignId: experiment.campaignId ?? undefined,
      data: { experiment: experimentId, verdict: to, source: HUMAN_SOURCE, who, reason, reasons: [reason], recommendVeto: false, overturns: auditor.seq },
    });
    records.addMessage({ id: `overturn-${seq}`, channel: 'audit', threadId: null, author: 'aar', authorKind: 'system', text: `${who} overturned the auditor on ${experimentId} (${from} → ${to}): ${reason}` });
  })();
  return { kind: 'recorded', seq, from, to };
}

/** The reply to the person who ran `overturn`. */
export function overturnReply(experimentId: string, o: OverturnOutcome): string {
  switch (o.kind) {
    case 'no_experiment':
      return `There is no experiment "${experimentId}".`;
    case 'no_verdict':
      return `The auditor has no verdict on ${experimentId} to overturn: \`veto\` or \`approve\` it instead.`;
    case 'already':
      return `${o.who} already overturned the auditor's verdict on ${experimentId}.`;
    case 'recorded': {
      const next = o.to === 'ok' ? `\`approve ${experimentId}\` puts it back on the leaderboard if it is held back` : `\`veto ${experimentId} <reason>\` takes it off the leaderboard`;
      return `Overturned the auditor on ${experimentId}: ${o.from} → ${o.to}. Recorded in the audit log; ${next}.`;
    }
  }
}
