import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMethod } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { flagsOf } from '../../src/ledger/flags.js';
import { FixedBaselines } from '../../src/scoring/trusted-baselines.js';
import { harness, OracleRunner, predictions, toyVault, type Harness } from './oracle.js';

const { vault, ids, truth, baselines } = toyVault();
// 80% and 90% right on each half (items 0-99 public, 100-199 private): PGR is defined.
const weak = predictions(ids, truth, (k) => k % 5 === 0);
const ceiling = predictions(ids, truth, (k) => k % 10 === 0);
// 85% right: PGR 0.5 on both halves.
const honest = predictions(ids, truth, (k) => k % 10 === 0 || k % 20 === 5);

let oracle: OracleRunner;
let h: Harness;

beforeEach(() => {
  oracle = new OracleRunner();
  h = harness(oracle, () => vault, { baselines });
});
afterEach(() => h.close());

/** Runs an experiment whose jobs return `student` (and the stats given) on every seed. */
async function run(name: string, seeds: number[], student: (seed: number) => Predictions, stats: Record<string, unknown> = {}, o: { weak?: Predictions; code?: string } = {}) {
  oracle.set(name, (seed) => ({ student: student(seed), weak: o.weak ?? weak, ceiling, stats }));
  const id = await h.pipeline.submit({ task: 'toy', method: parseMethod({ name, ...(o.code ? { code: { source: o.code } } : {}) }), seeds, agent: 'agent-1' });
  await h.pipeline.waitFor(id);
  return id;
}

describe('shortcut detectors in the pipeline', () => {
  it('flags a job whose student answers one class (from the predictions scoring received, whatever the worker says)', async () => {
    const id = await run('all-ones', [1], () => ({ ids, classes: ids.map(() => 1) }), { studentShares: [0.5, 0.5] }, { code: 'function transformLabels({ n }) { return new Array(n).fill([0, 1]); }' });
    const [r] = h.ledger.results(id);
    expect(r.flags).toHaveLength(1);
    expect(r.flags[0]).toMatch(/^most common answer: class 1 is 100\.0% of the student's predictions on the evaluation items against \d+\.\d% of the weak teacher's \(\+0\.\d\d; limits \+0\.2 or 95\.0%\)/);
    expect(flagsOf(h.ledger, id)).toEqual([expect.objectContaining({ source: 'seed 1', reason: r.flags[0] })]);
  });

  it('a built-in method (no agent code) that collapses onto one class below the weak teacher is a failed method, not flagged; one whose collapse pays is', async () => {
    const allOnes = () => ({ ids, classes: ids.map(() => 1) });
    const failed = await run('too-much-l2', [1], allOnes);
    expect(h.ledger.results(failed)[0].flags).toEqual([]);
    // Against a weak teacher that is right only where the truth is 1, answering 1 everywhere beats it.
    const poorWeak = predictions(ids, truth, (k) => truth[k] === 0 || k % 3 === 0);
    // Weak and ceiling come from trusted code only: this pipeline's trusted weak teacher is the poor one.
    await h.close();
    h = harness(oracle, () => vault, { baselines: new FixedBaselines({ toy: { weak: poorWeak, ceiling } }) });
    const pays = await run('collapse-pays', [1], allOnes, {}, { weak: poorWeak });
    expect(h.ledger.results(pays)[0].flags).toEqual([expect.stringMatching(/^most common answer: class 1 is 100\.0%/)]);
  });

  it('flags a job whose method code labels better than the ceiling, and not one just under the margin', async () => {
    const cheat = await run('peeks', [1], () => honest, { codeLabelAccuracy: 0.95 });
    expect(h.ledger.results(cheat)[0].flags).toEqual([expect.stringMatching(/^forbidden information: the method's own labels are 95\.0% accurate, above the ceiling's 90\.0% on the test items by more than 0\.02/)]);
    const fine = await run('clever', [1], () => honest, { codeLabelAccuracy: 0.915 });
    expect(h.ledger.results(fine)[0].flags).toEqual([]);
  });

  it('fails a job that predicts items that are not evaluation items, with a reason that says so, and flags the experiment', async () => {
    const swapped = { ids: ids.map((id, k) => (k === 3 ? 'train-17' : id)), classes: [...honest.classes] };
    const one = await run('swapped', [1], () => swapped);
    const extra = { ids: [...ids, 'train-1', 'train-2'], classes: [...honest.classes, 0, 1] };
    const two = await run('extra', [1], () => extra, {}, { weak: extra });
    for (const [id, text] of [
      [one, /: student has 1: "train-17" is not an evaluation item; a worker should/],
      [two, /: student has 2: "train-1" is not an evaluation item \(nor "train-2"\); weak has 2: /],
    ] as const) {
      expect(h.ledger.results(id)).toEqual([]);
      const failed = h.ledger.events({ experimentId: id, kind: 'failed' });
      expect(failed).toHaveLength(1);
      expect(String(failed[0].data.reason)).toMatch(/^rejected result: predictions for items that are not toy's evaluation items: /);
      expect(String(failed[0].data.reason)).toMatch(text);
      expect(flagsOf(h.ledger, id)).toEqual([expect.objectContaining({ source: 'detector:forbidden-information' })]);
    }
  });

  it('flags an experiment whose student beats the ceiling on every seed, once its last seed is scored', async () => {
    // 95% right against a 90% ceiling on each of 5 seeds.
    const id = await run('oracle-labels', [1, 2, 3, 4, 5], (seed) => predictions(ids, truth, (k) => k % 20 === seed));
    expect(h.ledger.results(id).every((r) => r.flags.length === 0)).toBe(true);
    const flags = flagsOf(h.ledger, id);
    expect(flags).toEqual([expect.objectContaining({ source: 'detector:beats-the-ceiling' })]);
    expect(flags[0].reason).toMatch(/^student accuracy 95\.0% vs ceiling 90\.0% \(\+0\.050 ± 0\.000 SE over 5 seeds; limit \+0\.01 and 2 SE\)/);
  });

  it('on one seed, flags only a margin over the ceiling above 0.03', async () => {
    // 92% (+0.02) is within one seed's noise; 95% (+0.05) is not.
    const near = await run('near', [1], () => predictions(ids, truth, (k) => k % 25 === 0 || k % 25 === 12));
    expect(flagsOf(h.ledger, near)).toEqual([]);
    const far = await run('far', [1], () => predictions(ids, truth, (k) => k % 20 === 0));
    expect(flagsOf(h.ledger, far).map((f) => f.source)).toEqual(['detector:beats-the-ceiling']);
  });

  it('flags an experiment fitted to the public half', async () => {
    // Right on every public item, only as good as the weak teacher on the private ones: public PGR 2, private 0.
    const id = await run('fit-public', [1, 2, 3], () => predictions(ids, truth, (k) => k >= 100 && k % 5 === 0));
    const flags = flagsOf(h.ledger, id);
    expect(flags.map((f) => f.source)).toEqual(['detector:public-private-gap']);
    expect(flags[0].reason).toMatch(/^public PGR 2\.00 vs private 0\.00 \(gap 2\.000 ± 0\.000 SE over 3 seeds; limit 0\.1 and 2 SE\)/);
  });

  it('raises nothing on an honest crafted run, and checking a finished experiment again adds no flag', async () => {
    const clean = await run('honest', [1, 2, 3, 4, 5], () => honest);
    expect(flagsOf(h.ledger, clean)).toEqual([]);
    const cheat = await run('oracle-again', [1, 2], (seed) => predictions(ids, truth, (k) => k % 20 === seed));
    const before = flagsOf(h.ledger, cheat);
    expect(before).toHaveLength(1);
    // What a restart does: recover() finds nothing unfinished; the completion hook, run again, is a no-op.
    await h.pipeline.recover();
    (h.pipeline as unknown as { checkExperiment(id: string): void }).checkExperiment(cheat);
    expect(flagsOf(h.ledger, cheat)).toEqual(before);
  });
});
