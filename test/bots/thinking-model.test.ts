import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeAuditor } from '../../bots/auditor/claude-auditor.js';
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import { builtinMethod } from '../../src/domain/method.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { addFlag } from '../../src/ledger/flags.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import { costUsd } from '../../src/llm/pricing.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { FakeAnthropic, textReply, toolUseReply } from '../helpers/fake-anthropic.js';

/**
 * Claude models that always think (Opus 5.5): thinking counts toward max_tokens, so a small
 * output budget can be used up before any tool call. The stand-in thinks before every answer
 * and cuts replies off at max_tokens, as the API does.
 */
const KEY = 'sk-ant-test-thinking-0123456789';
const MODEL = 'claude-opus-5-5';

let fake: FakeAnthropic;
let stack: EmbeddedPipeline;
let ledger: Ledger;
let pipeline: Pipeline;
let usage: UsageLedger;

beforeEach(async () => {
  fake = await FakeAnthropic.start({ thinkingTokens: 3000 });
  stack = openEmbeddedPipeline({ prefix: 'aar-think-', threads: 1 });
  ({ ledger, pipeline } = stack);
  usage = new UsageLedger(ledger);
});

afterEach(async () => {
  await stack.close();
  await fake.close();
});

const llm = () => new MeteredLlm(new AnthropicLlm({ apiKey: KEY, baseUrl: fake.url, maxRetries: 0 }), usage);

function researcher(o: { maxTokens?: number; effort?: 'low' | 'high' } = {}) {
  const ada = new ClaudeResearcher({ name: 'ada', direction: 'Explore self-trust.', llm: llm(), model: MODEL, inputBudget: 24_000, ...o });
  return openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: [ada], scoresPerHour: 600 });
}

const turnEvents = () => ledger.events({ kind: 'turn' }).map((e) => e.data);

describe('a researcher on a model that always thinks', () => {
  it('a reply cut off while thinking is asked again with a larger budget, and the turn goes on', async () => {
    const { loop } = researcher({ maxTokens: 2048 });
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'aux-conf on spam', task: 'spam', method: 'aux-conf', seeds: 1 }), toolUseReply('propose_experiment', { hypothesis: 'aux-conf on spam', task: 'spam', method: 'aux-conf', seeds: 1 }), textReply('Proposed aux-conf.'));
    const r = await loop.round();
    expect(r.proposed).toHaveLength(1);
    // 2048 < 3000 thinking: cut off; 4096 fits.
    expect(fake.messageRequests.map((q) => q.body.max_tokens)).toEqual([2048, 4096, 4096]);
    const [turn] = turnEvents();
    expect(turn).toMatchObject({ ok: true, stop: 'end_turn', cutOff: 1, calls: 3 });
    expect(turn).not.toHaveProperty('idle');
    // The thinking blocks went back unchanged (the stand-in rejects anything else).
    const second = fake.messageRequests[2].body.messages[1];
    expect(second.content[0]).toMatchObject({ type: 'thinking', signature: expect.any(String) });
    // Spend counts the thinking: the cut-off call's 2048 tokens and 3000 on each call after.
    const rows = ledger.db.prepare('SELECT output_tokens AS o, usd FROM llm_usage ORDER BY seq').all() as { o: number; usd: number }[];
    expect(rows[0].o).toBe(2048);
    expect(rows.slice(1).every((x) => x.o > 3000)).toBe(true);
    const totals = usage.totals({ agent: 'ada' });
    expect(totals.outputTokens).toBe(rows.reduce((a, x) => a + x.o, 0));
    expect(totals.usd).toBeCloseTo(rows.reduce((a, x) => a + x.usd, 0), 9);
    expect(rows[0].usd).toBeGreaterThanOrEqual(costUsd(MODEL, { inputTokens: 0, outputTokens: 2048, cacheReadTokens: 0, cacheWriteTokens: 0 }));
  }, 60_000);

  it('cut off even at the model’s limit: the turn is recorded as cut off (max_tokens), never as an idle turn, and the log says what to change', async () => {
    fake.thinkingTokens = 200_000;
    const lines: string[] = [];
    const { desk } = researcher();
    const { BotLoop } = await import('../../src/campaign/bot-loop.js');
    const ada = new ClaudeResearcher({ name: 'ada', direction: 'x', llm: llm(), model: MODEL, inputBudget: 24_000 });
    const loop = new BotLoop({ ledger, desk, researchers: [ada], log: (l) => lines.push(l) });
    await loop.round();
    // The default budget (32k) doubled up to the model's 128k, each one streamed.
    expect(fake.messageRequests.map((q) => [q.body.max_tokens, q.body.stream])).toEqual([
      [32_000, true],
      [64_000, true],
      [128_000, true],
    ]);
    const [turn] = turnEvents();
    expect(turn).toMatchObject({ ok: true, stop: 'max_tokens', cutOff: 3, cut: expect.stringMatching(/cut off at the output limit \(128000 tokens/) });
    expect(turn).not.toHaveProperty('idle');
    expect(lines.join('\n')).toMatch(/ada: turn cut off: .*lower AAR_EFFORT or raise AAR_MAX_OUTPUT_TOKENS/);
    expect(usage.totals({ agent: 'ada' }).outputTokens).toBe(32_000 + 64_000 + 128_000);
  }, 60_000);

  it('sends the configured effort, streams a large budget and reads the streamed reply', async () => {
    const { loop } = researcher({ effort: 'low' });
    fake.script(toolUseReply('write_notebook', { text: 'streamed' }), textReply('Done.'));
    await loop.round();
    expect(fake.messageRequests[0].body).toMatchObject({ stream: true, max_tokens: 32_000, output_config: { effort: 'low' } });
    expect(ledger.events({ kind: 'note' }).map((e) => e.data.text)).toEqual(['streamed', 'Turn summary: Done.']);
  }, 60_000);
});

describe('the auditor on a model that always thinks', () => {
  async function flagged(): Promise<string> {
    const id = await pipeline.submit({ task: 'spam', method: builtinMethod('naive'), seeds: [1], agent: 'ada', hypothesis: 'h' });
    await pipeline.waitFor(id);
    addFlag(ledger, id, 'probe', 'test flag');
    return id;
  }
  const verdict = toolUseReply('verdict', { verdict: 'ok', reasons: ['Looks fine.'], recommendVeto: false });

  it('gets a room-sized budget and its verdict through', async () => {
    const id = await flagged();
    fake.script(verdict);
    const auditor = new ClaudeAuditor({ ledger, records: new ForumRecords(ledger), llm: llm(), model: MODEL });
    await auditor.review();
    expect(fake.messageRequests[0].body.max_tokens).toBe(32_000);
    expect(ledger.events({ kind: 'verdict' })).toEqual([expect.objectContaining({ experimentId: id, data: expect.objectContaining({ source: 'model', verdict: 'ok' }) })]);
  }, 60_000);

  it('a verdict cut off at the model’s limit falls back to the heuristic verdict, visibly', async () => {
    const id = await flagged();
    fake.thinkingTokens = 200_000;
    const lines: string[] = [];
    const auditor = new ClaudeAuditor({ ledger, records: new ForumRecords(ledger), llm: llm(), model: MODEL, log: (l) => lines.push(l) });
    await auditor.review();
    expect(fake.messageRequests.map((q) => q.body.max_tokens)).toEqual([32_000, 64_000, 128_000]);
    expect(ledger.events({ kind: 'verdict' })[0].data).toMatchObject({ experiment: id, source: 'fallback', note: expect.stringMatching(/cut off at the output limit of 128000 tokens/) });
    expect(lines).toEqual([expect.stringMatching(new RegExp(`auditor: no usable verdict from the model on ${id} \\(its reply was cut off`))]);
  }, 60_000);
});
