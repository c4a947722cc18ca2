import type { z } from 'zod';
import { parseOrThrow } from '../domain/validate.js';
import type { LlmReply, LlmTool, ToolUseBlock } from './port.js';

/** The tool calls of a reply, in order. */
export function toolCalls(reply: Pick<LlmReply, 'content'>): ToolUseBlock[] {
  return reply.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
}

/** The reply's text blocks joined: what the model said outside tool calls. */
export function replyText(reply: Pick<LlmReply, 'content'>): string {
  return reply.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
}

/**
 * Parses a tool call's input with the tool's own zod schema. The model's input is untrusted:
 * a bad one throws InvalidInputError naming each field, which a bot can hand back to the
 * model as an error tool_result so it can correct itself.
 */
export function parseToolInput<S extends z.ZodType>(tool: LlmTool<S>, call: ToolUseBlock): z.output<S> {
  return parseOrThrow(tool.inputSchema, call.input, `input for tool ${tool.name}`);
}
