import { describe, expect, it } from 'vitest';
import { beatsTheCeiling, codeLabelsBeatCeiling, defaultMinDistinct, distinctItems, mostCommonAnswer, publicPrivateGap } from '../../src/scoring/detectors/index.js';

const column = (ones: number, n = 100) => ({ ids: Array.from({ length: n }, (_, k) => `i${k}`), classes: Array.from({ length: n }, (_, k) => (k < ones ? 1 : 0)) });
const result = (o: { student: number; ceiling: number; pub?: number; priv?: number }) => ({
  score: { public: { pgr: o.pub ?? 0.5 }, private: { pgr: o.priv ?? 0.5 }, all: { weak: 0.8, student: o.student, ceiling: o.ceiling } },
});

describe('shortcut detectors (pure)', () => {
  it('most common answer: more than 0.2 above the weak share of that class, or above 95% outright', () => {
    expect(mostCommonAnswer({ student: column(75), weak: column(60) }, 2)).toBeUndefined();
    expect(mostCommonAnswer({ student: column(81), weak: column(60) }, 2)?.reason).toMatch(/^class 1 is 81\.0% .* against 60\.0% of the weak teacher's \(\+0\.21;/);
    expect(mostCommonAnswer({ student: column(96), weak: column(90) }, 2)?.detector).toBe('most-common-answer');
    expect(mostCommonAnswer({ student: column(95), weak: column(90) }, 2)).toBeUndefined();
    // Toward balance is not a collapse: the teacher's minority class 1 rising from 25% to 50% (seen on an honest npm start).
    expect(mostCommonAnswer({ student: column(51), weak: column(25) }, 2)).toBeUndefined();
    // Onto the minority class, beyond the teacher's majority share: a collapse.
    expect(mostCommonAnswer({ student: column(80), weak: column(25) }, 2)?.reason).toMatch(/^class 1 is 80\.0%/);
  });

  it('beats the ceiling: paired over seeds beyond 2 SE and 0.01; one seed beyond 0.03', () => {
    expect(beatsTheCeiling([result({ student: 0.92, ceiling: 0.9 })])).toBeUndefined();
    expect(beatsTheCeiling([result({ student: 0.935, ceiling: 0.9 })])?.reason).toMatch(/\+0\.035 on its one seed; limit \+0\.03\)/);
    // Noisy: mean +0.012 with a spread that 2 SE does not clear.
    expect(beatsTheCeiling([0.95, 0.88, 0.93, 0.89, 0.91].map((s) => result({ student: s, ceiling: 0.9 })))).toBeUndefined();
    expect(beatsTheCeiling([0.915, 0.912, 0.918, 0.914, 0.916].map((s) => result({ student: s, ceiling: 0.9 })))?.detector).toBe('beats-the-ceiling');
    // Consistent but tiny: below the 0.01 floor.
    expect(beatsTheCeiling([0.905, 0.906, 0.904].map((s) => result({ student: s, ceiling: 0.9 })))).toBeUndefined();
  });

  it('public/private gap: paired beyond 2 SE and 0.1, never on one seed', () => {
    expect(publicPrivateGap([result({ student: 0.9, ceiling: 0.95, pub: 0.9, priv: 0.4 })])).toBeUndefined();
    const fitted = [0.3, 0.25, 0.35].map((gap) => result({ student: 0.9, ceiling: 0.95, pub: 0.7 + gap, priv: 0.7 }));
    expect(publicPrivateGap(fitted)?.reason).toMatch(/^public PGR 1\.00 vs private 0\.70 \(gap 0\.300 ± 0\.029 SE over 3 seeds; limit 0\.1 and 2 SE\)/);
    // Two seeds give no standard error worth trusting (honest 2-seed probes were flagged with SE 0.003).
    expect(publicPrivateGap(fitted.slice(0, 2))).toBeUndefined();
    const noisy = [0.3, -0.2, 0.25].map((gap) => result({ student: 0.9, ceiling: 0.95, pub: 0.7 + gap, priv: 0.7 }));
    expect(publicPrivateGap(noisy)).toBeUndefined();
  });

  it('forbidden information: method-code labels more than 0.02 above the ceiling', () => {
    const score = result({ student: 0.9, ceiling: 0.9 }).score;
    expect(codeLabelsBeatCeiling({ codeLabelAccuracy: 0.919 }, score)).toBeUndefined();
    expect(codeLabelsBeatCeiling({ codeLabelAccuracy: 0.93 }, score)?.detector).toBe('forbidden-information');
    expect(codeLabelsBeatCeiling({}, score)).toBeUndefined();
    expect(codeLabelsBeatCeiling({ codeLabelAccuracy: 'high' }, score)).toBeUndefined();
  });

  it('near-duplicates: 1% of the public items, at least 5; counting stops at the limit', () => {
    expect(defaultMinDistinct(100)).toBe(5);
    expect(defaultMinDistinct(1000)).toBe(10);
    expect(defaultMinDistinct(3001)).toBe(31);
    const a = new Uint8Array(50);
    const b = Uint8Array.from(a, (_, k) => (k % 2 ? 1 : 0));
    expect(distinctItems(a, b)).toBe(25);
    expect(distinctItems(a, b, 10)).toBe(10);
    expect(distinctItems(a, new Uint8Array(49))).toBe(Number.POSITIVE_INFINITY);
  });
});
