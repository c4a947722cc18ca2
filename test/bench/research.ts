// Research quality: the embedded demo's campaign runs with npm start's budget and split (search
// tasks, held-out tasks); the best method it found per search task is then re-run on fresh seeds
// and scored on the private half, paired with `naive` and `aux-conf` on the same seeds, with the
// combined SE (seed + item bootstrap). Also printed: the desk's confirmation verdicts on claims
// and the held-out transfer. Run: node dist/test/bench/research.js [search tasks] [held-out tasks]
import { randomInt } from 'node:crypto';
import { cpus } from 'node:os';
import { Campaign } from '../../src/campaign/campaign.js';
import { DEFAULT_SPLIT, parseCampaign } from '../../src/campaign/campaign-file.js';
import { DEMO_BUDGET } from '../../src/cli/commands/start.js';
import { loadConfig } from '../../src/config/env.js';
import { DRAWN_SEED_MIN } from '../../src/confirmation/drawn-seeds.js';
import type { ConfirmationVerdict } from '../../src/confirmation/claim-confirmer.js';
import { builtinMethod, parseMethod, type Method } from '../../src/domain/method.js';
import { threadItemEvaluator } from '../../src/eval/item-evaluator.js';
import { COMBINED_SE_LABEL, pairedGain, pgrWithSe, type SeedItems } from '../../src/eval/paired-se.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import type { TaskId } from '../../workers/w2s/data/types.js';
import { openEmbeddedPipeline } from '../helpers/embedded-pipeline.js';

export interface ResearchBenchOptions {
  tasks: TaskId[];
  holdout?: TaskId[];
  /** The campaign's caps; the default is \`npm start\`'s. */
  budget?: { experiments?: number; minutes?: number };
  log?: (line: string) => void;
}

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/**
 * Runs the embedded demo's campaign (nine offline researchers, auditor, steward, npm start's
 * budget, claims confirmed by the desk, held-out transfer at the end), then re-runs each search
 * task's best method on fresh seeds against naive and aux-conf.
 */
export async function benchResearch(o: ResearchBenchOptions): Promise<void> {
  const log = o.log ?? console.log;
  const config = loadConfig(process.env);
  const threads = Math.max(1, cpus().length);
  const stack = openEmbeddedPipeline({ cacheDir: config.cacheDir, threads, prefix: 'aar-research-' });
  const evaluator = threadItemEvaluator({ cacheDir: config.cacheDir, threads });
  const { ledger, pipeline } = stack;
  const started = Date.now();
  const file = parseCampaign({ name: 'bench', tasks: o.tasks, holdout: o.holdout ?? [], agents: { kind: 'offline' }, budget: o.budget ?? DEMO_BUDGET });
  const summary = await new Campaign({ file, ledger, pipeline, model: 'unused', inputBudget: 0, scheduler: new ManualScheduler(), evaluator }).run();
  const minutes = (Date.now() - started) / 60_000;
  log(`campaign (npm start's budget: ${JSON.stringify(file.budget)}; search ${file.tasks.join(',')}; held out ${file.holdout.join(',') || 'none'}): ${file.agents.count} offline researchers, ${summary.experiments} experiments, ${ledger.jobCounts().scored ?? 0} jobs scored, ${minutes.toFixed(1)} min on ${threads} threads (transfer included); flags ${summary.flags}`);
  const verdicts = ledger.events({ kind: 'confirmation' }).map((e) => e.data as unknown as ConfirmationVerdict);
  log(`claims: ${ledger.events({ kind: 'claim' }).length}; desk confirmation on 5 drawn seeds (private half, vs aux-conf, stands if gain > 2 × ${COMBINED_SE_LABEL}): ${verdicts.filter((v) => v.stands).length} confirmed, ${verdicts.filter((v) => !v.stands).length} rejected`);
  for (const v of verdicts) log(`  ${v.task} ${v.experiment}: ${signed(v.gain.mean)} ± ${f2(v.gain.se)} → ${v.stands ? 'stands' : 'rejected'}`);
  // Fresh seeds nobody has looked at: drawn now, far above any seed of any study in the repository.
  const fresh = Array.from({ length: 10 }, () => randomInt(DRAWN_SEED_MIN, 999_999_999));
  log(`fresh seeds (drawn for this run): ${fresh.join(',')}`);
  for (const task of o.tasks) {
    const best = summary.tasks[task]?.best;
    if (!best) {
      log(`${task}: no result with enough seeds`);
      continue;
    }
    const method = parseMethod(ledger.experiment(best.experiment)!.method);
    const run = async (m: Method) => {
      const out: SeedItems[] = [];
      for (const seed of fresh) out.push(await evaluator.evaluate(task, m, seed));
      return out;
    };
    const [naive, aux, found] = [await run(builtinMethod('naive')), await run(builtinMethod('aux-conf')), await run(method)];
    const p = (x: SeedItems[]) => pgrWithSe(x);
    const g = pairedGain(found, aux);
    const verdict = g.mean > 2 * g.se ? 'beats aux-conf beyond combined noise' : 'does NOT beat aux-conf beyond combined noise';
    log(
      `${task}: best ${best.experiment} by ${best.agent} (campaign public PGR ${best.pgrPublic.toFixed(2)}): ${JSON.stringify(method)}\n` +
        `  10 fresh seeds, private PGR ± ${COMBINED_SE_LABEL}: naive ${f2(p(naive).mean)} ± ${f2(p(naive).se)} · aux-conf ${f2(p(aux).mean)} ± ${f2(p(aux).se)} · found ${f2(p(found).mean)} ± ${f2(p(found).se)} · ` +
        `paired vs aux-conf ${signed(g.mean)} ± ${f2(g.se)} (seed ${f2(g.seSeed)}, item ${f2(g.seItem)}): ${verdict}`,
    );
  }
  for (const [task, t] of Object.entries(summary.transfer ?? {})) {
    log(`transfer to held-out ${task} (${t.seeds} drawn seeds, private half, ± ${t.se}): aux-conf ${f2(t.auxConf.mean)} ± ${f2(t.auxConf.se)}`);
    for (const m of t.methods) log(`  ${m.role} (${m.method}, from ${m.from}): ${f2(m.pgr.mean)} ± ${f2(m.pgr.se)}; vs aux-conf ${signed(m.gain.mean)} ± ${f2(m.gain.se)}`);
  }
  for (const [task, l] of Object.entries(summary.leaveOneTaskOut ?? {})) {
    log(`leave ${task} out (${l.seeds} drawn seeds): aux-conf ${f2(l.auxConf.mean)} ± ${f2(l.auxConf.se)}; ${l.best ? `pick of the others ${l.best.method} (from ${l.best.from}) ${f2(l.best.pgr.mean)} ± ${f2(l.best.pgr.se)}, vs aux-conf ${signed(l.best.gain.mean)} ± ${f2(l.best.gain.se)}` : 'no pick'}`);
  }
  await evaluator.close();
  await stack.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tasks = (process.argv[2] ?? DEFAULT_SPLIT.tasks.join(',')).split(',') as TaskId[];
  const holdout = (process.argv[3] ?? DEFAULT_SPLIT.holdout.join(',')).split(',').filter(Boolean) as TaskId[];
  await benchResearch({ tasks, holdout });
}
