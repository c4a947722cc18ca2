import type { CodeLanguage, MethodInput } from '../../../src/domain/method.js';
import { AUX_CONF_EPOCHS_CODE, CONFIDENCE_WEIGHTS_CODE, SHARPEN_LABELS_CODE } from '../../../workers/w2s/method/code/examples.js';
import {
  confidenceWeightedLossCode,
  confidenceWeightsCode,
  consistencyLossCode,
  meanPoolCode,
  promptFrameCode,
  selfTrainingEpochsCode,
  sharpenLabelsCode,
} from '../../../workers/gpu/method-examples.js';
import type { Random } from './mutations.js';

/** One honest idea written as method code, instantiated with settings an offline researcher draws. */
interface CodeTemplate {
  /** What the code does, in words a person reads in the hypothesis ("sharpen the weak labels (power 2)"). */
  what: (settings: string) => string;
  why: string;
  /** The source and the settings it was built with, in words. */
  build(r: Random): { source: string; settings: string };
}

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)];

/** A JavaScript example with its leading `const NAME = value;` settings replaced. */
const withConsts = (source: string, values: Record<string, number>): string =>
  Object.entries(values).reduce((s, [name, v]) => s.replace(new RegExp(`^const ${name} = [^;]+;`, 'm'), `const ${name} = ${v};`), source);

const JAVASCRIPT: readonly CodeTemplate[] = [
  {
    what: (s) => `sharpen the weak labels in method code (${s})`,
    why: 'confident weak labels are more often right, so sharper targets for them and soft ones for the rest should cut the noise the student copies',
    build: (r) => {
      const t = pick(r, [0.3, 0.5, 0.7]);
      return { source: withConsts(SHARPEN_LABELS_CODE, { T: t }), settings: `temperature ${t}` };
    },
  },
  {
    what: () => 'weight each item by the weak label’s confidence in method code',
    why: 'unsure weak labels are the noisy ones; weighing them less lets the confident, mostly right ones dominate',
    build: () => ({ source: CONFIDENCE_WEIGHTS_CODE, settings: 'floor 0.1' }),
  },
  {
    what: (s) => `mix the student’s own predictions into later epochs’ targets in method code (${s})`,
    why: 'once the student has learned the common pattern, its own predictions disagree with the teacher mostly where the teacher is wrong',
    build: (r) => {
      const alpha = pick(r, [0.3, 0.5, 0.7]);
      return { source: withConsts(AUX_CONF_EPOCHS_CODE, { ALPHA: alpha }), settings: `alpha ${alpha}` };
    },
  },
];

const PYTHON: readonly CodeTemplate[] = [
  {
    what: (s) => `sharpen the weak labels in a transform_labels hook (${s})`,
    why: 'confident weak labels are more often right, so sharper targets for them should cut the noise the student copies',
    build: (r) => {
      const power = pick(r, [1.5, 2, 3]);
      return { source: sharpenLabelsCode(power), settings: `power ${power}` };
    },
  },
  {
    what: (s) => `weight each item by the weak label’s confidence in a weights hook (${s})`,
    why: 'unsure weak labels are the noisy ones; weighing them less lets the confident, mostly right ones dominate',
    build: (r) => {
      const floor = pick(r, [0.05, 0.1, 0.3]);
      return { source: confidenceWeightsCode(floor), settings: `floor ${floor}` };
    },
  },
  {
    what: (s) => `self-training through epoch_targets (${s})`,
    why: 'once the strong student has learned the common pattern, its own predictions disagree with the teacher mostly where the teacher is wrong',
    build: (r) => {
      const mix = pick(r, [0.2, 0.3, 0.5]);
      const start = pick(r, [0.3, 0.5]);
      return { source: selfTrainingEpochsCode(mix, start), settings: `mix ${mix} from ${Math.round(start * 100)}% of the epochs` };
    },
  },
  {
    what: (s) => `a confidence-weighted loss (${s})`,
    why: 'the loss should care most about the items whose targets are sure, and the strong model can generalise past the unsure rest',
    build: (r) => {
      const gamma = pick(r, [0.5, 1, 2]);
      return { source: confidenceWeightedLossCode(gamma), settings: `gamma ${gamma}` };
    },
  },
  {
    what: (s) => `a consistency term between each item and a word-dropped view of it (${s})`,
    why: 'a prediction that survives small changes to the text comes from what the text means, not from the teacher’s idiosyncratic errors',
    build: (r) => {
      const weight = pick(r, [0.25, 0.5, 1]);
      const drop = pick(r, [0.1, 0.2]);
      return { source: consistencyLossCode(weight, drop), settings: `weight ${weight}, word dropout ${drop}` };
    },
  },
  {
    what: (s) => `a prompt frame around every item (${s})`,
    why: 'the strong model’s pre-trained knowledge is easier to reach when the item reads like a question it has seen',
    build: (r) => {
      const frame = pick(r, ['question', 'label'] as const);
      return { source: promptFrameCode(frame), settings: `${frame} frame` };
    },
  },
  {
    what: () => 'mean pooling over the tokens instead of the last token',
    why: 'an average over every token is a steadier representation than the last token alone, so the head has less noise to fit',
    build: () => ({ source: meanPoolCode(), settings: 'mean' }),
  },
];

/** The honest code templates an offline researcher instantiates, in the language the campaign's workers run. */
export const CODE_TEMPLATES: Record<CodeLanguage, readonly CodeTemplate[]> = { javascript: JAVASCRIPT, python: PYTHON };

/** `m` with its method code replaced by a template of `language`, drawn with its settings. */
export function withTemplateCode(m: MethodInput, language: CodeLanguage, r: Random): { method: MethodInput; change: string; why: string } {
  const t = pick(r, CODE_TEMPLATES[language]);
  const { source, settings } = t.build(r);
  const code = language === 'python' ? { language, source } : { source };
  return { method: { ...m, code }, change: `${m.code ? 'replace its method code: ' : ''}${t.what(settings)}`, why: t.why };
}
