import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { provenanceOf, ProvenanceSchema, RunnerInfoSchema, type Provenance, type RunnerInfo } from './provenance.js';

/** One scored seed of the original run. */
export interface OriginalSeed {
  seed: number;
  pgrPublic: number;
  pgrPrivate: number;
  /** What the runner reported of itself and its data (the embedded runner does). */
  runner?: RunnerInfo;
}

/** An experiment as `aar reproduce` needs it, from a ledger or from an exported campaign record. */
export interface OriginalExperiment {
  id: string;
  task: string;
  method: Record<string, unknown>;
  seeds: number[];
  provenance?: Provenance;
  /** Why there is no usable provenance, when there is none. */
  missing?: string;
  results: OriginalSeed[];
}

/** The experiment record an export carries (experiments.json); read back with this schema on another machine. */
export const ExportedExperimentSchema = z.object({
  id: z.string().min(1).max(80),
  task: z.string().min(1).max(40),
  method: z.record(z.string(), z.unknown()),
  seeds: z.array(z.int().min(0)).max(100),
  provenance: ProvenanceSchema.nullable(),
  results: z.array(z.object({ seed: z.int().min(0), pgrPublic: z.number(), pgrPrivate: z.number(), runner: RunnerInfoSchema.optional() })),
});
export type ExportedExperiment = z.output<typeof ExportedExperimentSchema>;

/** The original from this machine's ledger; an unknown id is bad input naming the experiment. */
export function originalFromLedger(ledger: Ledger, id: string): OriginalExperiment {
  const e = ledger.experiment(id);
  if (!e) throw new InvalidInputError('arguments to "aar reproduce"', [{ field: '<experiment>', problem: `no experiment "${id}" in this ledger; give an experiment id (aar report lists them), or --from FILE for an exported campaign` }]);
  const p = provenanceOf(ledger, id);
  const results = ledger.results(id).map((r) => {
    const runner = RunnerInfoSchema.safeParse(r.stats.runner);
    return { seed: r.seed, pgrPublic: r.score.public.pgr, pgrPrivate: r.score.private.pgr, ...(runner.success ? { runner: runner.data } : {}) };
  });
  return { id, task: e.task, method: e.method, seeds: e.seeds, ...('provenance' in p ? { provenance: p.provenance } : { missing: p.missing }), results };
}

/** The original from an exported campaign record's experiment entry. */
export function originalFromExport(x: ExportedExperiment): OriginalExperiment {
  return {
    id: x.id,
    task: x.task,
    method: x.method,
    seeds: x.seeds,
    ...(x.provenance ? { provenance: x.provenance } : { missing: 'the export has no provenance record for it (it was submitted before aar recorded what re-running needs)' }),
    results: x.results,
  };
}
