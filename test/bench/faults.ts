// `npm run bench faults`: faults injected with real processes (aar run / submit / recover /
// worker / forum from dist/, a private redis-server, a stalling TCP proxy, a fake Slack Web API),
// each run N times (AAR_BENCH_RUNS, default 1), and what the ledger and Slack say afterwards:
// seeds or posts lost, jobs or posts doubled, jobs or commands stuck, and the time to recover.
import { median } from '../../src/eval/stats.js';
import { coordinatorKilled, reconcileStalled, redisRestarted, redisStalled, sideCommands, submitKilled, workerKilled } from './fault-pipeline.js';
import { slack5xx, slackDropped, slackKilled, slackRetryAfter, slackTimedOut } from './fault-slack.js';
import type { Tally } from './fault-world.js';
import { benchLedgerOpen } from './ledger-open.js';
import { redisReachable } from './pipeline.js';

interface Fault {
  name: string;
  /** What "recovery" measures for this fault. */
  recovery: string;
  run: () => Promise<Tally>;
  needsRedis?: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchFaults(): Promise<void> {
  const runs = Math.max(1, Number(process.env.AAR_BENCH_RUNS ?? 1));
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const stall = Number(process.env.AAR_BENCH_STALL_S ?? 5);
  console.log(`\n## faults: ${runs} run(s) each; 4 seeds per experiment unless said; lost/doubled/stuck summed over the runs`);
  const hasRedis = await redisReachable(redisUrl);
  if (!hasRedis) console.log(`Redis at ${redisUrl} is not reachable (set REDIS_URL): the queue faults are skipped`);
  const faults: Fault[] = [
    { name: 'kill -9 a worker mid-job (2 workers)', recovery: 'kill to every job scored', run: () => workerKilled(redisUrl), needsRedis: true },
    { name: 'kill -9 aar submit --wait mid-run, then aar recover --wait', recovery: 'aar recover --wait, wall', run: () => coordinatorKilled(redisUrl), needsRedis: true },
    { name: 'kill -9 aar submit before each seed (4 kills), then recover', recovery: 'aar recover --wait, wall', run: () => submitKilled(redisUrl), needsRedis: true },
    { name: 'Redis killed and restarted empty mid-run', recovery: 'restart to every job scored', run: () => redisRestarted(), needsRedis: true },
    { name: `Redis traffic stalled ${stall} s mid-run (proxy)`, recovery: 'release to every job scored', run: () => redisStalled(redisUrl, stall), needsRedis: true },
    { name: 'reconcile stalled, jobs scored elsewhere, Redis restarted', recovery: 'release to the pass done', run: () => reconcileStalled(), needsRedis: true },
    { name: 'aar run + 2 workers, 2x (2 submit --wait + recover) beside', recovery: '-', run: () => sideCommands(redisUrl), needsRedis: true },
    { name: `Slack: answer to an accepted post dropped (${10} posts)`, recovery: 'simulated, to all delivered', run: slackDropped },
    { name: 'Slack: answer after the client timeout (1.5 s > 0.3 s)', recovery: 'simulated, to all delivered', run: slackTimedOut },
    { name: 'Slack: 8 x 503 in a row', recovery: 'simulated, to all delivered', run: slack5xx },
    { name: 'Slack: 429 with Retry-After 180 s', recovery: 'simulated, to all delivered', run: slackRetryAfter },
    { name: 'Slack: kill -9 aar forum while Slack holds a post (5 posts)', recovery: 'restart to all delivered', run: slackKilled },
  ];
  const rows: string[][] = [];
  for (const f of faults) {
    if (f.needsRedis && !hasRedis) continue;
    const tallies: Tally[] = [];
    for (let i = 0; i < runs; i++) {
      try {
        tallies.push(await f.run());
      } catch (err) {
        console.log(`${f.name}: run ${i + 1} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        tallies.push({ lost: NaN, doubled: NaN, stuck: NaN });
      }
    }
    const sum = (k: 'lost' | 'doubled' | 'stuck') => String(tallies.reduce((a, t) => a + t[k], 0));
    const times = tallies.map((t) => t.recoveryMs).filter((t): t is number => t !== undefined);
    const time = times.length ? `${seconds(median(times))}${times.length > 1 ? ` (${seconds(Math.min(...times))}-${seconds(Math.max(...times))})` : ''}` : '-';
    const notes = [...new Set(tallies.map((t) => t.note).filter(Boolean))].join('; ');
    const row = [f.name, String(runs), sum('lost'), sum('doubled'), sum('stuck'), time, notes ? `${f.recovery}; ${notes}` : f.recovery];
    rows.push(row);
    console.log(`${row[0]}: lost ${row[2]}, doubled ${row[3]}, stuck ${row[4]}, recovery ${row[5]}`);
  }
  console.log('');
  benchLedgerOpen();
  console.log('\n| fault | runs | lost | doubled | stuck | recovery (median, range) | recovery measured; notes |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}
