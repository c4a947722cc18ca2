// Research quality: the embedded demo's campaign runs with npm start's budget; the best method
// it found per task is then re-run on fresh seeds and scored on the private half, paired with
// `naive` and `aux-conf` on the same seeds. Run: node dist/test/bench/research.js [tasks]
import { cpus } from 'node:os';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign } from '../../src/campaign/campaign-file.js';
import { DEMO_BUDGET } from '../../src/cli/commands/start.js';
import { loadConfig } from '../../src/config/env.js';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import { evaluateMethod } from '../../src/eval/evaluate.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import type { TaskName } from '../../workers/w2s/data/types.js';
import { openEmbeddedPipeline } from '../helpers/embedded-pipeline.js';

const FRESH_SEEDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

export interface ResearchBenchOptions {
  tasks: TaskName[];
  /** The campaign's caps; the default is \`npm start\`'s. */
  budget?: { experiments?: number; minutes?: number };
  log?: (line: string) => void;
}

/**
 * Runs the embedded demo's campaign (nine offline researchers, auditor, steward, npm start's
 * budget), then re-runs each task's best method on fresh seeds against naive and aux-conf.
 */
export async function benchResearch(o: ResearchBenchOptions): Promise<void> {
  const log = o.log ?? console.log;
  const config = loadConfig(process.env);
  const threads = Math.max(1, cpus().length);
  const stack = openEmbeddedPipeline({ cacheDir: config.cacheDir, threads, prefix: 'aar-research-' });
  const { ledger, pipeline } = stack;
  const started = Date.now();
  const file = parseCampaign({ name: 'bench', tasks: o.tasks, agents: { kind: 'offline' }, budget: o.budget ?? DEMO_BUDGET });
  const summary = await new Campaign({ file, ledger, pipeline, model: 'unused', inputBudget: 0, scheduler: new ManualScheduler() }).run();
  const minutes = (Date.now() - started) / 60_000;
  log(`campaign (npm start's budget: ${JSON.stringify(file.budget)}): ${file.agents.count} offline researchers, ${summary.experiments} experiments, ${ledger.jobCounts().scored ?? 0} jobs scored, ${minutes.toFixed(1)} min on ${threads} threads; flags ${summary.flags}`);
  for (const task of o.tasks) {
    // The campaign's finding: its best claim (a claim beat the leader of its day beyond seed noise).
    const best = summary.tasks[task].best!;
    const method = parseMethod(ledger.experiment(best.experiment)!.method);
    const run = (m: ReturnType<typeof parseMethod>) => evaluateMethod({ task, method: m, seeds: FRESH_SEEDS, cacheDir: config.cacheDir }).perSeed.map((s) => s.private.pgr);
    const naive = run(builtinMethod('naive'));
    const aux = run(builtinMethod('aux-conf'));
    const found = run(method);
    const d = found.map((x, i) => x - aux[i]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, v) => a + (v - mean(xs)) ** 2, 0) / (xs.length - 1));
    const se = sd(d) / Math.sqrt(d.length);
    const verdict = mean(d) > 2 * se ? 'beats aux-conf beyond seed noise' : 'does NOT beat aux-conf beyond seed noise';
    log(
      `${task}: best ${best.experiment} by ${best.agent} (campaign public PGR ${best.pgrPublic.toFixed(2)}): ${JSON.stringify(method)}\n` +
        `  fresh seeds ${FRESH_SEEDS.join(',')}, private PGR: naive ${mean(naive).toFixed(2)} ± ${sd(naive).toFixed(2)} · aux-conf ${mean(aux).toFixed(2)} ± ${sd(aux).toFixed(2)} · found ${mean(found).toFixed(2)} ± ${sd(found).toFixed(2)} · paired vs aux-conf ${mean(d) >= 0 ? '+' : ''}${mean(d).toFixed(2)} ± ${se.toFixed(2)} (SE): ${verdict}`,
    );
  }
  await stack.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tasks = (process.argv[2] ?? 'spam,sentiment,math,code').split(',') as TaskName[];
  await benchResearch({ tasks });
}
