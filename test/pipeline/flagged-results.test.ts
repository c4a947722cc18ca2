import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMethod } from '../../src/domain/method.js';
import type { Predictions } from '../../src/domain/predictions.js';
import { ForumService } from '../../src/forum/service.js';
import { addFlag } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { harness, OracleRunner, predictions, toyVault, type Harness } from './oracle.js';

const { vault, ids, truth, baselines } = toyVault();
const weak = predictions(ids, truth, (k) => k % 5 === 0);
const ceiling = predictions(ids, truth, (k) => k % 10 === 0);
const honest = predictions(ids, truth, (k) => k % 10 === 0 || k % 20 === 5);
const allOnes: Predictions = { ids, classes: ids.map(() => 1) };

let oracle: OracleRunner;
let h: Harness;
let service: ForumService;
let forum: RecordingForum;

beforeEach(async () => {
  oracle = new OracleRunner();
  h = harness(oracle, () => vault, { baselines });
  forum = new RecordingForum();
  service = new ForumService({ ledger: h.ledger, forum, admins: new Set(['U-ADMIN']), tasks: ['toy'], queueStatus: async () => 'ok', pollMs: 60_000 });
  await service.start();
});
afterEach(async () => {
  await service.stop();
  await h.close();
});

// The one-class cheat is agent code: a built-in method that collapses below the weak teacher is a failed method, not flagged.
const ONE_CLASS_CODE = 'function transformLabels({ n }) { return new Array(n).fill([0, 1]); }';

async function run(name: string, student: Predictions): Promise<string> {
  oracle.set(name, () => ({ student, weak, ceiling, stats: {} }));
  const method = parseMethod({ name, ...(student === allOnes ? { code: { source: ONE_CLASS_CODE } } : {}) });
  const id = await h.pipeline.submit({ task: 'toy', method, seeds: [1, 2], agent: 'agent-1', hypothesis: `Try ${name}` });
  await h.pipeline.waitFor(id);
  return id;
}

/** The result card of an experiment as the forum shows it now (after edits). */
function card(id: string) {
  const ref = forum.posts.find((p) => p.post.text === `Result of ${id}`)!.ref;
  return forum.current(ref)!.card!;
}

describe('flagged results', () => {
  it('are off the leaderboard and shown as flagged until a person approves them', async () => {
    const records = new ForumRecords(h.ledger);
    const clean = await run('honest', honest);
    const cheat = await run('all-ones', allOnes);
    await service.sync();
    expect(leaderboard(h.ledger, records, 'toy').map((r) => r.experiment)).toEqual([clean]);
    expect(card(cheat).status).toBe('flagged');
    expect(card(cheat).fields.find((f) => f.label === 'Flagged by')!.value).toContain('most common answer (seeds 1, 2)');
    expect(card(clean).status).toBeUndefined();

    records.addVeto('approve', cheat, 'ada', 'looked at it: fine');
    await service.sync();
    expect(leaderboard(h.ledger, records, 'toy').find((r) => r.experiment === cheat)).toMatchObject({ status: 'approved' });
    expect(card(cheat).status).toBe('approved');
  });

  it('a flag raised after the card was posted (the auditor, lineage) turns the card flagged and takes the result off the board', async () => {
    const records = new ForumRecords(h.ledger);
    const id = await run('honest', honest);
    await service.sync();
    expect(card(id).status).toBeUndefined();
    addFlag(h.ledger, id, 'auditor', 'seed spread too large to trust');
    await service.sync();
    expect(card(id).status).toBe('flagged');
    expect(card(id).fields).toContainEqual({ label: 'Flagged by', value: 'auditor' });
    expect(leaderboard(h.ledger, records, 'toy')).toEqual([]);
  });
});
