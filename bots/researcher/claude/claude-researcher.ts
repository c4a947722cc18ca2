import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import type { MessageRecord } from '../../../src/ledger/forum-records.js';
import type { LlmClient, MessageParam } from '../../../src/llm/port.js';
import type { ResearcherBot, TurnOutcome } from '../../types.js';
import { buildTurnContext, estimateTokens } from '../context.js';
import { answerPrompt, researcherSystemPrompt, turnPrompt } from '../prompts.js';
import { RESEARCH_TOOLS, runTool } from './tools.js';

export interface ClaudeResearcherOptions {
  name: string;
  direction: string;
  llm: LlmClient;
  model: string;
  campaignId?: string;
  /** Most input tokens one call of a turn may take (the context is packed to half, tool results use the rest). */
  inputBudget: number;
  maxTokens?: number;
  /** Most model calls in one turn (each after a round of tool calls). */
  maxCalls?: number;
  maxInFlight?: number;
}

/**
 * A researcher backed by Claude. A turn is a short tool loop: the model reads a bounded
 * context, calls tools (every call validated; bad input comes back as an error result it can
 * fix), and ends its turn. The system prompt and the tools never change between calls of one
 * agent, so they are served from the prompt cache.
 */
export class ClaudeResearcher implements ResearcherBot {
  readonly kind = 'claude' as const;
  readonly name: string;
  readonly direction: string;

  constructor(private readonly o: ClaudeResearcherOptions) {
    this.name = o.name;
    this.direction = o.direction;
  }

  private system(desk: AgentDesk): string {
    return researcherSystemPrompt({ name: this.name, direction: this.direction, tasks: desk.tasks, claimSeeds: desk.claimSeeds });
  }

  async turn(desk: AgentDesk, opts: { signal?: AbortSignal } = {}): Promise<TurnOutcome> {
    const maxInFlight = this.o.maxInFlight ?? 2;
    const context = buildTurnContext(desk, Math.floor(this.o.inputBudget / 2) - estimateTokens(this.system(desk)));
    const messages: MessageParam[] = [{ role: 'user', content: turnPrompt({ context: context.text, inFlight: desk.inFlight(), maxInFlight }) }];
    const outcome: TurnOutcome = { proposed: [], posted: 0 };
    let spent = 0;
    for (let call = 0; call < (this.o.maxCalls ?? 6); call++) {
      const reply = await this.o.llm.create(this.request(desk, 'turn', messages), opts);
      spent = reply.usage.inputTokens + reply.usage.cacheReadTokens + reply.usage.cacheWriteTokens;
      messages.push({ role: 'assistant', content: reply.content });
      const uses = reply.content.filter((b) => b.type === 'tool_use');
      if (reply.stopReason !== 'tool_use' || !uses.length) break;
      const results = [];
      for (const use of uses) {
        // A proposal beyond the in-flight limit is refused here, so one turn cannot flood the queue.
        const r =
          use.name === 'propose_experiment' && desk.inFlight() >= maxInFlight
            ? { isError: true, content: `you already have ${maxInFlight} experiments running; wait for their results` }
            : await runTool(desk, use.name, use.input);
        if (!r.isError && use.name === 'propose_experiment') outcome.proposed.push(String((JSON.parse(r.content) as { experiment: string }).experiment));
        if (!r.isError && (use.name === 'post' || use.name === 'claim_result' || use.name === 'ask_humans')) outcome.posted++;
        results.push({ type: 'tool_result' as const, tool_use_id: use.id, content: r.content, is_error: r.isError });
      }
      messages.push({ role: 'user', content: results });
      // The next call would carry this conversation; stop before it could pass the budget.
      const next = spent + estimateTokens(JSON.stringify(messages.slice(-2)));
      if (next > this.o.inputBudget) {
        desk.note(`Turn cut short: the next call would have taken about ${next} input tokens (budget ${this.o.inputBudget}).`);
        break;
      }
    }
    if (!outcome.proposed.length && !outcome.posted) outcome.idle = 'the model ended its turn without proposing or posting';
    return outcome;
  }

  async answer(desk: AgentDesk, message: MessageRecord, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const context = buildTurnContext(desk, Math.floor(this.o.inputBudget / 2));
    const reply = await this.o.llm.create(
      { ...this.request(desk, 'answer', [{ role: 'user', content: answerPrompt({ context: context.text, from: message.author, question: message.text }) }]), tools: [] },
      opts,
    );
    const text = reply.content
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('\n')
      .trim();
    return text || `(${this.name} had nothing to add.)`;
  }

  private request(desk: AgentDesk, purpose: string, messages: MessageParam[]) {
    return {
      agent: this.name,
      purpose,
      campaignId: this.o.campaignId,
      model: this.o.model,
      system: this.system(desk),
      tools: [...RESEARCH_TOOLS],
      messages,
      maxTokens: this.o.maxTokens ?? 2048,
    };
  }
}
