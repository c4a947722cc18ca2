import { describe, expect, it } from 'vitest';
import { pairedGain, pgrWithSe, type SeedItems } from '../../src/eval/paired-se.js';
import { Rng } from '../../workers/w2s/rng.js';

const bits = (n: number, p: number, rng: Rng) => Uint8Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));

describe('combined SE (seed + item bootstrap)', () => {
  it('matches the binomial SE of an accuracy when weak is always wrong and the ceiling always right (PGR = accuracy)', () => {
    const n = 1000;
    const rng = new Rng(1, 't');
    const s: SeedItems = { seed: 1, student: bits(n, 0.7, rng), weak: new Uint8Array(n), ceiling: new Uint8Array(n).fill(1) };
    const r = pgrWithSe([s], { replicates: 400 });
    const p = s.student.reduce((a, b) => a + b, 0) / n;
    expect(r.mean).toBeCloseTo(p, 12);
    expect(r.seSeed).toBe(0);
    expect(r.seItem / Math.sqrt((p * (1 - p)) / n)).toBeGreaterThan(0.85);
    expect(r.seItem / Math.sqrt((p * (1 - p)) / n)).toBeLessThan(1.15);
  });

  it('adds the item variance the seed spread misses: seeds sharing the same items', () => {
    const n = 500;
    const rng = new Rng(2, 't');
    const weak = bits(n, 0.6, rng);
    const ceiling = Uint8Array.from(weak, (w, i) => (w || i % 3 === 0 ? 1 : 0));
    // Two methods that differ on the same few items in every seed: no seed spread, real item noise.
    const a = [1, 2, 3].map((seed) => ({ seed, weak, ceiling, student: Uint8Array.from(ceiling, (c, i) => (i % 7 === 0 ? c : 0) | weak[i]) }));
    const b = [1, 2, 3].map((seed) => ({ seed, weak, ceiling, student: weak }));
    const g = pairedGain(a, b);
    expect(g.seSeed).toBe(0);
    expect(g.seItem).toBeGreaterThan(0);
    expect(g.se).toBeCloseTo(Math.hypot(g.seSeed, g.seItem), 12);
    expect(g.mean).toBeGreaterThan(0);
  });

  it('gives zero gain and zero error for a method against itself', () => {
    const rng = new Rng(3, 't');
    const seeds = [1, 2].map((seed) => ({ seed, weak: bits(200, 0.6, rng), ceiling: new Uint8Array(200).fill(1), student: bits(200, 0.7, rng) }));
    const g = pairedGain(seeds, seeds);
    expect(g).toMatchObject({ mean: 0, seSeed: 0, seItem: 0, se: 0 });
  });

  it('refuses unpaired inputs', () => {
    const s = (seed: number): SeedItems => ({ seed, weak: new Uint8Array(4), ceiling: new Uint8Array(4).fill(1), student: new Uint8Array(4) });
    expect(() => pairedGain([s(1)], [s(2)])).toThrow(/same seeds/);
  });
});
