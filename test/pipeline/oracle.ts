import type { JobResult, JobSpec } from '../../src/domain/experiment.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { FixedBaselines, type TrustedBaselines } from '../../src/scoring/trusted-baselines.js';
import type { Runner } from '../../workers/runner.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

/**
 * A runner that returns whatever predictions the test chose for an experiment's seed: a
 * worker (or a cheating method) with full control over what it reports.
 */
export class OracleRunner implements Runner {
  readonly name = 'oracle';
  private readonly byMethod = new Map<string, (seed: number) => unknown>();

  /** What jobs of the method with this name will return (set it before submitting: jobs start at once). */
  set(methodName: string, result: (seed: number) => unknown): void {
    this.byMethod.set(methodName, result);
  }

  async run(spec: JobSpec): Promise<JobResult> {
    const make = this.byMethod.get(spec.method.name ?? '');
    if (!make) throw new Error(`oracle: nothing set for method ${spec.method.name}`);
    return make(spec.seed) as JobResult;
  }
}

/**
 * A toy task for crafted results: `size` items labelled by a fixed pattern, the first half public.
 * Its trusted baselines (what scoring uses, whatever a job reports): the weak teacher wrong on
 * every 5th item, the ceiling on every 10th.
 */
export function toyVault(size = 200): { vault: LabelVault; ids: string[]; truth: number[]; baselines: FixedBaselines } {
  const ids = Array.from({ length: size }, (_, k) => `toy-${k}`);
  // Balanced, and not aligned with the "wrong every n-th item" patterns the tests use.
  const truth = ids.map((_, k) => ((k * 7 + 3) % 11) % 2);
  const half = size / 2;
  const labels = (from: number, to: number) => new Map(ids.slice(from, to).map((id, k) => [id, truth[from + k]] as const));
  const baselines = new FixedBaselines({ toy: { weak: predictions(ids, truth, (k) => k % 5 === 0), ceiling: predictions(ids, truth, (k) => k % 10 === 0) } });
  return { vault: new LabelVault('toy', 2, labels(0, half), labels(half, size)), ids, truth, baselines };
}

/** Predictions over `ids` that are right except where `wrong(k)` says so. */
export function predictions(ids: readonly string[], truth: readonly number[], wrong: (k: number) => boolean): Predictions {
  return { ids: [...ids], classes: truth.map((c, k) => (wrong(k) ? 1 - c : c)) };
}

export type Harness = EmbeddedPipeline;

/** Ledger, in-process queue on `runner`, and a listening pipeline whose scoring uses `vaultFor`. */
export function harness(runner: Runner, vaultFor: (task: string) => LabelVault, o: { concurrency?: number; baselines?: TrustedBaselines } = {}): Harness {
  let n = 0;
  return openEmbeddedPipeline({ runner, vaultFor, baselines: o.baselines, threads: o.concurrency ?? 2, policy: { attempts: 1 }, newId: () => `exp-${String(++n).padStart(3, '0')}`, prefix: 'aar-pipeline-' });
}
