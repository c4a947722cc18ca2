import { createHash } from 'node:crypto';
import { FEATURES_VERSION } from '../../workers/w2s/data/cache.js';
import { loadTaskView } from '../../workers/w2s/teachers/teacher-view.js';
import type { TaskFeatures, TaskId } from '../../workers/w2s/data/types.js';
import { makeSplits, type Splits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';

/** What fixes an embedded task's data: a content hash of its items and a hash of each seed's splits. */
export interface DataVersion {
  task: string;
  /** sha256 of the items (ids, inputs, labels, both feature views), the task's settings and the feature builder's version. */
  hash: string;
  /** Per seed: sha256 of the item ids in each split (gold, train, validation, public and private test). */
  splits: Record<string, string>;
}

const itemHashes = new WeakMap<TaskFeatures, string>();

/** The content hash of a task's items as loaded (memoised per loaded copy: hashing ~7 MB takes tens of ms). */
export function itemsHash(features: TaskFeatures): string {
  const hit = itemHashes.get(features);
  if (hit) return hit;
  const h = createHash('sha256');
  h.update(JSON.stringify({ featuresVersion: FEATURES_VERSION, task: features.task, classNames: features.classNames, ids: features.ids, inputs: features.inputs, weakDim: features.weakDim, strongDim: features.strongDim }));
  h.update(features.labels);
  h.update(new Uint8Array(features.weak.buffer, features.weak.byteOffset, features.weak.byteLength));
  h.update(new Uint8Array(features.strong.buffer, features.strong.byteOffset, features.strong.byteLength));
  h.update(JSON.stringify(TASKS[features.task]));
  const hash = h.digest('hex');
  itemHashes.set(features, hash);
  return hash;
}

/** The hash of one seed's splits, by item id, so a change to the splitter shows even with the same items. */
export function splitsHash(features: TaskFeatures, seed: number): string {
  return splitsHashOf(features, makeSplits(features, TASKS[features.task], seed));
}

/** The hash of splits already made (the runner has them at hand). */
export function splitsHashOf(features: TaskFeatures, s: Splits): string {
  const h = createHash('sha256');
  for (const name of ['gold', 'train', 'validation', 'testPublic', 'testPrivate'] as const) {
    const rows = s[name];
    h.update(`${name}:`);
    for (const row of rows) h.update(`${features.ids[row]},`);
  }
  return h.digest('hex');
}

/** The data version of an embedded task for these seeds, from the feature cache in `cacheDir`. */
export function embeddedDataVersion(cacheDir: string, task: TaskId, seeds: readonly number[]): DataVersion {
  // The teacher's view is part of the data: a task id's hash covers the features its teacher reads.
  const features = loadTaskView(cacheDir, task);
  return { task, hash: itemsHash(features), splits: Object.fromEntries(seeds.map((s) => [String(s), splitsHash(features, s)])) };
}
