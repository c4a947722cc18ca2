import { createHash } from 'node:crypto';
import { estimate, requestProblem, sendStream, shapeReply, signatureFor } from './fake-anthropic-model.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP request as the fake received it; header names are lower case. */
export interface RecordedRequest {
  /** When it arrived (Date.now()): how tests see the SDK's waits between retries. */
  at: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  // Tests reach into the body freely (tools, system, cache_control): typing it would only get in the way.
  body: any;
}

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** What a scripted step answers; the fake fills in id, type, role, model and (unless given) usage. */
export interface FakeReply {
  content: Record<string, unknown>[];
  stop_reason?: string;
  usage?: Partial<FakeUsage>;
  /** Default: the model the request asked for. */
  model?: string;
  /** Tokens thought before this reply (default: the fake's `thinkingTokens`). */
  thinkingTokens?: number;
}

export type ReplyBuilder = (req: RecordedRequest) => FakeReply;

/** An error answer. The SDK waits `retry-after-ms`, else `retry-after` (seconds), when positive. */
export interface FakeError {
  status: number;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A step that waits before answering (to make the client time out). */
export interface FakeDelay {
  delayMs: number;
  then: ReplyBuilder | FakeError;
}

export type FakeStep = ReplyBuilder | FakeError | FakeDelay;

/** A reply with one text block. */
export const textReply =
  (text: string, stop_reason = 'end_turn'): ReplyBuilder =>
  () => ({ content: [{ type: 'text', text, citations: null }], stop_reason });

/** A reply that calls one tool. */
export const toolUseReply =
  (name: string, input: Record<string, unknown>, id = `toolu_${name}`): ReplyBuilder =>
  () => ({ content: [{ type: 'tool_use', id, name, input }], stop_reason: 'tool_use' });

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/**
 * A local stand-in for the Anthropic Messages API, enough for the real SDK: POST /v1/messages
 * answers from a script (a queue of steps, then `fallback`), POST /v1/messages/count_tokens
 * answers an estimate. Every request is recorded with its headers and parsed body.
 *
 * Token counts are estimates: ceil(characters of JSON / 4). Prompt caching is simulated
 * roughly like the real cache: the request is read as one sequence of blocks (tools, then
 * system, then message content); each block marked with cache_control writes the prefix
 * up to it; a later request that starts with a prefix written before (of the same model)
 * reports it as cache_read_input_tokens, and the rest up to its last mark as
 * cache_creation_input_tokens. Unlike the real API there is no minimum cacheable length,
 * no lookback limit and no expiry.
 *
 * With `thinkingTokens` it models a model that always thinks (fake-anthropic-model.ts):
 * thinking counts toward max_tokens and output_tokens, replies that do not fit are cut off
 * with stop_reason "max_tokens", and `stream: true` requests are answered as SSE.
 * `latencyMs` delays every answer; `maxConcurrent` is the most requests it held at once.
 */
export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  private readonly steps: FakeStep[] = [];
  private readonly written = new Set<string>();
  private readonly signatures = new Set<string>();
  private replies = 0;
  private inFlight = 0;
  /** The most /v1/messages requests answered at the same time. */
  maxConcurrent = 0;
  /** Tokens every reply thinks before it answers (a step's own `thinkingTokens` wins). */
  thinkingTokens = 0;
  /** Every /v1/messages answer waits this long first. */
  latencyMs = 0;
  /** And this long per output token (thinking included): a model's writing speed. */
  msPerOutputToken = 0;

  private constructor(
    private readonly server: Server,
    /** What /v1/messages answers when the script is empty. */
    public fallback: ReplyBuilder,
  ) {}

  static async start(o: { fallback?: ReplyBuilder; thinkingTokens?: number; latencyMs?: number; msPerOutputToken?: number } = {}): Promise<FakeAnthropic> {
    const server = createServer();
    const fake = new FakeAnthropic(server, o.fallback ?? textReply('OK'));
    fake.thinkingTokens = o.thinkingTokens ?? 0;
    fake.latencyMs = o.latencyMs ?? 0;
    fake.msPerOutputToken = o.msPerOutputToken ?? 0;
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The base URL to give the SDK. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests to POST /v1/messages only (not count_tokens). */
  get messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/messages');
  }

  /** Steps not yet used. */
  get pending(): number {
    return this.steps.length;
  }

  script(...steps: FakeStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const path = (req.url ?? '/').split('?')[0];
    const recorded: RecordedRequest = { at, method: req.method ?? 'GET', path, headers, body: text ? (JSON.parse(text) as unknown) : undefined };
    this.requests.push(recorded);

    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      return send(res, 200, { input_tokens: estimate({ system: recorded.body.system, tools: recorded.body.tools, messages: recorded.body.messages }) });
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      return send(res, 404, { type: 'error', error: { type: 'not_found_error', message: `fake: no route ${req.method} ${path}` } });
    }
    const problem = requestProblem(recorded.body, this.signatures);
    if (problem) return this.sendError(res, { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: problem } } });
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    try {
      let step = this.steps.shift() ?? this.fallback;
      if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
      if ('delayMs' in step) {
        await new Promise((r) => setTimeout(r, (step as FakeDelay).delayMs));
        if (res.destroyed) return;
        step = step.then;
      }
      if (typeof step !== 'function') return this.sendError(res, step);
      const message = this.reply(recorded, step(recorded));
      if (this.msPerOutputToken) await new Promise((r) => setTimeout(r, this.msPerOutputToken * Number(message.usage.output_tokens)));
      const headers = { 'request-id': `req_fake_${this.replies}` };
      if (recorded.body.stream === true) sendStream(res, message, headers);
      else send(res, 200, message, headers);
    } finally {
      this.inFlight--;
    }
  }

  private sendError(res: ServerResponse, e: FakeError): void {
    const headers: Record<string, string> = { ...e.headers };
    if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
    if (e.retryAfterMs !== undefined) headers['retry-after-ms'] = String(e.retryAfterMs);
    const body = e.body ?? { type: 'error', error: { type: ERROR_TYPES[e.status] ?? 'api_error', message: `fake ${e.status}` } };
    send(res, e.status, body, headers);
  }

  private reply(req: RecordedRequest, r: FakeReply): Record<string, unknown> & { content: Record<string, unknown>[]; usage: Record<string, unknown>; stop_reason: string } {
    this.replies += 1;
    const id = `msg_fake_${String(this.replies).padStart(4, '0')}`;
    const cache = this.simulateCache(req.body);
    const signature = signatureFor(id);
    const shaped = shapeReply({ content: r.content, stopReason: r.stop_reason ?? 'end_turn', thinkingTokens: r.thinkingTokens ?? this.thinkingTokens, maxTokens: req.body.max_tokens, signature });
    if (shaped.content.some((b) => b.signature === signature)) this.signatures.add(signature);
    const usage = {
      input_tokens: cache.total - cache.read - cache.write,
      output_tokens: shaped.outputTokens,
      cache_creation_input_tokens: cache.write,
      cache_read_input_tokens: cache.read,
      ...r.usage,
    };
    return {
      id,
      type: 'message',
      role: 'assistant',
      model: r.model ?? req.body.model,
      content: shaped.content,
      stop_reason: shaped.stopReason,
      stop_sequence: null,
      container: null,
      diagnostics: null,
      usage: {
        ...usage,
        cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
        inference_geo: null,
        output_tokens_details: null,
        server_tool_use: null,
        service_tier: 'standard',
        speed: null,
      },
    };
  }

  // See the class comment for how close this is to the real cache.
  private simulateCache(body: { model: string; tools?: unknown[]; system?: unknown; messages?: { role: string; content: unknown }[] }) {
    const blocks: Record<string, unknown>[] = [...((body.tools ?? []) as Record<string, unknown>[])];
    blocks.push(...asBlocks(body.system));
    for (const m of body.messages ?? []) blocks.push(...asBlocks(m.content).map((b) => ({ role: m.role, ...b })));
    let hash = body.model;
    let chars = 0;
    let read = 0;
    let upToLastMark = 0;
    const marks: string[] = [];
    for (const b of blocks) {
      const { cache_control, ...plain } = b;
      const json = JSON.stringify(plain);
      chars += json.length;
      hash = createHash('sha256').update(hash).update(json).digest('hex');
      if (this.written.has(hash)) read = Math.ceil(chars / 4);
      if (cache_control) {
        marks.push(hash);
        upToLastMark = Math.ceil(chars / 4);
      }
    }
    read = Math.min(read, upToLastMark);
    for (const m of marks) this.written.add(m);
    return { total: Math.ceil(chars / 4), read, write: Math.max(0, upToLastMark - read) };
  }
}

function asBlocks(content: unknown): Record<string, unknown>[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content as Record<string, unknown>[];
}

export { estimate };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
