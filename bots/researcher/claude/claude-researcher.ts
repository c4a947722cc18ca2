import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import type { MessageRecord } from '../../../src/ledger/forum-records.js';
import { modelProfile, type Effort } from '../../../src/llm/models.js';
import type { LlmClient, LlmRequest, MessageParam, ToolUseBlock } from '../../../src/llm/port.js';
import { TokenGauge } from '../../../src/llm/token-gauge.js';
import type { AnswerOutcome, ResearcherBot, TurnOutcome } from '../../types.js';
import { buildTurnContext } from '../context.js';
import { answerPrompt, researcherSystemPrompt, turnPrompt } from '../prompts.js';
import { runToolLoop, type ToolLoopResult } from './tool-loop.js';
import { RESEARCH_TOOLS, runTool, type ToolOutcome } from './tools.js';

export interface ClaudeResearcherOptions {
  name: string;
  direction: string;
  llm: LlmClient;
  model: string;
  campaignId?: string;
  /** Most input tokens one call of a turn may take (the context is packed to half, tool results use the rest). */
  inputBudget: number;
  /** max_tokens of a call (thinking included); default: the model's profile. A cut-off reply is retried with more. */
  maxTokens?: number;
  /** `output_config.effort`; default: the model's own. */
  effort?: Effort;
  /** Most model calls in one turn (each after a round of tool calls). */
  maxCalls?: number;
  maxInFlight?: number;
}

/**
 * A researcher backed by Claude. A turn is a tool loop (runToolLoop): the model reads a bounded
 * context, calls tools (every call validated; bad input comes back as an error result it can
 * fix), and ends its turn with a summary that goes in its notebook. Answering a person runs the
 * same loop with the reading tools, so answers cite looked-up numbers. The system prompt and
 * the tools never change between calls of one agent, so they are served from the prompt cache.
 */
export class ClaudeResearcher implements ResearcherBot {
  readonly kind = 'claude' as const;
  readonly name: string;
  readonly direction: string;
  readonly maxInFlight: number;
  /** Token estimates calibrated on this agent's own requests. */
  readonly gauge = new TokenGauge();

  constructor(private readonly o: ClaudeResearcherOptions) {
    this.name = o.name;
    this.direction = o.direction;
    this.maxInFlight = o.maxInFlight ?? 2;
  }

  private system(desk: AgentDesk): string {
    return researcherSystemPrompt({ name: this.name, direction: this.direction, tasks: desk.tasks, claimSeeds: desk.claimSeeds, codeLanguage: desk.codeLanguage });
  }

  async turn(desk: AgentDesk, opts: { signal?: AbortSignal } = {}): Promise<TurnOutcome> {
    const outcome: TurnOutcome = { proposed: [], posted: 0 };
    const first = this.request(desk, 'turn', [{ role: 'user', content: turnPrompt({ context: '', inFlight: 0, maxInFlight: this.maxInFlight }) }]);
    await this.gauge.calibrate(this.o.llm, first, opts);
    const context = this.context(desk);
    const messages: MessageParam[] = [{ role: 'user', content: turnPrompt({ context, inFlight: desk.inFlight(), maxInFlight: this.maxInFlight, campaign: desk.campaign() }) }];
    const run = async (use: ToolUseBlock): Promise<ToolOutcome> => {
      // A proposal beyond the in-flight limit is refused here, so one turn cannot flood the queue.
      const r =
        use.name === 'propose_experiment' && desk.inFlight() >= this.maxInFlight
          ? { isError: true, content: `you already have ${this.maxInFlight} experiments running; wait for their results` }
          : await runTool(desk, use.name, use.input);
      if (!r.isError && use.name === 'propose_experiment') outcome.proposed.push(String((JSON.parse(r.content) as { experiment: string }).experiment));
      if (!r.isError && (use.name === 'post' || use.name === 'claim_result' || use.name === 'ask_humans')) outcome.posted++;
      return r;
    };
    const r = await this.loop(desk, 'turn', messages, run, opts);
    if (r.text) desk.note(`Turn summary: ${r.text.slice(0, 3900)}`);
    Object.assign(outcome, { stop: r.stop, calls: r.calls, cutOff: r.cutOff, activeMs: Math.round(r.activeMs) });
    if (r.stop === 'input_budget') desk.note(`Turn cut short: the next call would have passed the input budget of ${this.o.inputBudget} tokens.`);
    if (r.stop === 'max_tokens') {
      outcome.cut = `the model's reply was cut off at the output limit (${r.maxTokens} tokens, thinking included) ${r.cutOff} time(s); lower AAR_EFFORT or raise AAR_MAX_OUTPUT_TOKENS`;
    } else if (!outcome.proposed.length && !outcome.posted) {
      outcome.idle = 'the model ended its turn without proposing or posting';
    }
    return outcome;
  }

  async answer(desk: AgentDesk, message: MessageRecord, opts: { signal?: AbortSignal } = {}): Promise<AnswerOutcome> {
    const messages: MessageParam[] = [{ role: 'user', content: answerPrompt({ context: this.context(desk), from: message.author, question: message.text }) }];
    const r = await this.loop(desk, 'answer', messages, (use) => runTool(desk, use.name, use.input, { readOnly: true }), opts, 4);
    const text =
      r.text ||
      (r.stop === 'max_tokens' ? `(${this.name}'s answer was cut off at the output limit of ${r.maxTokens} tokens; ask again, or raise AAR_MAX_OUTPUT_TOKENS.)` : `(${this.name} had nothing to add.)`);
    return { text, activeMs: Math.round(r.activeMs) };
  }

  private context(desk: AgentDesk): string {
    const fixed = this.gauge.estimate(this.system(desk)) + this.gauge.estimate(JSON.stringify(RESEARCH_TOOLS.map((t) => t.description)));
    return buildTurnContext(desk, Math.floor(this.o.inputBudget / 2) - fixed, (t) => this.gauge.estimate(t)).text;
  }

  private loop(desk: AgentDesk, purpose: string, messages: MessageParam[], run: (use: ToolUseBlock) => Promise<ToolOutcome>, opts: { signal?: AbortSignal }, maxCalls = this.o.maxCalls ?? 6): Promise<ToolLoopResult> {
    const profile = modelProfile(this.o.model);
    return runToolLoop({
      llm: this.o.llm,
      request: (m) => this.request(desk, purpose, m),
      messages,
      maxTokens: this.o.maxTokens ?? profile.defaultOutput,
      maxTokensCap: Math.max(this.o.maxTokens ?? 0, profile.maxOutput),
      maxCalls,
      inputBudget: this.o.inputBudget,
      gauge: this.gauge,
      run,
      signal: opts.signal,
    });
  }

  // The same system prompt and tools for turns and answers: one cached prefix per agent.
  private request(desk: AgentDesk, purpose: string, messages: MessageParam[]): Omit<LlmRequest, 'maxTokens'> {
    return {
      agent: this.name,
      purpose,
      campaignId: this.o.campaignId,
      model: this.o.model,
      system: this.system(desk),
      tools: [...RESEARCH_TOOLS],
      messages,
      ...(this.o.effort ? { effort: this.o.effort } : {}),
    };
  }
}
