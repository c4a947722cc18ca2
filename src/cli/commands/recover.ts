import type { Config } from '../../config/env.js';
import { openPipeline } from '../../pipeline/setup.js';
import { parseFlags } from '../args.js';

export const RECOVER_USAGE = `aar recover [--wait] [--json]

Reconciles the ledger with the queue after a crash: scores jobs that finished while no
coordinator was listening, records final failures and re-enqueues jobs the queue lost.
  --wait   stay until no job is unfinished`;

export async function recoverCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('recover', argv, { wait: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } });
  const p = await openPipeline(config, (line) => process.stderr.write(`${line}\n`));
  try {
    const report = await p.pipeline.recover();
    if (flags.wait) {
      const experiments = new Set(p.ledger.unfinishedJobs().map((j) => j.experimentId));
      for (const id of experiments) await p.pipeline.waitFor(id);
    }
    const left = p.ledger.unfinishedJobs().length;
    out.write(flags.json ? `${JSON.stringify({ ...report, unfinished: left })}\n` : `collected ${report.collected.length}, re-enqueued ${report.requeued.length}, failed ${report.failed.length}; ${left} still unfinished\n`);
  } finally {
    await p.close();
  }
}
