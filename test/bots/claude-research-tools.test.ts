import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import { BUILTIN_METHODS } from '../../src/domain/method.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { ForumService } from '../../src/forum/service.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { FROM_MEMBER } from '../campaign/fixture.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { FakeAnthropic, textReply, toolUseReply, type RecordedRequest, type ReplyBuilder } from '../helpers/fake-anthropic.js';

/**
 * What a Claude researcher can see and do, through the real SDK against the local Messages
 * API stand-in and the real embedded pipeline (w2s training, scoring): the method space as
 * its own tool schema, its failures, and answers to people that look numbers up.
 */
const KEY = 'sk-ant-test-tools-0123456789';

let fake: FakeAnthropic;
let stack: EmbeddedPipeline;
let ledger: Ledger;
let pipeline: Pipeline;

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  stack = openEmbeddedPipeline({ prefix: 'aar-tools-', threads: 1 });
  ({ ledger, pipeline } = stack);
});

afterEach(async () => {
  await stack.close();
  await fake.close();
});

function team() {
  const llm = new MeteredLlm(new AnthropicLlm({ apiKey: KEY, baseUrl: fake.url, maxRetries: 0 }), new UsageLedger(ledger));
  const ada = new ClaudeResearcher({ name: 'ada', direction: 'Explore self-trust.', llm, model: 'claude-opus-5-5', inputBudget: 24_000, maxInFlight: 5 });
  return openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: [ada], scoresPerHour: 600 });
}

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; enum?: string[]; description?: string };
const toolResults = (r: RecordedRequest) => (r.body.messages.at(-1).content as { type: string; content: string; is_error?: boolean }[]).filter((b) => b.type === 'tool_result');
const experimentIds = () => (ledger.db.prepare("SELECT id FROM experiments WHERE agent = 'ada' ORDER BY rowid").all() as { id: string }[]).map((r) => r.id);

/** A scripted model that knows nothing of aar but what the request shows it: it reads the method schema off the tool definition. */
const methodSchemaOf = (req: RecordedRequest): JsonSchema => {
  const propose = (req.body.tools as { name: string; input_schema: JsonSchema }[]).find((t) => t.name === 'propose_experiment')!;
  return propose.input_schema.properties!.method.anyOf!.find((s) => s.type === 'object')!;
};

describe('a Claude researcher sees the method space', () => {
  it('proposes a method with a field no built-in uses and a method-code hook from the guide; a wrong field is refused with the accepted fields', async () => {
    const { loop } = team();
    const builtinFields = new Set(Object.values(BUILTIN_METHODS).flatMap((m) => Object.keys(m)));
    let chosen = '';
    const proposeUnusedField: ReplyBuilder = (req) => {
      const method = methodSchemaOf(req);
      // Every field says what it means and what it accepts.
      expect(Object.values(method.properties!).every((p) => (p.description ?? '').length > 10)).toBe(true);
      chosen = Object.keys(method.properties!).find((f) => !builtinFields.has(f) && method.properties![f].type === 'object' && f !== 'code' && f !== 'head')!;
      return toolUseReply('propose_experiment', { hypothesis: `Try ${chosen}.`, task: 'spam', method: { name: `try-${chosen}`, [chosen]: {} }, seeds: 1 }, 'toolu_field')(req);
    };
    const proposeWrongField: ReplyBuilder = (req) => toolUseReply('propose_experiment', { hypothesis: 'Typo.', task: 'spam', method: { [chosen]: { neighbours: 3 } }, seeds: 1 }, 'toolu_wrong')(req);
    let hookSource = '';
    const proposeGuideExample: ReplyBuilder = (req) => {
      const guide = (JSON.parse(toolResults(req)[0].content) as { guide: string }).guide;
      hookSource = /## weights[\s\S]*?```js([\s\S]*?)```/.exec(guide)![1];
      return toolUseReply('propose_experiment', { hypothesis: 'Confidence weights from the guide.', task: 'spam', method: { name: 'weights-hook', code: { source: hookSource } }, seeds: 1 }, 'toolu_code')(req);
    };
    fake.script(proposeUnusedField, proposeWrongField, toolUseReply('get_method_guide', {}, 'toolu_guide'), proposeGuideExample, textReply('Proposed two methods.'));
    const round = await loop.round();
    expect(round.proposed).toHaveLength(2);

    // The wrong field came back naming itself and what is accepted there.
    const wrong = toolResults(fake.messageRequests[2])[0];
    expect(wrong.is_error).toBe(true);
    expect(wrong.content).toMatch(new RegExp(`method\\.${chosen}\\.neighbours: unknown field; accepted here: \\w+`));

    // Both methods ran through the real pipeline and were scored.
    const [byField, byCode] = experimentIds();
    expect(ledger.experiment(byField)!.method).toHaveProperty(chosen);
    expect(ledger.experiment(byCode)!.method).toMatchObject({ code: { source: hookSource } });
    for (const id of [byField, byCode]) expect((await pipeline.waitFor(id)).seeds).toHaveLength(1);
    expect(hookSource).toMatch(/function weights\(/);
  }, 120_000);
});

describe('a Claude researcher sees its own failures', () => {
  it('a hook that throws: get_result and the experiment thread carry the error and its line', async () => {
    const { loop, desk } = team();
    const source = ['function weights({ n }) {', '  const w = new Float64Array(n).fill(1);', "  throw new Error('weights are broken');", '}'].join('\n');
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'Broken weights.', task: 'spam', method: { name: 'broken', code: { source } }, seeds: 1 }), textReply('Proposed.'));
    await loop.round();
    const [id] = experimentIds();
    await pipeline.waitFor(id);

    fake.script(toolUseReply('get_result', { experiment: id }, 'toolu_r'), textReply('I will fix line 3.'));
    await loop.round();
    const result = JSON.parse(toolResults(fake.messageRequests.at(-1)!)[0].content) as { failures: { seed: number; reason: string }[]; seedsFailed: number };
    expect(result.seedsFailed).toBe(1);
    expect(result.failures).toEqual([{ seed: 1, reason: expect.stringMatching(/weights threw Error: weights are broken \(at line 3, column \d+ of method\.code\.source\)/) }]);
    // The forum item of the experiment (what every agent reads) says it too.
    const item = desk.forAgent('bayes').readForum({ thread: id }).items.find((i) => i.key === `exp:${id}`)!;
    expect(item.text).toMatch(/1 seed\(s\) failed; seed 1: method code: weights threw Error: weights are broken \(at line 3/);
    // And the experiment's thread that people read, in the forum.
    const forum = new RecordingForum();
    const service = new ForumService({ ledger, forum, admins: new Set(['U1']), tasks: ['spam'], queueStatus: async () => 'in-process', pollMs: 60_000 });
    await service.start();
    await service.sync();
    await service.stop();
    expect(forum.posts.map((p) => p.post.text).join('\n')).toMatch(/Finished: 0 of 1 seeds scored, 1 failed\.\nseed 1 failed: method code: weights threw Error: weights are broken \(at line 3/);
    // And its turn context.
    const turn = JSON.stringify(fake.messageRequests.at(-2)!.body.messages[0].content);
    expect(turn).toMatch(new RegExp(`${id} spam finished seeds=1 .*weights are broken`));
  }, 60_000);
});

describe('a Claude researcher answers people with looked-up numbers', () => {
  it("a person's question about numbers is answered with get_result's numbers", async () => {
    const { loop } = team();
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'aux-conf on spam.', task: 'spam', method: 'aux-conf', seeds: 2 }), textReply('Proposed.'));
    await loop.round();
    const [id] = experimentIds();
    await pipeline.waitFor(id);
    new ForumRecords(ledger).addMessage({ id: 'm-q', channel: 'forum', threadId: null, author: 'maria', authorKind: 'human', text: `@ada what PGR did ${id} get on each seed?`, data: FROM_MEMBER });
    let quoted = '';
    fake.script(
      // The answer call: the model has the reading tools, and looks the result up.
      (req) => {
        expect(JSON.stringify(req.body.messages[0])).toContain('maria wrote to you');
        return toolUseReply('get_result', { experiment: id }, 'toolu_look')(req);
      },
      (req) => {
        const r = JSON.parse(toolResults(req)[0].content) as { perSeed: { seed: number; pgrPublic: number }[]; pgrPublic: number };
        quoted = `${id}: public PGR ${r.pgrPublic.toFixed(2)} (seed 1 ${r.perSeed[0].pgrPublic.toFixed(2)}, seed 2 ${r.perSeed[1].pgrPublic.toFixed(2)}).`;
        return textReply(quoted)(req);
      },
      textReply('Turn over.'),
    );
    await loop.round();
    const answer = new ForumRecords(ledger).message('a-m-q-ada')!;
    // The Ladder's first answers: each seed's score rounded to the margin (0.05).
    const seeds = ledger.results(id).map((r) => (Math.round(r.score.public.pgr / 0.05) * 0.05 + 0).toFixed(2));
    expect(answer.text).toBe(quoted);
    expect(answer.text).toContain(`seed 1 ${seeds[0]}, seed 2 ${seeds[1]}`);
    expect(ledger.events({ kind: 'answer' })).toEqual([expect.objectContaining({ agent: 'ada', data: { message: 'm-q', activeMs: expect.any(Number) } })]);
  }, 60_000);

  it('while answering, a writing tool is refused with the reading tools named', async () => {
    const { loop } = team();
    new ForumRecords(ledger).addMessage({ id: 'm-go', channel: 'forum', threadId: null, author: 'maria', authorKind: 'human', text: '@ada run naive now please', data: FROM_MEMBER });
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'h', task: 'spam', method: 'naive', seeds: 1 }, 'toolu_w'), textReply('I will run it in my next turn.'), textReply('Turn over.'));
    await loop.round();
    const refused = toolResults(fake.messageRequests[1])[0];
    expect(refused).toMatchObject({ is_error: true });
    expect(refused.content).toMatch(/not available while you answer a person; use the reading tools \(read_forum, get_method_guide, get_leaderboard, get_result, get_experiment, read_notebook, get_findings\)/);
    expect(experimentIds()).toEqual([]);
  }, 60_000);
});
