import type Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import type { Effort } from './models.js';

/** A conversation message as the Messages API takes it (user, assistant, or mid-conversation system). */
export type MessageParam = Anthropic.MessageParam;
/** A block of a reply: text, tool_use, and (on models that always think) thinking blocks. */
export type ContentBlock = Anthropic.ContentBlock;
export type ToolUseBlock = Anthropic.ToolUseBlock;
export type StopReason = Anthropic.StopReason;

/** A tool the model may call; its input is described, and later parsed, by a zod schema. */
export interface LlmTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: S;
  /**
   * What the model is shown as the input schema, when it should see more than the parser
   * checks (e.g. the full method schema, while the desk parses the method itself to name
   * every bad field and what is accepted there). Default: inputSchema.
   */
  modelSchema?: z.ZodType;
}

/** One model call on behalf of an agent. */
export interface LlmRequest {
  /** Who is spending: usage is counted per agent. */
  agent: string;
  /** Why, e.g. 'turn', 'answer', 'audit': usage can be broken down by it. */
  purpose: string;
  campaignId?: string;
  model: string;
  /** The stable prefix (role, rules, task description): cached across calls, so keep it identical between them. */
  system: string;
  tools: LlmTool[];
  messages: MessageParam[];
  /** The output budget; on models that always think, thinking counts toward it. */
  maxTokens: number;
  /** `output_config.effort`; left out, the model's default (medium on Opus 5.5). */
  effort?: Effort;
}

/** Token counts of one reply. `inputTokens` excludes the cached tokens, as the API reports it. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Tokens written to the prompt cache (5-minute entries). */
  cacheWriteTokens: number;
  /** Tokens read from the prompt cache. */
  cacheReadTokens: number;
}

export interface LlmReply {
  /** The API's message id (`msg_…`): unique per reply, so it keys usage records. */
  id: string;
  /** The model that answered (may be a dated id of the requested alias). */
  model: string;
  /** Pass these back unchanged as the assistant message of the next request (thinking blocks included). */
  content: ContentBlock[];
  /** `max_tokens` means the reply was cut off at the output budget (thinking included). */
  stopReason: StopReason | null;
  usage: Usage;
  /** Milliseconds the call took (after any wait for a free slot), for active agent-hours. */
  ms?: number;
  /** What this reply cost, from the price table. */
  usd: number;
}

/** What the bots depend on: one model call, and a token count for keeping prompts within budget. */
export interface LlmClient {
  create(req: LlmRequest, o?: { signal?: AbortSignal }): Promise<LlmReply>;
  /** Input tokens this request would take (system, tools and messages); `maxTokens` is ignored. */
  countTokens(req: Omit<LlmRequest, 'maxTokens'> & { maxTokens?: number }, o?: { signal?: AbortSignal }): Promise<number>;
}
