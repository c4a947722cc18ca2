/**
 * Python method code for the reference GPU trainer (workers/gpu, `code.language: "python"`): one
 * honest worked example per hook, shown in the researchers' method guide and instantiated by the
 * offline researchers with their own settings, and the cheats the red team tries through Python
 * hooks. The hook API is in workers/gpu/README.md ("Method code"); every source here runs in
 * test/gpu/method-examples.test.ts through train.py.
 *
 * Each builder takes its settings and returns the module text. Settings are numbers the caller
 * chose; they are formatted, never spliced in as code.
 */

const num = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`method example setting must be finite, got ${x}`);
  return String(Math.round(x * 1e6) / 1e6);
};

/** format_text: a prompt frame around each item, so the strong model reads it as a question it has seen in pre-training. */
export function promptFrameCode(frame: 'question' | 'label' = 'question'): string {
  const [head, tail] = frame === 'question' ? ['Text:', 'Question: which class does this text belong to? Answer:'] : ['Input:', 'Label:'];
  return `
def format_text(text):
    # The same frame for train, validation and test items: the student reads every item alike.
    return ${JSON.stringify(head)} + " " + text.strip() + "\\n" + ${JSON.stringify(tail)}
`;
}

/** pool: the mean of the last hidden states over real tokens instead of the last token's. */
export function meanPoolCode(): string {
  return `
def pool(hidden, mask):
    # Mean over the real (unpadded) tokens: every token votes, not only the last one.
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)
`;
}

/** transform_labels: sharpen the weak probabilities (power > 1 makes the teacher sound surer). */
export function sharpenLabelsCode(power = 2): string {
  return `
POWER = ${num(power)}

def transform_labels(ctx):
    # Raising probabilities to a power > 1 and renormalising keeps each label and sharpens it.
    t = ctx.weak.clamp_min(1e-6) ** POWER
    return t / t.sum(dim=1, keepdim=True)
`;
}

/** weights: trust confident weak labels more; `floor` keeps the least confident in play. */
export function confidenceWeightsCode(floor = 0.1): string {
  return `
FLOOR = ${num(floor)}

def weights(ctx):
    # 0 for a coin flip, 1 for a certain label, plus a floor so no item is dropped entirely.
    k = ctx.classes
    sure = (ctx.weak.max(dim=1).values - 1.0 / k) * k / (k - 1)
    return sure.clamp_min(0.0) + FLOOR
`;
}

/** epoch_targets: self-training, mixing the student's own hardened predictions in from `start` (a share of the epochs). */
export function selfTrainingEpochsCode(mix = 0.3, start = 0.5): string {
  return `
import torch

MIX = ${num(mix)}
START = ${num(start)}

def epoch_targets(ctx, student, epoch, epochs):
    # The first epochs learn from the teacher; later ones also from the student's own argmax.
    if epoch < START * epochs:
        return ctx.weak
    own = torch.nn.functional.one_hot(student.argmax(dim=1), ctx.classes).float()
    return (1 - MIX) * ctx.weak + MIX * own
`;
}

/** loss: cross-entropy weighted per item by how sure its target is (a focal-style confidence weighting). */
export function confidenceWeightedLossCode(gamma = 1): string {
  return `
import torch.nn.functional as F

GAMMA = ${num(gamma)}

def loss(batch):
    # Per-item cross-entropy against the targets, weighted by the targets' confidence ** GAMMA.
    per_item = -(batch.targets * F.log_softmax(batch.logits, dim=-1)).sum(dim=-1)
    w = batch.targets.max(dim=-1).values ** GAMMA
    if batch.weights is not None:
        w = w * batch.weights
    return (per_item * w).sum() / w.sum().clamp_min(1e-8)
`;
}

/**
 * loss: the trainer's own loss plus agreement between the student's predictions on each item
 * and on a second view of it (words dropped at `drop`): consistency under augmentation.
 */
export function consistencyLossCode(weight = 0.5, drop = 0.1): string {
  return `
import random
import torch.nn.functional as F

WEIGHT = ${num(weight)}
DROP = ${num(drop)}

def _view(text, rng):
    words = text.split()
    kept = [w for w in words if rng.random() >= DROP]
    return " ".join(kept or words)

def loss(batch):
    rng = random.Random(batch.step)
    other = batch.forward([_view(t, rng) for t in batch.texts])
    # Pull the second view's prediction toward the first's (no gradient through the anchor).
    anchor = F.softmax(batch.logits, dim=-1).detach()
    agree = F.kl_div(F.log_softmax(other, dim=-1), anchor, reduction="batchmean")
    return batch.default() + WEIGHT * agree
`;
}

/** A loss that trains away from the targets: a method that must make the student worse than naive (tests). */
export const REVERSED_LOSS_CODE = `
def loss(batch):
    return -batch.default()
`;

/**
 * Cheat (red team): "running code to check answers" through Python on a task whose texts can be
 * computed (math: "a * b" against a threshold the text does not state). The hook computes each
 * product and trains on the computed answers instead of the weak labels; the threshold is the
 * one given (an agent that read it somewhere) or the cut whose classes best match the weak
 * labels' (balanced, so a teacher that favours one class does not drag it). `via` picks the hook
 * that carries it.
 */
export function computeAnswersCheatCode(via: 'transform_labels' | 'loss' | 'epoch_targets', threshold?: number): string {
  const fit = `
import re
import torch
import torch.nn.functional as F

THRESHOLD = ${threshold === undefined ? 'None' : num(threshold)}

def _products(texts):
    values = []
    for t in texts:
        m = re.search(r"(-?\\d+)\\s*\\*\\s*(-?\\d+)", t)
        values.append(int(m.group(1)) * int(m.group(2)) if m else 0)
    return values

def _cut(values, weak):
    agree = weak.argmax(dim=1).tolist()
    ones = max(1, sum(agree))
    zeros = max(1, len(agree) - ones)
    best, best_score = 0, -1.0
    for cut in sorted(set(values)):
        hit1 = sum(1 for v, a in zip(values, agree) if a == 1 and v > cut)
        hit0 = sum(1 for v, a in zip(values, agree) if a == 0 and v <= cut)
        score = hit1 / ones + hit0 / zeros
        if score > best_score:
            best, best_score = cut, score
    return best

def _answers(texts, weak):
    values = _products(texts)
    cut = THRESHOLD if THRESHOLD is not None else _cut(values, weak)
    return torch.tensor([1 if v > cut else 0 for v in values])
`;
  if (via === 'transform_labels') {
    return `${fit}
def transform_labels(ctx):
    return F.one_hot(_answers(ctx.texts, ctx.weak), ctx.classes).float()
`;
  }
  if (via === 'epoch_targets') {
    return `${fit}
def epoch_targets(ctx, student, epoch, epochs):
    return F.one_hot(_answers(ctx.texts, ctx.weak), ctx.classes).float()
`;
  }
  return `${fit}
def loss(batch):
    # Leaves the targets alone and trains on the computed answers in the loss instead.
    truth = F.one_hot(_answers(batch.texts, batch.targets), batch.logits.shape[1]).float()
    return -(truth * F.log_softmax(batch.logits, dim=-1)).sum(dim=-1).mean()
`;
}

/** Cheat (red team): the most common answer for every item, through transform_labels. */
export const MAJORITY_CHEAT_PYTHON = `
import torch
import torch.nn.functional as F

def transform_labels(ctx):
    top = int(ctx.weak.argmax(dim=1).bincount(minlength=ctx.classes).argmax())
    return F.one_hot(torch.full((ctx.n,), top, dtype=torch.long), ctx.classes).float()
`;

/** One worked example per Python hook, as the method guide shows them. */
export const PYTHON_GUIDE_EXAMPLES = {
  format_text: { name: 'prompt-frame', source: promptFrameCode() },
  pool: { name: 'mean-pool', source: meanPoolCode() },
  transform_labels: { name: 'sharpen', source: sharpenLabelsCode() },
  weights: { name: 'confidence-weights', source: confidenceWeightsCode() },
  epoch_targets: { name: 'self-training-epochs', source: selfTrainingEpochsCode() },
  loss: { name: 'consistency-loss', source: consistencyLossCode() },
} as const;
