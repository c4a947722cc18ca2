import { AarError } from '../domain/errors.js';
import type { BaselinesResult } from '../domain/experiment.js';
import type { Predictions } from '../domain/predictions.js';
import type { Ledger } from '../ledger/ledger.js';
import { concat, trainBaselines } from '../../workers/w2s/baselines.js';
import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { isTaskId, TASK_IDS } from '../../workers/w2s/data/types.js';
import { loadTaskView } from '../../workers/w2s/teachers/teacher-view.js';
import { makeSplits } from '../../workers/w2s/splits.js';
import { TASKS } from '../../workers/w2s/tasks.js';

/** The weak teacher's and the ceiling's predictions on every evaluation item of one (task, seed). */
export interface TestBaselines {
  weak: Predictions;
  ceiling: Predictions;
}

/** The weak teacher's class probabilities on split B, what a trainer's method phase trains on. */
export interface WeakTrainLabels {
  ids: string[];
  probs: number[][];
}

/**
 * Where scoring gets the weak teacher and the ceiling of a (task, seed): from trusted code,
 * never from a method job's result (a trainer that reports its own ceiling would otherwise set
 * the scale its PGR is measured on).
 */
export interface TrustedBaselines {
  /**
   * "inline": computed here, on demand, by trusted code (the embedded tasks). "job": produced by
   * a trusted baselines job (a trainer's trusted phase) and recorded with record().
   */
  readonly kind: 'inline' | 'job';
  /** The baselines of (task, seed), or undefined while its trusted job has not reported. */
  get(task: string, seed: number): TestBaselines | undefined;
  /** Weak labels on split B for a method phase (job kind only). */
  weakTrain?(task: string, seed: number): WeakTrainLabels | undefined;
  /** Records a trusted job's output, once per (task, seed); false when it was already there. */
  record?(task: string, seed: number, result: BaselinesResult): boolean;
}

/**
 * The embedded tasks' baselines, trained here from the coordinator's own features (split A's gold
 * for the weak teacher, split B's gold for the ceiling) with the same code and seeds the w2s
 * workers use, and kept in memory. It never reads the on-disk baseline cache, which workers
 * (and what runs on them) can write.
 */
export class EmbeddedBaselines implements TrustedBaselines {
  readonly kind = 'inline' as const;
  private readonly memo = new Map<string, TestBaselines>();

  constructor(private readonly cacheDir: string) {}

  get(task: string, seed: number): TestBaselines {
    if (!isTaskId(task)) {
      throw new AarError('no_trusted_baselines', `no trusted weak teacher or ceiling for task "${task}"; embedded tasks: ${TASK_IDS.join(', ')}`);
    }
    const key = `${task}-s${seed}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    // The task's own teacher (same-family by default, `@xview` for the cross-view one).
    const features = loadTaskView(this.cacheDir, task);
    const splits = makeSplits(features, TASKS[task], seed);
    const b = trainBaselines(features, TASKS[task], splits, seed);
    const ids = Array.from(concat(splits.testPublic, splits.testPrivate), (row) => features.ids[row]);
    const out = { weak: { ids, classes: Array.from(b.weakTest) }, ceiling: { ids, classes: Array.from(b.ceilingTest) } };
    this.memo.set(key, out);
    return out;
  }
}

/**
 * Baselines produced by trusted baselines jobs (`phase: "baselines"`: a trainer run with no
 * agent code) and kept in the ledger, so every method on a seed is scored against, and trains on,
 * the same weak teacher, across restarts and processes.
 */
export class LedgerBaselines implements TrustedBaselines {
  readonly kind = 'job' as const;

  constructor(private readonly ledger: Ledger) {}

  get(task: string, seed: number): TestBaselines | undefined {
    const row = this.ledger.db.prepare('SELECT weak, ceiling FROM trusted_baselines WHERE task = ? AND seed = ?').get(task, seed) as { weak: string; ceiling: string } | undefined;
    return row && { weak: JSON.parse(row.weak) as Predictions, ceiling: JSON.parse(row.ceiling) as Predictions };
  }

  weakTrain(task: string, seed: number): WeakTrainLabels | undefined {
    const row = this.ledger.db.prepare('SELECT weak_train FROM trusted_baselines WHERE task = ? AND seed = ?').get(task, seed) as { weak_train: string } | undefined;
    return row && (JSON.parse(row.weak_train) as WeakTrainLabels);
  }

  record(task: string, seed: number, r: BaselinesResult): boolean {
    const info = this.ledger.db
      .prepare('INSERT OR IGNORE INTO trusted_baselines (task, seed, at, weak, ceiling, weak_train) VALUES (?, ?, ?, ?, ?, ?)')
      .run(task, seed, new Date().toISOString(), JSON.stringify(r.weak), JSON.stringify(r.ceiling), JSON.stringify(r.weakTrain));
    return info.changes > 0;
  }
}

/** Fixed baselines for every seed of one task: for tests on toy vaults, which have no trusted trainer. */
export class FixedBaselines implements TrustedBaselines {
  readonly kind = 'inline' as const;
  constructor(private readonly byTask: Readonly<Record<string, TestBaselines>>) {}
  get(task: string): TestBaselines {
    const b = this.byTask[task];
    if (!b) throw new AarError('no_trusted_baselines', `no trusted weak teacher or ceiling for task "${task}"; known: ${Object.keys(this.byTask).join(', ')}`);
    return b;
  }
}
