import type { ContentBlock, LlmClient, LlmReply, LlmRequest, StopReason, Usage } from './port.js';

/** One scripted answer: a reply (missing parts filled in), a builder of one, or an error to throw. */
export type ScriptedStep =
  | (Partial<Omit<LlmReply, 'usage'>> & { content: ContentBlock[]; usage?: Partial<Usage> })
  | ((req: LlmRequest) => Partial<Omit<LlmReply, 'usage'>> & { content: ContentBlock[]; usage?: Partial<Usage> })
  | { throws: unknown };

/**
 * An LlmClient that answers from a script and records every request: for testing bots
 * without a network or an HTTP fake. When the script runs out it ends the turn with text.
 */
export class ScriptedLlm implements LlmClient {
  readonly calls: LlmRequest[] = [];
  private readonly steps: ScriptedStep[];
  private n = 0;

  constructor(steps: ScriptedStep[] = []) {
    this.steps = [...steps];
  }

  push(...steps: ScriptedStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  async create(req: LlmRequest): Promise<LlmReply> {
    this.calls.push(req);
    const step = this.steps.shift() ?? { content: [{ type: 'text', text: 'Nothing more to do.', citations: null }] };
    if ('throws' in step) throw step.throws;
    const r = typeof step === 'function' ? step(req) : step;
    this.n += 1;
    const stopReason: StopReason = r.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    return {
      id: r.id ?? `msg_scripted_${this.n}`,
      model: r.model ?? req.model,
      content: r.content,
      stopReason: r.stopReason === undefined ? stopReason : r.stopReason,
      usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, ...r.usage },
      usd: r.usd ?? 0,
    };
  }

  /** A rough count, ceil(characters / 4) of the prompt's JSON: enough to exercise budgets. */
  async countTokens(req: Pick<LlmRequest, 'system' | 'tools' | 'messages'>): Promise<number> {
    const tools = req.tools.map((t) => ({ name: t.name, description: t.description }));
    return Math.ceil(JSON.stringify({ system: req.system, tools, messages: req.messages }).length / 4);
  }
}
