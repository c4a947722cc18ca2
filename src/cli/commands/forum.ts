import type { Config } from '../../config/env.js';
import { openForum } from '../../forum/setup.js';
import { SYSTEM } from '../../forum/publisher.js';
import { ForumService } from '../../forum/service.js';
import { quickCheckInBackground } from '../../ledger/background-check.js';
import type { LedgerError } from '../../ledger/errors.js';
import { openPipeline } from '../../pipeline/setup.js';
import { TASK_IDS } from '../../../workers/w2s/data/types.js';
import { parseFlags } from '../args.js';
import { pendingLine } from './run-output.js';

export const FORUM_USAGE = `aar forum

Runs the forum: the local web forum on 127.0.0.1 (AAR_FORUM_PORT, default 7420), or Slack
when SLACK_BOT_TOKEN is set. It follows the ledger and posts every experiment's thread,
progress and result card; people ask, veto, approve and steer there (type \`help\`).
With REDIS_URL it also collects results and re-enqueues lost jobs. Ctrl-C or \`stop\` ends it.`;

export async function forumCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  parseFlags('forum', argv, {});
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  // Before anything is opened: a Ctrl-C during the start still stops through the cleanup below
  // (lock released, outbox kept) instead of killing the process with the coordinator lock held.
  process.once('SIGINT', () => stopRequested());
  process.once('SIGTERM', () => stopRequested());
  // The check of the whole file (seconds on a large ledger) runs beside the forum instead of
  // before it: the page answers at once, and damage is named on it and here as soon as it is found.
  const p = await openPipeline(config, log, { coordinator: { command: 'aar forum', onLost: () => stopRequested() }, check: false });
  const check = quickCheckInBackground(config.ledgerPath);
  let damage: LedgerError | undefined;
  const { forum, admins } = await openForum(config, p.ledger, log);
  void check.result.then(async (found) => {
    if (!found) return;
    damage = found;
    // Shown to whoever has the page open before it says the forum stopped; a coordinator does not go on writing to a damaged file.
    await forum.post({ channel: 'audit', persona: SYSTEM, text: `The ledger is damaged, so aar forum stops: ${found.message}` }).catch(() => {});
    stopRequested();
  });
  const service = new ForumService({
    ledger: p.ledger,
    forum,
    admins,
    tasks: TASK_IDS,
    log,
    onStop: () => stopRequested(),
    queueStatus: async () => {
      if (p.queue.kind === 'memory') return 'Queue: in-process (jobs run where they are submitted).';
      const c = await p.queue.counts();
      const workers = await p.queue.workers();
      return `Queue: ${c.waiting} waiting, ${c.active} running, ${c.completed} done, ${c.failed} failed; ${workers.length} worker(s).`;
    },
  });
  try {
    const { url } = await service.start();
    await p.pipeline.recover();
    out.write(url ? `aar forum: open ${url}\n` : `aar forum: connected to Slack (#${config.forum.kind === 'slack' ? config.forum.channels.forum : ''})\n`);
    await stopped;
    out.write('aar forum: stopping\n');
  } finally {
    check.cancel();
    const pending = await service.stop();
    if (pending.posts || pending.edits) process.stderr.write(`${pendingLine('aar forum', pending)}\n`);
    await p.close();
  }
  // The same one line (and exit status) as a check at open: the file, the damage, the fix.
  if (damage) throw damage;
}
