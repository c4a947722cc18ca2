import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidInputError, type FieldProblem } from '../../../src/domain/errors.js';
import { FEATURES_VERSION, loadTaskFeatures } from '../data/cache.js';
import { TASK_NAMES, type ProgressFn, type TaskFeatures, type TaskName } from '../data/types.js';
import { makeSplits } from '../splits.js';
import { TASKS } from '../tasks.js';
import { ExportExistsError } from './errors.js';
import { itemTexts } from './item-texts.js';
import { TASK_SOURCES } from './sources.js';

/**
 * File names: `unlabeled`, `test` and `meta` in `<out>/<task>/` (what every phase of a trainer
 * reads); `labeled` (gold split A) and `unlabeledLabels` (split B's true labels, for the
 * ceiling) in `<labelsOut>/<task>/`, which only a trainer's trusted baselines phase is given.
 */
export const EXPORT_FILES = {
  labeled: 'train_labeled.jsonl',
  unlabeled: 'train_unlabeled.jsonl',
  unlabeledLabels: 'train_unlabeled_labels.jsonl',
  test: 'test.jsonl',
  meta: 'meta.json',
} as const;

/** Where the labels go when no labelsOut is given: beside the data folder, never inside it. */
export function defaultLabelsOut(out: string): string {
  return `${resolve(out)}.labels`;
}

/** The largest split seed accepted: the same bound as a job's seed. */
export const MAX_SPLIT_SEED = 999_999_999;

export interface ExportOptions {
  /** The per-machine feature cache (AAR_CACHE_DIR); a missing task is built into it first. */
  cacheDir: string;
  /** The data folder: one sub-folder per task is written into it. It holds no labels. */
  out: string;
  /** The trusted label folder (default: `<out>.labels`), for the trusted baselines phase only. */
  labelsOut?: string;
  tasks: readonly TaskName[];
  /** Which seed's gold and student splits to write; the test items are the same for every seed. */
  splitSeed: number;
  /** Replace task folders that already exist instead of refusing. */
  force?: boolean;
  progress?: ProgressFn;
  /** Called as each task's folder is in place, for a line per task while the rest are built. */
  onTask?: (exported: ExportedTask) => void;
}

export interface ExportCounts {
  /** Gold split A, with labels. */
  trainLabeled: number;
  /** The student's split B: train plus validation. */
  trainUnlabeled: number;
  /** Evaluation items: testPublic then testPrivate. */
  test: number;
  testPublic: number;
  testPrivate: number;
}

export interface ExportedTask {
  task: TaskName;
  folder: string;
  counts: ExportCounts;
  /** The task's label folder (gold split A, split B's labels). */
  labelsFolder: string;
  /** Size of the task's files together. */
  bytes: number;
}

/**
 * Writes the embedded tasks as the JSONL data folder external trainers read, with the embedded
 * item ids, so their predictions score against the label vault. Each task's folder is written
 * under a temporary name and renamed into place, so a reader sees the old folder, no folder or
 * the whole new one. Only gold items carry labels.
 */
export function exportTaskData(o: ExportOptions): ExportedTask[] {
  checkOptions(o);
  const out = resolve(o.out);
  const labelsOut = resolve(o.labelsOut ?? defaultLabelsOut(out));
  const tasks = [...new Set(o.tasks)];
  // Refuse before building or writing anything, so a refusal leaves the destination as it was.
  if (!o.force) {
    for (const task of tasks) {
      for (const dir of [out, labelsOut]) if (present(join(dir, task))) throw new ExportExistsError(task, join(dir, task));
    }
  }
  mkdirSync(out, { recursive: true });
  mkdirSync(labelsOut, { recursive: true, mode: 0o700 });
  return tasks.map((task) => {
    const exported = exportTask(task, out, labelsOut, o);
    o.onTask?.(exported);
    return exported;
  });
}

function checkOptions(o: ExportOptions): void {
  const problems: FieldProblem[] = [];
  if (!o.out) problems.push({ field: 'out', problem: 'required; accepted: a folder path' });
  if (o.out && o.labelsOut !== undefined && isInside(resolve(o.labelsOut), resolve(o.out))) {
    problems.push({ field: 'labelsOut', problem: `"${o.labelsOut}" is inside the data folder, which every trainer phase reads; accepted: a folder outside "${o.out}"` });
  }
  if (o.tasks.length === 0) problems.push({ field: 'tasks', problem: `empty; accepted: one or more of ${TASK_NAMES.join(', ')}` });
  const unknown = o.tasks.find((t) => !(TASK_NAMES as readonly string[]).includes(t));
  if (unknown !== undefined) problems.push({ field: 'tasks', problem: `unknown task "${unknown}"; accepted: ${TASK_NAMES.join(', ')}` });
  if (!Number.isInteger(o.splitSeed) || o.splitSeed < 1 || o.splitSeed > MAX_SPLIT_SEED) {
    problems.push({ field: 'splitSeed', problem: `${o.splitSeed} is not accepted; accepted: an integer 1..${MAX_SPLIT_SEED}` });
  }
  if (problems.length) throw new InvalidInputError('export options', problems);
}

function exportTask(task: TaskName, out: string, labelsOut: string, o: ExportOptions): ExportedTask {
  const features = loadTaskFeatures(o.cacheDir, task, o.progress);
  const texts = itemTexts(features, o.cacheDir);
  const splits = makeSplits(features, TASKS[task], o.splitSeed);
  const unlabeled = [...splits.train, ...splits.validation];
  const test = [...splits.testPublic, ...splits.testPrivate];
  const counts: ExportCounts = {
    trainLabeled: splits.gold.length,
    trainUnlabeled: unlabeled.length,
    test: test.length,
    testPublic: splits.testPublic.length,
    testPrivate: splits.testPrivate.length,
  };
  const files: [string, string][] = [
    [EXPORT_FILES.unlabeled, jsonl(unlabeled, (i) => ({ id: features.ids[i], text: texts[i] }))],
    [EXPORT_FILES.test, jsonl(test, (i) => ({ id: features.ids[i], text: texts[i] }))],
    [EXPORT_FILES.meta, `${JSON.stringify(meta(features, o.splitSeed, counts), null, 2)}\n`],
  ];
  const labelFiles: [string, string][] = [
    [EXPORT_FILES.labeled, jsonl(splits.gold, (i) => ({ id: features.ids[i], text: texts[i], label: features.labels[i] }))],
    [EXPORT_FILES.unlabeledLabels, jsonl(unlabeled, (i) => ({ id: features.ids[i], label: features.labels[i] }))],
  ];
  const bytes = writeFolder(out, task, files, o.force === true) + writeFolder(labelsOut, task, labelFiles, o.force === true);
  return { task, folder: join(out, task), labelsFolder: join(labelsOut, task), counts, bytes };
}

function writeFolder(parent: string, task: TaskName, files: [string, string][], force: boolean): number {
  const tmp = join(parent, `.${task}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let bytes = 0;
  try {
    mkdirSync(tmp);
    for (const [name, text] of files) {
      writeFileSync(join(tmp, name), text);
      bytes += Buffer.byteLength(text);
    }
    moveIntoPlace(tmp, join(parent, task), task, force);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bytes;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function jsonl(rows: Iterable<number>, row: (i: number) => object): string {
  let text = '';
  for (const i of rows) text += `${JSON.stringify(row(i))}\n`;
  return text;
}

function meta(features: TaskFeatures, splitSeed: number, counts: ExportCounts) {
  return {
    task: features.task,
    classNames: features.classNames,
    splitSeed,
    counts,
    testOrder: `the public half (the first ${counts.testPublic} lines), then the private half`,
    ...TASK_SOURCES[features.task],
    featuresVersion: FEATURES_VERSION,
  };
}

// rename() cannot replace a non-empty folder: move the old one aside, put the new one in, then
// delete the old one (put back if the new one could not be moved in).
function moveIntoPlace(tmp: string, folder: string, task: TaskName, force: boolean): void {
  let aside: string | undefined;
  if (present(folder)) {
    if (!force) throw new ExportExistsError(task, folder);
    aside = `${tmp}.old`;
    renameSync(folder, aside);
  }
  try {
    renameSync(tmp, folder);
  } catch (err) {
    if (aside) renameSync(aside, folder);
    const code = (err as NodeJS.ErrnoException).code;
    // Another export put the folder there since the check.
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ExportExistsError(task, folder);
    throw err;
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
}

// lstat, not exists: a dangling symlink in the way is something to refuse, not to write through.
function present(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
