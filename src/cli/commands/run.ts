import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/env.js';
import { Campaign } from '../../campaign/campaign.js';
import { DEFAULT_TASKS, loadCampaignFile, parseCampaign, type CampaignFile } from '../../campaign/campaign-file.js';
import { threadItemEvaluator } from '../../eval/item-evaluator.js';
import { LiveView } from '../../campaign/live-view.js';
import type { CampaignSummary } from '../../campaign/summary.js';
import { InvalidInputError } from '../../domain/errors.js';
import { openForum } from '../../forum/setup.js';
import { ForumService } from '../../forum/service.js';
import { openLlm } from '../../llm/setup.js';
import { openPipeline } from '../../pipeline/setup.js';
import { buildReport, writeReport } from '../../report/campaign-report.js';
import { digestChart } from '../../report/digest-chart.js';
import { campaignSpend } from '../../campaign/spend.js';
import { CronScheduler } from '../../schedule/scheduler.js';
import { isTaskId, TASK_IDS, TASK_NAMES } from '../../../workers/w2s/data/types.js';
import { directionOf } from '../../../bots/directions.js';
import { parseFlags } from '../args.js';
import { finishCampaign, pendingLine } from './run-output.js';

export const RUN_USAGE = `aar run [--config FILE] [--agents N] [--tasks a,b] [--holdout c,d] [--max-experiments N] [--max-minutes M] [--seed S] [--red-team] [--json]

Runs a research campaign: researchers propose, workers train, scoring answers, the auditor
reviews, people steer in the forum. Running the same campaign again resumes it from the ledger.
  --config           a campaign file, YAML or JSON (tasks, agents, budget, schedule, scoring)
  --agents           number of researchers (1-50; default 9)
  --tasks            search tasks, comma-separated: ${TASK_NAMES.join(', ')} (default ${DEFAULT_TASKS.join(',')}; <task>@xview for the cross-view teacher)
  --holdout          held-out tasks, comma-separated: no agent sees them; at the end the team's best methods
                     run on them on fresh seeds next to aux-conf (the JSON's \`transfer\`)
  --max-experiments  stop proposing after this many experiments in the campaign
  --max-minutes      stop this run after this many minutes
  --seed             the offline researchers' own randomness (default 1)
  --red-team         add agents that openly try the known shortcuts, to watch detection work
  --json             the last line of stdout is one JSON object with the outcome`;

/** The campaign the file and the flags describe; each bad flag is named with what it accepts. */
export function campaignFrom(flags: { config?: string; agents?: string; tasks?: string; holdout?: string; 'max-experiments'?: string; 'max-minutes'?: string; seed?: string }, base: Partial<CampaignFile> = {}): CampaignFile {
  const file: Record<string, unknown> = flags.config ? loadCampaignFile(flags.config) : parseCampaign(base);
  const int = (flag: string, v: string | undefined, min: number, max: number) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidInputError('arguments', [{ field: `--${flag}`, problem: `"${v}" is not accepted; a whole number from ${min} to ${max}` }]);
    return Number(v);
  };
  const agents = int('agents', flags.agents, 1, 50);
  const experiments = int('max-experiments', flags['max-experiments'], 1, 1_000_000);
  const seed = int('seed', flags.seed, 0, 2 ** 31 - 1);
  let minutes: number | undefined;
  if (flags['max-minutes'] !== undefined) {
    minutes = Number(flags['max-minutes']);
    if (!(minutes > 0 && minutes <= 100_000)) throw new InvalidInputError('arguments', [{ field: '--max-minutes', problem: `"${flags['max-minutes']}" is not accepted; a number of minutes above 0` }]);
  }
  let tasks: string[] | undefined;
  if (flags.tasks !== undefined) {
    tasks = flags.tasks.split(',').map((t) => t.trim());
    const bad = tasks.find((t) => !isTaskId(t));
    if (bad !== undefined || !tasks.length) throw new InvalidInputError('arguments', [{ field: '--tasks', problem: `unknown task "${bad ?? ''}"; accepted: a comma-separated list of ${TASK_IDS.join(', ')}` }]);
  }
  let holdout: string[] | undefined;
  if (flags.holdout !== undefined) {
    holdout = flags.holdout.split(',').map((t) => t.trim()).filter(Boolean);
    const bad = holdout.find((t) => !isTaskId(t));
    if (bad !== undefined) throw new InvalidInputError('arguments', [{ field: '--holdout', problem: `unknown task "${bad}"; accepted: a comma-separated list of ${TASK_IDS.join(', ')}` }]);
  }
  const f = file as CampaignFile;
  return parseCampaign({
    ...f,
    ...(tasks ? { tasks } : {}),
    // New search tasks without --holdout: the file's held-out tasks minus any now searched.
    ...(holdout ? { holdout } : tasks ? { holdout: f.holdout.filter((t) => !tasks.includes(t)) } : {}),
    ...(seed !== undefined ? { seed } : {}),
    agents: { ...f.agents, ...(agents ? { count: agents } : {}) },
    budget: { ...f.budget, ...(experiments ? { experiments } : {}), ...(minutes ? { minutes } : {}) },
  });
}

/** Forum and queue as the campaign file asks, over what the environment configures. */
function effectiveConfig(config: Config, file: CampaignFile): Config {
  if (file.forum === 'slack' && config.forum.kind !== 'slack') throw new InvalidInputError('campaign', [{ field: 'campaign.forum', problem: '"slack" needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET' }]);
  if (file.queue === 'bullmq' && !config.redisUrl) throw new InvalidInputError('campaign', [{ field: 'campaign.queue', problem: '"bullmq" needs REDIS_URL' }]);
  return {
    ...config,
    ...(file.queue === 'memory' ? { redisUrl: undefined } : {}),
    ...(file.forum === 'local' && config.forum.kind === 'slack' ? { forum: { kind: 'local' as const, port: 7420, operator: 'operator' } } : {}),
  };
}

export async function runCommand(argv: string[], config: Config, out: NodeJS.WritableStream, base: Partial<CampaignFile> = {}): Promise<CampaignSummary> {
  const flags = parseFlags('run', argv, {
    config: { type: 'string' },
    agents: { type: 'string' },
    tasks: { type: 'string' },
    holdout: { type: 'string' },
    'max-experiments': { type: 'string' },
    'max-minutes': { type: 'string' },
    seed: { type: 'string' },
    'red-team': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const file = flags['red-team'] ? { ...campaignFrom(flags, base), redTeam: true } : campaignFrom(flags, base);
  const cfg = effectiveConfig(config, file);
  // On a terminal the live view owns the screen: log lines go to a file instead of scrolling it.
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const logPath = join(cfg.home, 'run.log');
  if (tty) mkdirSync(cfg.home, { recursive: true });
  const log = tty ? (line: string) => appendFileSync(logPath, `${new Date().toISOString()} ${line}\n`) : (line: string) => process.stderr.write(`${line}\n`);
  const abort = new AbortController();
  const p = await openPipeline(cfg, log, {
    coordinator: {
      command: 'aar run',
      // Another coordinator took the ledger over (this one looked dead to it): stop proposing.
      onLost: () => abort.abort(new Error('the coordinator lock was taken over')),
    },
  });
  const { forum, admins } = await openForum(cfg, p.ledger, log);
  const service = new ForumService({
    ledger: p.ledger,
    forum,
    admins,
    tasks: file.tasks,
    minSeeds: file.scoring.claimSeeds,
    // The team's names (as createTeam gives them), so a person off the allowlist who writes to one is told it will not act.
    agents: () => Array.from({ length: file.agents.count }, (_, i) => directionOf(i).name),
    log,
    // `stop` is a ledger fact the campaign reads; nothing else to do here.
    onStop: () => {},
    queueStatus: async () => (p.queue.kind === 'memory' ? 'Queue: in-process.' : `Queue: ${JSON.stringify(await p.queue.counts())}`),
  });
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    log('aar run: stopping (Ctrl-C again to quit at once); the campaign resumes where it stopped when run again');
    abort.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const view = new LiveView(out as NodeJS.WriteStream);
  // The desk's own runs (claim confirmation, held-out transfer) on threads of the coordinator.
  const evaluator = threadItemEvaluator({ cacheDir: cfg.cacheDir, threads: cfg.threads });
  try {
    const { url } = await service.start();
    out.write(url ? `aar run: campaign "${file.name}" · forum at ${url}\n` : `aar run: campaign "${file.name}" · forum in Slack\n`);
    if (tty) out.write(`aar run: log in ${logPath}\n`);
    const campaign = new Campaign({
      file,
      evaluator,
      codeLanguage: cfg.codeLanguage,
      ledger: p.ledger,
      pipeline: p.pipeline,
      llm: openLlm(cfg, p.ledger),
      model: cfg.llm.model,
      inputBudget: cfg.llm.turnInputBudget,
      maxTokens: cfg.llm.maxOutputTokens,
      effort: cfg.llm.effort,
      scheduler: new CronScheduler({ timezone: file.schedule.timezone, log }),
      log,
      onTick: (s) => view.update(s),
      onDigest: async () => {
        const chart = await digestChart(p.ledger, file.name, file.scoring.claimSeeds);
        if (chart) await service.postOnce(`digest-chart:${file.name}:${new Date().toISOString().slice(0, 13)}`, chart);
      },
    });
    const summary = await campaign.run({ signal: abort.signal });
    view.done();
    await service.sync();
    await finishCampaign({
      config: cfg,
      ledger: p.ledger,
      summary,
      json: flags.json,
      out,
      writeReport: async () => {
        const data = buildReport({ ledger: p.ledger, campaignId: summary.campaign, spend: campaignSpend(p.ledger, summary.campaign), claimSeeds: file.scoring.claimSeeds });
        return (await writeReport(data, join(cfg.home, 'reports', summary.campaign))).html;
      },
    });
    return summary;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await evaluator.close();
    const pending = await service.stop();
    // Never silent: posts the forum did not take yet (a long Retry-After, an outage) are still in the ledger.
    if (pending.posts || pending.edits) process.stderr.write(`${pendingLine('aar run', pending)}\n`);
    await p.close();
  }
}
