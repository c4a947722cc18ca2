import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RunnerError } from '../../src/domain/errors.js';
import type { JobSpec } from '../../src/domain/experiment.js';
import { checkWeights } from '../w2s/method/code/validate.js';
import { EffectiveSignalMeter, type EffectiveSignal } from '../w2s/method/effective-signal.js';

/** Split B's true labels in the worker's trusted labels folder (aar export-data --labels-out). */
export const SPLIT_B_LABELS = 'train_unlabeled_labels.jsonl';

/**
 * What a trainer that ran method code reports about what its student trained on (workers/gpu:
 * `signal` in its result): per split-B item, the targets after each hook, the targets a custom
 * loss's gradient pulled toward, the trained student's own probabilities, and the weights.
 */
export const TrainerSignalSchema = z.strictObject({
  ids: z.array(z.string()).min(1),
  weights: z.array(z.number().min(0)).nullable().optional(),
  stages: z
    .array(z.strictObject({ hook: z.string().max(40), targets: z.array(z.number().min(0).max(1)) }))
    .min(1)
    .max(64),
});
export type TrainerSignal = z.output<typeof TrainerSignalSchema>;

/**
 * Judges a trainer's reported signal against split B's gold labels, in the worker's trusted code
 * (the method phase never sees them): the same measure the w2s runner takes of its sandboxed
 * hooks (workers/w2s/method/effective-signal.ts), so the same detector reads it. Undefined when
 * the worker has no labels folder or the task has no split-B labels there.
 */
export function judgeSignal(signal: TrainerSignal, spec: JobSpec, labelsDir: string | undefined): EffectiveSignal | undefined {
  if (!labelsDir || !spec.weakLabels) return undefined;
  const gold = readGold(path.join(labelsDir, spec.task, SPLIT_B_LABELS));
  if (!gold) return undefined;
  const bad = (problem: string) => new RunnerError(`Trainer printed a signal that does not match the contract: ${problem}`, { retry: false });
  const weakById = new Map(spec.weakLabels.ids.map((id, i) => [id, spec.weakLabels!.probs[i]]));
  const k = spec.weakLabels.probs[0]?.length ?? 0;
  const n = signal.ids.length;
  if (n !== weakById.size) throw bad(`signal.ids has ${n} ids, the weak labels ${weakById.size}`);
  const weak = new Float32Array(n * k);
  const labels = new Uint8Array(n);
  for (const [i, id] of signal.ids.entries()) {
    const probs = weakById.get(id);
    const label = gold.get(id);
    if (!probs || label === undefined) throw bad(`signal.ids[${i}] "${id}" is not a split-B item`);
    weak.set(probs, i * k);
    labels[i] = label;
  }
  if (signal.weights && signal.weights.length !== n) throw bad(`signal.weights has ${signal.weights.length} values, expected ${n}`);
  // Weights as the w2s runner checks a weights hook's: finite, >= 0, not all 0, scaled to mean 1.
  const meter = new EffectiveSignalMeter(weak, labels, k, signal.weights ? checkWeights(Float64Array.from(signal.weights), n, 'signal.weights') : undefined);
  for (const [s, stage] of signal.stages.entries()) {
    if (stage.targets.length !== n * k) throw bad(`signal.stages[${s}].targets has ${stage.targets.length} values, expected ${n * k}`);
    meter.observe(Float32Array.from(stage.targets));
  }
  return meter.summary();
}

function readGold(file: string): Map<string, number> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const gold = new Map<string, number>();
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let row: { id?: unknown; label?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      row = {};
    }
    if (typeof row.id !== 'string' || !Number.isInteger(row.label)) {
      throw new RunnerError(`${file} line ${i + 1}: expected {"id": string, "label": integer}`, { retry: false });
    }
    gold.set(row.id, row.label as number);
  }
  return gold;
}
