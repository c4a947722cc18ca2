import type { Ledger, LedgerEvent } from '../ledger/ledger.js';
import { isConcern, verdictFacts, type VerdictFact } from './verdicts.js';

/** How people's decisions compare with the auditor's verdicts. */
export interface OverturnStats {
  /** The auditor raised a concern; a person then approved it, lifted the auditor's veto, or overturned it. */
  falseAlarms: number;
  /** The auditor said ok; a person then vetoed it (or its method tag), or overturned it. */
  missed: number;
  /** The auditor raised a concern and a person then vetoed it. */
  confirmedSuspicious: number;
  /** The auditor said ok and no person has ruled otherwise. */
  confirmedOk: number;
  /** Explicit `overturn` commands (each also counts in falseAlarms or missed, unless a later decision reversed it). */
  explicit: number;
}

type Judgement = 'ok' | 'suspicious' | null;

/**
 * Counts, for each auditor verdict, what people decided afterwards. A person's latest
 * decision on the experiment wins (they may veto and later approve): an approval or an
 * overturn to ok says "fine", a veto of the experiment or its method tag or an overturn to
 * suspicious says "not fine", and an unveto says "fine" when it lifts the auditor's own veto
 * and "undecided" when it lifts a person's. A concern nobody has acted on yet counts nowhere.
 * Decisions count until the auditor judges the experiment again. `scope`, when given, is
 * the experiments to count (a campaign's).
 */
export function overturnStats(ledger: Ledger, scope?: ReadonlySet<string>): OverturnStats {
  const stats: OverturnStats = { falseAlarms: 0, missed: 0, confirmedSuspicious: 0, confirmedOk: 0, explicit: 0 };
  const verdicts = verdictFacts(ledger).filter((v) => !scope || scope.has(v.experiment));
  const vetoEvents = ledger.events({ kind: 'veto' });
  stats.explicit = verdicts.filter((v) => v.human && v.overturns !== undefined).length;
  const auditor = verdicts.filter((v) => !v.human);
  for (const v of auditor) {
    const nextAudit = auditor.find((w) => w.experiment === v.experiment && w.seq > v.seq)?.seq ?? Infinity;
    const judgement = judgementAfter(ledger, v, nextAudit, verdicts, vetoEvents);
    if (isConcern(v)) {
      if (judgement === 'ok') stats.falseAlarms++;
      else if (judgement === 'suspicious') stats.confirmedSuspicious++;
    } else if (judgement === 'suspicious') stats.missed++;
    else stats.confirmedOk++;
  }
  return stats;
}

/** A person's latest decision on the verdict's experiment between the verdict and `until`. */
function judgementAfter(ledger: Ledger, v: VerdictFact, until: number, verdicts: readonly VerdictFact[], vetoEvents: readonly LedgerEvent[]): Judgement {
  const tag = ledger.experiment(v.experiment)?.methodTag ?? null;
  const names = (target: unknown) => target === v.experiment || (tag !== null && target === tag);
  const decisions: { seq: number; judgement: Judgement }[] = [];
  for (const o of verdicts) {
    if (o.human && o.overturns === v.seq) decisions.push({ seq: o.seq, judgement: o.verdict });
  }
  for (const e of vetoEvents) {
    if (e.seq <= v.seq || e.seq >= until || !names(e.data.target)) continue;
    const who = String(e.data.who ?? '');
    if (who === v.who) continue; // the auditor's own auto-veto is not a person's decision
    if (e.data.action === 'approve' && e.data.target === v.experiment) decisions.push({ seq: e.seq, judgement: 'ok' });
    else if (e.data.action === 'veto') decisions.push({ seq: e.seq, judgement: 'suspicious' });
    else if (e.data.action === 'unveto') {
      const lifted = vetoEvents.filter((x) => x.seq < e.seq && x.data.action === 'veto' && x.data.target === e.data.target).at(-1);
      decisions.push({ seq: e.seq, judgement: lifted && String(lifted.data.who) === v.who ? 'ok' : null });
    }
  }
  decisions.sort((a, b) => a.seq - b.seq);
  return decisions.at(-1)?.judgement ?? null;
}
