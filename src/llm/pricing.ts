import { z } from 'zod';
import { UnpricedModelError } from './errors.js';
import type { Usage } from './port.js';

/** USD per million tokens for one model family. Cache writes are 5-minute writes (what `ephemeral` buys). */
export interface Rates {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** A family's rates, and optionally the rates every token of a request pays once its prompt is long. */
export interface Price extends Rates {
  /** Prompt = input + cache write + cache read tokens; above this many, all of the request bills at `rates`. */
  longPrompt?: { aboveTokens: number; rates: Rates };
}

/** Prices by model-id prefix; the longest prefix that matches a model id wins. */
export type PriceTable = Readonly<Record<string, Price>>;

// The usual cache multipliers: a 5-minute write costs 1.25x input, a hit 0.1x. Newer families
// cut hits further (0.05x, 0.025x), so those rows name their own.
const rates = (input: number, output: number, cacheRead = input * 0.1, cacheWrite = input * 1.25): Rates => ({ input, output, cacheWrite, cacheRead });

/**
 * Anthropic list prices, USD per million tokens, standard tier, as published on
 * https://platform.claude.com/docs/en/about-claude/pricing and each model's overview page
 * (platform.claude.com/docs/en/models/<model>/overview), read 2026-11. Fable 5.2's rates
 * ($8/$40, hits $0.20, writes $10) and the Sonnet 5.5 cache-hit cut to $0.10 (2026-10-07)
 * come from release notes of tools that track that page; Mythos models share Fable's prices.
 * Not modelled: 1-hour cache writes (2x input; aar only writes 5-minute entries), batch (-50%),
 * fast mode, and the 1.1x US-only inference_geo surcharge. Override with AAR_LLM_PRICES.
 */
export const DEFAULT_PRICES: PriceTable = {
  'claude-fable-5-2': rates(8, 40, 0.2, 10),
  'claude-mythos-5-2': rates(8, 40, 0.2, 10),
  'claude-fable-5-1': rates(10, 50, 0.25),
  'claude-mythos-5-1': rates(10, 50, 0.25),
  'claude-fable-5': rates(10, 50),
  'claude-mythos-5': rates(10, 50),
  'claude-opus-5-5': rates(4, 20, 0.2),
  'claude-opus-5': rates(5, 25),
  'claude-opus-4-8': rates(5, 25),
  'claude-opus-4-7': rates(5, 25),
  'claude-opus-4-6': rates(5, 25),
  'claude-opus-4-5': rates(5, 25),
  'claude-opus-4-1': rates(15, 75),
  'claude-opus-4': rates(15, 75),
  'claude-sonnet-5-5': rates(2, 10, 0.1),
  'claude-sonnet-5': rates(2, 10),
  'claude-sonnet-4-6': rates(3, 15),
  'claude-sonnet-4-5': { ...rates(3, 15), longPrompt: { aboveTokens: 200_000, rates: rates(6, 22.5) } },
  'claude-sonnet-4': { ...rates(3, 15), longPrompt: { aboveTokens: 200_000, rates: rates(6, 22.5) } },
  'claude-haiku-5-5': { ...rates(0.1, 0.5), longPrompt: { aboveTokens: 100_000, rates: rates(0.5, 2.5) } },
  'claude-haiku-4-5': rates(1, 5),
  'claude-3-7-sonnet': rates(3, 15),
  'claude-3-5-haiku': rates(0.8, 4),
  'claude-3-opus': rates(15, 75),
  'claude-3-haiku': rates(0.25, 1.25, 0.03, 0.3),
};

const usd = z.number().finite().min(0);

/** AAR_LLM_PRICES: model-id prefix -> USD per million tokens; cache rates default to 1.25x / 0.1x input. */
export const PriceOverridesSchema = z.record(
  z.string().min(1),
  z.strictObject({ input: usd, output: usd, cacheWrite: usd.optional(), cacheRead: usd.optional() }),
);
export type PriceOverrides = z.output<typeof PriceOverridesSchema>;

/** The default table with overrides laid over it; an override replaces a default row with the same prefix. */
export function priceTable(overrides: PriceOverrides = {}): PriceTable {
  const table: Record<string, Price> = { ...DEFAULT_PRICES };
  for (const [prefix, o] of Object.entries(overrides)) table[prefix] = rates(o.input, o.output, o.cacheRead, o.cacheWrite);
  return table;
}

/** The price of a model id by its longest matching prefix (at a word boundary); throws UnpricedModelError when none matches. */
export function priceFor(model: string, table: PriceTable = DEFAULT_PRICES): Price {
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    // A boundary keeps `claude-opus-4-1` from matching a future `claude-opus-4-10`.
    const matches = model === prefix || (model.startsWith(prefix) && !/[A-Za-z0-9]/.test(model[prefix.length]));
    if (matches && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  if (best === undefined) throw new UnpricedModelError(model, Object.keys(table).sort());
  return table[best];
}

/** What one reply cost in USD, from its token counts. */
export function costUsd(model: string, usage: Usage, table: PriceTable = DEFAULT_PRICES): number {
  const price = priceFor(model, table);
  const prompt = usage.inputTokens + usage.cacheWriteTokens + usage.cacheReadTokens;
  const r = price.longPrompt && prompt > price.longPrompt.aboveTokens ? price.longPrompt.rates : price;
  return (usage.inputTokens * r.input + usage.outputTokens * r.output + usage.cacheWriteTokens * r.cacheWrite + usage.cacheReadTokens * r.cacheRead) / 1e6;
}
