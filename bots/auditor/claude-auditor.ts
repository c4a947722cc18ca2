import { z } from 'zod';
import type { ReviewerBot } from '../../src/campaign/bot-loop.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { modelProfile, type Effort } from '../../src/llm/models.js';
import type { LlmClient, LlmTool } from '../../src/llm/port.js';
import { parseToolInput, toolCalls } from '../../src/llm/tools.js';
import { AUDITOR, AuditTrail, type AuditCase, type AuditTrailOptions } from './audit-trail.js';
import { THRESHOLDS, verdictOf, type AuditVerdict } from './checks.js';
import { auditCasePrompt, auditorSystemPrompt } from './prompts.js';

/** The one tool the model answers with; its input is parsed with this schema on the way back. */
export const VERDICT_TOOL = {
  name: 'verdict',
  description: 'Give your verdict on the experiment: ok or suspicious, the reasons (short sentences with the numbers), and whether you recommend a veto.',
  inputSchema: z.strictObject({
    verdict: z.enum(['ok', 'suspicious']),
    reasons: z.array(z.string().min(1).max(1000)).min(1).max(8),
    recommendVeto: z.boolean(),
  }),
} satisfies LlmTool;

export interface ClaudeAuditorOptions extends AuditTrailOptions {
  /** Usually a MeteredLlm, which counts the spend under agent 'auditor', purpose 'audit'. */
  llm: LlmClient;
  model: string;
  /** max_tokens of a call (thinking included); default: the model's profile. A cut-off reply is asked again with more. */
  maxTokens?: number;
  effort?: Effort;
  /** Where a fallback to the heuristic verdict is reported (the coordinator's log). */
  log?: (line: string) => void;
}

/**
 * The auditor backed by Claude: it reviews the same experiments as the heuristic auditor and
 * shows the model the numbers and the heuristic findings; the model answers with the verdict
 * tool. A reply without a usable verdict falls back to the heuristic verdict, and the post
 * says so. A failed model call throws, so the bot loop retries the review later; nothing is
 * marked judged until a verdict is published.
 */
export class ClaudeAuditor implements ReviewerBot {
  readonly name = AUDITOR;
  private readonly trail: AuditTrail;

  constructor(private readonly o: ClaudeAuditorOptions) {
    this.trail = new AuditTrail(o);
  }

  async review(opts: { signal?: AbortSignal } = {}): Promise<void> {
    for (const c of this.trail.cases()) {
      if (opts.signal?.aborted) return;
      const judged = await this.judge(c, opts);
      if (judged.fallback) this.o.log?.(`auditor: no usable verdict from the model on ${c.experiment.id} (${judged.fallback}); published the heuristic checks' verdict instead`);
      this.trail.publish(c, judged.verdict, judged.fallback ? { source: 'fallback', note: `the model gave no usable verdict (${judged.fallback}), so this is the heuristic checks' verdict` } : { source: 'model' });
    }
  }

  private async judge(c: AuditCase, opts: { signal?: AbortSignal }): Promise<{ verdict: AuditVerdict; fallback?: string }> {
    const request = {
      agent: AUDITOR,
      purpose: 'audit',
      campaignId: this.o.campaignId,
      model: this.o.model,
      system: auditorSystemPrompt({ claimSeeds: this.o.claimSeeds ?? THRESHOLDS.claimSeeds }),
      tools: [VERDICT_TOOL],
      messages: [{ role: 'user' as const, content: auditCasePrompt({ experiment: c.experiment, hypothesis: this.hypothesis(c.experiment.id), why: c.why, results: c.results, findings: c.findings }) }],
      ...(this.o.effort ? { effort: this.o.effort } : {}),
    };
    // On a model that always thinks, a long think can use up the budget: ask again with more.
    const profile = modelProfile(this.o.model);
    let maxTokens = this.o.maxTokens ?? profile.defaultOutput;
    let reply = await this.o.llm.create({ ...request, maxTokens }, opts);
    while (reply.stopReason === 'max_tokens' && maxTokens < profile.maxOutput) {
      maxTokens = Math.min(profile.maxOutput, maxTokens * 2);
      reply = await this.o.llm.create({ ...request, maxTokens }, opts);
    }
    const heuristic = verdictOf(c.findings);
    if (reply.stopReason === 'max_tokens') return { verdict: heuristic, fallback: `its reply was cut off at the output limit of ${maxTokens} tokens` };
    const call = toolCalls(reply).find((b) => b.name === VERDICT_TOOL.name);
    if (!call) return { verdict: heuristic, fallback: 'it did not call the verdict tool' };
    try {
      const v = parseToolInput(VERDICT_TOOL, call);
      // An "ok" that asks for a veto contradicts itself: trust neither half.
      if (v.verdict === 'ok' && v.recommendVeto) return { verdict: heuristic, fallback: 'it said ok and recommended a veto' };
      return { verdict: v };
    } catch (err) {
      if (err instanceof InvalidInputError) return { verdict: heuristic, fallback: `invalid verdict input: ${err.problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}` };
      throw err;
    }
  }

  private hypothesis(experimentId: string): string | undefined {
    const row = this.o.ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(experimentId) as { text: string } | undefined;
    return row?.text;
  }
}
