import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { parseOrThrow } from '../domain/validate.js';
import { toLlmError } from './api-errors.js';
import { LlmUnavailableError } from './errors.js';
import type { ContentBlock, LlmClient, LlmReply, LlmRequest, StopReason, Usage } from './port.js';
import { costUsd, DEFAULT_PRICES, priceFor, type PriceTable } from './pricing.js';
import { STREAM_ABOVE_TOKENS } from './models.js';
import { promptParams } from './request.js';

export interface AnthropicLlmOptions {
  apiKey: string;
  /** A gateway or proxy; default https://api.anthropic.com. */
  baseUrl?: string;
  /** Retries of 408, 409, 429 and 5xx (529 included) and of timeouts, with the SDK's backoff. Default 4. */
  maxRetries?: number;
  /** Per attempt, in ms. Default 120000. */
  timeoutMs?: number;
  prices?: PriceTable;
  /** For tests and proxies; default the global fetch. */
  fetch?: typeof fetch;
}

// The reply is a boundary like any other: check the parts aar relies on, pass the rest through.
const ReplySchema = z.object({
  id: z.string().min(1),
  model: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullable(),
  usage: z.looseObject({
    input_tokens: z.number().int().min(0),
    output_tokens: z.number().int().min(0),
    cache_creation_input_tokens: z.number().int().min(0).nullish(),
    cache_read_input_tokens: z.number().int().min(0).nullish(),
  }),
});

/**
 * The LlmClient on the real Anthropic SDK. The SDK does the retrying: 408, 409, 429, 5xx
 * (529 overloaded included) and timeouts or dropped connections, waiting `retry-after-ms`
 * or `retry-after` when the server sends a positive one and otherwise backing off 0.5 s
 * doubling to at most 8 s, with jitter. What still fails becomes LlmUnavailableError
 * (retryable) or LlmRequestError (not). Prompt caching marks the stable prefix (see
 * promptParams). A model with no price is refused before anything is sent. Output tokens
 * as the API reports them include thinking, so the spend counts it.
 */
export class AnthropicLlm implements LlmClient {
  private readonly client: Anthropic;
  private readonly prices: PriceTable;
  private readonly apiKey: string;

  constructor(o: AnthropicLlmOptions) {
    this.apiKey = o.apiKey;
    this.prices = o.prices ?? DEFAULT_PRICES;
    this.client = new Anthropic({
      apiKey: o.apiKey,
      // Explicit, so the SDK never falls back to reading ANTHROPIC_BASE_URL itself: config owns the environment.
      baseURL: o.baseUrl ?? 'https://api.anthropic.com',
      maxRetries: o.maxRetries ?? 4,
      timeout: o.timeoutMs ?? 120_000,
      ...(o.fetch ? { fetch: o.fetch } : {}),
    });
  }

  async create(req: LlmRequest, o: { signal?: AbortSignal } = {}): Promise<LlmReply> {
    priceFor(req.model, this.prices);
    const body = { ...promptParams(req), max_tokens: req.maxTokens, ...(req.effort ? { output_config: { effort: req.effort } } : {}) };
    const started = performance.now();
    let raw: unknown;
    try {
      // A large budget is streamed (see STREAM_ABOVE_TOKENS); the SDK assembles the same message.
      raw =
        req.maxTokens > STREAM_ABOVE_TOKENS
          ? await this.client.messages.stream(body, { signal: o.signal }).finalMessage()
          : await this.client.messages.create(body, { signal: o.signal });
    } catch (err) {
      throw toLlmError(err, this.apiKey);
    }
    const m = parseReply(raw);
    const usage: Usage = {
      inputTokens: m.usage.input_tokens,
      outputTokens: m.usage.output_tokens,
      cacheWriteTokens: m.usage.cache_creation_input_tokens ?? 0,
      cacheReadTokens: m.usage.cache_read_input_tokens ?? 0,
    };
    return {
      id: m.id,
      model: m.model,
      content: m.content as unknown as ContentBlock[],
      stopReason: m.stop_reason as StopReason | null,
      usage,
      usd: costUsd(this.pricedModel(m.model, req.model), usage, this.prices),
      ms: performance.now() - started,
    };
  }

  async countTokens(req: Omit<LlmRequest, 'maxTokens'>, o: { signal?: AbortSignal } = {}): Promise<number> {
    try {
      const r = await this.client.messages.countTokens(promptParams(req), { signal: o.signal });
      return parseOrThrow(z.object({ input_tokens: z.number().int().min(0) }), r, 'count_tokens reply').input_tokens;
    } catch (err) {
      throw toLlmError(err, this.apiKey);
    }
  }

  // A reply names the model that answered (a dated id, or a server-side fallback): price
  // that one when the table knows it, else the one asked for, which was checked up front.
  private pricedModel(answered: string, asked: string): string {
    try {
      priceFor(answered, this.prices);
      return answered;
    } catch {
      return asked;
    }
  }
}

function parseReply(raw: unknown): z.output<typeof ReplySchema> {
  const r = ReplySchema.safeParse(raw);
  if (!r.success) {
    const fields = r.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new LlmUnavailableError({ detail: `the reply did not have the shape of a message (bad fields: ${fields})` });
  }
  return r.data;
}
