import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeuristicAuditor } from '../../bots/auditor/heuristic-auditor.js';
import { Steward } from '../../bots/steward/steward.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { SubmitRequest } from '../../src/pipeline/pipeline.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const WEAK = 0.833;
const CEILING = 0.948;
const half = (pgr: number) => ({ weak: WEAK, ceiling: CEILING, student: WEAK + pgr * (CEILING - WEAK), pgr });

/** A finished experiment with `pgrs` as its per-seed public PGR (private 0.02 lower), written as the pipeline would. */
function addExperiment(ledger: Ledger, id: string, pgrs: number[], o: { task?: string; method?: string; agent?: string; shares?: number[] } = {}): void {
  ledger.proposeExperiment({ id, task: o.task ?? 'spam', method: { name: o.method ?? 'naive' }, seeds: pgrs.map((_, i) => i + 1), agent: o.agent ?? 'ada' });
  pgrs.forEach((pgr, i) => {
    const jobId = `${id}-s${i + 1}`;
    ledger.append('queued', { experimentId: id, jobId, data: { seed: i + 1 } });
    ledger.recordResult({
      jobId,
      experimentId: id,
      seed: i + 1,
      predictionsDigest: 'x',
      score: { public: half(pgr), private: half(pgr - 0.02) },
      stats: { studentShares: o.shares ?? [0.7, 0.3], weakLabelShares: [0.69, 0.31] },
    });
  });
}

const around = (mean: number) => [0.04, -0.03, 0.05, -0.06, 0].map((j) => mean + j);

let path: string;
let ledger: Ledger;
let records: ForumRecords;

beforeEach(() => {
  path = tempLedgerPath('aar-steward-');
  ledger = Ledger.open(path);
  records = new ForumRecords(ledger);
});
afterEach(() => ledger.close());

const steward = () => new Steward({ ledger, records, tasks: ['spam', 'math'], campaignId: 'c1' });
const stewardPosts = (channel: string) =>
  records
    .messages({ channel })
    .filter((m) => m.author === 'steward')
    .map((m) => m.text)
    .reverse();

describe('Steward.seedBaselines', () => {
  it('proposes naive and aux-conf on every task with 5 seeds, once', async () => {
    const calls: SubmitRequest[] = [];
    // Stands in for Pipeline.submit: it records the proposal in the ledger, as the real one does.
    const submit = async (req: SubmitRequest) => {
      calls.push(req);
      const id = `e-${calls.length}`;
      ledger.proposeExperiment({ id, task: req.task, method: req.method as Record<string, unknown>, seeds: req.seeds, agent: req.agent, campaignId: req.campaignId });
      return id;
    };
    // A researcher's own 5-seed naive run on math already serves as that reference.
    addExperiment(ledger, 'e-mine', around(0.1), { task: 'math' });

    expect(await steward().seedBaselines(submit)).toEqual(['e-1', 'e-2', 'e-3']);
    expect(calls.map((c) => [c.task, c.method.name, c.seeds, c.agent, c.campaignId])).toEqual([
      ['spam', 'naive', [1, 2, 3, 4, 5], 'steward', 'c1'],
      ['spam', 'aux-conf', [1, 2, 3, 4, 5], 'steward', 'c1'],
      ['math', 'aux-conf', [1, 2, 3, 4, 5], 'steward', 'c1'],
    ]);
    expect(calls[1].method.auxConf).toMatchObject({ alphaMax: 0.75 });
    expect(calls[0].hypothesis).toMatch(/^Baseline: naive on spam over 5 seeds/);

    expect(await steward().seedBaselines(submit)).toEqual([]);
    ledger.close();
    ledger = Ledger.open(path);
    records = new ForumRecords(ledger);
    expect(await steward().seedBaselines(submit)).toEqual([]);
    expect(calls).toHaveLength(3);
  });
});

describe('Steward.review', () => {
  it('announces each leader change once, across review() calls and a restart', async () => {
    addExperiment(ledger, 'e1', around(0.6));
    await steward().review();
    await steward().review();
    expect(stewardPosts('results')).toEqual(['New leader on spam: e1 (naive, ada) public PGR 0.60 ± 0.05 over 5 seeds, the first result on this task.']);

    addExperiment(ledger, 'e2', around(0.72), { method: 'aux-conf', agent: 'bo' });
    addExperiment(ledger, 'e3', around(0.65));
    ledger.close();
    ledger = Ledger.open(path);
    records = new ForumRecords(ledger);
    await steward().review();
    await steward().review();
    expect(stewardPosts('results').slice(1)).toEqual(['New leader on spam: e2 (aux-conf, bo) public PGR 0.72 ± 0.05 over 5 seeds, up from 0.60 (e1).']);

    records.addVeto('veto', 'e2', 'alice', 'shortcut');
    await steward().review();
    expect(stewardPosts('results').slice(2)).toEqual(['New leader on spam: e3 (naive, ada) public PGR 0.65 ± 0.05 over 5 seeds; the previous leader e2 (0.72) was vetoed.']);
    expect(ledger.events({ kind: 'note' }).filter((e) => e.data.leader)).toHaveLength(3);
  });

  it('never announces a probe with fewer seeds than a claim needs (the results channel is public)', async () => {
    addExperiment(ledger, 'e-probe', [0.95, 0.9]);
    await steward().review();
    expect(stewardPosts('results')).toEqual([]);
  });
});

describe('Steward.digest', () => {
  it('lists what ran, the best per task on each half, what waits for a person, and vetoes', async () => {
    addExperiment(ledger, 'e1', around(0.3));
    addExperiment(ledger, 'e2', around(0.72), { method: 'aux-conf', agent: 'bo' });
    addExperiment(ledger, 'e-gamed', around(0.9), { method: 'one-class', shares: [0.98, 0.02] });
    addExperiment(ledger, 'e-probe', [0.5]);
    await new HeuristicAuditor({ ledger, records }).review();
    records.addVeto('veto', 'e1', 'alice', 'testing the digest');

    const text = steward().digest();
    expect(text.split('\n').slice(1)).toEqual([
      '',
      'Experiments: 4 proposed, 4 finished, 0 still running.',
      '- e1 (spam, naive, ada): public PGR 0.30 ± 0.05, private 0.28 ± 0.05 over 5 seeds',
      '- e2 (spam, aux-conf, bo): public PGR 0.72 ± 0.05, private 0.70 ± 0.05 over 5 seeds',
      '- e-gamed (spam, one-class, ada): public PGR 0.90 ± 0.05, private 0.88 ± 0.05 over 5 seeds',
      '- e-probe (spam, naive, ada): public PGR 0.50 ± 0.00, private 0.48 ± 0.00 over 1 seed',
      '',
      'Best per task (5+ seeds, vetoed ones left out), ranked by private PGR (the held-out half no agent sees):',
      '- spam: private e-gamed (one-class, ada) 0.88 ± 0.05; public e-gamed (one-class, ada) 0.90 ± 0.05',
      '- math: no result with 5+ seeds yet',
      '',
      "Top insights (most upvoted; a person's vote weighs three agents'): none yet.",
      '',
      'Dead ends: none recorded.',
      '',
      'Waiting for a person:',
      expect.stringMatching(/^- e-gamed: the auditor recommends a veto: Most common answer: class 0 is 98\.0% .* Reply `veto e-gamed <reason>` or `approve e-gamed`\.$/),
      '',
      'Vetoes:',
      '- e1: vetoed by alice: testing the digest',
    ]);
    expect(text).toMatch(/^Digest at .*, covering the whole campaign so far\.$/m);
    expect(stewardPosts('audit')).toEqual([text]);

    // The next digest covers only what happened since this one.
    const next = steward().digest();
    expect(next).toMatch(/covering everything since /);
    expect(next).toContain('Experiments: 0 proposed, 0 finished, 0 still running.');
    expect(next).toContain('Vetoes since then: none.');
    expect(next).toContain('- e-gamed: the auditor recommends a veto');
  });

  it('a person’s overturn decides a verdict, and experiment-level flags wait for a person too', async () => {
    addExperiment(ledger, 'e-gamed', around(0.9), { method: 'one-class', shares: [0.98, 0.02] });
    addExperiment(ledger, 'e-lineage', around(0.5));
    await new HeuristicAuditor({ ledger, records }).review();
    expect(steward().digest()).toContain('- e-gamed: the auditor recommends a veto');
    ledger.append('verdict', { experimentId: 'e-gamed', data: { experiment: 'e-gamed', verdict: 'ok', source: 'human', who: 'alice', reason: 'expected for this task', overturns: 1 } });
    ledger.append('flag', { experimentId: 'e-lineage', data: { source: 'lineage', reason: 'derived from vetoed e0: shortcut' } });
    const text = steward().digest();
    expect(text).not.toContain('e-gamed: the auditor');
    expect(text).toContain('- e-lineage: flagged (derived from vetoed e0); no verdict yet.');
  });
});
