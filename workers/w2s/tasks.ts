import type { HeadSpec } from './models/head.js';
import type { TaskName } from './data/types.js';

export interface TrainSettings {
  epochs: number;
  lr: number;
  l2: number;
  batchSize: number;
}

/**
 * What fixes a task: split sizes and the hyperparameters of the weak teacher and of the strong
 * student (which the ceiling uses too and a method may override). test/bench/tune.ts chose them
 * on the validation split, never on test: the weak teacher by gold accuracy, the student by
 * agreement with held-out weak labels (all a real weak-to-strong researcher has).
 */
export interface TaskSettings {
  name: TaskName;
  description: string;
  /** Held-out evaluation items, split into equal public and private halves. */
  testSize: number;
  /** Split A: gold labels for the weak teacher. */
  goldSize: number;
  /** Carved from B for early stopping and model choice; the student sees only weak labels on it. */
  validationSize: number;
  weak: TrainSettings;
  student: TrainSettings & { head: HeadSpec };
}

/**
 * Items in each task's data, for the researchers' task briefs (kept out of TaskSettings, whose
 * hash keys the baseline caches; test/benchmark/tasks.test.ts checks them against the data).
 */
export const TASK_ITEMS: Record<TaskName, number> = { spam: 6046, sentiment: 3261, math: 6000, code: 6000 };

export const TASKS: Record<TaskName, TaskSettings> = {
  spam: {
    name: 'spam',
    description: 'SpamAssassin emails: spam or ham. Weak: hashed bag of words (64 buckets). Strong: GloVe mean vector.',
    testSize: 2000,
    goldSize: 300,
    validationSize: 500,
    weak: { epochs: 10, lr: 0.01, l2: 1e-4, batchSize: 32 },
    student: { epochs: 10, lr: 0.003, l2: 1e-2, batchSize: 32, head: { kind: 'linear' } },
  },
  sentiment: {
    name: 'sentiment',
    description: 'AFINN-165 words and phrases: positive or negative. Weak: character 2-4-grams. Strong: GloVe vector.',
    testSize: 1000,
    goldSize: 800,
    validationSize: 200,
    weak: { epochs: 10, lr: 0.01, l2: 1e-4, batchSize: 32 },
    student: { epochs: 10, lr: 0.003, l2: 1e-2, batchSize: 32, head: { kind: 'linear' } },
  },
  math: {
    name: 'math',
    description: 'a * b above the median product? Weak: one-hot digits. Strong: hidden layer pretrained on product magnitude.',
    testSize: 2000,
    goldSize: 120,
    validationSize: 500,
    weak: { epochs: 40, lr: 0.03, l2: 1e-2, batchSize: 32 },
    student: { epochs: 20, lr: 0.03, l2: 1e-4, batchSize: 32, head: { kind: 'linear' } },
  },
  code: {
    name: 'code',
    description: 'x = x0 then four + - * steps: is x above the median? Weak: one-hot tokens. Strong: hidden layer pretrained on partial execution.',
    testSize: 2000,
    goldSize: 60,
    validationSize: 500,
    weak: { epochs: 40, lr: 0.03, l2: 1e-2, batchSize: 32 },
    student: { epochs: 10, lr: 0.01, l2: 1e-3, batchSize: 32, head: { kind: 'linear' } },
  },
};
