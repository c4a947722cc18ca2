import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Ledger } from '../../src/ledger/ledger.js';
import { redisConnection } from '../../src/queue/redis.js';
import { crashEnv, dropQueue, jobEvents, type CrashEnv } from '../helpers/crash-env.js';
import { ProcessGroup, waitUntil, type Proc } from '../helpers/processes.js';

// One machine, three processes, the way a campaign runs in production: a coordinator
// (`aar run` with REDIS_URL) and two `aar worker` processes sharing one BullMQ queue. While
// the campaign runs, one worker dies with SIGKILL in the middle of a job: no graceful close,
// no lock release. Its lock lapses (2 x the 1 s stalled interval), the surviving worker's
// stalled check moves the job back to wait and runs it, and the campaign finishes: every
// experiment finished, every job scored exactly once, nothing lost.

const MAX_EXPERIMENTS = 14;
// Observed on the 2-core machine with a warm feature cache: ~10 s in all (a cold spam feature
// build adds ~10 s). The waits below (20 + 30 + 60 s) stay under vitest's 120 s test timeout,
// so a hang fails with waitUntil's message and every process's output.

let group: ProcessGroup;
let env: CrashEnv;
let redis: Redis | undefined;
let queue: Queue | undefined;
let ledger: Ledger | undefined;

beforeEach(() => {
  group = new ProcessGroup();
  env = crashEnv({ prefix: 'crash-multi' });
  // The embedded campaign: offline researchers, the local forum on a free port, no Slack.
  env.env.AAR_FORUM_PORT = '0';
  for (const k of Object.keys(env.env)) if (/^(ANTHROPIC_|SLACK_)/.test(k)) delete env.env[k];
});

afterEach(async () => {
  await group.killAll();
  ledger?.close();
  ledger = undefined;
  await queue?.close().catch(() => {});
  queue = undefined;
  redis?.disconnect();
  redis = undefined;
  await dropQueue(env.redisUrl, env.queueName);
  env.cleanup();
});

/** A job's BullMQ hash fields: pb (processedBy: the worker that took it last), ats (attempts started), stc (stalls). */
interface JobInfo {
  id: string;
  processedBy?: string;
  attemptsStarted: number;
  stalled: number;
  progress?: string;
  finishedOn?: string;
}

async function jobInfo(jobId: string): Promise<JobInfo> {
  const [pb, ats, stc, progress, finishedOn] = await redis!.hmget(queue!.toKey(jobId), 'pb', 'ats', 'stc', 'progress', 'finishedOn');
  return { id: jobId, processedBy: pb ?? undefined, attemptsStarted: Number(ats ?? 0), stalled: Number(stc ?? 0), progress: progress ?? undefined, finishedOn: finishedOn ?? undefined };
}

/** Jobs active right now that `worker` took and that have reported training progress (so: mid-run). */
async function runningOn(worker: string): Promise<JobInfo[]> {
  const ids = await redis!.lrange(queue!.toKey('active'), 0, -1);
  const infos = await Promise.all(ids.map(jobInfo));
  return infos.filter((j) => j.processedBy === worker && j.progress !== undefined && j.progress !== '0' && j.finishedOn === undefined);
}

async function startWorker(name: string): Promise<{ proc: Proc; workerName: string }> {
  const proc = group.aar(name, ['worker', '--concurrency', '1'], env.env);
  const workerName = await waitUntil(`${name} is ready`, () => {
    if (!proc.alive()) throw new Error(`${name} exited:\n${proc.output()}`);
    return / worker (\S+) ready: runner w2s/.exec(proc.output())?.[1];
  }, { timeoutMs: 20_000 });
  return { proc, workerName };
}

describe('crash: a campaign on two worker processes, one killed mid-job', () => {
  it('the coordinator finishes the campaign: the killed job re-runs on the other worker, every job is scored once', async (ctx) => {
    ctx.onTestFailed(() => console.error(group.logs()));
    const logs = () => group.logs();
    redis = redisConnection(env.redisUrl, 'aar-test-inspect');
    queue = new Queue(env.queueName, { connection: redis });
    queue.on('error', () => {});

    const [a, b] = await Promise.all([startWorker('worker A'), startWorker('worker B')]);
    expect(a.workerName).not.toBe(b.workerName);

    const coordinator = group.aar('coordinator', ['run', '--tasks', 'spam', '--agents', '2', '--max-experiments', String(MAX_EXPERIMENTS), '--json'], env.env);

    // Mid-job on worker A: a job it took is active and has reported progress. A is frozen
    // (SIGSTOP) before the check is trusted, so the job cannot finish between the look and the
    // kill; the short pause lets a command A had already written reach Redis. If the job did
    // finish, A is let go again and the wait goes on.
    let killedJob: JobInfo | undefined;
    await waitUntil('worker A is in the middle of a job (then it is SIGKILLed)', async () => {
      if (!coordinator.alive()) throw new Error(`coordinator exited before worker A took a job:\n${logs()}`);
      if (!a.proc.alive()) throw new Error(`worker A exited:\n${logs()}`);
      const candidates = await runningOn(a.workerName);
      if (!candidates.length) return false;
      a.proc.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 200));
      const still = (await runningOn(a.workerName))[0];
      if (!still) {
        a.proc.child.kill('SIGCONT');
        return false;
      }
      killedJob = still;
      return true;
    }, { timeoutMs: 30_000, intervalMs: 50, context: logs });
    const killed = await a.proc.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const jobId = killedJob!.id;
    expect(a.proc.output()).not.toContain(`done ${jobId}`);
    expect(killedJob!.attemptsStarted).toBe(1);

    // The surviving worker picks the stalled job up; the coordinator winds the campaign down.
    await waitUntil('the coordinator exits', () => !coordinator.alive(), { timeoutMs: 60_000, intervalMs: 200, context: logs });
    const exit = await coordinator.exited;
    expect(exit, coordinator.output()).toEqual({ code: 0, signal: null });
    const summary = JSON.parse(coordinator.stdout().trim().split('\n').at(-1)!) as { campaign: string; experiments: number };
    expect(summary.campaign).toBe('embedded');
    expect(summary.experiments).toBeGreaterThanOrEqual(MAX_EXPERIMENTS);

    // The killed job: stalled once, taken again by worker B, which finished it.
    const after = await jobInfo(jobId);
    expect(after.processedBy, logs()).toBe(b.workerName);
    expect(after.stalled).toBeGreaterThanOrEqual(1);
    expect(after.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(await queue.getJobState(jobId)).toBe('completed');
    expect(b.proc.alive()).toBe(true);
    expect(b.proc.output()).toContain(`done ${jobId}`);
    expect(a.proc.output()).not.toContain(`done ${jobId}`);

    // The ledger, once the coordinator is gone.
    ledger = Ledger.open(env.ledgerPath);
    const db = ledger.db;
    const experiments = (db.prepare('SELECT id FROM experiments ORDER BY rowid').all() as { id: string }[]).map((r) => r.id);
    // Nothing lost: every experiment of the ledger is in the campaign's count, and each is finished.
    expect(summary.experiments).toBe(experiments.length);
    expect((db.prepare("SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = 'embedded'").get() as { n: number }).n).toBe(experiments.length);
    const unfinishedExperiments = experiments.filter((id) => !ledger!.isFinished(id));
    expect(unfinishedExperiments, 'experiments not finished').toEqual([]);
    for (const id of experiments) {
      const e = ledger.experiment(id)!;
      expect(ledger.jobs(id).map((j) => j.seed).sort((x, y) => x - y), `${id}: a job per seed`).toEqual([...e.seeds].sort((x, y) => x - y));
    }

    // Every job scored exactly once: one results row per job that did not fail, none twice.
    const jobs = ledger.jobs();
    expect(ledger.unfinishedJobs()).toEqual([]);
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(jobs.length);
    const dupes = db.prepare('SELECT job_id, COUNT(*) AS n FROM results GROUP BY job_id HAVING n > 1').all();
    expect(dupes).toEqual([]);
    const resultIds = (db.prepare('SELECT job_id FROM results ORDER BY job_id').all() as { job_id: string }[]).map((r) => r.job_id);
    const notFailed = jobs.filter((j) => j.status !== 'failed').map((j) => j.jobId).sort();
    expect(resultIds).toEqual(notFailed);
    for (const j of jobs.filter((j) => j.status !== 'failed')) expect(j.status, j.jobId).toBe('scored');
    const scoredEvents = ledger.events({ kind: 'scored' });
    const scoredPerJob = new Map<string, number>();
    for (const e of scoredEvents) scoredPerJob.set(e.jobId!, (scoredPerJob.get(e.jobId!) ?? 0) + 1);
    expect([...scoredPerJob].filter(([, n]) => n !== 1), 'jobs scored more than once').toEqual([]);
    expect([...scoredPerJob.keys()].sort()).toEqual(notFailed);

    // The killed job in the ledger: started twice (A, then B), scored once, never failed.
    const experimentId = /^(.+)-s\d+$/.exec(jobId)![1];
    expect(jobs.find((j) => j.jobId === jobId)?.status).toBe('scored');
    expect(jobEvents(ledger, experimentId, jobId, 'started').length).toBeGreaterThanOrEqual(2);
    expect(jobEvents(ledger, experimentId, jobId, 'scored')).toHaveLength(1);
    expect(jobEvents(ledger, experimentId, jobId, 'failed')).toEqual([]);
    if (process.env.AAR_CRASH_DEBUG) {
      console.log(`killed ${jobId} on ${a.workerName} (${killedJob!.progress}); re-run on ${after.processedBy}, attempts ${after.attemptsStarted}, stalls ${after.stalled}`);
      console.log(`${experiments.length} experiments, ${jobs.length} jobs: ${JSON.stringify(ledger.jobCounts())}\n${logs()}`);
    }
  });
});
