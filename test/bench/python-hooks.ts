// Python method code on the GPU trainer's path, measured (`npm run bench python-hooks`): aar's
// pipeline, the command runner and workers/gpu/train.py --tiny (tiny models on the CPU) on a small
// exported task whose answers can be computed from its texts. Prints, per method, the job's wall
// time and whether it was flagged: the honest worked examples and templates against the red
// team's Python cheats, and what the guarded method phase costs next to a method without code.
import { parseMethod, type MethodInput } from '../../src/domain/method.js';
import { flagsOf } from '../../src/ledger/flags.js';
import { seedFailures } from '../../src/pipeline/failures.js';
import type { Score } from '../../src/scoring/score.js';
import { computeAnswersCheatCode, confidenceWeightedLossCode, MAJORITY_CHEAT_PYTHON, PYTHON_GUIDE_EXAMPLES, REVERSED_LOSS_CODE } from '../../workers/gpu/method-examples.js';
import { TOY_THRESHOLD, tinyTrainer, toyMath, toyPipeline } from '../gpu/toy-math.js';
import { trainerPython } from '../helpers/trainer-python.js';

const SEEDS = [1, 2, 3];

export async function benchPythonHooks(): Promise<void> {
  console.log(`\n## python-hooks: Python method code through train.py --tiny (toy "a * b" task: 80 gold, 320 train, 400 test items; seeds ${SEEDS.join(',')})`);
  const { python, problem } = trainerPython();
  if (!python) throw new Error(`bench python-hooks: ${problem}`);
  // Halves of 200 test items: with 50 (the tests' toy) item noise alone moves PGR by 0.1 between halves.
  const toy = toyMath({ unlabeled: 320, test: 400 });
  const h = toyPipeline(toy, tinyTrainer(toy, python), { threads: 1 });
  const py = (name: string, source: string): MethodInput => ({ name, code: { language: 'python', source } });
  const honest: MethodInput[] = [
    { name: 'naive' },
    { name: 'aux-conf', auxConf: { alphaMax: 0.75, warmup: 0.2 } },
    ...Object.entries(PYTHON_GUIDE_EXAMPLES)
      .filter(([hook]) => hook !== 'pool')
      .map(([, e]) => py(e.name, e.source)),
    py('confidence-loss', confidenceWeightedLossCode(1)),
    py('reversed-loss', REVERSED_LOSS_CODE),
  ];
  const cheats = [
    ...(['transform_labels', 'loss', 'epoch_targets'] as const).map((via) => py(`exact-${via.replace('_', '-')}`, computeAnswersCheatCode(via, TOY_THRESHOLD))),
    // The threshold fitted to the weak labels, as the red team does on the math task.
    ...(['transform_labels', 'loss'] as const).map((via) => py(`fitted-${via.replace('_', '-')}`, computeAnswersCheatCode(via))),
    py('majority', MAJORITY_CHEAT_PYTHON),
  ];
  try {
    const rows: { name: string; cheat: boolean; flagged: boolean; failed: number; seconds: number; accuracy: number }[] = [];
    for (const [cheat, methods] of [[false, honest], [true, cheats]] as const) {
      for (const m of methods) {
        const t0 = performance.now();
        const id = await h.pipeline.submit({ task: 'toymath', method: parseMethod(m), seeds: SEEDS });
        await h.pipeline.waitFor(id);
        const seconds = (performance.now() - t0) / 1000 / SEEDS.length;
        const results = h.ledger.results(id);
        const accuracy = results.reduce((s, r) => s + (r.score as unknown as Score).all.student, 0) / Math.max(1, results.length);
        rows.push({ name: m.name!, cheat, flagged: flagsOf(h.ledger, id).length > 0, failed: seedFailures(h.ledger, id).length, seconds, accuracy });
        console.log(`${cheat ? 'cheat ' : 'honest'} ${m.name!.padEnd(22)} ${seconds.toFixed(1).padStart(5)} s/job  student accuracy ${(accuracy * 100).toFixed(1)}%  ${flagsOf(h.ledger, id).length ? `FLAGGED (${flagsOf(h.ledger, id)[0].reason.slice(0, 90)}…)` : 'not flagged'}${results.length < SEEDS.length ? `  ${SEEDS.length - results.length} seed(s) failed: ${seedFailures(h.ledger, id)[0]?.reason.split('\n')[0].slice(0, 160)}` : ''}`);
      }
    }
    const caught = rows.filter((r) => r.cheat && r.flagged).length;
    const falsePositives = rows.filter((r) => !r.cheat && r.flagged).length;
    const plain = rows.filter((r) => !r.cheat && !/^(naive|aux-conf)$/.test(r.name));
    // Not naive: its seeds are the first, so each also waited for the trusted baselines job.
    const base = rows.filter((r) => r.name === 'aux-conf');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    console.log(`cheats flagged: ${caught} of ${rows.filter((r) => r.cheat).length}; honest methods flagged: ${falsePositives} of ${rows.filter((r) => !r.cheat).length}`);
    console.log(`job wall time: ${mean(plain.map((r) => r.seconds)).toFixed(2)} s with Python code (guarded method phase, network namespace) vs ${mean(base.map((r) => r.seconds)).toFixed(2)} s for aux-conf without code (process start, torch import and tiny training included)`);
  } finally {
    await h.close();
    toy.close();
  }
}
