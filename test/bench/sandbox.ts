// `npm run bench sandbox`: what the guarded child process costs a job with method code.
// Per job: the same method-code experiment run (a) in this process, warm, as the worker thread
// used to run it, and (b) through the w2s runner's guarded child (spawn, load, train, answer).
// The difference is the child's overhead. Also: a bare guarded child that answers at once (the
// guard's floor), and how fast a memory bomb is stopped.
import { loadConfig } from '../../src/config/env.js';
import { parseMethod } from '../../src/domain/method.js';
import { median } from '../../src/eval/stats.js';
import { CONFIDENCE_WEIGHTS_CODE } from '../../workers/w2s/method/code/index.js';
import { baseEnv, runGuarded } from '../../workers/sandbox/guarded-process.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { line } from './line.js';

const RUNS = 7;
const MEMORY_BOMB = 'function transformLabels() { return new Array(1e9).fill(1); }';

async function timed(f: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

export async function benchSandbox(): Promise<void> {
  const { cacheDir } = loadConfig(process.env);
  const method = parseMethod({ name: 'confidence-weights', code: { source: CONFIDENCE_WEIGHTS_CODE } });
  const ctx = { signal: new AbortController().signal, progress: () => {} };
  console.log('## sandbox: method code in a guarded child process (spam, seed 1, confidence-weights hook)\n');

  // Warm both paths once (feature and baseline caches on disk, this process's features in memory).
  runW2s({ task: 'spam', seed: 1, method, cacheDir });
  const runner = new W2sRunner({ cacheDir, threads: 1 });
  try {
    await runner.run({ experimentId: 'bench-sandbox', seed: 1, task: 'spam', method }, ctx);
    const inProcess: number[] = [];
    const child: number[] = [];
    // Interleaved, so load from other jobs on the machine falls on both alike.
    for (let i = 0; i < RUNS; i++) {
      inProcess.push(await timed(() => runW2s({ task: 'spam', seed: 1, method, cacheDir })));
      child.push(await timed(() => runner.run({ experimentId: 'bench-sandbox', seed: 1, task: 'spam', method }, ctx)));
    }
    const floor: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(
        await timed(() =>
          runGuarded({
            command: process.execPath,
            args: ['-e', "require('node:fs').writeSync(3, JSON.stringify({ type: 'result', result: 1 }) + '\\n')"],
            env: baseEnv(),
            request: {},
            limits: { memoryMb: 512, wallMs: 30_000 },
            what: 'bench',
            signal: ctx.signal,
          }),
        ),
      );
    }
    const bomb: number[] = [];
    for (let i = 0; i < 3; i++) {
      bomb.push(await timed(() => runner.run({ experimentId: 'bench-bomb', seed: 1, task: 'spam', method: parseMethod({ code: { source: MEMORY_BOMB } }) }, ctx).catch(() => {})));
    }
    const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
    line(`job in this process, warm (the old thread path), median of ${RUNS}`, ms(inProcess));
    line(`job in a guarded child process, median of ${RUNS}`, ms(child));
    line('overhead of the child per job (difference of medians)', ms([median(child) - median(inProcess)]));
    line(`bare guarded child (spawn node, answer on fd 3), median of ${RUNS}`, ms(floor));
    line('memory bomb new Array(1e9).fill(1): submitted to failed, median of 3', ms(bomb));
    console.log('');
  } finally {
    await runner.close();
  }
}
