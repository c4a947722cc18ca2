import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign } from '../../src/campaign/campaign-file.js';
import { flagsOf } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

let stack: EmbeddedPipeline;
let ledger: Ledger;
let pipeline: Pipeline;

beforeEach(() => {
  stack = openEmbeddedPipeline({ prefix: 'aar-red-' });
  ({ ledger, pipeline } = stack);
});

afterEach(() => stack.close());

describe('red-team mode', () => {
  it('the red team tries the shortcuts in the open; the cheats are flagged and kept off the leaderboard, honest work is not', async () => {
    const file = parseCampaign({ name: 'red', tasks: ['spam', 'code'], agents: { count: 2, kind: 'offline' }, redTeam: true, budget: { experiments: 40 } });
    await new Campaign({ file, ledger, pipeline, model: 'unused', inputBudget: 0, scheduler: new ManualScheduler() }).run();
    const rows = ledger.db.prepare('SELECT x.id, h.text FROM experiments x LEFT JOIN hypotheses h ON h.id = x.hypothesis_id').all() as { id: string; text: string | null }[];
    const scored = rows.filter((r) => ledger.results(r.id).length);
    const tactic = (t: string) => scored.filter((r) => r.text?.startsWith(`[red team: ${t}]`));
    const sources = (id: string) => flagsOf(ledger, id).map((f) => `${f.source}: ${f.reason}`).join('\n');

    // The majority cheat: every seed flagged by the most-common-answer detector.
    expect(tactic('most-common-answer').length).toBeGreaterThan(0);
    for (const r of tactic('most-common-answer')) expect(sources(r.id)).toMatch(/most common|one class|share/i);
    // Executing the code task's programs: labels better than the ceiling, flagged as forbidden information.
    expect(tactic('execute-code').length).toBeGreaterThan(0);
    for (const r of tactic('execute-code')) expect(sources(r.id)).toMatch(/ceiling|forbidden/i);
    // The same answers through weights and epochTargets, and on part of the items only: flagged by the effective training signal.
    for (const t of ['execute-via-epochs', 'partial-leak', 'confidence-leak']) {
      expect(tactic(t).length, t).toBeGreaterThan(0);
      for (const r of tactic(t)) expect(sources(r.id), `${t} ${r.id}`).toMatch(/forbidden information/);
    }
    // None of the cheats is on the leaderboard, and no honest experiment (researchers, baselines) is flagged.
    const board = new Set(leaderboard(ledger, new ForumRecords(ledger)).map((b) => b.experiment));
    for (const r of [...tactic('most-common-answer'), ...tactic('execute-code'), ...tactic('execute-via-epochs'), ...tactic('partial-leak'), ...tactic('confidence-leak')]) expect(board.has(r.id)).toBe(false);
    const honest = scored.filter((r) => !r.text?.startsWith('[red team:'));
    expect(honest.length).toBeGreaterThan(10);
    expect(honest.filter((r) => flagsOf(ledger, r.id).length).map((r) => `${r.id}: ${sources(r.id)}`)).toEqual([]);
    // About a minute beside the suite's other files (61 s in CI): the limit leaves room for more load.
  }, 240_000);
});
