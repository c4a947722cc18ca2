import { describe, expect, it } from 'vitest';
import type { Proposal } from '../../src/campaign/research-desk.js';
import { addFlag } from '../../src/ledger/flags.js';
import { makeDesk, score } from './fixture.js';

const five: Proposal = { hypothesis: 'aux-conf on five seeds', task: 'spam', method: 'aux-conf', seeds: 5 };
const PGRS = { 1: 0.5, 2: 0.6, 3: 0.7, 4: 0.6, 5: 0.6 };

describe('get_result and claim check flags and ownership', () => {
  it('get_result never returns the numbers of a flagged result, says why, and charges nothing', async () => {
    const f = makeDesk({ perHour: 10, burst: 10 });
    const ada = f.desk.forAgent('ada');
    const { experiment } = await ada.propose(five);
    score(f.ledger, experiment, PGRS);
    addFlag(f.ledger, experiment, 'seed 1', 'beats the ceiling: student 0.97 vs ceiling 0.95', 'c1');
    for (const r of [await ada.result(experiment), await f.desk.forAgent('bayes').result(experiment), await ada.experimentDetails(experiment)]) {
      expect(r).not.toHaveProperty('pgrPublic');
      expect(r).not.toHaveProperty('perSeed');
      expect(r).toMatchObject({ seedsScored: 5, withheld: expect.stringMatching(/^flagged for review/) });
      // The method's own settings (alphaMax 0.75, threshold 0.5) are not scores.
      const { methodSettings: _settings, ...rest } = r as typeof r & { methodSettings?: unknown };
      expect(JSON.stringify(rest)).not.toMatch(/0\.[567]\b/);
    }
    expect(f.budget.remaining('ada')).toBe(10);
  });

  it("claim refuses another agent's experiment, naming the field", async () => {
    const f = makeDesk();
    const { experiment } = await f.desk.forAgent('ada').propose(five);
    score(f.ledger, experiment, PGRS);
    expect(() => f.desk.forAgent('bayes').claim({ experiment, text: 'mine now' })).toThrow(/experiment: .* is ada's experiment; accepted: one of your own experiments/);
    expect(f.ledger.events({ kind: 'claim' })).toEqual([]);
    expect(f.records.messages({ channel: 'results', limit: 10 })).toEqual([]);
  });

  it('claim refuses a flagged experiment until a person approves it', async () => {
    const f = makeDesk();
    const ada = f.desk.forAgent('ada');
    const { experiment } = await ada.propose(five);
    score(f.ledger, experiment, PGRS);
    addFlag(f.ledger, experiment, 'seed 2', 'most common answer: 97% one class', 'c1');
    expect(() => ada.claim({ experiment, text: 'new best' })).toThrow(/flagged for review; it can be claimed once a person approves it/);
    expect(f.ledger.events({ kind: 'claim' })).toEqual([]);
  });

  it('claim takes your own finished, unflagged experiment with claimSeeds seeds, with the Ladder’s numbers', async () => {
    const f = makeDesk();
    const ada = f.desk.forAgent('ada');
    const { experiment } = await ada.propose(five);
    score(f.ledger, experiment, PGRS);
    expect(ada.claim({ experiment, text: 'new best' })).toMatchObject({ pgrPublic: 0.6, sd: 0.07, seeds: 5 });
  });
});
