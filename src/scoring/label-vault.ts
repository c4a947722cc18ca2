import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import type { TaskName } from '../../workers/w2s/data/types.js';
import { testHalves } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';

/**
 * The only holder of evaluation labels. It answers with accuracies over a half, never with
 * per-item correctness, and hands out the evaluation ids (without labels) to anyone who asks.
 */
export class LabelVault {
  private readonly labels = new Map<string, { label: number; half: 'public' | 'private' }>();

  constructor(
    readonly task: string,
    readonly classes: number,
    publicLabels: ReadonlyMap<string, number>,
    privateLabels: ReadonlyMap<string, number>,
  ) {
    for (const [id, label] of publicLabels) this.labels.set(id, { label, half: 'public' });
    for (const [id, label] of privateLabels) this.labels.set(id, { label, half: 'private' });
  }

  get size(): number {
    return this.labels.size;
  }

  /** Evaluation ids, public half first. */
  ids(): string[] {
    return [...this.labels.keys()];
  }

  has(id: string): boolean {
    return this.labels.has(id);
  }

  /**
   * Counts correct predictions per half. Callers must have validated `predictions` (see
   * validatePredictions); this stays internal to scoring.
   */
  tally(predictions: Readonly<Record<string, number>>): { public: { correct: number; total: number }; private: { correct: number; total: number } } {
    const out = { public: { correct: 0, total: 0 }, private: { correct: 0, total: 0 } };
    for (const [id, { label, half }] of this.labels) {
      out[half].total++;
      if (predictions[id] === label) out[half].correct++;
    }
    return out;
  }
}

const vaults = new Map<string, LabelVault>();

/** The vault of an embedded benchmark task, built from its feature cache. */
export function embeddedVault(cacheDir: string, task: TaskName): LabelVault {
  const key = `${cacheDir}:${task}`;
  const hit = vaults.get(key);
  if (hit) return hit;
  const features = loadTaskFeatures(cacheDir, task);
  const { testPublic, testPrivate } = testHalves(features, TASKS[task]);
  const labelsOf = (rows: Int32Array) => new Map(Array.from(rows, (r) => [features.ids[r], features.labels[r]] as const));
  const vault = new LabelVault(task, features.classNames.length, labelsOf(testPublic), labelsOf(testPrivate));
  vaults.set(key, vault);
  return vault;
}
