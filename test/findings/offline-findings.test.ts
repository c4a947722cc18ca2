import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openResearchLoop, runRounds } from '../../src/campaign/research-loop.js';
import { createTeam } from '../../src/campaign/team.js';
import { builtinMethod } from '../../src/domain/method.js';
import { FindingsStore } from '../../src/findings/store.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

let stack: EmbeddedPipeline;
beforeEach(() => {
  stack = openEmbeddedPipeline({ prefix: 'aar-offline-findings-' });
});
afterEach(() => stack.close());

describe('offline researchers and findings', () => {
  it('post dead ends and insights that cite both sides of their paired numbers, and vote only on others\' findings', async () => {
    const { ledger, pipeline } = stack;
    for (const name of ['naive', 'aux-conf']) await pipeline.submit({ task: 'spam', method: builtinMethod(name), seeds: [1, 2, 3, 4, 5], agent: 'steward', hypothesis: `Baseline ${name}` });
    const { loop, desk } = openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: createTeam({ agents: 3, tasks: ['spam'] }), scoresPerHour: 10_000 });
    await runRounds({ loop, desk, ledger, pipeline, maxExperiments: 40, deadline: Date.now() + 100_000 });

    const store = new FindingsStore(ledger, new ForumRecords(ledger));
    const deadEnds = store.newest('dead-end', { limit: 1000 });
    expect(deadEnds.length).toBeGreaterThan(0);
    for (const d of deadEnds) {
      // The probe and its parent, both real experiments, and the numbers in words.
      expect(d.experiments).toHaveLength(2);
      expect(d.experiments.every((id) => ledger.experiment(id) !== undefined)).toBe(true);
      expect(ledger.experiment(d.experiments[0])!.parents).toContain(d.experiments[1]);
      expect(d.text).toMatch(/^No gain: -?\d\.\d\d vs \S+ on the same seeds \([-+]\d\.\d\d\)/);
      expect(d.text).toMatch(/\n\(cites /);
    }
    for (const i of store.newest('insight', { limit: 1000 })) {
      expect(i.text).toMatch(/^On spam, .* beats \S+ \(.*\) by \+\d\.\d\d ± \d\.\d\d PGR on the same \d seeds\./);
      expect(i.experiments).toHaveLength(2);
    }
    // Every claim is a result finding; agents corroborate each other's dead ends, never voting on their own.
    expect(store.newest('result', { limit: 1000 }).length).toBe(ledger.events({ kind: 'claim' }).length);
    expect(ledger.events({ kind: 'vote' }).length).toBeGreaterThan(0);
    for (const v of ledger.events({ kind: 'vote' })) {
      const f = store.get(String(v.data.target))!;
      expect(f.author).not.toBe(v.agent);
      expect(v.data.value).toBe(1);
      expect(String(v.data.reason)).toMatch(/^(held up: my \S+ did not beat it|same here: changing .* gave no gain)/);
    }
  }, 150_000);
});
