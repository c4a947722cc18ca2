import type { Config } from '../config/env.js';
import type { Ledger } from '../ledger/ledger.js';
import { UsageLedger } from '../ledger/usage.js';
import { AnthropicLlm } from './anthropic.js';
import { ConcurrencyLimitedLlm } from './limited.js';
import { MeteredLlm } from './metered.js';
import type { LlmClient } from './port.js';

/**
 * The model client the bots use: Anthropic with every reply's spend recorded in the ledger,
 * and at most AAR_AGENT_CONCURRENCY calls at once when that is set.
 * Undefined without ANTHROPIC_API_KEY, which is how the campaign knows to run heuristic bots.
 */
export function openLlm(config: Pick<Config, 'llm'>, ledger: Ledger, o: { fetch?: typeof fetch; now?: () => Date } = {}): LlmClient | undefined {
  const c = config.llm;
  if (!c.apiKey) return undefined;
  const llm = new AnthropicLlm({ apiKey: c.apiKey, baseUrl: c.baseUrl, maxRetries: c.maxRetries, timeoutMs: c.timeoutMs, prices: c.prices, fetch: o.fetch });
  const metered = new MeteredLlm(llm, new UsageLedger(ledger, { now: o.now }));
  return c.agentConcurrency ? new ConcurrencyLimitedLlm(metered, c.agentConcurrency) : metered;
}
