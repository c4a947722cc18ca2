// The reference trainer (workers/gpu) end to end, the way a GPU team runs it: the embedded
// sentiment task exported as JSONL, one `aar worker --runner command` process on Redis running
// train.py, an experiment submitted and scored by this process. Prints the trainer's own
// figures (seconds per student step, peak memory) for BENCHMARKS.md.
//
// Models: AAR_MODELS (default hf-random, a tiny random Qwen2: the Hugging Face code path with
// no weights; PGR means nothing without a prior). On a GPU machine with checkpoints on disk:
// AAR_MODELS=hf AAR_WEAK_MODEL=... AAR_STRONG_MODEL=... npm run bench trainer
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/env.js';
import { builtinMethod } from '../../src/domain/method.js';
import { openPipeline } from '../../src/pipeline/setup.js';
import type { Score } from '../../src/scoring/score.js';
import { exportTaskData } from '../../workers/w2s/export/index.js';
import { trainerPython } from '../helpers/trainer-python.js';
import { line } from './line.js';
import { redisReachable } from './pipeline.js';

const TASK = 'sentiment';
const SEEDS = [1, 2];

export async function benchTrainer(): Promise<void> {
  console.log(`\n## trainer: workers/gpu through aar worker --runner command (${process.env.AAR_MODELS ?? 'hf-random'}, ${TASK}, seeds ${SEEDS.join(',')})`);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisReachable(redisUrl))) {
    console.log(`skipped: Redis at ${redisUrl} is not reachable (set REDIS_URL)`);
    return;
  }
  const { python, problem } = trainerPython();
  if (!python) throw new Error(`bench trainer: ${problem}`);
  const home = mkdtempSync(path.join(tmpdir(), 'aar-bench-trainer-'));
  const dataDir = path.join(home, 'data');
  const base = loadConfig({ ...process.env, REDIS_URL: redisUrl });
  exportTaskData({ cacheDir: base.cacheDir, out: dataDir, tasks: [TASK], splitSeed: 1, force: false });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl,
    AAR_HOME: home,
    AAR_QUEUE: `aar-bench-trainer-${process.pid}`,
    AAR_MODELS: process.env.AAR_MODELS ?? 'hf-random',
    AAR_CEILING_CACHE: 'off', // every seed pays for its ceiling: the figures are per full job
    // Weak teacher and ceiling from the trainer's trusted phase, one job per seed, never from the method job.
    AAR_BASELINES: 'trainer',
  };
  const worker = spawn(process.execPath, ['dist/src/cli.js', 'worker', '--runner', 'command', '--trainer', `${python} workers/gpu/train.py`, '--data-dir', dataDir, '--labels-dir', `${dataDir}.labels`], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => worker.once('exit', (code, signal) => reject(new Error(`bench trainer: the worker exited (${code ?? signal}) before the jobs were scored`))));
  exited.catch(() => {}); // read only while waiting for the scores
  const p = await openPipeline(loadConfig(env));
  try {
    const started = performance.now();
    const experiment = await p.pipeline.submit({ task: TASK, method: builtinMethod('aux-conf'), seeds: SEEDS });
    const report = await Promise.race([p.pipeline.waitFor(experiment), exited]);
    const wall = (performance.now() - started) / 1000;
    for (const f of report.failed) console.log(`seed ${f.seed} failed: ${f.reason}`);
    for (const r of p.ledger.results(experiment)) {
      const s = r.stats as Record<string, number | null>;
      line(`seed ${r.seed}: job`, `${Number(s.wallSeconds).toFixed(1)} s`);
      line('  student steps', `${s.studentSteps} at ${(Number(s.studentSecondsPerStep) * 1000).toFixed(1)} ms per step`);
      line('  peak memory', `${s.peakGpuMemoryGiB === null ? 'no GPU' : `${s.peakGpuMemoryGiB} GiB on the GPU`}, RSS ${s.peakRssGiB} GiB`);
      const h = (r.score as unknown as Score).public; // the ledger types only the PGR it indexes
      line('  public accuracy: weak, ceiling, student', `${h.weak.toFixed(3)} ${h.ceiling.toFixed(3)} ${h.student.toFixed(3)}`);
    }
    line('submit to all seeds scored', `${wall.toFixed(1)} s for ${SEEDS.length} jobs`);
  } finally {
    await p.close();
    if (worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGTERM');
      await exited.catch(() => {});
    }
    rmSync(home, { recursive: true, force: true });
  }
}
