import { loadTaskFeatures } from '../data/cache.js';
import { codePriorData } from '../data/code.js';
import { mathPriorData } from '../data/math.js';
import { pretrainHiddenLayer } from '../data/pretrain.js';
import { baseTask, type ProgressFn, type TaskFeatures, type TaskId, type TaskName } from '../data/types.js';
import { Rng } from '../rng.js';
import { TASKS } from '../tasks.js';
import type { TeacherSpec } from './teacher-spec.js';

const memo = new Map<string, TaskFeatures>();

/**
 * A task's features with `weak` holding its teacher's view (see TeacherSpec). `task` stays the
 * data set's name, so every teacher of one data set has the same items, splits and test halves,
 * and a teacher comparison is paired. Derived views are cheap (a projection, or a sub-second
 * pretraining of a narrow layer), so they are computed per process rather than cached on disk.
 */
export function loadTaskView(cacheDir: string, id: TaskId, progress?: ProgressFn): TaskFeatures {
  const key = `${cacheDir}\u0000${id}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const base = loadTaskFeatures(cacheDir, baseTask(id), progress);
  const view = teacherView(base, TASKS[id].teacher);
  const features = { ...base, weak: view.weak, weakDim: view.dim };
  memo.set(key, features);
  return features;
}

function teacherView(f: TaskFeatures, teacher: TeacherSpec): { weak: Float32Array; dim: number } {
  if (teacher.family === 'xview') return { weak: f.weak, dim: f.weakDim };
  if (teacher.family === 'projection') return { weak: randomProjection(f.strong, f.strongDim, teacher.dim, new Rng(0, `${f.task}:teacher-projection`)), dim: teacher.dim };
  const prior = PRIORS[f.task];
  if (!prior) throw new Error(`task ${f.task} has no auxiliary pretraining for a narrow-prior teacher; use a projection teacher`);
  // The cross-view features of math and code are the one-hot inputs both priors read.
  const toHidden = pretrainHiddenLayer({ ...prior(), width: teacher.width, epochs: teacher.epochs, lr: 3e-3, seed: 1 });
  return { weak: toHidden(f.weak), dim: teacher.width };
}

const PRIORS: Partial<Record<TaskName, typeof mathPriorData>> = { math: mathPriorData, code: codePriorData };

/** X (n x d) times a fixed Gaussian matrix (d x k) scaled by 1/sqrt(k). */
function randomProjection(X: Float32Array, d: number, k: number, rng: Rng): Float32Array {
  const P = Float64Array.from({ length: d * k }, () => rng.normal() / Math.sqrt(k));
  const n = X.length / d;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let m = 0; m < d; m++) s += X[i * d + m] * P[m * k + j];
      out[i * k + j] = s;
    }
  }
  return out;
}
