import { describe, expect, it } from 'vitest';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { addFlag } from '../../src/ledger/flags.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { rankCandidates } from '../../src/report/rank-inputs.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

function score(ledger: Ledger, experimentId: string, seed: number, pgr: number, flags: string[] = []): void {
  const jobId = `${experimentId}-s${seed}`;
  ledger.append('queued', { experimentId, jobId, data: { seed } });
  ledger.append('started', { experimentId, jobId, data: { seed } });
  ledger.append('finished', { experimentId, jobId, data: { seed } });
  ledger.recordResult({ jobId, experimentId, seed, predictionsDigest: 'd', score: { public: { pgr }, private: { pgr: pgr - 0.05 } }, flags });
}

const sorted = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));

describe('ranking inputs kept across calls', () => {
  it('after every kind of change, what is kept equals a fresh read of the whole ledger', () => {
    const path = tempLedgerPath();
    const ledger = Ledger.open(path);
    const records = new ForumRecords(ledger);
    const fresh = () => {
      // Another handle on the same file has nothing kept: its first read is the grouped one.
      const other = Ledger.open(path);
      try {
        return rankCandidates(other);
      } finally {
        other.close();
      }
    };
    const propose = (id: string, name = 'naive', seeds = [1, 2]) => ledger.proposeExperiment({ id, task: 'spam', method: { name }, seeds, agent: 'ada' });
    const steps: (() => void)[] = [
      () => propose('e1'),
      () => score(ledger, 'e1', 1, 0.4),
      () => score(ledger, 'e1', 2, 0.5),
      () => propose('e2', 'aux-conf'),
      () => score(ledger, 'e2', 1, 0.7, ['most-common-answer: 90% one class']),
      () => score(ledger, 'e2', 2, 0.8),
      () => addFlag(ledger, 'e1', 'auditor', 'looks odd'),
      () => records.addVeto('approve', 'e1', 'maria', 'checked'),
      () => propose('e3', 'aux-conf', [1]),
      () => records.addVeto('veto', 'aux-conf', 'maria', 'suspicious'),
      () => score(ledger, 'e3', 1, 0.9),
      () => records.addVeto('unveto', 'aux-conf', 'maria', 'fine after all'),
    ];
    for (const step of steps) {
      step();
      const kept = rankCandidates(ledger);
      expect(sorted(kept)).toEqual(sorted(fresh()));
    }
    const byId = new Map(rankCandidates(ledger).map((c) => [c.id, c]));
    expect(byId.get('e1')).toMatchObject({ finished: true, activeFlags: 0 });
    expect(byId.get('e1')!.scores).toHaveLength(2);
    expect(byId.get('e2')).toMatchObject({ finished: true, activeFlags: 1 });
    expect(byId.get('e3')).toMatchObject({ finished: true, activeFlags: 0 });
    ledger.close();
  });

  it('an experiment with a seed still running is not finished', () => {
    const ledger = Ledger.open(tempLedgerPath());
    ledger.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1, 2], agent: 'ada' });
    score(ledger, 'e1', 1, 0.4);
    ledger.append('queued', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2 } });
    expect(rankCandidates(ledger)[0].finished).toBe(false);
    ledger.close();
  });
});
