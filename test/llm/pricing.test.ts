import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { UnpricedModelError } from '../../src/llm/errors.js';
import { costUsd, DEFAULT_PRICES, priceFor, priceTable } from '../../src/llm/pricing.js';
import { invalidInput } from '../helpers/invalid-input.js';

const usage = (inputTokens: number, outputTokens: number, cacheWriteTokens = 0, cacheReadTokens = 0) => ({ inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens });

describe('price table', () => {
  it('prices a known model from the table, cache writes at 1.25x input and reads at 0.1x', () => {
    // Opus 4.1: $15 in, $75 out per million.
    expect(costUsd('claude-opus-4-1', usage(1_000_000, 0))).toBeCloseTo(15, 9);
    expect(costUsd('claude-opus-4-1', usage(0, 1_000_000))).toBeCloseTo(75, 9);
    expect(costUsd('claude-opus-4-1', usage(0, 0, 1_000_000))).toBeCloseTo(18.75, 9);
    expect(costUsd('claude-opus-4-1', usage(0, 0, 0, 1_000_000))).toBeCloseTo(1.5, 9);
    expect(costUsd('claude-sonnet-4-6', usage(2000, 500, 1000, 4000))).toBeCloseTo((2000 * 3 + 500 * 15 + 1000 * 3.75 + 4000 * 0.3) / 1e6, 12);
  });

  it('matches the longest prefix at a word boundary: dated ids, aliases, suffixes', () => {
    expect(priceFor('claude-opus-4-1-20250805')).toBe(DEFAULT_PRICES['claude-opus-4-1']);
    expect(priceFor('claude-opus-4-20250514')).toBe(DEFAULT_PRICES['claude-opus-4']);
    expect(priceFor('claude-opus-4-5-20251101')).toMatchObject({ input: 5, output: 25 });
    expect(priceFor('claude-opus-5-5')).toMatchObject({ input: 4, output: 20, cacheRead: 0.2 });
    expect(priceFor('claude-opus-5')).toMatchObject({ input: 5, output: 25 });
    expect(priceFor('claude-haiku-4-5-20251001')).toMatchObject({ input: 1, output: 5 });
    expect(priceFor('claude-3-5-haiku-20241022')).toMatchObject({ input: 0.8, output: 4 });
    expect(priceFor('claude-haiku-5-5[1m]')).toBe(DEFAULT_PRICES['claude-haiku-5-5']);
  });

  it('bills every token of a long prompt at the long-prompt rates', () => {
    // Haiku 5.5: $0.10/$0.50 up to 100k prompt tokens, $0.50/$2.50 above (cache tokens count).
    expect(costUsd('claude-haiku-5-5', usage(50_000, 1000, 0, 50_000))).toBeCloseTo((50_000 * 0.1 + 1000 * 0.5 + 50_000 * 0.01) / 1e6, 12);
    expect(costUsd('claude-haiku-5-5', usage(50_001, 1000, 0, 50_000))).toBeCloseTo((50_001 * 0.5 + 1000 * 2.5 + 50_000 * 0.05) / 1e6, 12);
  });

  it('names an unknown model and lists the known prefixes', () => {
    const err = (() => {
      try {
        return costUsd('gpt-9-turbo', usage(1, 1));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnpricedModelError);
    expect((err as Error).message).toContain('"gpt-9-turbo"');
    expect((err as Error).message).toContain('claude-opus-5-5');
    expect((err as UnpricedModelError).knownPrefixes).toContain('claude-sonnet-4-6');
    // A prefix only matches at a boundary.
    expect(() => priceFor('claude-opus-4-10')).not.toThrow();
    expect(priceFor('claude-opus-4-10')).toBe(DEFAULT_PRICES['claude-opus-4']);
    expect(() => priceFor('claude-opus-55')).toThrow(UnpricedModelError);
  });

  it('lays overrides over the defaults; unspecified cache rates follow the usual multipliers', () => {
    const t = priceTable({ 'claude-opus-5-5': { input: 1, output: 2 }, 'my-gateway/opus': { input: 10, output: 20, cacheRead: 0.5, cacheWrite: 11 } });
    expect(priceFor('claude-opus-5-5', t)).toEqual({ input: 1, output: 2, cacheWrite: 1.25, cacheRead: 0.1 });
    expect(costUsd('my-gateway/opus-v2', usage(1e6, 1e6, 1e6, 1e6), t)).toBeCloseTo(10 + 20 + 11 + 0.5, 9);
    expect(priceFor('claude-sonnet-4-6', t)).toBe(DEFAULT_PRICES['claude-sonnet-4-6']);
  });
});

describe('LLM environment', () => {
  const problems = (env: Record<string, string>) => invalidInput(() => loadConfig(env)).problems;

  it('defaults: no key, current Opus, 4 retries, 2-minute timeout, 24k-token turns', () => {
    const c = loadConfig({});
    expect(c.llm).toMatchObject({ apiKey: undefined, baseUrl: undefined, model: 'claude-opus-5-5', maxRetries: 4, timeoutMs: 120_000, turnInputBudget: 24_000 });
    expect(c.llm.prices).toEqual(DEFAULT_PRICES);
  });

  it('reads the key, a gateway URL and price overrides', () => {
    const c = loadConfig({
      ANTHROPIC_API_KEY: 'sk-ant-x',
      ANTHROPIC_BASE_URL: 'https://gateway.example.com/anthropic',
      AAR_MODEL: 'my-opus',
      AAR_LLM_PRICES: '{"my-opus":{"input":4,"output":20,"cacheRead":0.2}}',
      AAR_LLM_MAX_RETRIES: '0',
      AAR_TURN_INPUT_BUDGET: '50000',
    });
    expect(c.llm).toMatchObject({ apiKey: 'sk-ant-x', baseUrl: 'https://gateway.example.com/anthropic', model: 'my-opus', maxRetries: 0, turnInputBudget: 50_000 });
    expect(priceFor('my-opus', c.llm.prices)).toEqual({ input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 });
  });

  it('output budget, effort and agent concurrency: read, checked against the model, and refused with what is accepted', () => {
    expect(loadConfig({}).llm).toMatchObject({ maxOutputTokens: undefined, effort: undefined, agentConcurrency: undefined });
    expect(loadConfig({ AAR_MAX_OUTPUT_TOKENS: '64000', AAR_EFFORT: 'high', AAR_AGENT_CONCURRENCY: '3' }).llm).toMatchObject({ maxOutputTokens: 64_000, effort: 'high', agentConcurrency: 3 });
    expect(problems({ AAR_EFFORT: 'extreme' })).toEqual([{ field: 'AAR_EFFORT', problem: expect.stringMatching(/"low", "medium", "high", "xhigh", "max"/) }]);
    expect(problems({ AAR_AGENT_CONCURRENCY: '0' })).toEqual([{ field: 'AAR_AGENT_CONCURRENCY', problem: expect.stringMatching(/at least 1/) }]);
    expect(problems({ ANTHROPIC_API_KEY: 'sk-ant-x', AAR_MODEL: 'claude-3-haiku-20240307', AAR_MAX_OUTPUT_TOKENS: '8192' })).toEqual([
      { field: 'AAR_MAX_OUTPUT_TOKENS', problem: 'claude-3-haiku-20240307 writes at most 4096 tokens; accepted: 256 to 4096' },
    ]);
  });

  it('names the bad field of AAR_LLM_PRICES', () => {
    expect(problems({ AAR_LLM_PRICES: '{"claude-opus-5-5":{"input":"cheap","output":20}}' })).toEqual([
      { field: 'AAR_LLM_PRICES.claude-opus-5-5.input', problem: 'expected number' },
    ]);
    expect(problems({ AAR_LLM_PRICES: '{"claude-opus-5-5":{"input":4,"output":20,"batch":2}}' })).toEqual([
      { field: 'AAR_LLM_PRICES.claude-opus-5-5.batch', problem: 'unknown field' },
    ]);
    expect(problems({ AAR_LLM_PRICES: '{"claude-opus-5-5":{"input":-1,"output":20}}' })[0].field).toBe('AAR_LLM_PRICES.claude-opus-5-5.input');
    const [notJson] = problems({ AAR_LLM_PRICES: 'input=4' });
    expect(notJson.field).toBe('AAR_LLM_PRICES');
    expect(notJson.problem).toMatch(/not valid JSON/);
  });

  it('refuses at start-up a key with a model that has no price', () => {
    const [p] = problems({ ANTHROPIC_API_KEY: 'sk-ant-x', AAR_MODEL: 'gpt-9' });
    expect(p.field).toBe('AAR_MODEL');
    expect(p.problem).toContain('"gpt-9"');
    expect(p.problem).toContain('AAR_LLM_PRICES');
  });

  it('checks the other variables', () => {
    expect(problems({ ANTHROPIC_BASE_URL: 'not a url' })[0].field).toBe('ANTHROPIC_BASE_URL');
    expect(problems({ AAR_LLM_MAX_RETRIES: '-1' })[0].field).toBe('AAR_LLM_MAX_RETRIES');
    expect(problems({ AAR_LLM_TIMEOUT_MS: 'soon' })[0].field).toBe('AAR_LLM_TIMEOUT_MS');
    expect(problems({ AAR_TURN_INPUT_BUDGET: '10' })[0].field).toBe('AAR_TURN_INPUT_BUDGET');
    expect(problems({ AAR_MODEL: 'claude opus' })[0].field).toBe('AAR_MODEL');
  });
});
