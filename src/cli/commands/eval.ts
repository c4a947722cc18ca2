import { BUILTIN_METHODS } from '../../domain/method.js';
import { evaluateMethod, type Evaluation } from '../../eval/evaluate.js';
import type { Config } from '../../config/env.js';
import { loadMethod, parseFlags, parseSeeds, parseTask } from '../args.js';
import { scoreTable } from '../format.js';
import { progressBar } from '../progress.js';

export const EVAL_USAGE = `aar eval --task T --method NAME|FILE.json [--seeds 1,2,3,4,5] [--json]

Runs a weak-to-strong method in-process on each seed and scores it.
  --task     spam | sentiment | math | code
  --method   a built-in (${Object.keys(BUILTIN_METHODS).join(', ')}) or a JSON file with a method object
  --seeds    comma-separated seeds (default 1,2,3,4,5)
  --json     print one JSON object instead of a table`;

export function evalCommand(argv: string[], config: Config, out: NodeJS.WritableStream): void {
  const flags = parseFlags('eval', argv, {
    task: { type: 'string' },
    method: { type: 'string' },
    seeds: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const task = parseTask(flags.task);
  const method = loadMethod(flags.method);
  const seeds = parseSeeds(flags.seeds, [1, 2, 3, 4, 5]);
  const result = evaluateMethod({ task, method, seeds, cacheDir: config.cacheDir, progress: progressBar() });
  out.write(flags.json ? `${JSON.stringify(toJson(result))}\n` : `${render(result)}\n`);
}

/** The `--json` shape: accuracies in 0..1 as {mean, sd}, PGR per half, median ms per seed. */
export function toJson(e: Evaluation) {
  return { task: e.task, method: e.method, seeds: e.seeds, weak: e.weak, ceiling: e.ceiling, student: e.student, pgr: e.pgr, ms: round(e.ms), msPerSeed: e.msPerSeed.map(round) };
}

function render(e: Evaluation): string {
  return [`${e.task} · method ${e.method} · seeds ${e.seeds.join(',')}`, scoreTable(e), `median ${e.ms.toFixed(0)} ms per seed`].join('\n');
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
