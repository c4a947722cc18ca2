import { describe, expect, it } from 'vitest';
import { CODE_TEMPLATES, withTemplateCode } from '../../bots/researcher/offline/code-templates.js';
import { knobRuns, KNOBS, mutate } from '../../bots/researcher/offline/mutations.js';
import { parseMethod } from '../../src/domain/method.js';
import { MethodCode } from '../../workers/w2s/method/code/hooks.js';

// The offline researchers' code templates: honest ideas written as method code, instantiated
// with drawn settings in the language the campaign's workers run. The Python ones run through
// the GPU trainer in test/gpu/method-examples.test.ts.

/** A seeded random source, as the policy owns one. */
const seeded = (seed: number) => ({ next: () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) });

const N = 40;
const K = 2;
const data = () => ({
  // Row r: class 0 with probability 0.5-0.95, so every row sums to 1.
  weak: Float32Array.from({ length: N * K }, (_, i) => {
    const p = 0.5 + ((i >> 1) % 10) / 20;
    return i % 2 ? 1 - p : p;
  }),
  features: Float32Array.from({ length: N * 3 }, (_, i) => Math.sin(i)),
  dim: 3,
  weakFeatures: Float32Array.from({ length: N * 4 }, (_, i) => i % 4),
  weakDim: 4,
  classes: K,
});

describe('code templates', () => {
  it('every JavaScript template, at every setting drawn, runs in the real sandbox and returns valid targets or weights', () => {
    const r = seeded(7);
    for (let i = 0; i < 24; i++) {
      const { method } = withTemplateCode({}, 'javascript', r);
      const m = parseMethod(method);
      expect(m.code?.language).toBeUndefined();
      const code = new MethodCode(m.code!, data(), { seed: 1 });
      try {
        const outputs = [code.transformLabels(), code.weights(), code.epochTargets()?.({ weak: data().weak, student: data().weak, epoch: 3, epochs: 10 })].filter((x) => x !== undefined);
        expect(outputs.length).toBeGreaterThan(0);
        for (const out of outputs) expect([...out!].every(Number.isFinite)).toBe(true);
      } finally {
        code.dispose();
      }
    }
  });

  it('a Python campaign gets Python code with its language set, and never a technique the GPU trainer does not run', () => {
    const r = seeded(3);
    const sources = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const m = mutate({ name: 'base', labels: 'hard' }, 'code', r, 'python');
      const parsed = parseMethod(m.method);
      expect(parsed.code).toMatchObject({ language: 'python' });
      expect(parsed.labels).toBe('hard');
      expect(m.change.length).toBeGreaterThan(10);
      for (const l of parsed.code!.source.split('\n')) if (/^def [a-z]/.test(l)) sources.add(l);
    }
    // Every hook of the library is drawn.
    expect([...sources].sort()).toEqual(['def epoch_targets(ctx, student, epoch, epochs):', 'def format_text(text):', 'def loss(batch):', 'def pool(hidden, mask):', 'def transform_labels(ctx):', 'def weights(ctx):']);
    expect(CODE_TEMPLATES.python.length).toBeGreaterThanOrEqual(6);
    expect(KNOBS.filter((k) => !knobRuns(k, 'python')).sort()).toEqual(['consistency', 'ensemble', 'knn', 'selfTraining']);
    expect(KNOBS.every((k) => knobRuns(k, 'javascript'))).toBe(true);
  });

  it('replacing code says so', () => {
    const r = seeded(11);
    const first = withTemplateCode({}, 'python', r);
    const second = withTemplateCode(first.method, 'python', r);
    expect(second.change).toMatch(/^replace its method code: /);
  });
});
