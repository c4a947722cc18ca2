import type { Config } from '../../config/env.js';
import { coordinatorOf, type LockHolder } from '../../ledger/coordinator-lock.js';
import { Ledger } from '../../ledger/ledger.js';
import { openQueue } from '../../pipeline/setup.js';
import type { QueueCounts, WorkerInfo } from '../../queue/port.js';
import { parseFlags } from '../args.js';
import { table } from '../format.js';

export const STATUS_USAGE = `aar status [--json]

Queue depth, running, done and failed jobs, per worker, what the ledger has recorded, and
which coordinator (aar run or aar forum) holds the ledger.`;

export async function statusCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('status', argv, { json: { type: 'boolean', default: false } });
  // A glance, taken often (scripts poll it): the whole-file check (seconds on a month-long
  // ledger) is left to the processes that write, which check at open.
  const ledger = Ledger.open(config.ledgerPath, { check: false });
  let jobs: Record<string, number>;
  let coordinator: LockHolder | undefined;
  try {
    jobs = ledger.jobCounts();
    coordinator = coordinatorOf(ledger);
  } finally {
    ledger.close();
  }
  let queue: { kind: string; counts: QueueCounts; workers: WorkerInfo[] } | { kind: string; note: string };
  if (config.redisUrl) {
    const q = await openQueue(config);
    try {
      queue = { kind: q.kind, counts: await q.counts(), workers: await q.workers() };
    } finally {
      await q.close();
    }
  } else {
    queue = { kind: 'memory', note: 'jobs run inside the process that submits them (set REDIS_URL for a shared queue)' };
  }
  if (flags.json) {
    out.write(`${JSON.stringify({ queue, ledger: { jobs, coordinator: coordinator ?? null } })}\n`);
    return;
  }
  const lines = [`ledger ${config.ledgerPath}: ${Object.entries(jobs).map(([k, v]) => `${v} ${k}`).join(', ') || 'no jobs yet'}`];
  lines.push(
    coordinator
      ? `coordinator: ${coordinator.command}, pid ${coordinator.pid} on ${coordinator.host}, since ${coordinator.since}, last seen ${Math.round((Date.now() - Date.parse(coordinator.heartbeatAt)) / 1000)} s ago`
      : 'coordinator: none (start one with aar run or aar forum)',
  );
  if ('counts' in queue) {
    const c = queue.counts;
    lines.push(`queue ${config.queueName} (bullmq): ${c.waiting} waiting, ${c.active} running, ${c.delayed} retrying, ${c.completed} done, ${c.failed} failed`);
    lines.push(
      queue.workers.length
        ? table(['worker', 'runner', 'concurrency', 'running', 'done', 'failed', 'last seen'], queue.workers.map((w) => [w.name, w.runner, String(w.concurrency), String(w.active), String(w.done), String(w.failed), w.lastSeen]))
        : 'no workers are connected: start one with `aar worker`',
    );
  } else {
    lines.push(`queue: in-process; ${queue.note}`);
  }
  out.write(`${lines.join('\n')}\n`);
}
