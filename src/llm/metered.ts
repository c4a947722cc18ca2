import type { UsageLedger } from '../ledger/usage.js';
import type { LlmClient, LlmReply, LlmRequest } from './port.js';

/**
 * Counts spend: every reply that comes back is recorded in the usage ledger (keyed by the
 * reply id, so recording it again changes nothing) before the caller sees it. Retries live
 * inside the wrapped client and failures return no reply, so each reply is counted once.
 */
export class MeteredLlm implements LlmClient {
  constructor(
    private readonly inner: LlmClient,
    private readonly usage: UsageLedger,
  ) {}

  async create(req: LlmRequest, o?: { signal?: AbortSignal }): Promise<LlmReply> {
    const reply = await this.inner.create(req, o);
    this.usage.record({
      requestId: reply.id,
      agent: req.agent,
      purpose: req.purpose,
      model: reply.model,
      campaignId: req.campaignId,
      ...reply.usage,
      usd: reply.usd,
    });
    return reply;
  }

  countTokens(req: Parameters<LlmClient['countTokens']>[0], o?: { signal?: AbortSignal }): Promise<number> {
    return this.inner.countTokens(req, o);
  }
}
