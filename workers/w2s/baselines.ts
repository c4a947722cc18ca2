import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURES_VERSION } from './data/cache.js';
import type { TaskFeatures } from './data/types.js';
import { createHead } from './models/head.js';
import { argmaxRows, predictProba, train } from './models/train.js';
import { hash32, Rng } from './rng.js';
import type { Splits } from './splits.js';
import type { TaskSettings, TrainSettings } from './tasks.js';

/** What one (task, seed) fixes before any method runs: the weak teacher's labels and the ceiling. */
export interface Baselines {
  /** Weak teacher probabilities on the student's train and validation rows (n x classes). */
  weakTrain: Float32Array;
  weakValidation: Float32Array;
  /** Predicted classes on the test rows (public then private), for scoring. */
  weakTest: Uint8Array;
  ceilingTest: Uint8Array;
}

const memo = new Map<string, Baselines>();

/**
 * Trains (or loads) the weak teacher on gold split A and the strong ceiling on split B with
 * ground truth. Cached in memory and on disk per (task, seed, settings): an experiment then
 * trains only its student.
 */
export function getBaselines(
  features: TaskFeatures,
  settings: TaskSettings,
  splits: Splits,
  seed: number,
  cacheDir: string | undefined,
): Baselines {
  const key = `${features.task}-s${seed}-v${FEATURES_VERSION}-${hash32(JSON.stringify(settings)).toString(16)}`;
  const hit = cacheDir ? memo.get(key) : undefined;
  if (hit) return hit;
  const path = cacheDir ? join(cacheDir, 'baselines', `${key}.json`) : undefined;
  let baselines: Baselines;
  if (path && existsSync(path)) {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<keyof Baselines, number[]>;
    baselines = {
      weakTrain: Float32Array.from(raw.weakTrain),
      weakValidation: Float32Array.from(raw.weakValidation),
      weakTest: Uint8Array.from(raw.weakTest),
      ceilingTest: Uint8Array.from(raw.ceilingTest),
    };
  } else {
    baselines = trainBaselines(features, settings, splits, seed);
    if (path) {
      mkdirSync(join(cacheDir!, 'baselines'), { recursive: true });
      const plain = Object.fromEntries(Object.entries(baselines).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]));
      // A random suffix: workers in containers sharing a cache volume all have pid 1.
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(tmp, JSON.stringify(plain));
      renameSync(tmp, path);
    }
  }
  if (cacheDir) memo.set(key, baselines);
  return baselines;
}

export function trainBaselines(features: TaskFeatures, settings: TaskSettings, splits: Splits, seed: number): Baselines {
  const k = features.classNames.length;
  const test = concat(splits.testPublic, splits.testPrivate);
  const weakRng = new Rng(seed, 'weak');
  const weak = createHead({ kind: 'linear' }, features.weakDim, k, weakRng);
  fitGold(weak, features.weak, splits.gold, features.labels, settings.weak, weakRng);
  const ceilingRng = new Rng(seed, 'ceiling');
  const ceiling = createHead(settings.student.head, features.strongDim, k, ceilingRng);
  fitGold(ceiling, features.strong, splits.train, features.labels, settings.student, ceilingRng);
  return {
    weakTrain: predictProba(weak, features.weak, splits.train),
    weakValidation: predictProba(weak, features.weak, splits.validation),
    weakTest: argmaxRows(predictProba(weak, features.weak, test), k),
    ceilingTest: argmaxRows(predictProba(ceiling, features.strong, test), k),
  };
}

function fitGold(
  head: ReturnType<typeof createHead>,
  X: Float32Array,
  rows: Int32Array,
  labels: Uint8Array,
  s: TrainSettings,
  rng: Rng,
): void {
  const k = head.classes;
  train(head, {
    X,
    rows,
    ...s,
    rng,
    targets: (positions, count, _p, _progress, out) => {
      out.fill(0, 0, count * k);
      for (let r = 0; r < count; r++) out[r * k + labels[rows[positions[r]]]] = 1;
    },
  });
}

export function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
