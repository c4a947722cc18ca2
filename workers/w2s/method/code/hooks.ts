import type { Method, MethodCodeHook } from '../../../../src/domain/method.js';
import type { EpochTargetsFn } from '../student.js';
import { MethodSandbox, type SandboxLimits } from './sandbox.js';
import { checkProbabilities, checkWeights } from './validate.js';

/**
 * All a method's code may see: the weak labels and both feature views of the student's TRAIN
 * items, row-major and in the same order. Never gold labels, ids, or any other item.
 */
export interface MethodCodeData {
  /** The weak teacher's probabilities (n x classes). */
  weak: Float32Array;
  /** The strong student's features (n x dim). */
  features: Float32Array;
  dim: number;
  /** The weak teacher's own input features (n x weakDim): one-hot tokens, hashed words, n-grams. */
  weakFeatures: Float32Array;
  weakDim: number;
  classes: number;
}

/**
 * A method's code, loaded into a fresh sandbox for one experiment. The hooks, called from JS
 * in the sandbox (each gets one object argument; arrays are flat, row-major Float32Arrays):
 *
 *   transformLabels({ weak, features, dim, weakFeatures, weakDim, classes, n })
 *     -> n rows of `classes` probabilities: replace the weak targets before training.
 *   weights({ weak, features, dim, weakFeatures, weakDim, classes, n })
 *     -> n finite weights >= 0 (not all 0): each train item's weight in the loss.
 *   epochTargets({ weak, student, epoch, epochs, classes, n })
 *     -> n rows of probabilities: the targets for epoch `epoch` (0-based), given the student's
 *        current predictions on the train items; `weak` is the targets the method would
 *        otherwise train on (after transformLabels and the method's other label options).
 *
 * Rows may be returned as an array of arrays or as one flat array (or typed array).
 * Call `dispose()` in a finally.
 */
export class MethodCode {
  private readonly sandbox: MethodSandbox;
  private readonly n: number;

  constructor(
    code: NonNullable<Method['code']>,
    private readonly data: MethodCodeData,
    o: { seed: number; limits?: Partial<SandboxLimits> },
  ) {
    this.n = data.weak.length / data.classes;
    this.sandbox = new MethodSandbox(code.source, { seed: o.seed, limits: o.limits, wanted: code.hooks as MethodCodeHook[] | undefined });
  }

  /** The hooks this run calls, in METHOD_CODE_HOOKS order. */
  get hooks(): string[] {
    return [...this.sandbox.hooks];
  }

  /** Milliseconds spent inside the sandbox so far. */
  get ms(): number {
    return this.sandbox.spentMs;
  }

  /** The transformed targets (validated), or undefined when the code has no transformLabels. */
  transformLabels(): Float32Array | undefined {
    if (!this.sandbox.hooks.has('transformLabels')) return undefined;
    const out = this.sandbox.call('transformLabels', this.itemArg(), this.n, this.data.classes);
    return checkProbabilities(out, this.n, this.data.classes, 'transformLabels');
  }

  /** Per-train-item loss weights (validated, mean 1), or undefined without a weights hook. */
  weights(): Float32Array | undefined {
    if (!this.sandbox.hooks.has('weights')) return undefined;
    return checkWeights(this.sandbox.call('weights', this.itemArg(), this.n, 1), this.n, 'weights');
  }

  /** The epochTargets hook as the student's trainer calls it, or undefined without one. */
  epochTargets(): EpochTargetsFn | undefined {
    if (!this.sandbox.hooks.has('epochTargets')) return undefined;
    const { classes } = this.data;
    return ({ weak, student, epoch, epochs }) => {
      const out = this.sandbox.call('epochTargets', { weak, student, epoch, epochs, classes, n: this.n }, this.n, classes);
      return checkProbabilities(out, this.n, classes, `epochTargets (epoch ${epoch})`);
    };
  }

  /** Frees the sandbox's isolate. */
  dispose(): void {
    this.sandbox.dispose();
  }

  private itemArg(): Record<string, unknown> {
    const d = this.data;
    return { weak: d.weak, features: d.features, dim: d.dim, weakFeatures: d.weakFeatures, weakDim: d.weakDim, classes: d.classes, n: this.n };
  }
}
