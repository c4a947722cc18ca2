// The embedded benchmark's figures: feature-cache build, experiment times, `aar eval` memory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinMethod } from '../../src/domain/method.js';
import { median } from '../../src/eval/stats.js';
import { TASK_NAMES, type TaskName } from '../../workers/w2s/data/types.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { line } from './line.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const cli = join(root, 'dist/src/cli.js');
const rssHook = join(here, 'report-rss.js');
const SEEDS = [1, 2, 3, 4, 5];

interface ChildRun {
  seconds: number;
  peakMb: number;
  status: number | null;
}

/** Runs `code` (or the CLI) in a fresh Node process and reports wall time and peak RSS. */
function measureChild(args: string[], env: Record<string, string>): ChildRun {
  const rssFile = join(mkdtempSync(join(tmpdir(), 'aar-bench-')), 'rss');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', rssHook, ...args], {
    env: { ...process.env, ...env, AAR_BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const seconds = (performance.now() - t0) / 1000;
  const peak = Math.max(...readFileSync(rssFile, 'utf8').trim().split('\n').map(Number));
  return { seconds, peakMb: peak / 2 ** 20, status: r.status };
}

export async function benchW2s(): Promise<void> {

  // 1. Feature caches, built from the npm packages in a fresh directory, one process per task.
  const freshCache = mkdtempSync(join(tmpdir(), 'aar-bench-cache-'));
  let buildSeconds = 0;
  let buildPeak = 0;
  for (const task of TASK_NAMES) {
    const run = measureChild(['--input-type=module', '-e', `import(${JSON.stringify(join(root, 'dist/workers/w2s/data/cache.js'))}).then(m => m.loadTaskFeatures(process.env.AAR_CACHE_DIR, ${JSON.stringify(task)}))`], {
      AAR_CACHE_DIR: freshCache,
    });
    if (run.status !== 0) throw new Error(`building the ${task} feature cache failed`);
    buildSeconds += run.seconds;
    buildPeak = Math.max(buildPeak, run.peakMb);
    line(`feature cache build: ${task}`, `${run.seconds.toFixed(1)} s ${run.peakMb.toFixed(0)} MB`);
  }
  line('feature cache build: all tasks', `${buildSeconds.toFixed(1)} s`, 'target <= 30 s');
  line('feature cache build: peak memory', `${buildPeak.toFixed(0)} MB`, 'target <= 1536 MB');

  // 2. In-process timings on the cache just built.
  const cacheDir = freshCache;
  console.log('');
  for (const task of TASK_NAMES) {
    const full: number[] = [];
    const student: number[] = [];
    for (const seed of SEEDS) {
      const t0 = performance.now();
      const r = runW2s({ task, seed, method: builtinMethod('naive'), cacheDir, cacheBaselines: false });
      full.push(performance.now() - t0);
      student.push(r.stats.msStudent);
    }
    const targets: Partial<Record<TaskName, [string, string]>> = { spam: ['target <= 150 ms (prototype 90-165)', 'target <= 400 ms (prototype 440-550)'] };
    line(`${task}: student only, median of ${SEEDS.length} seeds`, `${median(student).toFixed(0)} ms`, targets[task]?.[0]);
    line(`${task}: full experiment, nothing cached, median`, `${median(full).toFixed(0)} ms`, targets[task]?.[1]);
  }

  // 3. Peak memory of a whole `aar eval` process (features cached, baselines cached on disk).
  console.log('');
  const evalRun = measureChild([cli, 'eval', '--task', 'spam', '--method', 'aux-conf', '--json'], { AAR_CACHE_DIR: cacheDir });
  if (evalRun.status !== 0) throw new Error('aar eval failed');
  line('aar eval --task spam --method aux-conf: peak memory', `${evalRun.peakMb.toFixed(0)} MB`, 'target <= 300 MB');
  line('aar eval --task spam --method aux-conf: wall time', `${evalRun.seconds.toFixed(2)} s`);

  rmSync(freshCache, { recursive: true, force: true });
}
