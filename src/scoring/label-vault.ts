import { loadTaskFeatures, loadTestLabels } from '../../workers/w2s/data/cache.js';
import { baseTask, type TaskId } from '../../workers/w2s/data/types.js';
import { testHalves } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';

export interface HalfTally {
  correct: number;
  total: number;
}

/**
 * The only holder of evaluation labels. It answers with counts per half to scoring (which
 * turns them into accuracies), never per-item correctness, and hands out the evaluation ids,
 * public half first, without labels.
 */
export class LabelVault {
  private readonly order: string[];
  private readonly index = new Map<string, number>();
  private readonly labels: Uint8Array;
  /** 1 where the item is in the private half. */
  private readonly isPrivate: Uint8Array;
  readonly publicSize: number;

  constructor(
    readonly task: string,
    readonly classes: number,
    publicLabels: ReadonlyMap<string, number>,
    privateLabels: ReadonlyMap<string, number>,
  ) {
    this.order = [...publicLabels.keys(), ...privateLabels.keys()];
    this.publicSize = publicLabels.size;
    this.labels = Uint8Array.from([...publicLabels.values(), ...privateLabels.values()]);
    this.isPrivate = Uint8Array.from(this.order, (_, k) => (k >= publicLabels.size ? 1 : 0));
    this.order.forEach((id, k) => this.index.set(id, k));
  }

  get size(): number {
    return this.order.length;
  }

  /** Evaluation ids, public half first: predictions in this order are checked fastest. */
  ids(): string[] {
    return [...this.order];
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** What serialising the vault shows (a log line, an error report): never the labels. */
  toJSON(): { task: string; classes: number; size: number; publicSize: number } {
    return { task: this.task, classes: this.classes, size: this.size, publicSize: this.publicSize };
  }

  /**
   * Position of each prediction in the vault's order, or a problem. Predictions given in the
   * vault's own order need no hash lookups (the common case: our runners emit that order).
   */
  positions(ids: readonly string[]): Int32Array | string {
    if (ids.length !== this.order.length) return `${ids.length} predictions for ${this.order.length} evaluation items`;
    const pos = new Int32Array(ids.length);
    let inOrder = true;
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] !== this.order[k]) {
        inOrder = false;
        break;
      }
      pos[k] = k;
    }
    if (inOrder) return pos;
    const seen = new Uint8Array(ids.length);
    for (let k = 0; k < ids.length; k++) {
      const at = this.index.get(ids[k]);
      if (at === undefined) return `"${ids[k]}" is not an evaluation item`;
      if (seen[at]) return `"${ids[k]}" is predicted more than once`;
      seen[at] = 1;
      pos[k] = at;
    }
    return pos;
  }

  /**
   * 1 where a prediction is right, over the private half in the vault's private order. For
   * trusted error bars (the item bootstrap of the combined SE) only: per-item correctness is what
   * an answer to an agent must never carry, so nothing agent-facing may call it.
   */
  privateCorrect(positions: Int32Array, classes: readonly number[]): Uint8Array {
    const out = new Uint8Array(this.order.length - this.publicSize);
    for (let k = 0; k < positions.length; k++) {
      const at = positions[k];
      if (this.isPrivate[at] && classes[k] === this.labels[at]) out[at - this.publicSize] = 1;
    }
    return out;
  }

  /** Correct predictions per half, for predictions already placed by positions(). */
  tally(positions: Int32Array, classes: readonly number[]): { public: HalfTally; private: HalfTally } {
    let correctPublic = 0;
    let correctPrivate = 0;
    for (let k = 0; k < positions.length; k++) {
      const at = positions[k];
      if (classes[k] !== this.labels[at]) continue;
      if (this.isPrivate[at]) correctPrivate++;
      else correctPublic++;
    }
    return {
      public: { correct: correctPublic, total: this.publicSize },
      private: { correct: correctPrivate, total: this.order.length - this.publicSize },
    };
  }
}

const vaults = new Map<string, LabelVault>();

/** The vault of an embedded benchmark task: its test items from the feature cache, their labels from scoring's own file. */
export function embeddedVault(cacheDir: string, task: TaskId): LabelVault {
  const key = `${cacheDir}:${task}`;
  const hit = vaults.get(key);
  if (hit) return hit;
  // Every teacher of a data set shares its items and test halves: only the vault's name differs.
  const features = loadTaskFeatures(cacheDir, baseTask(task));
  // The feature cache holds no test labels: scoring reads its own file.
  const labels = loadTestLabels(cacheDir, baseTask(task));
  const { testPublic, testPrivate } = testHalves(features, TASKS[task]);
  const labelsOf = (rows: Int32Array) => new Map(Array.from(rows, (r) => [features.ids[r], labels.get(features.ids[r])!] as const));
  const vault = new LabelVault(task, features.classNames.length, labelsOf(testPublic), labelsOf(testPrivate));
  vaults.set(key, vault);
  return vault;
}
