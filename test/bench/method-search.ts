// `node dist/test/bench/method-search.js [--tasks spam,math] [--seeds 1-5] [--methods file.json] [--half public|private]`
// Evaluates methods in-process and prints each one's PGR next to aux-conf's on the same seeds,
// with the paired difference and its standard error (seed noise is large: PGR's sd over seeds
// is ~0.1, but most of it is shared by every method on a seed, so pairing removes it).
// Without --methods it runs the reference list below: the baselines and the methods the
// method search (2026-12) found best; select on seeds 1-5 public, confirm on fresh seeds 11-20 private.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/env.js';
import { parseMethod, type MethodInput } from '../../src/domain/method.js';
import { evaluateMethod } from '../../src/eval/evaluate.js';
import type { TaskName } from '../../workers/w2s/data/types.js';

export const REFERENCE_METHODS: MethodInput[] = [
  { name: 'naive' },
  { name: 'aux-conf', auxConf: { alphaMax: 0.75, warmup: 0.2, threshold: 'adaptive' } },
  // Best on spam (hard labels let aux-conf's own hardened predictions win against weak ones).
  { name: 'hard-aux-st', labels: 'hard', auxConf: { alphaMax: 0.75, warmup: 0.2 }, selfTraining: { rounds: 1, mix: 0.5 } },
  // Beats aux-conf on spam, math and code: a gentler alpha with 10x the task's L2.
  { name: 'aux-l2', l2: 0.1, auxConf: { alphaMax: 0.5, warmup: 0.2 } },
  // Best on math and code: strong L2 plus kNN label propagation or consistency filtering.
  { name: 'aux-l2-knn', l2: 0.3, auxConf: { alphaMax: 0.5, warmup: 0.2 }, knn: { k: 30, mix: 0.9, steps: 5 } },
  { name: 'aux-l2-consistency', l2: 0.3, auxConf: { alphaMax: 0.5, warmup: 0.2 }, consistency: { drop: 0.35 } },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function seedList(spec: string): number[] {
  return spec.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

const tasks = (arg('tasks') ?? 'spam,math').split(',') as TaskName[];
const seeds = seedList(arg('seeds') ?? '1-5');
const half = (arg('half') ?? 'public') as 'public' | 'private';
const methodsFile = arg('methods');
const methods: MethodInput[] = methodsFile ? (JSON.parse(readFileSync(methodsFile, 'utf8')) as MethodInput[]) : REFERENCE_METHODS;
const cacheDir = loadConfig().cacheDir;
const baseline: MethodInput = { name: 'aux-conf', auxConf: { alphaMax: 0.75, warmup: 0.2, threshold: 'adaptive' } };

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));
const f = (x: number) => (x >= 0 ? ' ' : '') + x.toFixed(3);

const rows: unknown[] = [];
for (const task of tasks) {
  const pgrs = (m: MethodInput) => {
    const e = evaluateMethod({ task, method: parseMethod(m), seeds, cacheDir });
    return { pgr: e.perSeed.map((s) => s[half].pgr), ms: e.ms };
  };
  const base = pgrs(baseline).pgr;
  console.log(`\n${task}, seeds ${seeds.join(',')}, ${half} PGR; aux-conf ${f(mean(base))} ± ${sd(base).toFixed(3)}`);
  for (const m of methods) {
    const { pgr, ms } = pgrs(m);
    const diff = pgr.map((p, i) => p - base[i]);
    const se = sd(diff) / Math.sqrt(diff.length);
    const flag = mean(diff) > 2 * se ? ' *' : '';
    console.log(`${f(mean(pgr))} ± ${sd(pgr).toFixed(3)}  diff ${f(mean(diff))} ± ${se.toFixed(3)}${flag}  ${ms.toFixed(0)} ms  ${JSON.stringify(m)}`);
    rows.push({ task, seeds, half, method: m, pgr, diff: mean(diff), se, ms });
  }
}
const out = arg('out');
if (out) writeFileSync(out, JSON.stringify(rows, null, 1));
