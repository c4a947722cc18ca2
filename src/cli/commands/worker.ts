import type { Config } from '../../config/env.js';
import { InvalidInputError } from '../../domain/errors.js';
import { startBullWorker } from '../../queue/bullmq-worker.js';
import { CommandRunner } from '../../../workers/command/command-runner.js';
import type { Runner } from '../../../workers/runner.js';
import { W2sRunner } from '../../../workers/w2s/w2s-runner.js';
import { parseFlags } from '../args.js';

export const WORKER_USAGE = `aar worker [--concurrency N] [--runner w2s|command] [--trainer "CMD ARGS"] [--data-dir DIR] [--labels-dir DIR]

Takes experiment jobs from Redis (REDIS_URL) and runs them until SIGTERM or Ctrl-C, which
let running jobs finish (up to AAR_SHUTDOWN_GRACE_MS, default 30 s) and hand back the rest.
  --concurrency  jobs at once (default: one per core for w2s, 1 for command)
  --runner       w2s: the embedded CPU benchmark (default); command: an external trainer
  --trainer      command line of the external trainer (or AAR_TRAINER); split on spaces, no shell
  --data-dir     data directory given to the trainer as AAR_DATA_DIR (or AAR_DATA_DIR): no labels
  --labels-dir   trusted label folder (aar export-data --labels-out), given only to trusted
                 baselines jobs as AAR_LABELS_DIR (or AAR_LABELS_DIR); needed with AAR_BASELINES=trainer`;

export async function workerCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('worker', argv, {
    concurrency: { type: 'string' },
    runner: { type: 'string', default: 'w2s' },
    trainer: { type: 'string' },
    'data-dir': { type: 'string' },
    'labels-dir': { type: 'string' },
  });
  if (!config.redisUrl) {
    throw new InvalidInputError('environment', [
      { field: 'REDIS_URL', problem: 'required by aar worker (e.g. redis://127.0.0.1:6379): workers take jobs from Redis. Without Redis, aar submit runs jobs in-process.' },
    ]);
  }
  if (flags.runner !== 'w2s' && flags.runner !== 'command') {
    throw new InvalidInputError('arguments', [{ field: '--runner', problem: `unknown runner "${flags.runner}"; accepted: w2s, command` }]);
  }
  const concurrency = flags.concurrency === undefined ? (flags.runner === 'w2s' ? config.threads : 1) : Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new InvalidInputError('arguments', [{ field: '--concurrency', problem: `"${flags.concurrency}" is not accepted; accepted: an integer 1..256` }]);
  }
  const runner = makeRunner(flags.runner, { concurrency, trainer: flags.trainer ?? config.trainer, dataDir: flags['data-dir'] ?? config.dataDir, labelsDir: flags['labels-dir'] ?? config.labelsDir, config });
  const log = (line: string) => out.write(`${new Date().toISOString()} ${line}\n`);
  const handle = await startBullWorker({
    redisUrl: config.redisUrl,
    queueName: config.queueName,
    runner,
    concurrency,
    stalledIntervalMs: config.stalledIntervalMs,
    timeoutMs: config.jobTimeoutMs,
    graceMs: config.shutdownGraceMs,
    log,
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: finishing running jobs, then stopping`);
      handle.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped');
}

function makeRunner(kind: 'w2s' | 'command', o: { concurrency: number; trainer?: string; dataDir?: string; labelsDir?: string; config: Config }): Runner {
  if (kind === 'w2s') return new W2sRunner({ cacheDir: o.config.cacheDir, threads: o.concurrency });
  const problems = [];
  if (!o.trainer) problems.push({ field: '--trainer', problem: 'required with --runner command (or set AAR_TRAINER), e.g. --trainer "python3 train.py"' });
  if (!o.dataDir) problems.push({ field: '--data-dir', problem: 'required with --runner command (or set AAR_DATA_DIR)' });
  if (problems.length) throw new InvalidInputError('arguments', problems);
  return new CommandRunner({ command: o.trainer!.trim().split(/\s+/), dataDir: o.dataDir!, labelsDir: o.labelsDir, timeoutMs: o.config.jobTimeoutMs, methodLimits: { memoryMb: o.config.methodMemoryMb } });
}
