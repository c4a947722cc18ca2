import type { LlmClient, LlmRequest, MessageParam, ToolUseBlock } from '../../../src/llm/port.js';
import { requestChars, type TokenGauge } from '../../../src/llm/token-gauge.js';
import { replyText } from '../../../src/llm/tools.js';
import type { ToolOutcome } from './tools.js';

/** Why a tool loop ended. */
export type LoopStop =
  /** The model ended its turn. */
  | 'end_turn'
  /** The reply was still cut off at the output budget after it was raised to the model's limit. */
  | 'max_tokens'
  /** The most calls one turn may make were made. */
  | 'max_calls'
  /** The next call would have passed the input budget. */
  | 'input_budget'
  /** Another stop reason (a refusal, a stop sequence). */
  | 'other';

export interface ToolLoopOptions {
  llm: LlmClient;
  /** The request for a conversation; the loop sets its max_tokens. */
  request: (messages: MessageParam[]) => Omit<LlmRequest, 'maxTokens'>;
  messages: MessageParam[];
  maxTokens: number;
  /** A cut-off reply is asked again with double the budget, up to this (the model's limit). */
  maxTokensCap: number;
  maxCalls: number;
  /** Most input tokens one call may take. */
  inputBudget: number;
  gauge: TokenGauge;
  run: (use: ToolUseBlock) => Promise<ToolOutcome>;
  signal?: AbortSignal;
}

export interface ToolLoopResult {
  stop: LoopStop;
  /** The last reply's text (what the model said when it ended the turn). */
  text: string;
  calls: number;
  /** Replies cut off at max_tokens (each one was paid for and asked again, or ended the loop). */
  cutOff: number;
  /** The output budget of the last call. */
  maxTokens: number;
  /** Time in model calls and tool runs, not in waits for a free slot. */
  activeMs: number;
}

/**
 * The model's tool loop: call, run the tools it asked for, hand back their results, until it
 * ends its turn. A reply cut off at max_tokens (on models that always think, a long think can
 * use up the budget before any tool call) is never taken for an idle turn: the same request
 * is sent again with double the budget, and if it is cut off at the model's limit too the
 * loop ends with stop "max_tokens". Thinking blocks go back unchanged, as the API requires.
 */
export async function runToolLoop(o: ToolLoopOptions): Promise<ToolLoopResult> {
  const messages = o.messages;
  let maxTokens = o.maxTokens;
  let calls = 0;
  let cutOff = 0;
  let activeMs = 0;
  while (calls < o.maxCalls) {
    const req = { ...o.request(messages), maxTokens };
    const t0 = performance.now();
    const reply = await o.llm.create(req, { signal: o.signal });
    activeMs += reply.ms ?? performance.now() - t0;
    calls++;
    const inputTokens = reply.usage.inputTokens + reply.usage.cacheReadTokens + reply.usage.cacheWriteTokens;
    o.gauge.observe(requestChars(req), inputTokens);
    if (reply.stopReason === 'max_tokens') {
      cutOff++;
      if (maxTokens >= o.maxTokensCap) return { stop: 'max_tokens', text: '', calls, cutOff, maxTokens, activeMs };
      maxTokens = Math.min(o.maxTokensCap, maxTokens * 2);
      continue;
    }
    messages.push({ role: 'assistant', content: reply.content });
    const uses = reply.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (reply.stopReason !== 'tool_use' || !uses.length) {
      return { stop: reply.stopReason === 'end_turn' ? 'end_turn' : 'other', text: replyText(reply).trim(), calls, cutOff, maxTokens, activeMs };
    }
    const t1 = performance.now();
    const results = [];
    for (const use of uses) {
      const r = await o.run(use);
      results.push({ type: 'tool_result' as const, tool_use_id: use.id, content: r.content, is_error: r.isError });
    }
    activeMs += performance.now() - t1;
    messages.push({ role: 'user', content: results });
    // The next call carries this conversation: stop before it could pass the budget.
    if (inputTokens + o.gauge.estimate(JSON.stringify(messages.slice(-2))) > o.inputBudget) {
      return { stop: 'input_budget', text: '', calls, cutOff, maxTokens, activeMs };
    }
  }
  return { stop: 'max_calls', text: '', calls, cutOff, maxTokens, activeMs };
}
