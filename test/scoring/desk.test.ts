import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { ScoreBudget, ScoreBudgetExceededError } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

function ledgerWithScores(pgrs: number[], ledger = Ledger.open(tempLedgerPath('aar-desk-')), id = 'exp-1'): Ledger {
  ledger.proposeExperiment({ id, task: 'spam', method: { name: 'naive' }, seeds: pgrs.map((_, i) => i + 1) });
  pgrs.forEach((pgr, i) => {
    ledger.append('queued', { experimentId: id, jobId: `${id}-s${i + 1}`, data: { seed: i + 1 } });
    ledger.recordResult({
      jobId: `${id}-s${i + 1}`,
      experimentId: id,
      seed: i + 1,
      predictionsDigest: 'x',
      score: { public: { pgr }, private: { pgr: 0.99 } },
    });
  });
  return ledger;
}

describe('ScoreDesk', () => {
  it('answers with the Ladder per seed (a first answer: the score rounded to the margin), their mean, and nothing private', async () => {
    const desk = new ScoreDesk(ledgerWithScores([0.5123, 0.6, 0.7]), new ScoreBudget({ perHour: 10, mode: 'refuse' }));
    const answer = await desk.answer('agent-1', 'exp-1');
    expect(answer).toEqual({
      experiment: 'exp-1',
      pgrPublic: 0.6,
      seedsScored: 3,
      seedsFailed: 0,
      perSeed: [
        { seed: 1, pgrPublic: 0.5, newBest: true },
        { seed: 2, pgrPublic: 0.6, newBest: true },
        { seed: 3, pgrPublic: 0.7, newBest: true },
      ],
      margin: 0.05,
    });
    expect(JSON.stringify(answer)).not.toContain('0.99');
  });

  it('refuses an agent past its budget while another agent is still answered', async () => {
    const now = 0;
    const ledger = ledgerWithScores([0.5]);
    ledgerWithScores([0.6], ledger, 'exp-2');
    ledgerWithScores([0.7], ledger, 'exp-3');
    const desk = new ScoreDesk(ledger, new ScoreBudget({ perHour: 2, burst: 2, mode: 'refuse', now: () => now }));
    await desk.answer('a', 'exp-1');
    await desk.answer('a', 'exp-2');
    await expect(desk.answer('a', 'exp-3')).rejects.toBeInstanceOf(ScoreBudgetExceededError);
    await expect(desk.answer('a', 'exp-3')).rejects.toThrow(/scoring budget/);
    expect((await desk.answer('b', 'exp-1')).pgrPublic).toBe(0.5);
  });

  it('does not spend budget on an unknown experiment', async () => {
    const desk = new ScoreDesk(ledgerWithScores([0.5]), new ScoreBudget({ perHour: 1, burst: 1, mode: 'refuse', now: () => 0 }));
    await expect(desk.answer('a', 'nope')).rejects.toThrow(/no experiment/);
    expect((await desk.answer('a', 'exp-1')).seedsScored).toBe(1);
  });
});
