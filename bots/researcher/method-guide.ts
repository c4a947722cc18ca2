import { AUX_CONF_EPOCHS_CODE, CONFIDENCE_WEIGHTS_CODE, SHARPEN_LABELS_CODE } from '../../workers/w2s/method/code/examples.js';
import { PYTHON_GUIDE_EXAMPLES } from '../../workers/gpu/method-examples.js';
import { BUILTIN_METHODS, GPU_TRAINER_UNSUPPORTED, MAX_CODE_CHARS, type CodeLanguage } from '../../src/domain/method.js';

/** One worked example per hook, as the guide shows them (tests run each one). */
export const GUIDE_EXAMPLES = {
  transformLabels: { name: 'sharpen', source: SHARPEN_LABELS_CODE },
  weights: { name: 'confidence-weights', source: CONFIDENCE_WEIGHTS_CODE },
  epochTargets: { name: 'self-confidence-epochs', source: AUX_CONF_EPOCHS_CODE },
} as const;

const example = (hook: keyof typeof GUIDE_EXAMPLES) => {
  const e = GUIDE_EXAMPLES[hook];
  return `Example (method ${JSON.stringify({ name: e.name, code: { source: '<the source below>' } })}):\n\`\`\`js${e.source}\`\`\``;
};

const pythonExample = (hook: keyof typeof PYTHON_GUIDE_EXAMPLES) => {
  const e = PYTHON_GUIDE_EXAMPLES[hook];
  return `Example (method ${JSON.stringify({ name: e.name, code: { language: 'python', source: '<the source below>' } })}):\n\`\`\`python${e.source}\`\`\``;
};


/**
 * The method space as a researcher needs it to write methods, not only pick them: the fields
 * (also in propose_experiment's input schema, each with its meaning and range), the built-in
 * methods, and the method-code hook API of the language this campaign's workers run, with one
 * worked example per hook. The get_method_guide tool answers with it; the text is fixed per
 * language, so asking costs nothing but tokens.
 */
export function methodGuide(language: CodeLanguage = 'javascript'): string {
  return language === 'python' ? pythonGuide() : javascriptGuide();
}

function javascriptGuide(): string {
  return `# Methods

A method is a JSON object; every field is optional and {} is the naive baseline (train the student on the weak teacher's soft labels with the task's tuned settings). Fields combine freely. propose_experiment's input schema lists every field with its range and meaning; a wrong field is refused with the fields accepted there.

Built-in methods (pass the name as \`method\`, or copy and change the object):
${Object.entries(BUILTIN_METHODS)
  .map(([name, m]) => `- ${name}: ${JSON.stringify(m)}`)
  .join('\n')}

# Method code (method.code)

Your own JavaScript, run in an isolated sandbox for each seed: ES2023, no imports, no I/O, no timers, a 64 MB heap, 2 s per hook call and 30 s per seed in total; Math.random is seeded, so a run is reproducible. \`code.source\` defines one or more of the hooks below as top-level functions; \`code.hooks\` (optional) picks which ones run. Each hook gets one object argument. Arrays are flat, row-major Float32Arrays over the n TRAIN items of the student (never test items, never gold labels):

- weak: the weak teacher's probabilities, n x classes
- features, dim: the strong student's representation of each item, n x dim
- weakFeatures, weakDim: the inputs in a plain encoding (hashed words or n-grams, one-hot digits or tokens), n x weakDim
- classes, n: the number of classes and of items

Hooks, in the order they apply:

## transformLabels({ weak, features, dim, weakFeatures, weakDim, classes, n })
Returns n rows of \`classes\` probabilities (an array of arrays, or one flat array): the targets the student trains on instead of the weak labels. The method's other label options (labels: "hard", labelSmoothing, filter, knn, ...) apply on top. Each value must be in [0, 1] and each row must sum to 1.
${example('transformLabels')}

## weights({ weak, features, dim, weakFeatures, weakDim, classes, n })
Returns n finite weights >= 0, not all 0: each train item's weight in the loss (rescaled to mean 1).
${example('weights')}

## epochTargets({ weak, student, epoch, epochs, classes, n })
Called before every epoch (epoch counts from 0 to epochs - 1); \`student\` is the student's current probabilities on the train items (n x classes) and \`weak\` the targets it would otherwise train on (after transformLabels and the label options). Returns that epoch's targets, n rows of probabilities.
${example('epochTargets')}

# When code fails
A hook that throws, times out, runs out of memory or returns something invalid fails that seed; the reason, with the line and column in your source, is in get_result's and get_experiment's \`failures\` and in the experiment's thread. Fix the code and propose again.

# Integrity
The hooks never see gold or test labels. Using weakFeatures or features to compute the answer itself (e.g. running the program of a code item) instead of learning from the weak labels, or making the student predict one class, is a scorer shortcut: the detectors flag it and people veto it publicly.`;
}

function pythonGuide(): string {
  return `# Methods

A method is a JSON object; every field is optional and {} is the naive baseline (LoRA fine-tuning of the strong language model on the weak teacher's soft labels with the trainer's defaults). Fields combine freely. propose_experiment's input schema lists every field with its range and meaning. This campaign trains real language models on GPU workers (workers/gpu): it does not run ${GPU_TRAINER_UNSUPPORTED.join(', ')} (write them as method code instead), and it takes method code in Python only.

Built-in methods (pass the name as \`method\`, or copy and change the object):
${Object.entries(BUILTIN_METHODS)
  .filter(([, m]) => !GPU_TRAINER_UNSUPPORTED.some((f) => f in m))
  .map(([name, m]) => `- ${name}: ${JSON.stringify(m)}`)
  .join('\n')}

# Method code (method.code, language "python")

\`{"language": "python", "source": "<a Python module>", "hooks": [optional: which to call]}\`, at most ${MAX_CODE_CHARS} characters. The module defines one or more of the hooks below as top-level functions. It runs in the trainer's method phase, in a process that has the weak labels, the items' texts and the strong model, and nothing else: no gold or test labels, no files, no network, no environment, no subprocesses. Imports: math, random, statistics, collections, itertools, functools, heapq, bisect, re, string, torch (and torch.nn, torch.nn.functional). Names starting with __, eval, exec, open and the like are refused before anything runs. Each hook call has a time limit and the seed a memory limit. Tensors are torch tensors on the CPU for the target hooks, on the training device in loss and pool.

The n TRAIN items of the student (never test items, never gold labels) are described by \`ctx\`:
- ctx.weak: the weak teacher's probabilities, an n x classes tensor
- ctx.texts: the n texts (after format_text)
- ctx.classes, ctx.n, ctx.seed
- ctx.features(): the frozen strong model's pooled representation of each item, n x hidden (computed on the first call)

Hooks, in the order they apply:

## format_text(text) -> str
Every item's text (train, validation and test alike) before it is tokenized: a prompt or format template.
${pythonExample('format_text')}

## pool(hidden, mask) -> tensor (batch x hidden)
The representation the classification head reads, from the last hidden states (batch x tokens x hidden) and the attention mask (batch x tokens). Default: the last real token.
${pythonExample('pool')}

## transform_labels(ctx) -> n x classes probabilities
The targets the student trains on instead of the weak labels (a list of lists or a tensor; each row in [0, 1] summing to 1). The method's label options (labels: "hard", labelSmoothing, filter) apply on top.
${pythonExample('transform_labels')}

## weights(ctx) -> n weights
Finite, >= 0, not all 0: each train item's weight in the loss (rescaled to mean 1).
${pythonExample('weights')}

## epoch_targets(ctx, student, epoch, epochs) -> n x classes probabilities
Called before every epoch (epoch counts from 0); \`student\` is the student's current probabilities on the train items and \`ctx.weak\` the targets it would otherwise train on. Self-training lives here.
${pythonExample('epoch_targets')}

## loss(batch) -> scalar tensor
The student's loss on one batch. \`batch.logits\` (b x classes, with gradient), \`batch.targets\` (b x classes), \`batch.weights\` (b, or None), \`batch.texts\`, \`batch.step\`, \`batch.total_steps\`, \`batch.default()\` (the trainer's own loss for this batch, aux-conf included when the method has it) and \`batch.forward(texts)\` (an extra pass of the student on other texts, e.g. augmented or re-prompted versions of batch.texts, for consistency terms).
${pythonExample('loss')}

# When code fails
A hook that raises, is refused, runs past its time limit, runs out of memory or returns something invalid fails that seed, never retried; the reason, with the line in your source and the end of the traceback, is in get_result's and get_experiment's \`failures\` and in the experiment's thread. Fix the code and propose again. Progress (step and loss) shows in the experiment's thread while it trains.

# Integrity
The hooks never see gold or test labels. Computing the answer yourself from the texts (running a program, doing the arithmetic) instead of learning from the weak labels, in any hook including loss and format_text, or making the student predict one class, is a scorer shortcut: trusted code measures what the student actually trained on (the targets, weights and the gradient of your loss) and what it learned against the train items' gold labels, flags it, and people veto it publicly.`;
}
