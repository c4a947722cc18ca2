/** The embedded tasks' data sets (each one task with the same-family weak teacher, the default). */
export const TASK_NAMES = ['spam', 'sentiment', 'math', 'code', 'sotu', 'names'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/**
 * A task as an experiment names it: the data set alone runs it with its same-family weak teacher
 * (the default); `<task>@xview` runs it with the earlier cross-view teacher (hashed n-grams,
 * one-hot digits), whose errors the student's features partly predict (issue 18).
 */
export type TaskId = TaskName | `${TaskName}@xview`;

/** Every task id the w2s runner accepts: the defaults first, then the cross-view variants. */
export const TASK_IDS: readonly TaskId[] = [...TASK_NAMES, ...TASK_NAMES.map((t) => `${t}@xview` as const)];

export function isTaskId(value: string): value is TaskId {
  return (TASK_IDS as readonly string[]).includes(value);
}

/** The data set a task id runs on. */
export function baseTask(id: TaskId): TaskName {
  return id.split('@')[0] as TaskName;
}

/**
 * Every item of one task with both views of its input: the weak teacher's features and the
 * strong student's (a pretrained representation: GloVe, or a hidden layer pretrained on an
 * auxiliary task). Labels are here because the cache is the source of truth; only the
 * splits module hands them out, and test labels go to the scoring vault alone.
 */
export interface TaskFeatures {
  task: TaskName;
  classNames: string[];
  ids: string[];
  /** A short human-readable form of each item (subject line, word, expression, program). */
  inputs: string[];
  labels: Uint8Array;
  weakDim: number;
  weak: Float32Array;
  strongDim: number;
  strong: Float32Array;
}

/** Reports build progress: a stage name and the fraction of it done. */
export type ProgressFn = (stage: string, fraction: number) => void;
