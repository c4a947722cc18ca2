import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { LlmRequestError, LlmUnavailableError } from '../../src/llm/errors.js';
import { ConcurrencyLimitedLlm } from '../../src/llm/limited.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import type { LlmRequest } from '../../src/llm/port.js';
import { ScriptedLlm } from '../../src/llm/scripted.js';
import { openLlm } from '../../src/llm/setup.js';
import { priceTable } from '../../src/llm/pricing.js';
import { FakeAnthropic, textReply } from '../helpers/fake-anthropic.js';

const KEY = 'sk-ant-test-metered-0123456789';
const request = (over: Partial<LlmRequest> = {}): LlmRequest => ({
  agent: 'ada',
  purpose: 'turn',
  campaignId: 'c1',
  model: 'claude-sonnet-4-6',
  system: 'You are a researcher.',
  tools: [],
  messages: [{ role: 'user', content: 'Your turn.' }],
  maxTokens: 512,
  ...over,
});

let fake: FakeAnthropic;
let ledger: Ledger;
let usage: UsageLedger;
const metered = (maxRetries = 4) => new MeteredLlm(new AnthropicLlm({ apiKey: KEY, baseUrl: fake.url, maxRetries }), usage);

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  ledger = Ledger.open(':memory:');
  usage = new UsageLedger(ledger);
});
afterEach(async () => {
  await fake.close();
  ledger.close();
});

const rows = () => ledger.db.prepare('SELECT * FROM llm_usage ORDER BY seq').all() as Record<string, unknown>[];

describe('MeteredLlm over the real SDK', () => {
  it('429 then 529 then success: one call, three requests, one usage row priced from the table', async () => {
    fake.script(
      { status: 429, retryAfterSeconds: 0, retryAfterMs: 1 },
      { status: 529, retryAfterMs: 1 },
      () => ({ content: [{ type: 'text', text: 'ok', citations: null }], usage: { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 3000, cache_read_input_tokens: 5000 } }),
    );
    const reply = await metered().create(request());
    expect(fake.messageRequests).toHaveLength(3);
    // Sonnet 4.6: $3 in, $15 out, $3.75 cache write, $0.30 cache read per million.
    const usd = (1000 * 3 + 200 * 15 + 3000 * 3.75 + 5000 * 0.3) / 1e6;
    expect(reply.usd).toBeCloseTo(usd, 12);
    expect(rows()).toEqual([
      expect.objectContaining({
        request_id: reply.id,
        agent: 'ada',
        purpose: 'turn',
        campaign_id: 'c1',
        model: 'claude-sonnet-4-6',
        input_tokens: 1000,
        output_tokens: 200,
        cache_write_tokens: 3000,
        cache_read_tokens: 5000,
      }),
    ]);
    expect(rows()[0].usd).toBeCloseTo(usd, 12);
    const events = ledger.events({ kind: 'usage' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ agent: 'ada', campaignId: 'c1', data: { requestId: reply.id, inputTokens: 1000, outputTokens: 200, cacheWriteTokens: 3000, cacheReadTokens: 5000 } });
  });

  it('records nothing when retries run out', async () => {
    fake.script(...Array.from({ length: 3 }, () => ({ status: 500, retryAfterMs: 1 })));
    await expect(metered(2).create(request())).rejects.toThrow(LlmUnavailableError);
    expect(fake.messageRequests).toHaveLength(3);
    expect(rows()).toHaveLength(0);
    expect(ledger.events({ kind: 'usage' })).toHaveLength(0);
  });

  it('records nothing on a 400, which is not retried', async () => {
    fake.script({ status: 400 });
    await expect(metered().create(request())).rejects.toThrow(LlmRequestError);
    expect(fake.messageRequests).toHaveLength(1);
    expect(rows()).toHaveLength(0);
  });

  it('counts a redelivered reply once', async () => {
    const reply = { id: 'msg_same', content: [], usage: { inputTokens: 10, outputTokens: 5 }, usd: 0.001 };
    const llm = new MeteredLlm(new ScriptedLlm([reply, reply]), usage);
    await llm.create(request());
    await llm.create(request());
    expect(usage.totals()).toMatchObject({ calls: 1, inputTokens: 10, outputTokens: 5, usd: 0.001 });
    expect(ledger.events({ kind: 'usage' })).toHaveLength(1);
  });

  it('does not record token counts', async () => {
    await metered().countTokens(request());
    expect(rows()).toHaveLength(0);
  });
});

describe('how SDK 1.14 waits between retries', () => {
  it('honours a positive retry-after-ms or retry-after; treats retry-after: 0 as absent and backs off ≥ 375 ms', async () => {
    fake.script({ status: 429, retryAfterMs: 50 }, { status: 429, retryAfterSeconds: 0.2 }, { status: 429, retryAfterSeconds: 0 }, textReply('ok'));
    await metered().create(request());
    const [a, b, c, d] = fake.messageRequests.map((r) => r.at);
    expect(b - a).toBeGreaterThanOrEqual(45);
    expect(b - a).toBeLessThan(300);
    expect(c - b).toBeGreaterThanOrEqual(190);
    expect(c - b).toBeLessThan(370);
    // Third retry: 0.5 s x 2^2, less up to 25% jitter.
    expect(d - c).toBeGreaterThanOrEqual(1450);
  });
});

describe('openLlm', () => {
  const llmConfig = { model: 'claude-opus-5-5', maxRetries: 4, timeoutMs: 120_000, prices: priceTable(), turnInputBudget: 24_000 };

  it('is undefined without an API key (heuristic bots)', () => {
    expect(openLlm({ llm: llmConfig }, ledger)).toBeUndefined();
  });

  it('bounds concurrent calls when AAR_AGENT_CONCURRENCY is set', () => {
    expect(openLlm({ llm: { ...llmConfig, apiKey: KEY, baseUrl: fake.url, agentConcurrency: 2 } }, ledger)).toBeInstanceOf(ConcurrencyLimitedLlm);
    expect(openLlm({ llm: { ...llmConfig, apiKey: KEY, baseUrl: fake.url } }, ledger)).toBeInstanceOf(MeteredLlm);
  });

  it('meters the Anthropic client with the configured base URL and key', async () => {
    const llm = openLlm({ llm: { ...llmConfig, apiKey: KEY, baseUrl: fake.url } }, ledger);
    const reply = await llm!.create(request({ agent: 'bo', model: 'claude-opus-5-5' }));
    expect(fake.messageRequests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(usage.byAgent()).toEqual([expect.objectContaining({ agent: 'bo', calls: 1, usd: reply.usd })]);
  });
});
