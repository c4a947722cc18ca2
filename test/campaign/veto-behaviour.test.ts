import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flagInferredDescendants } from '../../src/audit/inferred-lineage.js';
import { activeFlags } from '../../src/audit/active-flags.js';
import type { AarError } from '../../src/domain/errors.js';
import { parseMethod, type MethodInput } from '../../src/domain/method.js';
import { codeShape, methodBehaviourKey, strippedSource } from '../../src/domain/method-normal-form.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { SHARPEN_LABELS_CODE } from '../../workers/w2s/method/code/examples.js';
import { harness, OracleRunner, predictions, toyVault, type Harness } from '../pipeline/oracle.js';
import { makeDesk } from './fixture.js';

const CHEAT = SHARPEN_LABELS_CODE;

describe('a vetoed method cannot come back in another form', () => {
  const ok = { hypothesis: 'sharpen the labels', task: 'spam', seeds: 2 };

  it('refuses it with a // comment, reformatted, or with a default written out; a real change is accepted', async () => {
    const { desk, records } = makeDesk();
    const ada = desk.forAgent('ada');
    const { experiment } = await ada.propose({ ...ok, method: { name: 'sharp', code: { source: CHEAT } } });
    records.addVeto('veto', experiment, 'alice', 'games the scorer');
    const evasions: MethodInput[] = [
      { name: 'sharp-2', code: { source: `// a brand new idea\n${CHEAT}` } },
      { name: 'sharp-3', code: { source: CHEAT.replaceAll('\n', '\n\n  ').replaceAll(' = ', '=') } },
      { name: 'sharp-4', code: { source: `/* v2 */ ${CHEAT}`, hooks: ['transformLabels'] } },
      // Its own names renamed: the temperature, the running sum.
      { name: 'sharp-6', code: { source: CHEAT.replaceAll(/\bT\b/g, 'TEMPERATURE').replaceAll('sum', 'total') } },
      // spam's tuned student settings, written out.
      { name: 'sharp-5', code: { source: CHEAT }, epochs: 10, lr: 0.003, l2: 0.01, batchSize: 32, head: { kind: 'linear' }, labelSmoothing: 0 },
    ];
    for (const method of evasions) {
      const err = (await desk.forAgent('bayes').propose({ ...ok, method: method as Record<string, unknown> }).catch((e: unknown) => e)) as AarError;
      expect(err.code, JSON.stringify(method)).toBe('method_vetoed');
      expect(err.message).toContain(experiment);
    }
    // A different temperature is a different method; so is a non-default setting.
    await expect(ada.propose({ ...ok, method: { code: { source: CHEAT.replace('const T = 0.5', 'const T = 0.7') } } })).resolves.toBeDefined();
    await expect(ada.propose({ ...ok, method: { code: { source: CHEAT }, epochs: 30 } })).resolves.toBeDefined();
  });

  it('normal form: comments and whitespace go, strings stay as written, task defaults fill in', () => {
    expect(strippedSource('const a = "x // y";   // note\n/* b */ let  b =\n  1;')).toBe('const a="x // y";let b=1;');
    expect(methodBehaviourKey({ name: 'a', code: { source: CHEAT } }, 'spam')).toBe(methodBehaviourKey({ code: { source: `\n${CHEAT}// end`, hooks: ['transformLabels'] }, epochs: 10 }, 'spam'));
    // Renaming the author's own names changes nothing; which input, which Math function, which constant does.
    expect(codeShape('const a = 1; function f(x) { return x + a; }')).toBe(codeShape('const b = 1;\nfunction g(y) { return y + b; }'));
    expect(codeShape('function weights({ weak }) { return weak; }')).not.toBe(codeShape('function weights({ features }) { return features; }'));
    expect(codeShape('const a = Math.max(1, 2);')).not.toBe(codeShape('const a = Math.min(1, 2);'));
    expect(codeShape('const a = 1e5;')).not.toBe(codeShape('const a = 2e5;'));
    // The same settings differ between tasks whose defaults differ.
    expect(methodBehaviourKey({ epochs: 10 }, 'spam')).toBe(methodBehaviourKey({}, 'spam'));
    expect(methodBehaviourKey({ epochs: 10 }, 'math')).not.toBe(methodBehaviourKey({}, 'math'));
  });
});

describe('vetoes and lineage by behaviour: prediction similarity on the same seeds', () => {
  const { vault, ids, truth } = toyVault();
  const weak = predictions(ids, truth, (k) => k % 5 === 0);
  const ceiling = predictions(ids, truth, (k) => k % 10 === 0);
  const cheat = predictions(ids, truth, () => false);
  // Differs from the cheat on 1 public item of 100.
  const cheatAgain = predictions(ids, truth, (k) => k === 17);
  const honest = predictions(ids, truth, (k) => k % 10 === 0 || k % 20 === 5);
  let oracle: OracleRunner;
  let h: Harness;
  let records: ForumRecords;

  beforeEach(() => {
    oracle = new OracleRunner();
    h = harness(oracle, () => vault);
    records = new ForumRecords(h.ledger);
  });
  afterEach(() => h.close());

  async function run(method: MethodInput, student: Predictions, seeds = [1, 2, 3]) {
    oracle.set(method.name!, () => ({ student, weak, ceiling, stats: {} }));
    const id = await h.pipeline.submit({ task: 'toy', method: parseMethod(method), seeds, agent: 'agent-1' });
    await h.pipeline.waitFor(id);
    return id;
  }
  const lineageFlags = (id: string) => activeFlags(h.ledger, records, id).filter((f) => f.source === 'lineage');

  it('a result that predicts as a vetoed one on the same seeds is held back, whatever its method says; an honest one is not', async () => {
    const vetoed = await run({ name: 'cheat', labels: 'hard' }, cheat);
    records.addVeto('veto', vetoed, 'alice', 'reads the answers');
    const again = await run({ name: 'fresh-idea', labelSmoothing: 0.1, epochs: 7 }, cheatAgain);
    const fine = await run({ name: 'honest', labelSmoothing: 0.2 }, honest);
    expect(lineageFlags(again)).toEqual([expect.objectContaining({ reason: expect.stringMatching(new RegExp(`^derived from vetoed ${vetoed}: reads the answers \\(inferred, not declared: 99\\.0% of public predictions agree over 3 shared seeds\\)$`)) })]);
    expect(lineageFlags(fine)).toEqual([]);
    expect(leaderboard(h.ledger, records).map((r) => r.experiment)).toEqual([fine]);
    // An unveto lifts the inferred lineage flag like a declared one.
    records.addVeto('unveto', vetoed, 'alice', '');
    expect(lineageFlags(again)).toEqual([]);
  });

  it('a veto flags the earlier results that behave as built on it without declaring parents', async () => {
    const root = await run({ name: 'root', labels: 'hard' }, cheat);
    const copy = await run({ name: 'copy', labels: 'hard', lr: 0.01 }, cheatAgain);
    const other = await run({ name: 'other', labelSmoothing: 0.2 }, honest);
    // 97% agreement with one setting changed (lr) is built on it; without a shared seed nothing is inferred.
    const near = await run({ name: 'near', labels: 'hard', l2: 0.5 }, predictions(ids, truth, (k) => k % 40 === 3));
    const elsewhere = await run({ name: 'elsewhere', labels: 'hard', l2: 0.3 }, cheat, [4, 5]);
    records.addVeto('veto', root, 'alice', 'reads the answers');
    const flagged = flagInferredDescendants(h.ledger, root, 'reads the answers');
    expect(flagged.map((f) => f.experiment).sort()).toEqual([copy, near].sort());
    expect(lineageFlags(near)[0].reason).toMatch(/97\.\d% of public predictions agree over 3 shared seeds, and the method differs only in \+l2 0\.5\)/);
    for (const id of [other, elsewhere]) expect(lineageFlags(id)).toEqual([]);
  });

  it('the same method code under new settings is built on the vetoed one even before any prediction is compared', async () => {
    const vetoed = await run({ name: 'coded', code: { source: CHEAT } }, cheat);
    records.addVeto('veto', vetoed, 'alice', 'games the scorer');
    const renamed = await run({ name: 'coded-2', code: { source: `// tuned\n${CHEAT}` }, lr: 0.01 }, honest, [7]);
    expect(lineageFlags(renamed)[0].reason).toMatch(/inferred, not declared: the same method code \(comments and whitespace aside\)/);
  });
});
