import type { Config } from '../../config/env.js';
import { InvalidInputError } from '../../domain/errors.js';
import { readCampaignRecord } from '../../export/read.js';
import { Ledger } from '../../ledger/ledger.js';
import { openPipeline } from '../../pipeline/setup.js';
import { ReproductionDiffersError } from '../../reproduce/errors.js';
import { originalFromExport, originalFromLedger, type OriginalExperiment } from '../../reproduce/original.js';
import { runOnQueue } from '../../reproduce/queue-run.js';
import { compare, EXTERNAL_TOLERANCE, planReproduction, runInProcess, type ComparedSeed, type ReproducePlan, type SeedScore } from '../../reproduce/reproduce.js';
import { parseFlagsAndArgs, parseSeeds } from '../args.js';

export const REPRODUCE_USAGE = `aar reproduce <experiment> [--seeds 1,2,3] [--from FILE] [--tolerance PGR] [--timeout-minutes M] [--json]

Re-runs an experiment from what was recorded when it was submitted (the normalised method and
the hash of its code, the seeds, the task and a content hash of its items and splits, versions)
and prints the original and the new PGR per seed side by side. Without REDIS_URL it runs in
this process; with it, on the queue (as a new experiment by "reproduce"), so GPU trainers work.
It refuses, naming what, when something needed is missing or differs here (the task's data
hash, the method's hash); differing versions are only noted.

  <experiment>        the experiment id
  --seeds             which of its scored seeds (default: all of them)
  --from FILE         an experiment of a campaign record \`aar export\` wrote (on any machine)
  --tolerance PGR     for external runners: how far each seed's public and private PGR may move
                      (default ${EXTERNAL_TOLERANCE}); the embedded runner is deterministic: exact
  --timeout-minutes   on the queue, how long to wait for the scores (default 60)
  --json              print one JSON object

Exit code: 0 the numbers agree, 1 they differ (or the re-run failed), 2 bad input,
3 refused (something needed is missing or differs).`;

/** `aar reproduce`: re-run an experiment and say whether its numbers come out the same. */
export async function reproduceCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const { values: flags, args } = parseFlagsAndArgs(
    'reproduce',
    argv,
    { seeds: { type: 'string' }, from: { type: 'string' }, tolerance: { type: 'string' }, 'timeout-minutes': { type: 'string' }, json: { type: 'boolean', default: false } },
    [{ name: 'experiment', accepted: 'an experiment id, e.g. e1a2b3c4-5d6e7f' }],
  );
  const seeds = flags.seeds === undefined ? undefined : parseSeeds(flags.seeds, []);
  const tolerance = number('--tolerance', flags.tolerance, 0, 1, 'a PGR difference from 0 to 1, e.g. 0.05');
  const minutes = number('--timeout-minutes', flags['timeout-minutes'], 0.1, 10_000, 'minutes above 0, e.g. 30') ?? 60;
  const original = flags.from !== undefined ? fromRecord(flags.from, args.experiment) : fromLedger(config, args.experiment);
  const queue = Boolean(config.redisUrl);
  const plan = planReproduction(original, { cacheDir: config.cacheDir, seeds, tolerance, queue });
  let fresh: SeedScore[];
  let reproducedAs: string | undefined;
  if (queue) {
    const p = await openPipeline(config, (line) => process.stderr.write(`${line}\n`));
    try {
      ({ experiment: reproducedAs, scores: fresh } = await runOnQueue(plan, p, { timeoutMs: minutes * 60_000 }));
    } finally {
      await p.close();
    }
  } else {
    fresh = await runInProcess(plan, { cacheDir: config.cacheDir, threads: config.threads });
  }
  const rows = compare(plan, fresh);
  const agree = rows.every((r) => r.agree);
  out.write(flags.json ? `${JSON.stringify(toJson(plan, rows, agree, queue, reproducedAs))}\n` : `${render(plan, rows, agree, queue, reproducedAs)}\n`);
  if (!agree) throw new ReproductionDiffersError(original.id, rows.filter((r) => !r.agree).map((r) => r.seed), plan.tolerance);
}

function number(flag: string, v: string | undefined, min: number, max: number, accepted: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidInputError('arguments to "aar reproduce"', [{ field: flag, problem: `"${v}" is not accepted; ${accepted}` }]);
  return n;
}

function fromLedger(config: Config, id: string): OriginalExperiment {
  const ledger = Ledger.open(config.ledgerPath);
  try {
    return originalFromLedger(ledger, id);
  } finally {
    ledger.close();
  }
}

function fromRecord(path: string, id: string): OriginalExperiment {
  const record = readCampaignRecord(path);
  const x = record.experiments.find((e) => e.id === id);
  if (!x) {
    const some = record.experiments.slice(-5).map((e) => e.id);
    throw new InvalidInputError('arguments to "aar reproduce"', [{ field: '<experiment>', problem: `no experiment "${id}" in ${path}; it has ${record.experiments.length}${some.length ? `, e.g. ${some.join(', ')}` : ''}` }]);
  }
  return originalFromExport(x);
}

const where = (plan: ReproducePlan, queue: boolean) => `${queue ? 'on the queue' : 'in this process'} on ${plan.embedded ? 'the embedded runner' : 'an external runner'}`;
const toleranceText = (plan: ReproducePlan) => (plan.tolerance === 0 ? 'exact (the embedded runner is deterministic)' : `±${plan.tolerance} PGR per seed and half`);

function toJson(plan: ReproducePlan, rows: ComparedSeed[], agree: boolean, queue: boolean, reproducedAs?: string) {
  return {
    experiment: plan.original.id,
    task: plan.original.task,
    seeds: plan.seeds,
    mode: queue ? 'queue' : 'in-process',
    runner: plan.embedded ? 'w2s' : 'external',
    tolerance: plan.tolerance,
    ...(reproducedAs ? { reproducedAs } : {}),
    dataHash: plan.provenance.data?.hash ?? null,
    notes: plan.notes,
    perSeed: rows,
    agree,
  };
}

function render(plan: ReproducePlan, rows: ComparedSeed[], agree: boolean, queue: boolean, reproducedAs?: string): string {
  const f = (x: number) => x.toFixed(6).padStart(9);
  const lines = [
    `${plan.original.id}: ${plan.original.task} · seeds ${plan.seeds.join(', ')} · ${where(plan, queue)}${reproducedAs ? ` as ${reproducedAs}` : ''} · tolerance ${toleranceText(plan)}`,
    `data hash ${plan.provenance.data?.hash.slice(0, 16) ?? 'not recorded'}… and method hash ${plan.provenance.methodHash.slice(0, 16)}… match the record`,
    '',
    'seed   public PGR: original       new   private PGR: original       new   agree',
    ...rows.map((r) => `${String(r.seed).padStart(4)}   ${' '.repeat(10)}${f(r.original.pgrPublic)} ${f(r.reproduced.pgrPublic)}   ${' '.repeat(11)}${f(r.original.pgrPrivate)} ${f(r.reproduced.pgrPrivate)}   ${r.agree ? 'yes' : 'NO'}`),
    '',
    agree ? `Reproduced: ${rows.length === 1 ? 'the seed agrees' : `all ${rows.length} seeds agree`} ${plan.tolerance === 0 ? 'exactly' : `within ±${plan.tolerance}`}.` : `Not reproduced: ${rows.filter((r) => !r.agree).length} of ${rows.length} seeds differ beyond the tolerance.`,
    ...(plan.notes.length ? [`Versions differ from the original's (the numbers above decide): ${plan.notes.join('; ')}.`] : []),
  ];
  return lines.join('\n');
}
