import { z } from 'zod';
import { MethodSchema } from './method.js';
import { PredictionsSchema } from './predictions.js';
import { parseOrThrow } from './validate.js';

/** Experiment ids: lower-case letters, digits and dashes (they end up in job ids and URLs). */
export const ExperimentIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'lower-case letters, digits and dashes, 3-63 characters');

/**
 * What a worker receives for one seed of one experiment. It carries item ids' task and the
 * method, never labels: the worker's own data (or the command runner's data directory) has
 * the features.
 */
export const JobSpecSchema = z.strictObject({
  experimentId: ExperimentIdSchema,
  task: z.string().regex(/^[a-z0-9][a-z0-9_@-]{0,39}$/, 'a task name: lower-case letters, digits, _, - and @ (a teacher variant: spam@xview)'),
  seed: z.int().min(0).max(999_999_999),
  method: MethodSchema,
});
export type JobSpec = z.output<typeof JobSpecSchema>;

/** What a worker returns for one job: predictions by evaluation item id, never a score. */
export const JobResultSchema = z.strictObject({
  student: PredictionsSchema,
  weak: PredictionsSchema,
  ceiling: PredictionsSchema,
  stats: z.record(z.string(), z.unknown()).default({}),
  /** The end of the trainer's stderr, kept with the experiment for debugging. */
  stderrTail: z.string().max(8192).optional(),
});
export type JobResult = z.output<typeof JobResultSchema>;

/** One job per (experiment, seed): the same experiment and seed can never be run or scored twice. */
export function jobIdOf(experimentId: string, seed: number): string {
  return `${experimentId}-s${seed}`;
}

export function parseJobSpec(input: unknown): JobSpec {
  return parseOrThrow(JobSpecSchema, input, 'job spec', 'spec');
}

export function parseJobResult(input: unknown): JobResult {
  return parseOrThrow(JobResultSchema, input, 'job result', 'result');
}
