import type { Config } from '../../config/env.js';
import { builtinMethod } from '../../domain/method.js';
import { BASELINE_SEEDS } from '../../eval/baseline-summary.js';
import { evaluateMethod } from '../../eval/evaluate.js';
import { TASK_NAMES } from '../../../workers/w2s/data/types.js';
import { parseFlags } from '../args.js';
import { pct, ratio, table } from '../format.js';
import { progressBar } from '../progress.js';

export const BASELINES_USAGE = `aar baselines

Every task's baselines, naive and aux-conf, on seeds 1-5, run in-process and printed as one table.`;

export function baselinesCommand(argv: string[], config: Config, out: NodeJS.WritableStream): void {
  parseFlags('baselines', argv, {});
  out.write(`aar: weak-to-strong baselines on the embedded benchmark (seeds ${BASELINE_SEEDS.join(',')}, caches in ${config.cacheDir})\n`);
  const progress = progressBar();
  const rows: string[][] = [];
  for (const task of TASK_NAMES) {
    const [naive, auxConf] = ['naive', 'aux-conf'].map((name) =>
      evaluateMethod({ task, method: builtinMethod(name), seeds: BASELINE_SEEDS, cacheDir: config.cacheDir, progress }),
    );
    rows.push([task, pct(naive.weak), pct(naive.ceiling), pct(naive.student), ratio(naive.pgr.private), pct(auxConf.student), ratio(auxConf.pgr.private)]);
  }
  out.write(
    `\n${table(['task', 'weak %', 'ceiling %', 'naive %', 'naive PGR', 'aux-conf %', 'aux-conf PGR'], rows)}\n\n` +
      'Accuracies on the whole test split; PGR on its private half (mean ± sd over seeds).\n' +
      'Try a method of your own: aar eval --task spam --method my-method.json\n',
  );
}
