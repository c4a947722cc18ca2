import { describe, expect, it } from 'vitest';
import { ConcurrencyLimitedLlm } from '../../src/llm/limited.js';
import { modelProfile } from '../../src/llm/models.js';
import type { LlmClient, LlmReply, LlmRequest } from '../../src/llm/port.js';
import { requestChars, TokenGauge } from '../../src/llm/token-gauge.js';

const request: LlmRequest = { agent: 'ada', purpose: 'turn', model: 'claude-opus-5-5', system: 'You are ada.', tools: [], messages: [{ role: 'user', content: 'x'.repeat(400) }], maxTokens: 1000 };

/** A client whose calls wait until the test releases them. */
function heldClient() {
  const releases: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const client: LlmClient = {
    async create() {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      return { id: 'msg', model: 'm', content: [], stopReason: 'end_turn', usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, usd: 0 } as LlmReply;
    },
    countTokens: async () => 42,
  };
  return { client, releaseOne: () => releases.shift()?.(), most: () => most, waiting: () => releases.length };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimitedLlm', () => {
  it('runs at most `limit` calls at once and starts the next as one ends, in order', async () => {
    const held = heldClient();
    const llm = new ConcurrencyLimitedLlm(held.client, 2);
    const calls = [1, 2, 3, 4].map(() => llm.create(request));
    await tick();
    expect(held.waiting()).toBe(2);
    held.releaseOne();
    await tick();
    expect(held.waiting()).toBe(2);
    for (let i = 0; i < 3; i++) {
      held.releaseOne();
      await tick();
    }
    await Promise.all(calls);
    expect(held.most()).toBe(2);
  });

  it('a call aborted while it waits for a slot leaves the queue without taking one', async () => {
    const held = heldClient();
    const llm = new ConcurrencyLimitedLlm(held.client, 1);
    const first = llm.create(request);
    const ac = new AbortController();
    const second = llm.create(request, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(second).rejects.toThrow('stop');
    const third = llm.create(request);
    held.releaseOne();
    await first;
    await tick();
    held.releaseOne();
    await third;
    expect(held.most()).toBe(1);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimitedLlm(heldClient().client, 0)).toThrow(/limit must be a whole number >= 1/);
  });
});

describe('TokenGauge', () => {
  it('errs high before it has measured anything, then learns the ratio from count_tokens and replies', async () => {
    const g = new TokenGauge();
    expect(g.estimate('x'.repeat(300))).toBe(100);
    // count_tokens says the request is denser than the prior: 1 token per 2 characters.
    const chars = requestChars(request);
    await g.calibrate({ countTokens: async () => Math.round(chars / 2) } as unknown as LlmClient, request);
    expect(g.charsPerToken).toBeCloseTo(2, 1);
    expect(g.estimate('x'.repeat(300))).toBe(150);
    // Calibrated once; later replies move the ratio.
    await g.calibrate({ countTokens: async () => 1 } as unknown as LlmClient, request);
    g.observe(chars, Math.round(chars / 4));
    expect(g.charsPerToken).toBeGreaterThan(2);
    expect(g.charsPerToken).toBeLessThan(4);
  });

  it('a gateway without count_tokens is tolerated', async () => {
    const g = new TokenGauge();
    await g.calibrate({ countTokens: async () => Promise.reject(new Error('404')) } as unknown as LlmClient, request);
    expect(g.charsPerToken).toBe(3);
  });
});

describe('model profiles', () => {
  it('knows which models always think and how much they may write', () => {
    expect(modelProfile('claude-opus-5-5')).toEqual({ alwaysThinks: true, maxOutput: 128_000, defaultOutput: 32_000 });
    expect(modelProfile('claude-opus-5-5-20261101').alwaysThinks).toBe(true);
    expect(modelProfile('claude-opus-4-1').maxOutput).toBe(32_000);
    expect(modelProfile('claude-opus-4-5').maxOutput).toBe(64_000);
    expect(modelProfile('claude-3-haiku-20240307').maxOutput).toBe(4096);
    expect(modelProfile('my-gateway-model')).toMatchObject({ alwaysThinks: false, defaultOutput: 16_000 });
  });
});
