import { describe, expect, it } from 'vitest';
import { ExperimentMemo } from '../../src/ledger/experiment-memo.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

function setup() {
  const ledger = Ledger.open(tempLedgerPath());
  for (const id of ['e1', 'e2', 'e3']) ledger.proposeExperiment({ id, task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada' });
  const computed: string[] = [];
  // The derived value reads the ledger as a leaderboard row would: here, the number of results.
  const memo = new ExperimentMemo(ledger, (id) => {
    computed.push(id);
    return ledger.results(id).length;
  });
  return { ledger, memo, computed };
}

describe('a per-experiment value derived from the ledger', () => {
  it('is computed once, and again only for the experiments the ledger recorded something about', () => {
    const { ledger, memo, computed } = setup();
    expect(memo.get(['e1', 'e2', 'e3'])).toEqual([0, 0, 0]);
    expect(memo.get(['e1', 'e2', 'e3'])).toEqual([0, 0, 0]);
    expect(computed).toEqual(['e1', 'e2', 'e3']);
    ledger.recordResult({ jobId: 'e2-s1', experimentId: 'e2', seed: 1, predictionsDigest: 'd', score: { public: { pgr: 0.4 }, private: { pgr: 0.3 } } });
    expect(memo.get(['e1', 'e2', 'e3'])).toEqual([0, 1, 0]);
    expect(computed).toEqual(['e1', 'e2', 'e3', 'e2']);
    ledger.close();
  });

  it('a veto (by id, tag or lineage, so it can change any experiment) recomputes everything', () => {
    const { ledger, memo, computed } = setup();
    memo.get(['e1', 'e2', 'e3']);
    new ForumRecords(ledger).addVeto('veto', 'naive', 'maria', 'suspicious');
    memo.get(['e1', 'e2', 'e3']);
    expect(computed).toEqual(['e1', 'e2', 'e3', 'e1', 'e2', 'e3']);
    ledger.close();
  });

  it('an experiment proposed after the first call is computed when asked for', () => {
    const { ledger, memo, computed } = setup();
    memo.get(['e1']);
    ledger.proposeExperiment({ id: 'e4', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada' });
    expect(memo.get(['e1', 'e4'])).toEqual([0, 0]);
    expect(computed).toEqual(['e1', 'e4']);
    ledger.close();
  });
});

describe('a per-experiment value with a bulk read', () => {
  it('fills everything in one bulk read at first and after a veto, then one experiment at a time', () => {
    const ledger = Ledger.open(tempLedgerPath());
    for (const id of ['e1', 'e2']) ledger.proposeExperiment({ id, task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada' });
    const calls: string[] = [];
    const count = (id: string) => ledger.results(id).length;
    const memo = new ExperimentMemo(
      ledger,
      (id) => (calls.push(id), count(id)),
      () => (calls.push('all'), new Map(['e1', 'e2'].map((id) => [id, count(id)]))),
    );
    expect(memo.get(['e1', 'e2'])).toEqual([0, 0]);
    ledger.recordResult({ jobId: 'e1-s1', experimentId: 'e1', seed: 1, predictionsDigest: 'd', score: { public: { pgr: 0.4 }, private: { pgr: 0.3 } } });
    expect(memo.get(['e1', 'e2'])).toEqual([1, 0]);
    new ForumRecords(ledger).addVeto('veto', 'e2', 'maria', 'suspicious');
    memo.get(['e1', 'e2']);
    expect(calls).toEqual(['all', 'e1', 'all']);
    ledger.close();
  });
});
