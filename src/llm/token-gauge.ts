import type { LlmClient, LlmRequest } from './port.js';
import { promptParams } from './request.js';

/** Characters per token assumed before anything is measured: low, so estimates err high. */
const PRIOR_CHARS_PER_TOKEN = 3;

/**
 * Token estimates for packing prompts under a budget, calibrated on the model's own counts:
 * once with count_tokens on the first request (free, and exact for that prompt), then from
 * every reply's reported input tokens. A fixed characters-per-token guess runs low on current
 * tokenizers, which is how a context "packed to budget" ends up over it.
 */
export class TokenGauge {
  private chars = 0;
  private tokens = 0;
  private calibrated = false;

  /** Characters per token measured so far (the prior until something was measured). */
  get charsPerToken(): number {
    return this.tokens > 0 ? this.chars / this.tokens : PRIOR_CHARS_PER_TOKEN;
  }

  /** Tokens `text` (or that many characters) will take, rounded up. */
  estimate(text: string | number): number {
    const n = typeof text === 'number' ? text : text.length;
    return Math.ceil(n / this.charsPerToken);
  }

  /** Records what a request of `chars` characters was counted as. */
  observe(chars: number, inputTokens: number): void {
    if (chars <= 0 || inputTokens <= 0) return;
    this.chars += chars;
    this.tokens += inputTokens;
  }

  /**
   * Counts `req` with count_tokens once per gauge. Proxies and gateways that do not offer the
   * endpoint are tolerated: the gauge then learns from replies alone.
   */
  async calibrate(llm: LlmClient, req: Omit<LlmRequest, 'maxTokens'>, o: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.calibrated) return;
    this.calibrated = true;
    try {
      this.observe(requestChars(req), await llm.countTokens(req, o));
    } catch {
      // Not fatal: see above.
    }
  }
}

/** Characters of a request as the API receives it (tools as JSON Schema, system, messages). */
export function requestChars(req: Pick<LlmRequest, 'model' | 'system' | 'tools' | 'messages'>): number {
  const p = promptParams(req);
  return JSON.stringify(p.tools).length + req.system.length + JSON.stringify(p.messages).length;
}
