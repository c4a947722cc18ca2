// Research quality: an offline team runs a campaign on the embedded tasks; the best method it
// found per task is then re-run on fresh seeds and scored on the private half, paired with
// `naive` and `aux-conf` on the same seeds. Run: node dist/test/bench/research.js [experiments] [tasks]
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResearchLoop, runRounds } from '../../src/campaign/research-loop.js';
import { createTeam } from '../../src/campaign/team.js';
import { loadConfig } from '../../src/config/env.js';
import { builtinMethod, parseMethod } from '../../src/domain/method.js';
import { evaluateMethod } from '../../src/eval/evaluate.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import type { TaskName } from '../../workers/w2s/data/types.js';

const FRESH_SEEDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

export interface ResearchBenchOptions {
  maxExperiments: number;
  tasks: TaskName[];
  agents?: number;
  maxMinutes?: number;
  log?: (line: string) => void;
}

export async function benchResearch(o: ResearchBenchOptions): Promise<void> {
  const log = o.log ?? console.log;
  const config = loadConfig(process.env);
  const threads = Math.max(1, cpus().length);
  const ledger = Ledger.open(join(mkdtempSync(join(tmpdir(), 'aar-research-')), 'ledger.sqlite'));
  const queue = new MemoryQueue({ runner: new W2sRunner({ cacheDir: config.cacheDir, threads }), concurrency: threads });
  const pipeline = new Pipeline({ ledger, queue, vaultFor: vaultFor(config) });
  pipeline.start();
  const started = Date.now();
  for (const task of o.tasks) {
    for (const name of ['naive', 'aux-conf']) {
      await pipeline.submit({ task, method: builtinMethod(name), seeds: [1, 2, 3, 4, 5], agent: 'steward', hypothesis: `Baseline: ${name} on ${task}` });
    }
  }
  const researchers = createTeam({ agents: o.agents ?? 9, tasks: o.tasks });
  const { loop, desk } = openResearchLoop({ ledger, pipeline, tasks: o.tasks, researchers, scoresPerHour: 100_000 });
  const rounds = await runRounds({ loop, desk, ledger, pipeline, maxExperiments: o.maxExperiments, deadline: started + (o.maxMinutes ?? 30) * 60_000 });
  const minutes = (Date.now() - started) / 60_000;
  log(`campaign: ${o.agents ?? 9} offline researchers, ${rounds} rounds, ${ledger.jobCounts().scored ?? 0} jobs scored, ${minutes.toFixed(1)} min on ${threads} threads`);
  const board = leaderboard(ledger, new ForumRecords(ledger));
  for (const task of o.tasks) {
    // The team's finding is its best claim (a claim beat the leader of its day beyond seed noise); the raw top of the leaderboard is mostly luck.
    const claimed = new Set(ledger.events({ kind: 'claim' }).map((e) => e.experimentId));
    const best = board.find((r) => r.task === task && claimed.has(r.experiment)) ?? board.find((r) => r.task === task && r.rank === 1)!;
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
      `${task}: best ${best.experiment} by ${best.agent} (campaign public PGR ${best.pgrPublic.mean.toFixed(2)}): ${JSON.stringify(method)}\n` +
        `  fresh seeds ${FRESH_SEEDS.join(',')}, private PGR: naive ${mean(naive).toFixed(2)} ± ${sd(naive).toFixed(2)} · aux-conf ${mean(aux).toFixed(2)} ± ${sd(aux).toFixed(2)} · found ${mean(found).toFixed(2)} ± ${sd(found).toFixed(2)} · paired vs aux-conf ${mean(d) >= 0 ? '+' : ''}${mean(d).toFixed(2)} ± ${se.toFixed(2)} (SE): ${verdict}`,
    );
  }
  await pipeline.stop();
  await queue.close();
  ledger.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const max = Number(process.argv[2] ?? 150);
  const tasks = (process.argv[3] ?? 'spam,math').split(',') as TaskName[];
  await benchResearch({ maxExperiments: max, tasks });
}
