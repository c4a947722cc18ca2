import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildCode } from './code.js';
import { buildMath } from './math.js';
import { buildNames } from './names.js';
import { buildSentiment } from './sentiment.js';
import { buildSotu } from './sotu.js';
import { buildSpam } from './spam.js';
import type { ProgressFn, TaskFeatures, TaskName } from './types.js';

/** Bump when a builder changes what it produces, so stale caches are rebuilt, not reused. */
export const FEATURES_VERSION = 2;

const BUILDERS: Record<TaskName, (progress: ProgressFn) => TaskFeatures> = {
  spam: buildSpam,
  sentiment: buildSentiment,
  math: buildMath,
  code: buildCode,
  sotu: buildSotu,
  names: buildNames,
};

const memo = new Map<string, TaskFeatures>();

function featureCachePath(cacheDir: string, task: TaskName): string {
  return join(cacheDir, 'features', `${task}.v${FEATURES_VERSION}.bin`);
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
    features = BUILDERS[task](progress);
    mkdirSync(join(cacheDir, 'features'), { recursive: true });
    // pid alone is not unique across containers sharing a cache volume (every worker is pid 1).
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, encode(features));
    renameSync(tmp, path);
  }
  memo.set(path, features);
  return features;
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
