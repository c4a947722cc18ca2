import { describe, expect, it } from 'vitest';
import { AarError } from '../../src/domain/errors.js';
import { lineage } from '../../src/report/lineage.js';
import { around, campaignLedger, freshLedger, runExperiment } from './fixture.js';

describe('lineage', () => {
  it('lists an experiment, then its parent, then the parent of that, with what each tried and scored', () => {
    const { ledger } = campaignLedger();
    const l = lineage(ledger, 'exp-b');
    expect(l.nodes.map((n) => [n.id, n.depth])).toEqual([
      ['exp-b', 0],
      ['exp-a', 1],
      ['base-aux', 2],
    ]);
    const [b, a, base] = l.nodes;
    expect(b).toMatchObject({ task: 'spam', agent: 'agent-2', methodTag: 'aux-knn', method: { name: 'aux-knn', probe: 'linear' }, seeds: 5, parents: ['exp-a'] });
    expect(b.pgrPublic!.mean).toBeCloseTo(0.8, 10);
    expect(b.pgrPrivate!.mean).toBeCloseTo(0.77, 10);
    expect(a.methodTag).toBe('aux-l2');
    expect(base).toMatchObject({ methodTag: 'aux-conf', agent: 'steward', parents: [] });
    expect(l).toMatchObject({ truncated: false, missing: [] });
  });

  it('lists a shared ancestor once and stops at the depth limit', () => {
    const { ledger } = freshLedger();
    runExperiment(ledger, 'root', { pub: around(0.3) });
    runExperiment(ledger, 'left', { parents: ['root'], pub: around(0.4) });
    runExperiment(ledger, 'right', { parents: ['root'], pub: around(0.5) });
    runExperiment(ledger, 'merge', { parents: ['left', 'right'], pub: around(0.6) });
    expect(lineage(ledger, 'merge').nodes.map((n) => n.id)).toEqual(['merge', 'left', 'right', 'root']);
    const shallow = lineage(ledger, 'merge', { maxDepth: 1 });
    expect(shallow.nodes.map((n) => n.id)).toEqual(['merge', 'left', 'right']);
    expect(shallow.truncated).toBe(true);
  });

  it('ends at a cycle instead of looping (the schema cannot make one; a hand-edited ledger could)', () => {
    const { ledger } = freshLedger();
    runExperiment(ledger, 'x', { pub: [0.1] });
    runExperiment(ledger, 'y', { parents: ['x'], pub: [0.2] });
    ledger.db.prepare('INSERT INTO experiment_parents (experiment_id, parent_id) VALUES (?, ?)').run('x', 'y');
    expect(lineage(ledger, 'y').nodes.map((n) => n.id)).toEqual(['y', 'x']);
  });

  it('names an unknown experiment', () => {
    const { ledger } = freshLedger();
    expect(() => lineage(ledger, 'nope')).toThrow(AarError);
    expect(() => lineage(ledger, 'nope')).toThrow(/"nope"/);
  });
});
