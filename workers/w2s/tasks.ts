import type { HeadSpec } from './models/head.js';
import { TASK_NAMES, type TaskId, type TaskName } from './data/types.js';
import type { TeacherSpec } from './teachers/teacher-spec.js';

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
  name: TaskId;
  description: string;
  /** What the weak teacher learns from; part of the settings so caches keyed by them differ per teacher. */
  teacher: TeacherSpec;
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
export const TASK_ITEMS: Record<TaskName, number> = { spam: 6046, sentiment: 3261, math: 6000, code: 6000, sotu: 6000, names: 5956 };

/** The cross-view variants as they were before issue 18 (their settings are unchanged, so are their numbers). */
const XVIEW: Record<TaskName, TaskSettings> = {
  spam: {
    name: 'spam@xview',
    teacher: { family: 'xview' },
    description: 'SpamAssassin emails: spam or ham. Weak: hashed bag of words (64 buckets). Strong: GloVe mean vector.',
    testSize: 2000,
    goldSize: 300,
    validationSize: 500,
    weak: { epochs: 10, lr: 0.01, l2: 1e-4, batchSize: 32 },
    student: { epochs: 10, lr: 0.003, l2: 1e-2, batchSize: 32, head: { kind: 'linear' } },
  },
  sentiment: {
    name: 'sentiment@xview',
    teacher: { family: 'xview' },
    description: 'AFINN-165 words and phrases: positive or negative. Weak: character 2-4-grams. Strong: GloVe vector.',
    testSize: 1000,
    goldSize: 800,
    validationSize: 200,
    weak: { epochs: 10, lr: 0.01, l2: 1e-4, batchSize: 32 },
    student: { epochs: 10, lr: 0.003, l2: 1e-2, batchSize: 32, head: { kind: 'linear' } },
  },
  math: {
    name: 'math@xview',
    teacher: { family: 'xview' },
    description: 'a * b above the median product? Weak: one-hot digits. Strong: hidden layer pretrained on product magnitude.',
    testSize: 2000,
    goldSize: 120,
    validationSize: 500,
    weak: { epochs: 40, lr: 0.03, l2: 1e-2, batchSize: 32 },
    student: { epochs: 20, lr: 0.03, l2: 1e-4, batchSize: 32, head: { kind: 'linear' } },
  },
  code: {
    name: 'code@xview',
    teacher: { family: 'xview' },
    description: 'x = x0 then four + - * steps: is x above the median? Weak: one-hot tokens. Strong: hidden layer pretrained on partial execution.',
    testSize: 2000,
    goldSize: 60,
    validationSize: 500,
    weak: { epochs: 40, lr: 0.03, l2: 1e-2, batchSize: 32 },
    student: { epochs: 10, lr: 0.01, l2: 1e-3, batchSize: 32, head: { kind: 'linear' } },
  },
  // Added with issue 18 for held-out transfer; settings from tune.ts on validation (seeds 1-3).
  sotu: {
    name: 'sotu@xview',
    teacher: { family: 'xview' },
    description: 'State of the Union passages (40-120 words): given in 1900 or later? Weak: hashed bag of words (64 buckets). Strong: GloVe mean vector.',
    testSize: 2000,
    goldSize: 300,
    validationSize: 500,
    weak: { epochs: 10, lr: 0.003, l2: 1e-4, batchSize: 32 },
    student: { epochs: 40, lr: 0.01, l2: 1e-4, batchSize: 32, head: { kind: 'linear' } },
  },
  names: {
    name: 'names@xview',
    teacher: { family: 'xview' },
    description: 'English first names: female or male? Weak: character 2-4-grams. Strong: GloVe vector.',
    testSize: 2000,
    goldSize: 400,
    validationSize: 500,
    weak: { epochs: 20, lr: 0.03, l2: 1e-2, batchSize: 32 },
    student: { epochs: 20, lr: 0.01, l2: 1e-4, batchSize: 32, head: { kind: 'linear' } },
  },
};

/**
 * The same-family defaults: the data, splits and student settings of the cross-view variant,
 * with a weak teacher from the student's own family (its training settings: `npm run bench`'s
 * tune.ts `<task> weak`, by gold accuracy on validation, seeds 1-3). The teacher's size keeps the
 * weak/ceiling gap above 5 points and the teacher above the majority class.
 */
const SAME_FAMILY: Record<TaskName, { teacher: TeacherSpec; weak: Partial<TrainSettings>; what: string }> = {
  spam: { teacher: { family: 'projection', dim: 16 }, weak: { l2: 1e-2 }, what: 'linear probe on a random 16-d projection of the GloVe mean vector' },
  sentiment: { teacher: { family: 'projection', dim: 16 }, weak: { lr: 0.001, epochs: 20 }, what: 'linear probe on a random 16-d projection of the GloVe vector' },
  math: { teacher: { family: 'narrow-prior', width: 8, epochs: 1 }, weak: { epochs: 10, l2: 1e-4 }, what: '8-unit hidden layer pretrained 1 epoch on product magnitude' },
  code: { teacher: { family: 'narrow-prior', width: 4, epochs: 1 }, weak: { epochs: 10, l2: 1e-4 }, what: '4-unit hidden layer pretrained 1 epoch on partial execution' },
  sotu: { teacher: { family: 'projection', dim: 16 }, weak: { lr: 0.003, epochs: 20, l2: 1e-2 }, what: 'linear probe on a random 16-d projection of the GloVe mean vector' },
  names: { teacher: { family: 'projection', dim: 16 }, weak: { lr: 0.01, epochs: 20, l2: 1e-3 }, what: 'linear probe on a random 16-d projection of the GloVe vector' },
};

function sameFamily(task: TaskName): TaskSettings {
  const x = XVIEW[task];
  const s = SAME_FAMILY[task];
  return {
    ...x,
    name: task,
    teacher: s.teacher,
    description: x.description.replace(/ Weak: [^.]*\./, ` Weak: ${s.what}.`),
    weak: { ...x.weak, ...s.weak },
  };
}

/** Every task id's settings: `spam` (same-family teacher) and `spam@xview` (cross-view teacher), and so on. */
export const TASKS: Record<TaskId, TaskSettings> = Object.fromEntries(
  TASK_NAMES.flatMap((t) => [
    [t, sameFamily(t)],
    [`${t}@xview`, XVIEW[t]],
  ]),
) as Record<TaskId, TaskSettings>;
