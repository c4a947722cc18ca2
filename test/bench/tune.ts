// `node dist/test/bench/tune.js [task]`: how the per-task hyperparameters in workers/w2s/tasks.ts
// were chosen, over seeds 1-3, never touching the test split:
// - the weak teacher (trained on gold split A) by its accuracy on the validation split;
// - the strong student by how well it learns the weak teacher's labels: trained on B's weak
//   labels, scored by agreement with the weak labels on validation. That is all a researcher
//   would have in a real weak-to-strong setting; the ceiling uses the same settings.
import { loadConfig } from '../../src/config/env.js';
import { trainBaselines } from '../../workers/w2s/baselines.js';
import { TASK_IDS, type TaskId } from '../../workers/w2s/data/types.js';
import { loadTaskView } from '../../workers/w2s/teachers/teacher-view.js';
import { createHead, type HeadSpec } from '../../workers/w2s/models/head.js';
import { argmaxRows, predictProba, train } from '../../workers/w2s/models/train.js';
import { Rng } from '../../workers/w2s/rng.js';
import { makeSplits } from '../../workers/w2s/splits.js';
import { TASKS, type TrainSettings } from '../../workers/w2s/tasks.js';

const SEEDS = [1, 2, 3];
const GRID: TrainSettings[] = [];
for (const lr of [0.001, 0.003, 0.01, 0.03]) for (const epochs of [10, 20, 40]) for (const l2 of [1e-4, 1e-3, 1e-2]) GRID.push({ lr, epochs, l2, batchSize: 32 });

function validationAccuracy(task: TaskId, view: 'weak' | 'strong', s: TrainSettings, head: HeadSpec): number {
  const f = loadTaskView(loadConfig().cacheDir, task);
  let acc = 0;
  for (const seed of SEEDS) {
    const splits = makeSplits(f, TASKS[task], seed);
    // The strong student's targets: the weak teacher's labels (with the task's weak settings).
    const labels = view === 'weak' ? f.labels : weakLabels(task, seed);
    const rows = view === 'weak' ? splits.gold : splits.train;
    const X = view === 'weak' ? f.weak : f.strong;
    const rng = new Rng(seed, `tune:${view}`);
    const h = createHead(head, view === 'weak' ? f.weakDim : f.strongDim, 2, rng);
    train(h, {
      X,
      rows,
      ...s,
      rng,
      targets: (pos, count, _p, _g, out) => {
        out.fill(0, 0, count * 2);
        for (let r = 0; r < count; r++) out[r * 2 + labels[rows[pos[r]]]] = 1;
      },
    });
    const pred = argmaxRows(predictProba(h, X, splits.validation), 2);
    let right = 0;
    splits.validation.forEach((row, i) => (right += pred[i] === labels[row] ? 1 : 0));
    acc += right / splits.validation.length / SEEDS.length;
  }
  return acc;
}

/** The weak teacher's predicted class for every item (indexed like the features). */
function weakLabels(task: TaskId, seed: number): Uint8Array {
  const f = loadTaskView(loadConfig().cacheDir, task);
  const splits = makeSplits(f, TASKS[task], seed);
  const { train: trainRows, validation } = trainBaselinesViews(f, splits, seed, task);
  const out = new Uint8Array(f.labels.length);
  splits.train.forEach((row, i) => (out[row] = trainRows[i]));
  splits.validation.forEach((row, i) => (out[row] = validation[i]));
  return out;
}

function trainBaselinesViews(f: ReturnType<typeof loadTaskView>, splits: ReturnType<typeof makeSplits>, seed: number, task: TaskId) {
  const b = trainBaselines(f, TASKS[task], splits, seed);
  return { train: argmaxRows(b.weakTrain, 2), validation: argmaxRows(b.weakValidation, 2) };
}

// `tune [task id] [weak|strong]`: one task and/or one view; the same-family teachers (issue 18) were tuned with `tune <task> weak`.
const views = process.argv[3] ? [process.argv[3] as 'weak' | 'strong'] : (['weak', 'strong'] as const);
for (const task of process.argv[2] ? [process.argv[2] as TaskId] : TASK_IDS) {
  for (const view of views) {
    const ranked = GRID.map((s) => ({ s, acc: validationAccuracy(task, view, s, view === 'weak' ? { kind: 'linear' } : TASKS[task].student.head) })).sort((a, b) => b.acc - a.acc);
    const current = view === 'weak' ? TASKS[task].weak : TASKS[task].student;
    const now = ranked.find((r) => r.s.lr === current.lr && r.s.epochs === current.epochs && r.s.l2 === current.l2);
    console.log(`${task} ${view}: current ${now ? (now.acc * 100).toFixed(1) : '?'}%; best:`);
    for (const r of ranked.slice(0, 5)) console.log(`  ${(r.acc * 100).toFixed(1)}% ${JSON.stringify(r.s)}`);
    // Differences of a few tenths are seed noise: take the cheapest setting within half a point.
    const chosen = ranked.filter((r) => r.acc >= ranked[0].acc - 0.005).sort((a, b) => a.s.epochs - b.s.epochs || b.acc - a.acc)[0];
    console.log(`  chosen: ${JSON.stringify(chosen.s)} (${(chosen.acc * 100).toFixed(1)}%)`);
  }
}
