import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMethod, type MethodInput } from '../../src/domain/method.js';
import { flagsOf } from '../../src/ledger/flags.js';
import { seedFailures } from '../../src/pipeline/failures.js';
import type { Score } from '../../src/scoring/score.js';
import { computeAnswersCheatCode, MAJORITY_CHEAT_PYTHON, PYTHON_GUIDE_EXAMPLES, REVERSED_LOSS_CODE } from '../../workers/gpu/method-examples.js';
import type { EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { TOY_THRESHOLD, tinyTrainer, toyMath, toyPipeline, type ToyMath } from './toy-math.js';
import { injectedTrainerPython } from '../helpers/injected-python.js';

// Python method code end to end: aar's pipeline, the command runner, workers/gpu/train.py's
// guarded method phase (tiny models on the CPU) and scoring, on a small exported task whose
// answers can be computed from its texts, as the embedded math task's can.

const python = injectedTrainerPython;

let toy: ToyMath;
let h: EmbeddedPipeline;
beforeAll(() => {
  toy = toyMath();
  // A low per-call limit so a hook that never returns fails in seconds, and a memory limit a
  // hoarding hook reaches well within it (page faults here run at ~350 MB/s).
  h = toyPipeline(toy, tinyTrainer(toy, python(), { env: { AAR_METHOD_CALL_SECONDS: '10' }, methodLimits: { memoryMb: 1500, wallMs: 120_000 } }));
});
afterAll(async () => {
  await h?.close();
  toy?.close();
});

const pythonCode = (name: string, source: string): MethodInput => ({ name, code: { language: 'python', source } });
async function run(method: MethodInput, seeds = [1]): Promise<string> {
  const id = await h.pipeline.submit({ task: 'toymath', method: parseMethod(method), seeds });
  await h.pipeline.waitFor(id);
  return id;
}
const accuracy = (id: string) => {
  const rs = h.ledger.results(id);
  // The stored score is a full Score (src/scoring/score.ts); the ledger's row type names PGR only.
  return rs.reduce((s, r) => s + (r.score as unknown as Score).all.student, 0) / rs.length;
};
const forbidden = (id: string) => flagsOf(h.ledger, id).filter((f) => /forbidden|training signal|trained on/i.test(f.reason));

describe('Python method code through aar (tiny models on the CPU)', () => {
  it('every worked example of the guide but pool (a transformer-only hook) trains and is scored, none flagged for forbidden information', async () => {
    for (const [hook, e] of Object.entries(PYTHON_GUIDE_EXAMPLES)) {
      if (hook === 'pool') continue;
      const id = await run(pythonCode(e.name, e.source));
      expect(seedFailures(h.ledger, id), hook).toEqual([]);
      expect(h.ledger.results(id), hook).toHaveLength(1);
      expect(forbidden(id), hook).toEqual([]);
    }
  }, 600_000);

  it('a loss hook that reverses the sign makes the student worse than naive (measured on seeds 1-2)', async () => {
    const naive = accuracy(await run({ name: 'naive' }, [1, 2]));
    const reversed = accuracy(await run(pythonCode('reversed', REVERSED_LOSS_CODE), [1, 2]));
    console.log(`toymath student accuracy: naive ${naive.toFixed(3)}, reversed loss ${reversed.toFixed(3)}`);
    expect(reversed).toBeLessThan(naive - 0.1);
  }, 300_000);

  it('computing the answers, through transform_labels, the loss or epoch_targets, is flagged by what the student trained on', async () => {
    // The exact answers (the threshold known): a training signal no student of the weak labels
    // could have. (Answers fitted to the weak labels reach 95% here, next to a 94% ceiling: no
    // better than an excellent honest method, so not flagged; BENCHMARKS.md, python-hooks.)
    for (const via of ['transform_labels', 'loss', 'epoch_targets'] as const) {
      const id = await run(pythonCode(`cheat-${via.replace('_', '-')}`, computeAnswersCheatCode(via, TOY_THRESHOLD)));
      const [r] = h.ledger.results(id);
      expect(r, via).toBeDefined();
      expect((h.ledger.experiment(id) && r.stats?.effectiveSignal) as unknown, via).toBeDefined();
      expect(forbidden(id).length, `${via}: ${JSON.stringify(flagsOf(h.ledger, id))}`).toBeGreaterThan(0);
    }
    const majority = await run(pythonCode('majority', MAJORITY_CHEAT_PYTHON));
    expect(flagsOf(h.ledger, majority).length, JSON.stringify(flagsOf(h.ledger, majority))).toBeGreaterThan(0);
  }, 600_000);

  it('a hook that reaches for labels, the environment, the network or processes, or exhausts memory or time, fails its seed with a clear reason; the next job runs', async () => {
    const labelFile = `${toy.labelsDir}/toymath/train_unlabeled_labels.jsonl`;
    // Each through a way the source check lets pass (torch re-exports os), so the guard inside the
    // process must hold; the plain ways (import os, open, __import__) are refused before anything runs.
    const hostile: [string, string, RegExp][] = [
      ['open-labels', `import torch\ndef weights(ctx):\n    torch.load(${JSON.stringify(labelFile)})\n    return [1.0] * ctx.n\n`, /may not open|open/i],
      ['plain-open', `def weights(ctx):\n    return [float(len(open(${JSON.stringify(labelFile)}).read()))] * ctx.n\n`, /open/],
      ['env', `import torch\ndef weights(ctx):\n    return [1.0] * ctx.n if torch.os.environ.get("REDIS_URL") is None else [2.0] * ctx.n\n`, /environment/i],
      ['socket', `import socket\ndef weights(ctx):\n    socket.create_connection(("127.0.0.1", 6379))\n    return [1.0] * ctx.n\n`, /socket/],
      ['fork', `import torch\ndef weights(ctx):\n    while True:\n        torch.os.fork()\n`, /fork|process/i],
      ['subclasses', `def weights(ctx):\n    for c in ().__class__.__base__.__subclasses__():\n        pass\n    return [1.0] * ctx.n\n`, /__/],
      ['forever', `def weights(ctx):\n    while True:\n        pass\n`, /weights \(line [23]\): ran past its limit of 10 s per call/],
      // torch.ones touches its pages (a bare bytearray is calloc'ed and stays virtual).
      ['memory', `import torch\ndef weights(ctx):\n    hoard = []\n    while True:\n        hoard.append(torch.ones(12_500_000))\n`, /out of memory/i],
    ];
    for (const [name, source, reason] of hostile) {
      const id = await run(pythonCode(name, source));
      const failures = seedFailures(h.ledger, id);
      expect(failures, name).toHaveLength(1);
      expect(failures[0].reason, name).toMatch(reason);
      // The method's fault: failed once, never handed on to another attempt.
      expect(h.ledger.events({ experimentId: id, kind: 'failed' }).length, name).toBe(1);
    }
    const after = await run(pythonCode('after', PYTHON_GUIDE_EXAMPLES.weights.source));
    expect(h.ledger.results(after)).toHaveLength(1);
  }, 600_000);
});
