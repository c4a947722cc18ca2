import { Rng } from '../rng.js';
import { median } from '../../../src/eval/stats.js';
import { magnitudeClass, magnitudeClasses, oneHotDigits, pretrainHiddenLayer, type PretrainOptions } from './pretrain.js';
import { itemId } from './text.js';
import type { ProgressFn, TaskFeatures } from './types.js';

const ITEMS = 6000;
const UNLABELLED = 10000;
const OPS = ['+', '-', '*'] as const;
const STEPS = 4;
const AUX_STEPS = 3;
const DIM = 20 + STEPS * (OPS.length + 9);
const WIDTH = 64;
const DECADES = 4;

interface Program {
  x0: number;
  ops: { op: (typeof OPS)[number]; c: number }[];
}

/**
 * Program-output prediction: `x = x0` then four operations; is the final x above the median?
 * Weak view: one-hot tokens. The strong prior is a hidden layer pretrained on unlabelled
 * programs to predict the magnitude of the value after the first three operations only, so it
 * understands part of the program: a hard task where the ceiling is well short of perfect.
 */
export function buildCode(progress: ProgressFn): TaskFeatures {
  const items = distinctPrograms(new Rng(0, 'code:items'), ITEMS);
  const toStrong = pretrainHiddenLayer({
    ...codePriorData(),
    width: WIDTH,
    epochs: 5,
    lr: 3e-3,
    seed: 0,
    onEpoch: (f) => progress('code: pretraining the strong prior', f),
  });
  const weak = encode(items);
  const outputs = items.map((p) => run(p, STEPS));
  const threshold = median(outputs);
  return {
    task: 'code',
    classNames: ['small', 'large'],
    ids: items.map((_, i) => itemId('code', i, items.length)),
    inputs: items.map((p) => `${source(p)}; x > ${threshold}`),
    labels: Uint8Array.from(outputs, (y) => (y > threshold ? 1 : 0)),
    weakDim: DIM,
    weak,
    strongDim: WIDTH,
    strong: toStrong(weak),
  };
}

/** The program as code a person (or a cheating method) could run. */
export function source(p: Program): string {
  return [`x = ${p.x0}`, ...p.ops.map(({ op, c }) => `x ${op}= ${c}`)].join('; ');
}

function run(p: Program, steps: number): number {
  let x = p.x0;
  for (const { op, c } of p.ops.slice(0, steps)) x = op === '+' ? x + c : op === '-' ? x - c : x * c;
  return x;
}

function encode(programs: Program[]): Float32Array {
  const X = new Float32Array(programs.length * DIM);
  programs.forEach((p, i) => {
    let o = oneHotDigits(p.x0, 2, X, i * DIM);
    for (const { op, c } of p.ops) {
      X[o + OPS.indexOf(op)] = 1;
      X[o + OPS.length + c - 1] = 1;
      o += OPS.length + 9;
    }
  });
  return X;
}

/**
 * The unlabelled programs and auxiliary classes (magnitude after three steps) a code prior is
 * pretrained on, over the one-hot tokens the task's `weak` (cross-view) features hold.
 */
export function codePriorData(): Pick<PretrainOptions, 'X' | 'aux' | 'auxClasses' | 'dim'> {
  const unlabelled = distinctPrograms(new Rng(0, 'code:unlabelled'), UNLABELLED);
  return {
    X: encode(unlabelled),
    aux: Uint8Array.from(unlabelled, (p) => magnitudeClass(run(p, AUX_STEPS), DECADES)),
    auxClasses: magnitudeClasses(DECADES),
    dim: DIM,
  };
}

function distinctPrograms(rng: Rng, count: number): Program[] {
  const seen = new Set<string>();
  const out: Program[] = [];
  while (out.length < count) {
    const p: Program = {
      x0: rng.int(100),
      ops: Array.from({ length: STEPS }, () => ({ op: OPS[rng.int(OPS.length)], c: 1 + rng.int(9) })),
    };
    const key = source(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
