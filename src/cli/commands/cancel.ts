import type { Config } from '../../config/env.js';
import { InvalidInputError } from '../../domain/errors.js';
import { ExperimentIdSchema } from '../../domain/experiment.js';
import { Ledger } from '../../ledger/ledger.js';
import { openQueue } from '../../pipeline/setup.js';
import { parseFlags } from '../args.js';

export const CANCEL_USAGE = `aar cancel --experiment ID [--json]

Cancels an experiment's unfinished jobs on the shared queue (REDIS_URL): waiting jobs are
removed, running ones are aborted on their worker. Scored seeds stay scored.`;

export async function cancelCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('cancel', argv, { experiment: { type: 'string' }, json: { type: 'boolean', default: false } });
  if (!flags.experiment || !ExperimentIdSchema.safeParse(flags.experiment).success) {
    throw new InvalidInputError('arguments', [{ field: '--experiment', problem: 'required; an experiment id as printed by aar submit (lower-case letters, digits and dashes)' }]);
  }
  if (!config.redisUrl) {
    throw new InvalidInputError('environment', [{ field: 'REDIS_URL', problem: 'required by aar cancel: without Redis, jobs live inside the process that submitted them (stop it with Ctrl-C)' }]);
  }
  const ledger = Ledger.open(config.ledgerPath);
  const queue = await openQueue(config).catch((err: unknown) => {
    ledger.close();
    throw err;
  });
  try {
    if (!ledger.experiment(flags.experiment)) throw new InvalidInputError('arguments', [{ field: '--experiment', problem: `no experiment "${flags.experiment}" in ${config.ledgerPath}` }]);
    const cancelled: string[] = [];
    const unfinished = ledger.unfinishedJobs(flags.experiment);
    // Waiting jobs first: aborting a running one frees its worker, which would take the next.
    const outcomes = new Map(await Promise.all(unfinished.map(async (j) => [j.jobId, (await queue.outcome(j.jobId)).state] as const)));
    unfinished.sort((a, b) => Number(outcomes.get(a.jobId) === 'active') - Number(outcomes.get(b.jobId) === 'active'));
    for (const job of unfinished) {
      const state = (await queue.outcome(job.jobId)).state;
      if (!(await queue.cancel(job.jobId)) && state !== 'missing') continue;
      // A running job's abort is recorded as its final failure by the coordinator; a removed
      // (or lost) one would otherwise look unfinished forever.
      // Refused (0) when the job became final meanwhile (scored by a coordinator): not cancelled then.
      if (state !== 'active' && !ledger.append('cancelled', { experimentId: job.experimentId, jobId: job.jobId, data: { seed: job.seed, by: 'aar cancel' } })) continue;
      cancelled.push(job.jobId);
    }
    out.write(flags.json ? `${JSON.stringify({ experiment: flags.experiment, cancelled })}\n` : `cancelled ${cancelled.length} job(s) of ${flags.experiment}${cancelled.length ? `: ${cancelled.join(', ')}` : ''}\n`);
  } finally {
    await queue.close();
    ledger.close();
  }
}
