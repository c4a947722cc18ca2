import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinMethod } from '../domain/method.js';
import { FEATURES_VERSION, loadTaskFeatures, allLabels } from '../../workers/w2s/data/cache.js';
import { baseTask, type ProgressFn, type TaskId } from '../../workers/w2s/data/types.js';
import { loadTaskView } from '../../workers/w2s/teachers/teacher-view.js';
import { describeTeacher, type TeacherSpec } from '../../workers/w2s/teachers/teacher-spec.js';
import { hash32 } from '../../workers/w2s/rng.js';
import { makeSplits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { evaluateMethod } from './evaluate.js';
import type { MeanSd } from './stats.js';

export const BASELINE_SEEDS = [1, 2, 3, 4, 5];

export interface TaskSummary {
  task: TaskId;
  description: string;
  /** The weak teacher's family (same-family by default, cross-view for `@xview`) and what it reads. */
  teacher: TeacherSpec & { about: string };
  classes: string[];
  sizes: { items: number; gold: number; train: number; validation: number; testPublic: number; testPrivate: number };
  /** Over BASELINE_SEEDS: accuracies in 0..1 and the naive method's PGR on the private half. */
  baselines: { seeds: number[]; weak: MeanSd; ceiling: MeanSd; naivePgr: MeanSd; majority: number; /** Mean ceiling minus mean weak accuracy (0..1). */ gap: number };
}

/** A task's sizes and baselines, computed once and then read from the cache. */
export function taskSummary(cacheDir: string, task: TaskId, progress?: ProgressFn): TaskSummary {
  const settings = TASKS[task];
  const path = join(cacheDir, 'summary', `${task}.v${FEATURES_VERSION}-${hash32(JSON.stringify(settings)).toString(16)}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as TaskSummary;
  const features = loadTaskView(cacheDir, task, progress);
  const splits = makeSplits(features, settings, BASELINE_SEEDS[0]);
  const naive = evaluateMethod({ task, method: builtinMethod('naive'), seeds: BASELINE_SEEDS, cacheDir, progress });
  // The majority share over every item (scoring's side: test labels included).
  const labels = allLabels(cacheDir, baseTask(task));
  const positives = labels.reduce((a, b) => a + b, 0) / labels.length;
  const summary: TaskSummary = {
    task,
    description: settings.description,
    teacher: { ...settings.teacher, about: describeTeacher(settings.teacher) },
    classes: features.classNames,
    sizes: {
      items: features.ids.length,
      gold: splits.gold.length,
      train: splits.train.length,
      validation: splits.validation.length,
      testPublic: splits.testPublic.length,
      testPrivate: splits.testPrivate.length,
    },
    baselines: { seeds: BASELINE_SEEDS, weak: naive.weak, ceiling: naive.ceiling, naivePgr: naive.pgr.private, majority: Math.max(positives, 1 - positives), gap: naive.ceiling.mean - naive.weak.mean },
  };
  mkdirSync(join(cacheDir, 'summary'), { recursive: true });
  writeFileSync(`${path}.${process.pid}.tmp`, JSON.stringify(summary));
  renameSync(`${path}.${process.pid}.tmp`, path);
  return summary;
}
