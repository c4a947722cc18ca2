import { describe, expect, it } from 'vitest';
import { activeFlags, activeFlagsReader } from '../../src/audit/active-flags.js';
import { flagLineage } from '../../src/audit/lineage-flags.js';
import { addFlag } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildReport } from '../../src/report/campaign-report.js';
import { summarizeExperiment } from '../../src/report/experiment-summary.js';
import { summarizeScope } from '../../src/report/scope-summaries.js';
import { around, campaignLedger, runExperiment } from './fixture.js';

/** What `summarizeExperiment` says of every experiment of a scope, one at a time. */
function oneByOne(ledger: Ledger, campaignId: string | null): Map<string, ReturnType<typeof summarizeExperiment>> {
  const rows = ledger.db.prepare(`SELECT id FROM experiments ${campaignId === null ? '' : 'WHERE campaign_id = ?'}`).all(...(campaignId === null ? [] : [campaignId])) as { id: string }[];
  return new Map(rows.map((r) => [r.id, summarizeExperiment(ledger, r.id)]));
}

describe('summarizeScope', () => {
  it('sums up every experiment of a scope as summarizeExperiment does one: scores, parents, hypothesis, seed and event flags', () => {
    const { ledger } = campaignLedger();
    addFlag(ledger, 'exp-a', 'detector:most-common-answer', 'answers "spam" 97% of the time');
    addFlag(ledger, 'exp-veto', 'auditor', 'majority class');
    ledger.proposeExperiment({ id: 'unscored', task: 'spam', method: { name: 'later' }, seeds: [1, 2], campaignId: 'c1' });
    for (const scope of ['c1', 'c0', null]) {
      const { byId } = summarizeScope(ledger, scope);
      expect(byId).toEqual(oneByOne(ledger, scope));
    }
    const { byId, flaggedSeeds } = summarizeScope(ledger, 'c1');
    expect(byId.get('exp-veto')!.flags).toEqual(['auditor: majority class', 'majority-class']);
    expect(byId.get('unscored')).toMatchObject({ seeds: 0, seedsPlanned: 2, pgrPublic: null, lastScoredAt: null, hypothesis: null, flags: [] });
    // Only seeds whose result raised a flag; an experiment-level flag names no seed.
    expect([...flaggedSeeds]).toEqual([['exp-veto', [1, 4]]]);
  });
});

describe('activeFlagsReader', () => {
  it('answers for every experiment as activeFlags does, after approvals, an unveto and a tag veto', () => {
    const { ledger } = campaignLedger();
    const records = new ForumRecords(ledger);
    runExperiment(ledger, 'child', { campaignId: 'c1', tag: 'kid', parents: ['exp-few'], pub: around(0.6) });
    runExperiment(ledger, 'grandchild', { campaignId: 'c1', tag: 'kid2', parents: ['child'], pub: around(0.6) });
    records.addVeto('veto', 'exp-few', 'alice', 'lucky');
    flagLineage(ledger, 'exp-few', 'lucky');
    records.addVeto('veto', 'lucky', 'alice', 'the tag');
    // After the tag veto: a veto of the ancestor after an approval would raise the flag anew.
    records.addVeto('approve', 'child', 'bob', 'looked');
    addFlag(ledger, 'exp-a', 'auditor', 'odd');
    const ids = (ledger.db.prepare('SELECT id FROM experiments').all() as { id: string }[]).map((r) => r.id);
    const reader = activeFlagsReader(ledger, records);
    const answers = ids.map((id) => [id, reader(id)]);
    expect(answers).toEqual(ids.map((id) => [id, activeFlags(ledger, records, id)]));
    // The case the check is for: some flags count, some were lifted.
    expect(reader('grandchild')).toHaveLength(1);
    expect(reader('child')).toEqual([]);
    expect(reader('exp-a')).toHaveLength(1);
  });
});

describe('buildReport holding flagged results', () => {
  it('holds an experiment with an active flag off the board and points, and lets it back once a person approves it', () => {
    const { ledger } = campaignLedger();
    addFlag(ledger, 'exp-b', 'auditor', 'looks too good', 'c1');
    const spam = (l: Ledger) => buildReport({ ledger: l, campaignId: 'c1' }).tasks.find((t) => t.task === 'spam')!;
    // exp-b was approved before this flag: the flag counts, so exp-a leads.
    expect(spam(ledger).best!.id).toBe('exp-a');
    expect(spam(ledger).points.map((p) => p.experiment)).not.toContain('exp-b');
    new ForumRecords(ledger).addVeto('approve', 'exp-b', 'bob', 'checked again');
    expect(spam(ledger).best!.id).toBe('exp-b');
    expect(spam(ledger).leaderboard.map((r) => r.id)).toEqual(['exp-b', 'exp-a', 'base-aux', 'base-naive']);
  });
});
