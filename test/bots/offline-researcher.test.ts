import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openResearchLoop, runRounds } from '../../src/campaign/research-loop.js';
import { createTeam } from '../../src/campaign/team.js';
import { builtinMethod } from '../../src/domain/method.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { FROM_MEMBER } from '../campaign/fixture.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

let stack: EmbeddedPipeline;
let ledger: Ledger;
let pipeline: Pipeline;

beforeEach(() => {
  stack = openEmbeddedPipeline({ prefix: 'aar-offline-' });
  ({ ledger, pipeline } = stack);
});

afterEach(() => stack.close());

async function baselines(tasks: string[]): Promise<void> {
  for (const task of tasks) {
    for (const name of ['naive', 'aux-conf']) await pipeline.submit({ task, method: builtinMethod(name), seeds: [1, 2, 3, 4, 5], agent: 'steward', hypothesis: `Baseline ${name}` });
  }
}

const records = () => new ForumRecords(ledger);
const agentPosts = () => records().messages({ authorKind: 'agent', limit: 10_000 });

describe('offline researchers', () => {
  it('search from the baselines, confirm promising probes on 5 seeds, and claim a method that beats aux-conf on the same seeds', async () => {
    await baselines(['spam']);
    const researchers = createTeam({ agents: 3, tasks: ['spam'] });
    const { loop, desk } = openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers, scoresPerHour: 10_000 });
    await runRounds({ loop, desk, ledger, pipeline, maxExperiments: 60, deadline: Date.now() + 100_000 });

    const board = leaderboard(ledger, records(), 'spam');
    const aux = board.find((r) => r.method === 'aux-conf')!;
    expect(board[0].agent).not.toBe('steward');
    expect(board[0].pgrPublic.mean).toBeGreaterThan(aux.pgrPublic.mean);
    // Probes are cheap (2 seeds); confirmations re-run a probe's method on 5 seeds and name it as a parent.
    const mine = (ledger.db.prepare("SELECT id FROM experiments WHERE agent != 'steward'").all() as { id: string }[]).map((r) => ledger.experiment(r.id)!);
    expect(mine.filter((e) => e.seeds.length === 2).length).toBeGreaterThan(mine.filter((e) => e.seeds.length === 5).length);
    const confirmation = mine.find((e) => e.seeds.length === 5)!;
    expect(confirmation.parents).toHaveLength(2);
    // Claims carry the desk's numbers and a paired comparison derived from them.
    // Every confirmation is concluded against the leader on the same seeds: a claim in the results
    // channel (with the desk's numbers) when it wins beyond seed noise, else a reply saying it did not.
    const concluded = agentPosts().filter((m) => m.channel === 'results' || /^Confirmation: /.test(m.text));
    expect(concluded.length).toBeGreaterThan(0);
    for (const m of concluded) {
      if (m.channel === 'results') expect(m.text).toMatch(/^New best on spam: .*Paired against the previous leader .* on the same 5 seeds: \+\d\.\d\d ± \d\.\d\d PGR[\s\S]*public PGR -?\d\.\d\d ± \d\.\d\d over 5 seeds/);
      else expect(m.text).toMatch(/^Confirmation: -?\d\.\d\d public PGR over 5 seeds; against leader e\S+ on the same seeds [-+]\d\.\d\d ± \d\.\d\d: not better beyond seed noise\.$/);
    }
    expect(ledger.events({ kind: 'claim' }).length).toBe(concluded.filter((m) => m.channel === 'results').length);
    // Hypotheses are plain language with a reason, and conclusions are posted in the experiment's thread.
    expect(agentPosts().some((m) => m.threadId?.startsWith('exp:') && /^(No gain|Promising|Confirmation)/.test(m.text))).toBe(true);
    const hypothesis = ledger.db.prepare("SELECT text FROM hypotheses WHERE agent != 'steward' LIMIT 1").get() as { text: string };
    expect(hypothesis.text).toMatch(/^Hypothesis: .+ should help on spam, because .+ Starting from e/);
  }, 120_000);

  it('answers a question from its numbers, and a redirection changes the task it works on next', async () => {
    await baselines(['spam', 'math']);
    const researchers = createTeam({ agents: 1, tasks: ['spam', 'math'] });
    const name = researchers[0].name;
    const { loop, desk } = openResearchLoop({ ledger, pipeline, tasks: ['spam', 'math'], researchers, scoresPerHour: 10_000 });
    await runRounds({ loop, desk, ledger, pipeline, maxExperiments: 8, deadline: Date.now() + 60_000 });
    const before = (ledger.db.prepare('SELECT COUNT(*) AS n FROM experiments WHERE agent = ?').get(name) as { n: number }).n;
    expect(before).toBeGreaterThan(0);

    records().addMessage({ id: 'm-q1', channel: 'forum', threadId: null, author: 'maria', authorKind: 'human', text: `@${name} what have you found so far? Please focus on math from now on.`, data: FROM_MEMBER });
    await loop.round();
    const answer = records().message(`a-m-q1-${name}`)!;
    expect(answer.text).toMatch(/Understood: I will focus on math/);
    expect(answer.text).toMatch(new RegExp(`I have run ${before} experiment\\(s\\)`));
    expect(answer.text).toMatch(/My best so far: e\S+ on \w+, public PGR -?\d\.\d\d/);

    await runRounds({ loop, desk, ledger, pipeline, maxExperiments: before + 6, deadline: Date.now() + 60_000 });
    const after = (ledger.db.prepare('SELECT task FROM experiments WHERE agent = ? ORDER BY rowid').all(name) as { task: string }[]).slice(before);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.task === 'math')).toBe(true);
  }, 120_000);
});
