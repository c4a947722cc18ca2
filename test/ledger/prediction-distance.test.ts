import { describe, expect, it } from 'vitest';
import { bitsFor, itemsThatDiffer, packClasses, packedPredictionsOf, recordPublicPredictions } from '../../src/ledger/predictions.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const pack = (classes: Uint8Array, bits: 1 | 2 | 4 | 8 = bitsFor(classes)) => ({ packed: packClasses(classes, bits), bits, items: classes.length });
const differ = (a: Uint8Array, b: Uint8Array) => a.reduce((n, x, k) => n + (x === b[k] ? 0 : 1), 0);

describe('items on which two stored predictions differ', () => {
  it('equals an item-by-item count for packed binary vectors of any length, and for mixed widths', () => {
    let s = 11;
    const draw = (n: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
    for (const items of [1, 7, 8, 9, 63, 1000, 1003]) {
      for (let trial = 0; trial < 5; trial++) {
        const a = Uint8Array.from({ length: items }, () => draw(2));
        const b = Uint8Array.from(a, (x) => (draw(10) === 0 ? 1 - x : x));
        expect(itemsThatDiffer(pack(a), pack(b)), `${items} items`).toBe(differ(a, b));
        // One seed stored with one bit per class, the other with two (a class 2 appears): unpacked and compared.
        const c = Uint8Array.from(b, (x, k) => (k === 0 ? 2 : x));
        expect(itemsThatDiffer(pack(a), pack(c)), `${items} items, mixed widths`).toBe(differ(a, c));
        expect(itemsThatDiffer(pack(a, 8), pack(b)), `${items} items, rows from before packing`).toBe(differ(a, b));
      }
    }
  });

  it('refuses vectors of different lengths rather than comparing part of them', () => {
    expect(() => itemsThatDiffer(pack(new Uint8Array(8)), pack(new Uint8Array(9)))).toThrow(/8 and 9 items/);
  });

  it('reads an experiment\'s stored seeds, a redelivered seed keeping its first predictions', () => {
    const ledger = Ledger.open(tempLedgerPath());
    ledger.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1, 2], agent: 'ada' });
    const a = Uint8Array.from({ length: 20 }, (_, k) => k % 2);
    for (const seed of [1, 2]) ledger.recordResult({ jobId: `e1-s${seed}`, experimentId: 'e1', seed, predictionsDigest: 'd', score: { public: { pgr: 0.5 }, private: { pgr: 0.5 } } as never });
    recordPublicPredictions(ledger, { jobId: 'e1-s1', experimentId: 'e1', agent: 'ada', task: 'spam', seed: 1, classes: a });
    recordPublicPredictions(ledger, { jobId: 'e1-s1', experimentId: 'e1', agent: 'ada', task: 'spam', seed: 1, classes: Uint8Array.from(a, (x) => 1 - x) });
    recordPublicPredictions(ledger, { jobId: 'e1-s2', experimentId: 'e1', agent: 'ada', task: 'spam', seed: 2, classes: a });
    const read = packedPredictionsOf(ledger, 'e1');
    expect([...read.keys()]).toEqual([1, 2]);
    expect(itemsThatDiffer(read.get(1)!, pack(a))).toBe(0);
    ledger.close();
  });
});
