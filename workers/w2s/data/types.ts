/** The four embedded tasks. */
export const TASK_NAMES = ['spam', 'sentiment', 'math', 'code'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

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
