import type { Knob } from '../../directions.js';
import type { MethodInput } from '../../../src/domain/method.js';

// People read the offline researchers' posts and answers: techniques are named in words, never
// by the method's field names ("auxConf", "labels") or the policy's knob names.
const KNOB_WORDS: Record<Knob, string> = {
  auxConf: 'the auxiliary confidence loss',
  filter: 'filtering out the least confident weak labels',
  labels: 'hard or soft labels and label smoothing',
  earlyStopping: 'early stopping',
  selfTraining: 'self-training',
  ensemble: 'ensembles of students',
  knn: 'relabelling by nearest neighbours',
  consistency: 'dropping the labels a first student contradicts',
  optimiser: 'the training recipe (learning rate, epochs, L2)',
  code: 'method code of our own (label, weight, loss or format hooks)',
  recombine: 'combining the leading methods',
};

/** A technique in words. */
export function knobWords(k: Knob): string {
  return KNOB_WORDS[k];
}

/** Which techniques a method uses, in words ("hard labels, the auxiliary confidence loss (alpha 0.5), an ensemble of 3 students"), or "the naive method". */
export function methodInWords(m: MethodInput): string {
  const parts: string[] = [];
  if (m.labels === 'hard') parts.push('hard labels');
  if (m.labelSmoothing) parts.push(`label smoothing ${m.labelSmoothing}`);
  if (m.auxConf) parts.push(`the auxiliary confidence loss (alpha ${m.auxConf.alphaMax}${m.auxConf.warmup !== undefined ? `, warm-up ${m.auxConf.warmup}` : ''})`);
  if (m.filter) parts.push(`only the ${Math.round(m.filter.keep * 100)}% most confident weak labels`);
  if (m.earlyStopping) parts.push(`early stopping (patience ${m.earlyStopping.patience ?? 3})`);
  if (m.selfTraining) parts.push(`${m.selfTraining.rounds} round(s) of self-training`);
  if (m.ensemble && m.ensemble.size > 1) parts.push(`an ensemble of ${m.ensemble.size} students`);
  if (m.knn) parts.push(`relabelling by the ${m.knn.k ?? 10} nearest neighbours`);
  if (m.consistency) parts.push(`dropping the ${Math.round((m.consistency.drop ?? 0.2) * 100)}% of labels a first student contradicts`);
  if (m.head?.kind === 'mlp') parts.push(`an MLP head (width ${m.head.width})`);
  const recipe = [m.epochs !== undefined ? `${m.epochs} epochs` : '', m.lr !== undefined ? `learning rate ${m.lr}` : '', m.l2 !== undefined ? `L2 ${m.l2}` : ''].filter(Boolean);
  if (recipe.length) parts.push(recipe.join(', '));
  if (m.code) parts.push('its own method code');
  return parts.length ? parts.join(', ') : 'the naive method';
}
