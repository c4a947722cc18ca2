import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign, type CampaignFileInput } from '../../src/campaign/campaign-file.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { digestChart } from '../../src/report/digest-chart.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { ProcessGroup, ROOT, waitUntil } from '../helpers/processes.js';

let stack: EmbeddedPipeline;
let ledger: Ledger;
let pipeline: Pipeline;

beforeEach(() => {
  stack = openEmbeddedPipeline({ prefix: 'aar-camp-' });
  ({ ledger, pipeline } = stack);
});

afterEach(() => stack.close());

function campaign(file: CampaignFileInput, o: { scheduler?: ManualScheduler; now?: () => number; sleep?: (ms: number) => Promise<void> } = {}) {
  const scheduler = o.scheduler ?? new ManualScheduler();
  const c = new Campaign({ file: parseCampaign({ tasks: ['spam'], agents: { count: 2, kind: 'offline' }, ...file }), ledger, pipeline, model: 'unused', inputBudget: 24_000, scheduler, now: o.now, sleep: o.sleep });
  return { c, scheduler };
}

const count = (sql: string, ...args: unknown[]) => (ledger.db.prepare(sql).get(...args) as { n: number }).n;

describe('campaign', () => {
  it('runs baselines and researchers to the experiment cap, warns at 50/80/100%, finishes what is in flight, audits the leader, and resumes without redoing anything', async () => {
    const { c, scheduler } = campaign({ name: 'c1', budget: { experiments: 12 } });
    const summary = await c.run();
    expect(summary).toMatchObject({ campaign: 'c1', experiments: expect.any(Number), flags: expect.any(Number), vetoes: 0 });
    expect(summary.experiments).toBeGreaterThanOrEqual(12);
    expect(summary.experiments).toBeLessThanOrEqual(14);
    expect(summary.tasks.spam.baseline).toMatchObject({ experiment: expect.any(String), pgrPublic: expect.any(Number), pgrPrivate: expect.any(Number) });
    expect(summary.tasks.spam.best).toMatchObject({ seeds: 5 });
    expect(summary.spend).toMatchObject({ usd: 0, usdPerAgentHour: 0 });
    expect(summary.spend.agentHours).toBeGreaterThan(0);
    expect(summary.spend.gpuHours).toBeGreaterThan(0);
    // Nothing left in flight, every experiment belongs to the campaign.
    expect(ledger.unfinishedJobs()).toEqual([]);
    expect(count("SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = 'c1'")).toBe(summary.experiments);
    const steward = new ForumRecords(ledger).messages({ authorKind: 'agent', limit: 1000 }).filter((m) => m.author === 'steward').map((m) => m.text);
    expect(steward.filter((t) => t.startsWith('Budget'))).toHaveLength(3);
    expect(ledger.events({ kind: 'verdict' }).length).toBeGreaterThan(0);
    // The schedule's jobs exist and run on demand (the digest is posted by the steward).
    expect(scheduler.list().map((j) => j.name).sort()).toEqual(['budget-guard', 'digest', 'leaderboard', 'reaper']);

    // The morning digest's chart: PGR over time per task, a real PNG, in the results channel.
    const chart = (await digestChart(ledger, 'c1', 5))!;
    expect(chart).toMatchObject({ channel: 'results', persona: { name: 'steward' }, text: expect.stringMatching(/^PGR over time .* Best so far: spam \d\.\d\d\.$/) });
    expect(Buffer.from(chart.image!.png, 'base64').subarray(1, 4).toString()).toBe('PNG');

    const before = summary.experiments;
    const again = await campaign({ name: 'c1', budget: { experiments: 12 } }).c.run();
    expect(again.experiments).toBe(before);
    expect(ledger.events({ kind: 'campaign' }).filter((e) => e.data.action === 'start')).toHaveLength(2);
  }, 120_000);

  it('a person’s `stop` ends the run: no new experiments, running ones are scored', async () => {
    const { c } = campaign({ name: 'c2', budget: { experiments: 500 } });
    const timer = setInterval(() => {
      if (count('SELECT COUNT(*) AS n FROM experiments') >= 6) {
        ledger.append('control', { data: { action: 'stop', who: 'maria' } });
        clearInterval(timer);
      }
    }, 20);
    const summary = await c.run();
    clearInterval(timer);
    expect(summary.experiments).toBeLessThan(30);
    expect(ledger.unfinishedJobs()).toEqual([]);
    expect(ledger.events({ kind: 'campaign' }).at(-1)?.data).toMatchObject({ action: 'stop', reason: 'stopped by maria' });
  }, 60_000);

  it('its scheduled jobs work mid-run: the digest (with its chart hook), the leaderboard, the reaper and the budget guard', async () => {
    const scheduler = new ManualScheduler();
    const digests: string[] = [];
    let ran = false;
    const c = new Campaign({
      file: parseCampaign({ name: 'sched', tasks: ['spam'], agents: { count: 2, kind: 'offline' }, budget: { experiments: 10 } }),
      ledger,
      pipeline,
      model: 'unused',
      inputBudget: 24_000,
      scheduler,
      onDigest: (text) => void digests.push(text),
      onTick: () => {
        if (ran || count('SELECT COUNT(*) AS n FROM results') < 5) return;
        ran = true;
        void (async () => {
          for (const job of ['digest', 'leaderboard', 'reaper', 'budget-guard']) await scheduler.runNow(job);
        })();
      },
    });
    await c.run();
    expect(ran).toBe(true);
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatch(/spam/);
    const steward = new ForumRecords(ledger).messages({ authorKind: 'agent', limit: 1000 }).filter((m) => m.author === 'steward');
    expect(steward.some((m) => m.text === digests[0])).toBe(true);
  }, 60_000);

  it('outside its active window it proposes nothing and says when it will start', async () => {
    const ticks: string[] = [];
    const abort = new AbortController();
    const noon = Date.parse('2026-11-27T12:00:00Z');
    const c = new Campaign({
      file: parseCampaign({ name: 'nights', tasks: ['spam'], agents: { count: 2, kind: 'offline' }, schedule: { timezone: 'Europe/Paris', active: ['* 22-23,0-6 * * *'] } }),
      ledger,
      pipeline,
      model: 'unused',
      inputBudget: 24_000,
      scheduler: new ManualScheduler(),
      now: () => noon,
      onTick: (s) => ticks.push(s.waiting ?? ''),
      sleep: async () => abort.abort(new Error('test over')),
    });
    await c.run({ signal: abort.signal });
    expect(ticks[0]).toMatch(/outside the active window; next at \w{3} 22:00 \(Europe\/Paris\)/);
    // Only the steward's baselines were proposed: no researcher worked.
    expect(count("SELECT COUNT(*) AS n FROM experiments WHERE agent != 'steward'")).toBe(0);
  }, 60_000);
});

describe('aar run (a real process)', () => {
  const home = mkdtempSync(join(tmpdir(), 'aar-run-'));
  // The embedded mode: no model key, no Slack, no Redis, whatever the machine has set.
  const embeddedEnv = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, AAR_CACHE_DIR: testCacheDir(), AAR_HOME: home, AAR_FORUM_PORT: '0' };
    for (const k of Object.keys(env)) if (/^(ANTHROPIC_|SLACK_|REDIS_URL)/.test(k)) delete env[k];
    return env;
  };
  const aar = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: embeddedEnv(),
      encoding: 'utf8',
      // The --holdout run takes about a minute with the suite's other files beside it; the
      // margin is for a CI machine under more load.
      timeout: 220_000,
    });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('runs a small campaign, prints the leaderboard, writes the report, and ends stdout with one JSON object', () => {
    const r = aar('run', '--tasks', 'spam', '--agents', '2', '--max-experiments', '8', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/aar run: campaign "embedded" · forum at http:\/\/127\.0\.0\.1:\d+/);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['campaign', 'experiments', 'tasks', 'spend', 'flags', 'vetoes']));
    expect(last.tasks.spam.baseline.pgrPublic).toEqual(expect.any(Number));
    expect(last.tasks.spam.best).toMatchObject({ experiment: expect.any(String), method: expect.any(String), pgrPublic: expect.any(Number), pgrPrivate: expect.any(Number) });
    expect(last.spend).toEqual({ usd: 0, agentHours: expect.any(Number), usdPerAgentHour: 0, activeAgentHours: expect.any(Number), usdPerActiveAgentHour: 0, gpuHours: expect.any(Number) });
    expect(existsSync(last.report)).toBe(true);
    expect(readFileSync(last.report, 'utf8')).toContain('<svg');
    // Not a terminal: plain progress lines, no escape codes.
    expect(r.stdout).not.toContain('\x1b[');
  }, 120_000);

  it('--holdout: the JSON ends with a transfer object per held-out task (best, aux-conf, paired gain with combined SE)', () => {
    const r = aar('run', '--tasks', 'spam,math,code', '--holdout', 'sentiment,sotu', '--agents', '2', '--max-experiments', '30', '--json');
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    // Only search tasks have experiments; no held-out task is among them.
    expect(Object.keys(last.tasks).length).toBeGreaterThan(0);
    for (const t of Object.keys(last.tasks)) expect(['spam', 'math', 'code']).toContain(t);
    expect(Object.keys(last.transfer).sort()).toEqual(['sentiment', 'sotu']);
    for (const t of ['sentiment', 'sotu']) {
      expect(last.transfer[t]).toMatchObject({ se: 'combined SE (seed + item bootstrap)', auxConf: { mean: expect.any(Number), se: expect.any(Number) } });
      expect(last.transfer[t].best).toMatchObject({ from: expect.stringMatching(/^(spam|math|code)$/), gain: { mean: expect.any(Number), se: expect.any(Number), seSeed: expect.any(Number), seItem: expect.any(Number) } });
    }
    expect(r.stdout).toContain('Transfer to held-out tasks');
    expect(aar('run', '--tasks', 'spam', '--holdout', 'spam').stderr).toMatch(/campaign\.holdout: spam is also in campaign\.tasks/);
    expect(aar('run', '--holdout', 'chess').stderr).toMatch(/--holdout: unknown task "chess"/);
  }, 240_000);

  it('Ctrl-C stops cleanly with the outcome so far; running it again resumes the same campaign', async () => {
    const procs = new ProcessGroup();
    const env = { ...embeddedEnv(), AAR_HOME: mkdtempSync(join(tmpdir(), 'aar-sigint-')) };
    const experiments = () => {
      const l = Ledger.open(join(env.AAR_HOME!, 'ledger.sqlite'));
      try {
        return (l.db.prepare("SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = 'embedded'").get() as { n: number }).n;
      } finally {
        l.close();
      }
    };
    try {
      const first = procs.spawn('run', process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--tasks', 'spam', '--agents', '2'], { env });
      await waitUntil('a few experiments', () => first.output().includes('forum at') && existsSync(join(env.AAR_HOME!, 'ledger.sqlite')) && experiments() >= 6, { timeoutMs: 60_000, context: first.output });
      const exit = await first.kill('SIGINT');
      expect(exit, first.output()).toEqual({ code: 0, signal: null });
      expect(first.output()).toMatch(/stopping \(Ctrl-C again to quit at once\)[\s\S]*Campaign embedded: \d+ experiments/);
      const before = experiments();
      const second = procs.spawn('run', process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--tasks', 'spam', '--agents', '2', '--max-experiments', String(before + 4), '--json'], { env });
      expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });
      const last = JSON.parse(second.stdout().trim().split('\n').at(-1)!);
      expect(last.campaign).toBe('embedded');
      expect(last.experiments).toBeGreaterThanOrEqual(before + 4);
      const l = Ledger.open(join(env.AAR_HOME!, 'ledger.sqlite'));
      expect(l.events({ kind: 'campaign' }).filter((e) => e.data.action === 'start')).toHaveLength(2);
      expect(l.unfinishedJobs()).toEqual([]);
      l.close();
    } finally {
      await procs.killAll();
    }
  }, 180_000);

  it('refuses bad flags and bad campaign files with the field and what is accepted', () => {
    const agents = aar('run', '--agents', '0');
    expect(agents.code).toBe(2);
    expect(agents.stderr).toMatch(/--agents: "0" is not accepted; a whole number from 1 to 50/);
    expect(aar('run', '--tasks', 'spam,chess').stderr).toMatch(/--tasks: unknown task "chess"/);
    expect(aar('run', '--max-minutes', 'soon').stderr).toMatch(/--max-minutes/);
    const file = join(home, 'bad.yaml');
    writeFileSync(file, 'budget:\n  usd: -5\nschedule:\n  active: ["99 * * * *"]\n');
    const bad = aar('run', '--config', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/campaign\.budget\.usd/);
    expect(bad.stderr).toMatch(/campaign\.schedule\.active\.0/);
    expect(aar('run', '--colour', 'red').stderr).toMatch(/Unknown option '--colour'.*accepted: --config/);
  }, 60_000);
});
