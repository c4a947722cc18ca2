import type { LlmClient, LlmReply, LlmRequest } from './port.js';

/**
 * Bounds how many model calls run at once (AAR_AGENT_CONCURRENCY): agents run their own loops
 * concurrently, and this is where a team that hits its rate limit or wants to spread its
 * spend says how many may think at the same time. Calls beyond the bound wait in FIFO order;
 * the wait is not part of a reply's `ms`, so active agent-hours count only time in the call.
 */
export class ConcurrencyLimitedLlm implements LlmClient {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly inner: LlmClient,
    readonly limit: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  }

  async create(req: LlmRequest, o?: { signal?: AbortSignal }): Promise<LlmReply> {
    await this.acquire(o?.signal);
    try {
      return await this.inner.create(req, o);
    } finally {
      this.release();
    }
  }

  // Counting tokens is cheap and not what the limit is for.
  countTokens(req: Parameters<LlmClient['countTokens']>[0], o?: { signal?: AbortSignal }): Promise<number> {
    return this.inner.countTokens(req, o);
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', abort);
        this.running++;
        resolve();
      };
      const abort = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(go);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
