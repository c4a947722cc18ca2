import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * How the local Messages API stand-in behaves like a model that always thinks (Opus 5.5 and
 * later, see DESIGN.md): it thinks `thinkingTokens` before every answer, the thinking counts
 * toward max_tokens and output_tokens, its text comes back empty (the default display) with a
 * signature, and a reply that does not fit max_tokens is cut off with stop_reason "max_tokens".
 * Requests are checked the way the API checks them: thinking blocks passed back changed, a
 * forced tool_choice, or max_tokens over the model's limit are 400s.
 */

/** The API's largest max_tokens (Opus 5.5). */
export const MAX_OUTPUT = 128_000;

/** Token estimate of the stand-in: ceil(characters of the JSON / 4). */
export function estimate(value: unknown): number {
  return Math.ceil(JSON.stringify(value ?? null).length / 4);
}

export interface Shaped {
  content: Record<string, unknown>[];
  stopReason: string;
  outputTokens: number;
}

/** Thinks, then writes `content` until max_tokens runs out. */
export function shapeReply(o: { content: Record<string, unknown>[]; stopReason: string; thinkingTokens: number; maxTokens: number; signature: string }): Shaped {
  if (o.thinkingTokens <= 0) {
    const out = fit(o.content, o.maxTokens);
    return { content: out.blocks, stopReason: out.cut ? 'max_tokens' : o.stopReason, outputTokens: out.cut ? o.maxTokens : out.tokens };
  }
  if (o.thinkingTokens >= o.maxTokens) {
    // Cut off while thinking: the block never got its signature.
    return { content: [{ type: 'thinking', thinking: '', signature: '' }], stopReason: 'max_tokens', outputTokens: o.maxTokens };
  }
  const thinking = { type: 'thinking', thinking: '', signature: o.signature };
  const out = fit(o.content, o.maxTokens - o.thinkingTokens);
  return { content: [thinking, ...out.blocks], stopReason: out.cut ? 'max_tokens' : o.stopReason, outputTokens: o.thinkingTokens + (out.cut ? o.maxTokens - o.thinkingTokens : out.tokens) };
}

function fit(blocks: Record<string, unknown>[], budget: number): { blocks: Record<string, unknown>[]; tokens: number; cut: boolean } {
  const kept: Record<string, unknown>[] = [];
  let tokens = 0;
  for (const b of blocks) {
    const t = estimate(b);
    if (tokens + t > budget) return { blocks: kept, tokens, cut: true };
    kept.push(b);
    tokens += t;
  }
  return { blocks: kept, tokens, cut: false };
}

/** A signature the stand-in can recognise when the block comes back. */
export function signatureFor(id: string): string {
  return createHash('sha256').update(`fake-thinking:${id}`).digest('base64');
}

/** What the API would answer 400 to, or undefined. `issued`: every signature handed out so far. */
export function requestProblem(body: { max_tokens?: number; tool_choice?: { type?: string }; messages?: { role: string; content: unknown }[] }, issued: ReadonlySet<string>): string | undefined {
  if (typeof body.max_tokens !== 'number' || body.max_tokens < 1 || body.max_tokens > MAX_OUTPUT) return `max_tokens: must be from 1 to ${MAX_OUTPUT}`;
  if (body.tool_choice && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool')) return 'Thinking may not be enabled when tool_choice forces tool use.';
  for (const m of body.messages ?? []) {
    if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
    for (const b of m.content as { type: string; thinking?: string; signature?: string }[]) {
      if (b.type === 'thinking' && (!b.signature || !issued.has(b.signature) || b.thinking !== '')) return 'messages: thinking blocks must be passed back unchanged (invalid signature)';
    }
  }
  return undefined;
}

/** Sends a message as the SSE stream of a `stream: true` request, block by block. */
export function sendStream(res: ServerResponse, message: Record<string, unknown> & { content: Record<string, unknown>[]; usage: Record<string, unknown>; stop_reason: string }, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const { content, stop_reason, usage } = message;
  event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  content.forEach((block, index) => {
    if (block.type === 'thinking') {
      event('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      if (block.thinking) event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      if (block.signature) event('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } });
      const text = String(block.text);
      // Two deltas, so the client really assembles the text.
      const half = Math.ceil(text.length / 2);
      event('content_block_delta', { index, delta: { type: 'text_delta', text: text.slice(0, half) } });
      if (text.length > half) event('content_block_delta', { index, delta: { type: 'text_delta', text: text.slice(half) } });
    } else if (block.type === 'tool_use') {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) } });
    } else {
      event('content_block_start', { index, content_block: block });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  event('message_stop', {});
  res.end();
}
