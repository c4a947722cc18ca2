import { FixedBaselines } from '../../src/scoring/trusted-baselines.js';
import { describe, expect, it } from 'vitest';
import { ResearchDesk, type Proposal } from '../../src/campaign/research-desk.js';
import { parseMethod } from '../../src/domain/method.js';
import { addFlag } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { harness, OracleRunner, predictions, toyVault } from '../pipeline/oracle.js';
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

describe('a failed seed answers nothing a score would not', () => {
  it("scoring's rejection for an undefined PGR reaches the agent without the accuracies it quotes (they are labels-derived, private half included)", async () => {
    const { vault, ids, truth } = toyVault();
    const oracle = new OracleRunner();
    // The ceiling equals the weak teacher on the private half: PGR is undefined there. Both come
    // from trusted code (what a job reports is ignored).
    const weak = predictions(ids, truth, (k) => k % 5 === 0);
    const h = harness(oracle, () => vault, { baselines: new FixedBaselines({ spam: { weak, ceiling: weak } }) });
    try {
      oracle.set('same', () => ({ student: weak, weak, ceiling: weak, stats: {} }));
      const id = await h.pipeline.submit({ task: 'spam', method: parseMethod({ name: 'same' }), seeds: [1], agent: 'mallory' });
      await h.pipeline.waitFor(id);
      const reason = String(h.ledger.events({ experimentId: id, kind: 'failed' })[0].data.reason);
      expect(reason).toMatch(/PGR is undefined on the \w+ half of toy: the strong ceiling \(0\.\d{4}\)/);
      const desk = new ResearchDesk({ ledger: h.ledger, records: new ForumRecords(h.ledger), pipeline: h.pipeline, scores: ScoreDesk.persistent(h.ledger, { perHour: 100 }), tasks: ['spam'], agents: ['mallory'] });
      const mallory = desk.forAgent('mallory');
      const told = JSON.stringify([await mallory.result(id), mallory.readForum(), mallory.myExperiments().map((e) => e.failures)]);
      expect(told).toContain('scoring could not compute PGR for this seed of toy');
      expect(told).not.toMatch(/0\.\d{4}|private|public half/);
    } finally {
      await h.close();
    }
  });
});
