import { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { parseOrThrow } from './validate.js';

/** The hooks JavaScript method code may define, by function name (the embedded w2s runner). */
export const METHOD_CODE_HOOKS = ['transformLabels', 'weights', 'epochTargets'] as const;
export type MethodCodeHook = (typeof METHOD_CODE_HOOKS)[number];

/**
 * The hooks Python method code may define (the reference GPU trainer, workers/gpu): the JS hooks'
 * concepts in Python's spelling, plus what only real language models allow (a loss on the
 * student's logits, the pooled representation, the items' text format).
 */
export const PYTHON_CODE_HOOKS = ['format_text', 'pool', 'transform_labels', 'weights', 'epoch_targets', 'loss'] as const;
export type PythonCodeHook = (typeof PYTHON_CODE_HOOKS)[number];

export const CODE_LANGUAGES = ['javascript', 'python'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/**
 * Method fields the reference GPU trainer does not run (workers/gpu/spec.py refuses them by name):
 * a campaign whose workers take Python code is a GPU campaign, and they are refused there.
 */
export const GPU_TRAINER_UNSUPPORTED = ['selfTraining', 'ensemble', 'knn', 'consistency'] as const;

/** The largest method source accepted, in characters (either language). */
export const MAX_CODE_CHARS = 20_000;

/**
 * Code run in a sandbox for each seed: JavaScript on the embedded w2s runner (isolated-vm,
 * workers/w2s/method/code), Python on the GPU trainer (a guarded method phase, workers/gpu).
 * The source defines functions named after hooks. It sees the weak labels and the student's
 * TRAIN items only, never gold or test labels.
 */
const MethodCodeSchema = z
  .strictObject({
    language: z
      .enum(CODE_LANGUAGES)
      .optional()
      .describe('javascript (left out; the embedded CPU tasks) or python (the GPU trainer with real language models). Which one a campaign runs is in your instructions and get_method_guide.'),
    source: z.string().min(1).max(MAX_CODE_CHARS).describe(`The hooks' source: JavaScript (ES2023, no imports, no I/O) defining ${METHOD_CODE_HOOKS.join(', ')}; or a Python module defining ${PYTHON_CODE_HOOKS.join(', ')}. Call get_method_guide for their arguments, return values and worked examples.`),
    /** Hooks to call; each must be defined. Left out: every hook the source defines (at least one). */
    hooks: z
      .array(z.enum([...METHOD_CODE_HOOKS, ...PYTHON_CODE_HOOKS]))
      .min(1)
      .max(PYTHON_CODE_HOOKS.length)
      .refine((h) => new Set(h).size === h.length, 'each hook at most once')
      .optional()
      .describe('Which hooks to call (each must be defined in source, and be one of its language\'s hooks). Left out: every hook the source defines.'),
  })
  .superRefine((code, ctx) => {
    const accepted: readonly string[] = code.language === 'python' ? PYTHON_CODE_HOOKS : METHOD_CODE_HOOKS;
    for (const [i, h] of (code.hooks ?? []).entries()) {
      if (!accepted.includes(h)) {
        ctx.addIssue({ code: 'custom', path: ['hooks', i], message: `"${h}" is not a ${code.language ?? 'javascript'} hook; accepted: ${accepted.join(', ')}` });
      }
    }
  });

/** The language of a method's code (JavaScript when `language` is left out), or undefined without code. */
export function codeLanguage(method: { code?: { language?: CodeLanguage } }): CodeLanguage | undefined {
  return method.code ? (method.code.language ?? 'javascript') : undefined;
}

const HeadSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('linear') }),
  z.strictObject({ kind: z.literal('mlp'), width: z.int().min(4).max(512).describe('hidden units of the one-hidden-layer head') }),
]);

/**
 * How the strong student learns from the weak teacher's labels. Every field is optional:
 * training hyperparameters left out take the task's tuned defaults, and every technique left
 * out is off, so `{}` is the naive baseline.
 */
export const MethodSchema = z.strictObject({
  /** A short tag people and bots use to refer to the method (and to veto it). */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/i)
    .optional()
    .describe('A short tag for the method (letters, digits, . _ -): how people and bots refer to it, and veto it.'),
  /** Train on the weak teacher's probabilities (soft) or on its argmax (hard). */
  labels: z.enum(['soft', 'hard']).default('soft').describe("Train on the weak teacher's probabilities (soft, default) or on its argmax (hard)."),
  /** Burns et al.'s auxiliary confidence loss: mix in the student's own hardened predictions. */
  auxConf: z
    .strictObject({
      alphaMax: z.number().min(0).max(1).describe('Final weight of the self-confidence term (Burns et al. use 0.75; 1.0 tends to collapse).'),
      /** Fraction of training over which alpha ramps linearly from 0 to alphaMax. */
      warmup: z.number().min(0).max(1).default(0.2).describe('Fraction of training over which alpha ramps from 0 to alphaMax.'),
      /** adaptive: threshold so the batch's predicted class shares match the weak labels'; fixed: `fixedThreshold`. */
      threshold: z.enum(['adaptive', 'fixed']).default('adaptive').describe("adaptive: harden each batch so its class shares match the weak labels'; fixed: at fixedThreshold."),
      fixedThreshold: z.number().gt(0).lt(1).default(0.5).describe('The probability above which a prediction hardens to class 1 (threshold: fixed only).'),
    })
    .optional()
    .describe("Burns et al.'s auxiliary confidence loss: mix the student's own hardened predictions into its targets."),
  /** Keep only the most confident fraction of weak labels. */
  filter: z
    .strictObject({ keep: z.number().gt(0).max(1).describe('Fraction of train items kept, most confident weak labels first.') })
    .optional()
    .describe('Train only on the most confident weak labels.'),
  /** Mix targets with the uniform distribution by this much. */
  labelSmoothing: z.number().min(0).max(0.5).default(0).describe('Mix the targets with the uniform distribution by this much.'),
  /** Stop when agreement with held-out weak labels stops improving; keep the best epoch. */
  earlyStopping: z
    .strictObject({ patience: z.int().min(1).max(50).default(3).describe('Epochs without improvement before stopping.') })
    .optional()
    .describe('Keep the epoch that agrees best with held-out weak labels (a validation split of weak labels only).'),
  /** Retrain on a mix of the previous student's predictions and the weak labels. */
  selfTraining: z
    .strictObject({
      rounds: z.int().min(1).max(5).describe('Extra rounds of retraining.'),
      /** Weight of the previous student's (hardened) predictions in the new targets. */
      mix: z.number().min(0).max(1).default(0.5).describe("Weight of the previous student's hardened predictions in the new targets."),
    })
    .optional()
    .describe("Self-training: retrain on a mix of the weak labels and the previous student's predictions."),
  /** Average the probabilities of several students trained from different initialisations. */
  ensemble: z
    .strictObject({ size: z.int().min(1).max(9).describe('Number of students.') })
    .optional()
    .describe('Average the probabilities of several students trained from different initialisations.'),
  /**
   * Label propagation: each train item's target mixes its weak label with the mean weak label
   * of its k nearest neighbours in the strong student's feature space (cosine, centred rows).
   */
  knn: z
    .strictObject({
      k: z.int().min(1).max(100).default(10).describe('Neighbours per item.'),
      /** Weight of the neighbours' labels in the new target (0 keeps the weak labels). */
      mix: z.number().min(0).max(1).default(0.5).describe("Weight of the neighbours' labels in the new target (0 keeps the weak labels)."),
      /** Propagation steps: more spreads labels further along the neighbour graph. */
      steps: z.int().min(1).max(10).default(1).describe('Propagation steps along the neighbour graph.'),
    })
    .optional()
    .describe("Label propagation: mix each train item's weak label with the mean weak label of its k nearest neighbours in the strong student's feature space."),
  /**
   * Train a first student, drop the fraction of train items where it most confidently
   * contradicts the weak label, and train a fresh student on the rest.
   */
  consistency: z
    .strictObject({ drop: z.number().gt(0).max(0.9).default(0.2).describe('Fraction of train items dropped.') })
    .optional()
    .describe('Train a first student, drop the items where it most confidently contradicts the weak label, retrain on the rest.'),
  /**
   * Method code: `transformLabels` replaces the weak targets before training, `weights` sets
   * per-example loss weights, `epochTargets` sets each epoch's targets (see method/code/hooks.ts).
   */
  code: MethodCodeSchema.optional().describe('Method code: your own hooks (JavaScript on the embedded tasks, Python on the GPU trainer) that change the targets, the per-item weights, the per-epoch targets and, in Python, the loss, the pooled representation and the text format (see get_method_guide).'),
  head: HeadSchema.optional().describe("The student's head on the strong representation: linear (the task's default) or a one-hidden-layer MLP."),
  epochs: z.int().min(1).max(200).optional().describe("Training epochs (default: the task's tuned value)."),
  lr: z.number().min(1e-5).max(1).optional().describe("Adam learning rate (default: the task's tuned value)."),
  l2: z.number().min(0).max(1).optional().describe("L2 penalty on the head's weights (default: the task's tuned value)."),
  batchSize: z.int().min(1).max(4096).optional().describe("Mini-batch size (default: the task's tuned value)."),
});

export type MethodInput = z.input<typeof MethodSchema>;
export type Method = z.output<typeof MethodSchema>;

/** Named methods anyone can refer to; `naive` and `aux-conf` are Burns et al.'s baselines. */
export const BUILTIN_METHODS: Record<string, MethodInput> = {
  naive: { name: 'naive' },
  'aux-conf': { name: 'aux-conf', auxConf: { alphaMax: 0.75, warmup: 0.2, threshold: 'adaptive' } },
  'hard-labels': { name: 'hard-labels', labels: 'hard' },
  'early-stop': { name: 'early-stop', earlyStopping: { patience: 3 } },
  'confident-half': { name: 'confident-half', filter: { keep: 0.5 } },
  bootstrap: { name: 'bootstrap', selfTraining: { rounds: 2, mix: 0.5 } },
  ensemble: { name: 'ensemble', ensemble: { size: 5 } },
};

/** Validates a method object; the error names each bad field and the accepted values. */
export function parseMethod(input: unknown): Method {
  return parseOrThrow(MethodSchema, input, 'method', 'method');
}

/** A built-in method by name; an unknown name is an error listing the names accepted. */
export function builtinMethod(name: string): Method {
  const found = Object.hasOwn(BUILTIN_METHODS, name) ? BUILTIN_METHODS[name] : undefined;
  if (!found) {
    throw new InvalidInputError('method', [
      { field: 'method', problem: `unknown method "${name}"; accepted: ${Object.keys(BUILTIN_METHODS).join(', ')} or a path to a .json file` },
    ]);
  }
  return parseMethod(found);
}
