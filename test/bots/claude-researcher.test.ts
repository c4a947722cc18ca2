import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import { ForumService } from '../../src/forum/service.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { EmbeddedBaselines } from '../../src/scoring/trusted-baselines.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { FakeAnthropic, textReply, toolUseReply, type RecordedRequest } from '../helpers/fake-anthropic.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const KEY = 'sk-ant-test-researcher-0123456789';

let fake: FakeAnthropic;
let ledger: Ledger;
let queue: MemoryQueue;
let pipeline: Pipeline;
let forum: RecordingForum;
let service: ForumService;

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  ledger = Ledger.open(tempLedgerPath('aar-claude-'));
  queue = new MemoryQueue({ runner: new W2sRunner({ cacheDir: testCacheDir(), threads: 1 }), concurrency: 1 });
  pipeline = new Pipeline({ ledger, queue, vaultFor: vaultFor({ cacheDir: testCacheDir() }), baselines: new EmbeddedBaselines(testCacheDir()) });
  pipeline.start();
  forum = new RecordingForum();
  service = new ForumService({ ledger, forum, admins: new Set(['U1']), tasks: ['spam'], queueStatus: async () => 'in-process', pollMs: 60_000 });
  await service.start();
});

afterEach(async () => {
  await service.stop();
  await pipeline.stop();
  await queue.close();
  ledger.close();
  await fake.close();
});

function team(o: { maxRetries?: number; retryAfterMs?: number } = {}) {
  const llm = new MeteredLlm(new AnthropicLlm({ apiKey: KEY, baseUrl: fake.url, maxRetries: o.maxRetries ?? 4 }), new UsageLedger(ledger));
  const ada = new ClaudeResearcher({ name: 'ada', direction: 'Explore self-trust.', llm, model: 'claude-opus-5-5', inputBudget: 24_000 });
  return { ada, ...openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: [ada], scoresPerHour: 60, retryAfterMs: o.retryAfterMs }) };
}

const toolResults = (r: RecordedRequest) => (r.body.messages.at(-1).content as { type: string; tool_use_id: string; content: string; is_error?: boolean }[]).filter((b) => b.type === 'tool_result');
const experimentIds = () => (ledger.db.prepare('SELECT id FROM experiments ORDER BY rowid').all() as { id: string }[]).map((r) => r.id);

describe('Claude researcher through the real SDK against a fake Messages API', () => {
  it('proposes an experiment that is run, scored, and answered in its thread; bad tool input comes back as an error it can fix', async () => {
    const { loop } = team();
    fake.script(
      toolUseReply('propose_experiment', { hypothesis: 'A huge alpha', task: 'spam', method: { auxConf: { alphaMax: 5 } }, seeds: 1 }, 'toolu_1'),
      toolUseReply('propose_experiment', { hypothesis: 'Self-trust should beat imitation on spam.', task: 'spam', method: 'aux-conf', seeds: 1 }, 'toolu_2'),
      textReply('Proposed aux-conf on spam.'),
    );
    const first = await loop.round();
    expect(first.proposed).toHaveLength(1);
    // The invalid proposal came back to the model as an error naming the field; the turn went on.
    const [bad] = toolResults(fake.messageRequests[1]);
    expect(bad).toMatchObject({ tool_use_id: 'toolu_1', is_error: true });
    expect(bad.content).toContain('auxConf.alphaMax');
    const [id] = experimentIds();
    expect(ledger.experiment(id)).toMatchObject({ agent: 'ada', task: 'spam', seeds: [1] });
    const report = await pipeline.waitFor(id);
    expect(report.seeds).toHaveLength(1);

    // Next turn: the model reads its result (public PGR only) and concludes in the thread.
    fake.script(
      toolUseReply('get_result', { experiment: id }, 'toolu_3'),
      (req) => {
        const result = JSON.parse(toolResults(req)[0].content) as { pgrPublic: number };
        return toolUseReply('post', { thread: id, text: `aux-conf on seed 1: public PGR ${result.pgrPublic.toFixed(2)}. Next: a 5-seed run.` }, 'toolu_4')(req);
      },
      textReply('Done.'),
    );
    await loop.round();
    const result = JSON.parse(toolResults(fake.messageRequests[4])[0].content) as Record<string, unknown>;
    expect(result).toMatchObject({ experiment: id, state: 'finished', seedsScored: 1 });
    expect(JSON.stringify(result)).not.toMatch(/private/);
    await service.sync();
    const root = forum.posts.find((p) => p.post.text.includes('Self-trust should beat imitation'))!;
    expect(root.post.persona.name).toBe('ada');
    const inThread = forum.posts.filter((p) => p.post.threadRef === root.ref);
    // A result that can rank has its card in #results.
    expect(forum.posts.some((p) => p.post.channel === 'results' && p.post.text === `Result of ${id}`)).toBe(true);
    expect(inThread.find((p) => p.post.text.startsWith('aux-conf on seed 1'))?.post.persona.name).toBe('ada');
    // The stable prefix is cached: the system prompt and the last tool carry cache_control.
    const body = fake.messageRequests[0].body;
    expect(body.system.at(-1).cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tools.at(-1).cache_control).toEqual({ type: 'ephemeral' });
  }, 60_000);

  it('answers a person who replies in its thread, in that thread, and their redirection reaches its next turn', async () => {
    const { loop } = team();
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'Hard labels may help.', task: 'spam', method: 'hard-labels', seeds: 1 }), textReply('ok'));
    await loop.round();
    const [id] = experimentIds();
    await pipeline.waitFor(id);
    await service.sync();
    const root = forum.posts.find((p) => p.post.text.includes('Hard labels may help'))!;
    await forum.send({ kind: 'message', channel: 'forum', threadRef: root.ref, messageRef: 'h1', user: { id: 'U1', name: 'maria', isBot: false }, text: 'Why hard labels? Please move to soft labels with aux-conf.', mentionsApp: false });
    fake.script(textReply('I tried hard labels on seed 1; next I will use soft labels with aux-conf as you asked.'), textReply('Turn over.'));
    await loop.round();
    const answerCall = fake.messageRequests.find((r) => JSON.stringify(r.body.messages[0]).includes('maria wrote to you'));
    expect(answerCall).toBeDefined();
    // The next turn's context lists the guidance addressed to ada, first.
    const turnCall = fake.messageRequests.at(-1)!;
    expect(String(turnCall.body.messages[0].content[0]?.text ?? turnCall.body.messages[0].content)).toMatch(/\[to you\].*maria wrote: "Why hard labels/);
    await service.sync();
    const answer = forum.posts.find((p) => p.post.text.startsWith('I tried hard labels'))!;
    expect(answer.post.threadRef).toBe(root.ref);
    expect(answer.post.persona.name).toBe('ada');
    // Answered once: another round does not answer again.
    fake.script(textReply('Nothing to do.'));
    await loop.round();
    expect(fake.messageRequests.filter((r) => JSON.stringify(r.body.messages[0]).includes('maria wrote to you'))).toHaveLength(1);
  }, 60_000);

  it('429 then 529 then success: the turn completes once and its usage is counted once', async () => {
    const { loop } = team();
    fake.script({ status: 429, retryAfterMs: 10 }, { status: 529, retryAfterMs: 10 }, textReply('Reading the forum first.'));
    const r = await loop.round();
    expect(r.turns).toBe(1);
    expect(fake.messageRequests).toHaveLength(3);
    const totals = new UsageLedger(ledger).totals({ agent: 'ada' });
    expect(totals.calls).toBe(1);
    expect(totals.usd).toBeGreaterThan(0);
    expect(ledger.events({ kind: 'turn' }).map((e) => e.data.ok)).toEqual([true]);
  });

  it('a turn that still fails after the retries is logged and retried later, never lost or double-counted', async () => {
    const { loop } = team({ maxRetries: 1, retryAfterMs: 200 });
    fake.script({ status: 529, retryAfterMs: 5 }, { status: 529, retryAfterMs: 5 });
    await loop.round();
    const failed = ledger.events({ kind: 'turn' }).at(-1)!;
    expect(failed.data).toMatchObject({ ok: false, what: 'turn' });
    expect(new UsageLedger(ledger).totals({ agent: 'ada' }).calls).toBe(0);
    // Backing off: the next round does not call the model.
    await loop.round();
    expect(fake.messageRequests).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 250));
    fake.script(textReply('Back again.'));
    expect((await loop.round()).turns).toBe(1);
    expect(ledger.events({ kind: 'turn' }).map((e) => e.data.ok)).toEqual([false, true]);
    expect(new UsageLedger(ledger).totals({ agent: 'ada' }).calls).toBe(1);
  });
});
