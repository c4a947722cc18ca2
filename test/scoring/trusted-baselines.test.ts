import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';

import { embeddedVault } from '../../src/scoring/label-vault.js';
import { score } from '../../src/scoring/score.js';
import { EmbeddedBaselines, LedgerBaselines } from '../../src/scoring/trusted-baselines.js';
import { CommandRunner } from '../../workers/command/command-runner.js';
import { runW2s, type W2sRunOutput } from '../../workers/w2s/runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { harness, OracleRunner, predictions, toyVault } from '../pipeline/oracle.js';

// A trainer reports weak and ceiling predictions next to its student's. If scoring believed them,
// a trainer would set the scale its own PGR is measured on: a made-up ceiling equal to its
// student gives PGR 1. Scoring's weak and ceiling come from trusted code, per (task, seed).

const trainers = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'trainers');
const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Predictions that agree with `p` except on every `n`-th item. */
function flipEvery(p: Predictions, n: number): Predictions {
  return { ids: [...p.ids], classes: p.classes.map((c, k) => (k % n === 0 ? 1 - c : c)) };
}

describe('embedded tasks: weak and ceiling trained by the coordinator', () => {
  let honest: W2sRunOutput;
  beforeAll(() => {
    honest = runW2s({ task: 'spam', seed: 1, method: builtinMethod('naive'), cacheDir: testCacheDir(), cacheBaselines: false });
  });

  it('a result that reports its own weak and ceiling is scored against the trusted ones', async () => {
    const oracle = new OracleRunner();
    const h = harness(oracle, (task) => embeddedVault(testCacheDir(), task as 'spam'));
    open.push(h);
    // The miner's ceiling is its own student, and its weak teacher is worse than the real one.
    oracle.set('miner', () => ({ student: honest.student, weak: flipEvery(honest.student, 3), ceiling: honest.student, stats: {} }));
    const id = await h.pipeline.submit({ task: 'spam', method: parseMethod({ name: 'miner' }), seeds: [1] });
    await h.pipeline.waitFor(id);
    const [r] = h.ledger.results(id);
    const vault = embeddedVault(testCacheDir(), 'spam');
    const trusted = score(vault, { student: honest.student, weak: honest.weak, ceiling: honest.ceiling });
    const believed = score(vault, { student: honest.student, weak: flipEvery(honest.student, 3), ceiling: honest.student });
    expect(believed.public.pgr).toBe(1);
    expect(r.score.public).toEqual(trusted.public);
    expect(r.score.private).toEqual(trusted.private);
    expect(r.score.public.pgr).toBeLessThan(0.9);
  });

  it('the coordinator trains the same weak teacher and ceiling a w2s worker does, without the disk cache workers can write', () => {
    const b = new EmbeddedBaselines(testCacheDir()).get('spam', 1);
    expect(b.weak).toEqual(honest.weak);
    expect(b.ceiling).toEqual(honest.ceiling);
    expect(() => new EmbeddedBaselines(testCacheDir()).get('nope', 1)).toThrow(/no trusted weak teacher or ceiling for task "nope"; embedded tasks: spam, /);
  });
});

describe('exported tasks: a trusted baselines job per (task, seed), never the method job', () => {
  const { vault, ids, truth } = toyVault();
  const plan = {
    weak: predictions(ids, truth, (k) => k % 5 === 0),
    ceiling: predictions(ids, truth, (k) => k % 10 === 0),
    weakTrain: { ids: ['toy-b-1', 'toy-b-2'], probs: [[0.9, 0.1], [0.2, 0.8]] },
    // 85% right: PGR 0.5 against the trusted weak (80%) and ceiling (90%).
    student: predictions(ids, truth, (k) => k % 10 === 0 || k % 20 === 5),
    fakeWeak: predictions(ids, truth, (k) => k % 2 === 0),
    fakeCeiling: predictions(ids, truth, (k) => k % 10 === 0 || k % 20 === 5),
  };

  function trainerPipeline(): { h: EmbeddedPipeline; runs: () => Record<string, unknown>[]; labelsDir: string } {
    const tmp = mkdtempSync(path.join(tmpdir(), 'aar-two-phase-'));
    dirs.push(tmp);
    writeFileSync(path.join(tmp, 'plan.json'), JSON.stringify(plan));
    const runsFile = path.join(tmp, 'runs.jsonl');
    writeFileSync(runsFile, '');
    const labelsDir = path.join(tmp, 'labels');
    const runner = new CommandRunner({
      command: [process.execPath, path.join(trainers, 'two-phase.mjs')],
      dataDir: path.join(tmp, 'data'),
      labelsDir,
      timeoutMs: 20_000,
      env: { AAR_TEST_PLAN: path.join(tmp, 'plan.json'), AAR_TEST_RUNS: runsFile },
    });
    let n = 0;
    const h = openEmbeddedPipeline({
      runner,
      vaultFor: () => vault,
      baselines: (ledger) => new LedgerBaselines(ledger),
      policy: { attempts: 1 },
      newId: () => `exp-${String(++n).padStart(3, '0')}`,
    });
    open.push(h);
    const runs = () => readFileSync(runsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { h, runs, labelsDir };
  }

  it('scores a command trainer that reports a fake weak and ceiling against the trusted job’s, and runs that job once per seed', async () => {
    const { h, runs, labelsDir } = trainerPipeline();
    const a = await h.pipeline.submit({ task: 'toy', method: parseMethod({ name: 'miner' }), seeds: [1, 2] });
    const b = await h.pipeline.submit({ task: 'toy', method: parseMethod({ name: 'other' }), seeds: [1] });
    await h.pipeline.waitFor(a);
    await h.pipeline.waitFor(b);
    const trusted = score(vault, { student: plan.student, weak: plan.weak, ceiling: plan.ceiling });
    const believed = score(vault, { student: plan.student, weak: plan.fakeWeak, ceiling: plan.fakeCeiling });
    expect(believed.public.pgr).toBe(1);
    for (const r of [...h.ledger.results(a), ...h.ledger.results(b)]) expect(r.score).toEqual(trusted);
    expect(trusted.public.pgr).toBeCloseTo(0.5, 5);

    const seen = runs();
    const trustedRuns = seen.filter((r) => r.phase === 'baselines');
    // One trusted run per seed, shared by both experiments on seed 1.
    expect(trustedRuns.map((r) => r.seed).sort()).toEqual([1, 2]);
    // The trusted phase gets no method (nothing agent-made) and the labels folder; a method phase neither.
    for (const r of trustedRuns) expect(r).toMatchObject({ method: null, specPhase: 'baselines', labelsDir });
    const methodRuns = seen.filter((r) => r.phase === 'method');
    expect(methodRuns).toHaveLength(3);
    for (const r of methodRuns) expect(r).toMatchObject({ labelsDir: null, specPhase: null, weakLabels: plan.weakTrain });
  });

  it('a trusted job that fails fails the method jobs waiting for it, with the reason', async () => {
    const { h } = trainerPipeline();
    writeFileSync(path.join(dirs.at(-1)!, 'plan.json'), JSON.stringify({ ...plan, weak: { ids: ['not-an-item'], classes: [0] } }));
    const id = await h.pipeline.submit({ task: 'toy', method: parseMethod({ name: 'miner' }), seeds: [3] });
    const report = await h.pipeline.waitFor(id);
    expect(h.ledger.results(id)).toEqual([]);
    expect(report.failed).toEqual([{ seed: 3, reason: expect.stringMatching(/^its trusted baselines job (returned an invalid result|failed): /) }]);
  });
});
