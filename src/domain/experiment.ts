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
  /**
   * "baselines": a trusted job (weak teacher and ceiling only, no agent code) whose output scoring
   * caches per (task, seed). Absent: the method phase, whose weak and ceiling are never used.
   */
  phase: z.literal('baselines').optional(),
  /**
   * The trusted weak teacher's class probabilities on the student's split B (train and
   * validation), for a trainer's method phase: it trains on these and never on gold.
   */
  weakLabels: z.strictObject({ ids: z.array(z.string()), probs: z.array(z.array(z.number().min(0).max(1))) }).optional(),
});
export type JobSpec = z.output<typeof JobSpecSchema>;

/**
 * What a worker returns for one job: predictions by evaluation item id, never a score. `weak`
 * and `ceiling` are accepted (older trainers print them) but scoring never uses them: its weak
 * and ceiling come from trusted code (src/scoring/trusted-baselines.ts).
 */
export const JobResultSchema = z.strictObject({
  student: PredictionsSchema,
  weak: PredictionsSchema.optional(),
  ceiling: PredictionsSchema.optional(),
  stats: z.record(z.string(), z.unknown()).default({}),
  /** The end of the trainer's stderr, kept with the experiment for debugging. */
  stderrTail: z.string().max(8192).optional(),
});
export type JobResult = z.output<typeof JobResultSchema>;

/**
 * What a trusted baselines job returns: the weak teacher's and the ceiling's predictions on every
 * evaluation item, and the weak teacher's probabilities on split B for the method phases.
 */
export const BaselinesResultSchema = z.strictObject({
  weak: PredictionsSchema,
  ceiling: PredictionsSchema,
  weakTrain: z.strictObject({ ids: z.array(z.string()), probs: z.array(z.array(z.number().min(0).max(1))) }),
  stats: z.record(z.string(), z.unknown()).default({}),
  stderrTail: z.string().max(8192).optional(),
});
export type BaselinesResult = z.output<typeof BaselinesResultSchema>;

/** The experiment id of the trusted baselines job of a task: job id `bl-<task>-s<seed>`. */
export function baselinesExperimentId(task: string): string {
  return `bl-${task.replace(/_/g, '-')}`;
}

export function parseBaselinesResult(input: unknown): BaselinesResult {
  return parseOrThrow(BaselinesResultSchema, input, 'baselines result', 'result');
}

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
