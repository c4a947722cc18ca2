import type { Config } from '../../config/env.js';
import { openPipeline } from '../../pipeline/setup.js';
import type { ExperimentReport } from '../../pipeline/report.js';
import { TASK_IDS } from '../../../workers/w2s/data/types.js';
import { loadMethod, parseFlags, parseSeeds, parseTask } from '../args.js';
import { scoreTable } from '../format.js';

export const SUBMIT_USAGE = `aar submit --task T --method NAME|FILE.json [--seeds 1,2,3,4,5] [--wait] [--json]

Records an experiment in the ledger and enqueues one job per seed.
  --task     ${TASK_IDS.join(' | ')}
  --method   a built-in name or a JSON file with a method object
  --seeds    comma-separated seeds (default 1,2,3,4,5)
  --wait     wait until every seed is scored, then print the scores (as aar eval does)
  --json     print JSON (with --wait: the aar eval object plus "experiment" and "failed")
With REDIS_URL set, jobs go to Redis for \`aar worker\` processes; without it they run in
this process, so submit always waits.`;

export async function submitCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('submit', argv, {
    task: { type: 'string' },
    method: { type: 'string' },
    seeds: { type: 'string' },
    wait: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const task = parseTask(flags.task);
  const method = loadMethod(flags.method);
  const seeds = parseSeeds(flags.seeds, [1, 2, 3, 4, 5]);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const p = await openPipeline(config, log);
  try {
    const experiment = await p.pipeline.submit({ task, method, seeds });
    const wait = flags.wait || p.queue.kind === 'memory';
    if (!wait) {
      out.write(flags.json ? `${JSON.stringify({ experiment, jobs: seeds.length, queue: p.queue.kind })}\n` : `submitted ${experiment}: ${seeds.length} jobs on ${config.queueName}; \`aar recover --wait\` collects the scores (or submit with --wait)\n`);
      return;
    }
    log(`submitted ${experiment}: waiting for ${seeds.length} jobs (${p.queue.kind} queue)`);
    const report = await p.pipeline.waitFor(experiment);
    out.write(flags.json ? `${JSON.stringify(report)}\n` : `${render(report)}\n`);
  } finally {
    await p.close();
  }
}

function render(r: ExperimentReport): string {
  const lines = [`${r.experiment} · ${r.task} · method ${r.method} · seeds ${r.seeds.join(',') || 'none scored'}`];
  if (r.seeds.length) lines.push(scoreTable(r));
  for (const f of r.failed) lines.push(`seed ${f.seed} failed: ${f.reason}`);
  return lines.join('\n');
}
