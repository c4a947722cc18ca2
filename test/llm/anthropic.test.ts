import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AnthropicLlm, type AnthropicLlmOptions } from '../../src/llm/anthropic.js';
import { LlmRequestError, LlmUnavailableError, UnpricedModelError } from '../../src/llm/errors.js';
import type { LlmRequest, LlmTool } from '../../src/llm/port.js';
import { parseToolInput, replyText, toolCalls } from '../../src/llm/tools.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { FakeAnthropic, estimate, textReply, toolUseReply } from '../helpers/fake-anthropic.js';

const KEY = 'sk-ant-test-0123456789abcdef';

const propose: LlmTool = {
  name: 'propose_experiment',
  description: 'Propose an experiment',
  inputSchema: z.object({
    hypothesis: z.string().min(10).describe('what you expect and why'),
    task: z.enum(['spam', 'sentiment', 'math', 'code']),
    seeds: z.array(z.number().int()).min(1).default([1, 2, 3]),
  }),
};
const note: LlmTool = { name: 'write_note', description: 'Keep a private note', inputSchema: z.object({ text: z.string() }) };

const request = (over: Partial<LlmRequest> = {}): LlmRequest => ({
  agent: 'ada',
  purpose: 'turn',
  model: 'claude-opus-5-5',
  system: 'You are a weak-to-strong researcher. '.repeat(20),
  tools: [note, propose],
  messages: [{ role: 'user', content: 'Your turn. The leaderboard is empty.' }],
  maxTokens: 1024,
  ...over,
});

let fake: FakeAnthropic;
const llm = (o: Partial<AnthropicLlmOptions> = {}) => new AnthropicLlm({ apiKey: KEY, baseUrl: fake.url, maxRetries: 4, ...o });

beforeEach(async () => {
  fake = await FakeAnthropic.start();
});
afterEach(async () => {
  await fake.close();
});

describe('AnthropicLlm against a local Messages API', () => {
  it('round-trips a text reply: content, stop reason, usage and price', async () => {
    fake.script(textReply('I will start with the spam task.'));
    const reply = await llm().create(request());
    expect(replyText(reply)).toBe('I will start with the spam task.');
    expect(reply.stopReason).toBe('end_turn');
    expect(reply.id).toMatch(/^msg_/);
    expect(reply.model).toBe('claude-opus-5-5');
    const u = reply.usage;
    expect(u.inputTokens + u.cacheWriteTokens + u.cacheReadTokens).toBeGreaterThan(0);
    expect(reply.usd).toBeCloseTo((u.inputTokens * 4 + u.outputTokens * 20 + u.cacheWriteTokens * 5 + u.cacheReadTokens * 0.2) / 1e6, 12);

    const [sent] = fake.messageRequests;
    // SDK 1.14 sends the API key as a bearer token.
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['anthropic-version']).toBeTruthy();
    expect(sent.body.model).toBe('claude-opus-5-5');
    expect(sent.body.max_tokens).toBe(1024);
  });

  it('round-trips a tool_use reply, whose input parses with the tool schema', async () => {
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'Confidence weighting lifts PGR on spam', task: 'spam' }));
    const reply = await llm().create(request());
    expect(reply.stopReason).toBe('tool_use');
    const [call] = toolCalls(reply);
    expect(call).toMatchObject({ type: 'tool_use', name: 'propose_experiment', id: 'toolu_propose_experiment' });
    expect(parseToolInput(propose, call)).toEqual({ hypothesis: 'Confidence weighting lifts PGR on spam', task: 'spam', seeds: [1, 2, 3] });
    expect(() => parseToolInput(propose, { ...call, input: { hypothesis: 'short', task: 'chess' } })).toThrow(InvalidInputError);
    try {
      parseToolInput(propose, { ...call, input: { hypothesis: 'short', task: 'chess' } });
    } catch (err) {
      expect((err as InvalidInputError).problems.map((p) => p.field)).toEqual(['hypothesis', 'task']);
    }
  });

  it('sends zod tool schemas as JSON Schema, fields with defaults optional', async () => {
    await llm().create(request());
    const tools = fake.messageRequests[0].body.tools;
    expect(tools.map((t: { name: string }) => t.name)).toEqual(['write_note', 'propose_experiment']);
    expect(tools[1].description).toBe('Propose an experiment');
    expect(tools[1].input_schema).toMatchObject({
      type: 'object',
      properties: {
        hypothesis: { type: 'string', minLength: 10, description: 'what you expect and why' },
        task: { type: 'string', enum: ['spam', 'sentiment', 'math', 'code'] },
        seeds: { type: 'array', items: { type: 'integer' }, default: [1, 2, 3] },
      },
      required: ['hypothesis', 'task'],
    });
    expect(tools[1].input_schema.$schema).toBeUndefined();
  });

  it('marks the stable prefix for caching: last tool, system prompt, last user block', async () => {
    const messages: LlmRequest['messages'] = [
      { role: 'user', content: [{ type: 'text', text: 'Your turn.', cache_control: { type: 'ephemeral' } }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'write_note', input: { text: 'try aux-conf' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'noted' }] },
    ];
    const before = JSON.stringify(messages);
    await llm().create(request({ messages }));
    const body = fake.messageRequests[0].body;
    expect(body.tools.map((t: { cache_control?: unknown }) => t.cache_control)).toEqual([undefined, { type: 'ephemeral' }]);
    expect(body.system).toEqual([{ type: 'text', text: request().system, cache_control: { type: 'ephemeral' } }]);
    // Only the newest user block keeps a breakpoint (the API allows four in all).
    expect(body.messages[0].content[0].cache_control).toBeUndefined();
    expect(body.messages[2].content[0]).toMatchObject({ type: 'tool_result', cache_control: { type: 'ephemeral' } });
    expect(JSON.stringify(messages)).toBe(before);
  });

  it('reads the conversation prefix from the cache on the next step of a tool loop', async () => {
    fake.script(toolUseReply('write_note', { text: 'try aux-conf' }), textReply('done'));
    const client = llm();
    const first = await client.create(request());
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    const second = await client.create(
      request({
        messages: [
          ...request().messages,
          { role: 'assistant', content: first.content as never },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_write_note', content: 'noted' }] },
        ],
      }),
    );
    // Everything the first call wrote (tools, system, first message) is read back.
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBeGreaterThan(0);
  });

  it('counts tokens with count_tokens, sending the same prompt layout', async () => {
    const n = await llm().countTokens(request());
    const [sent] = fake.requests;
    expect(sent.path).toBe('/v1/messages/count_tokens');
    expect(sent.body.max_tokens).toBeUndefined();
    expect(sent.body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(n).toBe(estimate({ system: sent.body.system, tools: sent.body.tools, messages: sent.body.messages }));
  });

  it('refuses a model with no price before sending anything', async () => {
    await expect(llm().create(request({ model: 'gpt-9' }))).rejects.toThrow(UnpricedModelError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  it('throws LlmUnavailableError with the status once retries are spent', async () => {
    fake.script(...Array.from({ length: 3 }, () => ({ status: 529, retryAfterMs: 1 })));
    const err = await llm({ maxRetries: 2 }).create(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect(err).toMatchObject({ code: 'llm_unavailable', retryable: true, status: 529 });
    expect(fake.messageRequests).toHaveLength(3);
  });

  it('throws LlmRequestError on 400 without retrying', async () => {
    fake.script({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages: at least one message is required' } } });
    const err = await llm().create(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmRequestError);
    expect(err).toMatchObject({ code: 'llm_request', retryable: false, status: 400, type: 'invalid_request_error' });
    expect((err as Error).message).toContain('at least one message is required');
    expect(fake.messageRequests).toHaveLength(1);
  });

  it.each([401, 403])('throws LlmRequestError on %i, never showing the key', async (status) => {
    // A gateway that echoes the request's headers back in its error body.
    fake.script({ status, body: { type: 'error', error: { type: 'authentication_error', message: `bad key: Bearer ${KEY}` } } });
    const err = await llm().create(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmRequestError);
    expect((err as Error).message).not.toContain(KEY);
    expect((err as Error).message).toContain('[redacted]');
    expect((err as Error).cause).toBeUndefined();
    expect(fake.messageRequests).toHaveLength(1);
  });

  it('treats a timeout as unavailable after retrying it', async () => {
    fake.script({ delayMs: 2000, then: textReply('late') }, { delayMs: 2000, then: textReply('late') });
    const err = await llm({ maxRetries: 1, timeoutMs: 150 }).create(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmUnavailableError);
    expect((err as LlmUnavailableError).status).toBeUndefined();
    expect(fake.messageRequests).toHaveLength(2);
  });

  it('passes an abort through as the SDK abort, not as an outage', async () => {
    fake.script({ delayMs: 2000, then: textReply('late') });
    const ac = new AbortController();
    const pending = llm().create(request(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await pending.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(LlmUnavailableError);
    expect((err as Error).name).toBe('APIUserAbortError');
    expect(fake.messageRequests).toHaveLength(1);
  });
});
