import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { AarError } from '../domain/errors.js';
import type { LlmRequest, LlmTool, MessageParam } from './port.js';

const EPHEMERAL = { type: 'ephemeral' } as const;

/** The body of a Messages API call, without max_tokens (count_tokens takes the same shape). */
export interface PromptParams {
  model: string;
  system: Anthropic.TextBlockParam[];
  tools: Anthropic.Tool[];
  messages: MessageParam[];
}

/**
 * Lays out a request for prompt caching. Three breakpoints mark the prefix that repeats:
 * the last tool (tools come first in the cached prefix), the system prompt, and the last
 * block of the last user message, so each step of a tool loop reads the conversation so far
 * from the cache and writes only what is new. The API allows four breakpoints, so any the
 * caller left in the messages are removed; the caller's objects are never modified.
 */
export function promptParams(req: Pick<LlmRequest, 'model' | 'system' | 'tools' | 'messages'>): PromptParams {
  const tools = req.tools.map(toolParam);
  if (tools.length > 0) tools[tools.length - 1] = { ...tools[tools.length - 1], cache_control: EPHEMERAL };
  const messages = req.messages.map(withoutCacheControl);
  const last = lastUserIndex(messages);
  if (last >= 0) messages[last] = markLastBlock(messages[last]);
  return { model: req.model, system: [{ type: 'text', text: req.system, cache_control: EPHEMERAL }], tools, messages };
}

/** A tool as the API takes it: the zod schema as JSON Schema, describing what the model may send. */
export function toolParam(tool: LlmTool): Anthropic.Tool {
  // 'input' mode: fields with defaults are optional for the model, as they are for the parser.
  const { $schema: _, ...schema } = z.toJSONSchema(tool.modelSchema ?? tool.inputSchema, { io: 'input' }) as Record<string, unknown>;
  if (schema.type !== 'object') {
    throw new AarError('llm_tool_schema', `Tool "${tool.name}" must take an object (a z.object schema), not ${String(schema.type)}`);
  }
  return { name: tool.name, description: tool.description, input_schema: schema as Anthropic.Tool.InputSchema };
}

function lastUserIndex(messages: MessageParam[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') return i;
  return -1;
}

// Thinking blocks cannot carry a breakpoint; every other block a user message holds can.
const cacheable = (block: { type: string }) => block.type !== 'thinking' && block.type !== 'redacted_thinking';

function markLastBlock(m: MessageParam): MessageParam {
  if (m.role !== 'user') return m;
  const blocks: Anthropic.ContentBlockParam[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : [...m.content];
  const i = blocks.length - 1;
  if (i < 0 || !cacheable(blocks[i])) return m;
  blocks[i] = { ...blocks[i], cache_control: EPHEMERAL } as Anthropic.ContentBlockParam;
  return { ...m, content: blocks };
}

function withoutCacheControl(m: MessageParam): MessageParam {
  if (typeof m.content === 'string' || !m.content.some((b) => 'cache_control' in b)) return m;
  const content = m.content.map((b) => {
    if (!('cache_control' in b)) return b;
    const { cache_control: _, ...rest } = b;
    return rest;
  });
  return { ...m, content } as MessageParam;
}
