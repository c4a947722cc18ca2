import { AUX_CONF_EPOCHS_CODE, CONFIDENCE_WEIGHTS_CODE, SHARPEN_LABELS_CODE } from '../../workers/w2s/method/code/examples.js';
import { BUILTIN_METHODS } from '../../src/domain/method.js';

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

/**
 * The method space as a researcher needs it to write methods, not only pick them: the fields
 * (also in propose_experiment's input schema, each with its meaning and range), the built-in
 * methods, and the method-code hook API with one worked example per hook. The get_method_guide
 * tool answers with it; the text is fixed, so asking costs nothing but tokens.
 */
export function methodGuide(): string {
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
