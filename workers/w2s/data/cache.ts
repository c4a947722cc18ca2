import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { testHalves } from '../splits.js';
import { TASKS } from '../tasks.js';
import { buildCode } from './code.js';
import { buildMath } from './math.js';
import { buildNames } from './names.js';
import { buildSentiment } from './sentiment.js';
import { buildSotu } from './sotu.js';
import { buildSpam } from './spam.js';
import type { ProgressFn, TaskFeatures, TaskName } from './types.js';

/**
 * Bump when a builder changes what it produces, so stale caches are rebuilt, not reused.
 * 3: the cache no longer holds test labels (MASKED_LABEL in their place).
 */
export const FEATURES_VERSION = 3;

/**
 * What a cached test item's label reads: the feature cache sits with workers, whose trainers and
 * method code must not find the answers there. Scoring reads test labels with loadTestLabels().
 */
export const MASKED_LABEL = 255;

const BUILDERS: Record<TaskName, (progress: ProgressFn) => TaskFeatures> = {
  spam: buildSpam,
  sentiment: buildSentiment,
  math: buildMath,
  code: buildCode,
  sotu: buildSotu,
  names: buildNames,
};

const memo = new Map<string, TaskFeatures>();
/** Test labels of tasks this process built: scoring in the same process need not build them again. */
const builtTestLabels = new Map<string, Map<string, number>>();
const testLabelMemo = new Map<string, ReadonlyMap<string, number>>();

function featureCachePath(cacheDir: string, task: TaskName): string {
  return join(cacheDir, 'features', `${task}.v${FEATURES_VERSION}.bin`);
}

/**
 * Scoring's test labels live beside the feature cache, not in it (`<cacheDir>.labels/`): the
 * cache folder can be shared with workers, this one is only ever written by scoring.
 */
export function testLabelsPath(cacheDir: string, task: TaskName): string {
  return join(`${resolve(cacheDir)}.labels`, `${task}.v${FEATURES_VERSION}.json`);
}

/**
 * The task's features: from memory, else from the cache file, else built from the npm
 * packages (seconds, once per machine) and written atomically for every later process.
 */
export function loadTaskFeatures(cacheDir: string, task: TaskName, progress: ProgressFn = () => {}): TaskFeatures {
  const path = featureCachePath(cacheDir, task);
  const hit = memo.get(path);
  if (hit) return hit;
  let features: TaskFeatures;
  if (existsSync(path)) {
    features = decode(readFileSync(path));
  } else {
    const built = withoutTestLabels(BUILDERS[task](progress));
    features = built.features;
    builtTestLabels.set(path, built.testLabels);
    mkdirSync(join(cacheDir, 'features'), { recursive: true });
    // pid alone is not unique across containers sharing a cache volume (every worker is pid 1).
    writeAtomically(path, encode(features));
    removeOlderVersions(cacheDir, task);
  }
  memo.set(path, features);
  return features;
}

/**
 * The test labels of a task, by item id: for scoring (the label vault) and offline studies only,
 * never for workers. Read from scoring's own file, else the task is built from its packages
 * again (the feature cache has no test labels to give) and the file written.
 */
export function loadTestLabels(cacheDir: string, task: TaskName, progress: ProgressFn = () => {}): ReadonlyMap<string, number> {
  const file = testLabelsPath(cacheDir, task);
  const hit = testLabelMemo.get(file);
  if (hit) return hit;
  let labels: Map<string, number>;
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { ids: string[]; labels: number[] };
    labels = new Map(raw.ids.map((id, k) => [id, raw.labels[k]] as const));
  } else {
    loadTaskFeatures(cacheDir, task, progress);
    labels = builtTestLabels.get(featureCachePath(cacheDir, task)) ?? withoutTestLabels(BUILDERS[task](progress)).testLabels;
    mkdirSync(`${resolve(cacheDir)}.labels`, { recursive: true, mode: 0o700 });
    writeAtomically(file, JSON.stringify({ ids: [...labels.keys()], labels: [...labels.values()] }));
  }
  testLabelMemo.set(file, labels);
  return labels;
}

/** Every label of a task, test items included (scoring and offline studies only, never workers). */
export function allLabels(cacheDir: string, task: TaskName): Uint8Array {
  const f = loadTaskFeatures(cacheDir, task);
  const test = loadTestLabels(cacheDir, task);
  return Uint8Array.from(f.labels, (l, row) => (l === MASKED_LABEL ? test.get(f.ids[row])! : l));
}

function withoutTestLabels(f: TaskFeatures): { features: TaskFeatures; testLabels: Map<string, number> } {
  const { testPublic, testPrivate } = testHalves(f, TASKS[f.task]);
  const labels = Uint8Array.from(f.labels);
  const testLabels = new Map<string, number>();
  for (const row of [...testPublic, ...testPrivate]) {
    testLabels.set(f.ids[row], f.labels[row]);
    labels[row] = MASKED_LABEL;
  }
  return { features: { ...f, labels }, testLabels };
}

function writeAtomically(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Older caches of the task held every test label: they go when the new one is in place. */
function removeOlderVersions(cacheDir: string, task: TaskName): void {
  const current = `${task}.v${FEATURES_VERSION}.bin`;
  for (const name of readdirSync(join(cacheDir, 'features'))) {
    if (name !== current && new RegExp(`^${task}\\.v\\d+\\.bin$`).test(name)) rmSync(join(cacheDir, 'features', name), { force: true });
  }
}

interface Header {
  task: TaskName;
  classNames: string[];
  ids: string[];
  inputs: string[];
  weakDim: number;
  strongDim: number;
}

// Layout: u32 header length, JSON header, padding to 4 bytes, labels (n bytes, padded), weak, strong (float32).
function encode(f: TaskFeatures): Buffer {
  const header: Header = { task: f.task, classNames: f.classNames, ids: f.ids, inputs: f.inputs, weakDim: f.weakDim, strongDim: f.strongDim };
  const json = Buffer.from(JSON.stringify(header));
  const headerEnd = pad4(4 + json.length);
  const labelsEnd = headerEnd + pad4(f.labels.length);
  const out = Buffer.alloc(labelsEnd + (f.weak.length + f.strong.length) * 4);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  out.set(f.labels, headerEnd);
  out.set(new Uint8Array(f.weak.buffer, f.weak.byteOffset, f.weak.byteLength), labelsEnd);
  out.set(new Uint8Array(f.strong.buffer, f.strong.byteOffset, f.strong.byteLength), labelsEnd + f.weak.byteLength);
  return out;
}

function decode(buf: Buffer): TaskFeatures {
  const jsonLength = buf.readUInt32LE(0);
  const header = JSON.parse(buf.toString('utf8', 4, 4 + jsonLength)) as Header;
  const n = header.ids.length;
  const headerEnd = pad4(4 + jsonLength);
  const labelsEnd = headerEnd + pad4(n);
  // Copy into fresh, aligned arrays: a Buffer's offset in the pool need not be 4-aligned.
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const weak = new Float32Array(n * header.weakDim);
  new Uint8Array(weak.buffer).set(bytes.subarray(labelsEnd, labelsEnd + weak.byteLength));
  const strongStart = labelsEnd + weak.byteLength;
  const strong = new Float32Array(n * header.strongDim);
  new Uint8Array(strong.buffer).set(bytes.subarray(strongStart, strongStart + strong.byteLength));
  return { ...header, labels: bytes.slice(headerEnd, headerEnd + n), weak, strong };
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
