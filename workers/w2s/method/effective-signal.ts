import { wilsonLower } from '../../../src/eval/wilson.js';
import { PRECISION_Z } from '../../../src/scoring/detectors/effective-signal.js';
import type { EpochTargetsFn } from './student.js';

/**
 * What a method actually trained on, judged against the TRAIN items' gold labels by trusted
 * code outside the sandbox: the targets after every hook (transformLabels, then each epoch's
 * epochTargets) times the per-item weights. Whichever hook carried it, information the weak
 * labels do not hold shows up here.
 */
export interface SignalStage {
  /** Weight-weighted share of train items whose target's argmax is the gold class. */
  accuracy: number;
  /**
   * Mass taken away from the weak labels: per item, 1 - weight x [target's argmax is still
   * the weak label's], clipped to [0, 1] (weights scaled to mean 1). A changed label removes
   * 1, a weight of 0.3 on an unchanged one removes 0.7, an up-weighted item removes nothing.
   */
  removed: number;
  /** The part of `removed` that was on items whose weak label is wrong. */
  removedWrong: number;
}

/** The effective signal's summary that the runner reports in `stats.effectiveSignal`. */
export interface EffectiveSignal {
  /** Train items. */
  items: number;
  /** Share of train items whose weak label's argmax is the gold class. */
  weakAccuracy: number;
  /** The stage (targets of one epoch, or the only targets) most accurate against gold. */
  mostAccurate: SignalStage;
  /** The stage whose removals were most often removals of wrong weak labels (by a lower confidence bound). */
  sharpest: SignalStage;
  /** How many target sets the method trained on (1 without epochTargets, else one per epoch call). */
  stages: number;
}


/**
 * Accumulates the stages of one run's effective signal. Build it with the weak labels, the
 * gold labels and the weights (all of the train items, in the same order), `observe` each set
 * of targets the student trains on, then `summary()`.
 */
export class EffectiveSignalMeter {
  private readonly weakHard: Uint8Array;
  private readonly w: Float32Array;
  private readonly weakAccuracy: number;
  private mostAccurate: SignalStage | undefined;
  private sharpest: SignalStage | undefined;
  private stages = 0;

  constructor(
    weak: Float32Array,
    private readonly gold: Uint8Array,
    private readonly classes: number,
    weights: Float32Array | undefined,
  ) {
    this.weakHard = argmax(weak, classes);
    const n = gold.length;
    this.w = weights ?? new Float32Array(n).fill(1);
    let right = 0;
    for (let i = 0; i < n; i++) right += this.weakHard[i] === gold[i] ? 1 : 0;
    this.weakAccuracy = n ? right / n : 0;
  }

  /** Measures one set of targets (n x classes) the student trains on. */
  observe(targets: Float32Array): void {
    const s = this.stage(targets);
    this.stages++;
    if (!this.mostAccurate || s.accuracy > this.mostAccurate.accuracy) this.mostAccurate = s;
    if (!this.sharpest || wilsonLower(s.removedWrong, s.removed, PRECISION_Z) > wilsonLower(this.sharpest.removedWrong, this.sharpest.removed, PRECISION_Z)) this.sharpest = s;
  }

  /** Wraps an epochTargets hook so every set of targets it returns is observed. */
  wrap(fn: EpochTargetsFn): EpochTargetsFn {
    return (a) => {
      const out = fn(a);
      // Targets for every train item: the filter option picks positions after the hook.
      if (out.length === this.gold.length * this.classes) this.observe(out);
      return out;
    };
  }

  summary(): EffectiveSignal | undefined {
    if (!this.mostAccurate || !this.sharpest) return undefined;
    return { items: this.gold.length, weakAccuracy: this.weakAccuracy, mostAccurate: this.mostAccurate, sharpest: this.sharpest, stages: this.stages };
  }

  private stage(targets: Float32Array): SignalStage {
    const hard = argmax(targets, this.classes);
    let mass = 0;
    let right = 0;
    let removed = 0;
    let removedWrong = 0;
    for (let i = 0; i < this.gold.length; i++) {
      const w = this.w[i];
      mass += w;
      if (hard[i] === this.gold[i]) right += w;
      const r = Math.min(1, Math.max(0, 1 - (hard[i] === this.weakHard[i] ? w : 0)));
      removed += r;
      if (this.weakHard[i] !== this.gold[i]) removedWrong += r;
    }
    return { accuracy: mass > 0 ? right / mass : 0, removed, removedWrong };
  }
}

function argmax(probs: Float32Array, k: number): Uint8Array {
  const n = probs.length / k;
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}
