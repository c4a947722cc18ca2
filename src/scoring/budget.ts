import { z } from 'zod';
import { AarError, InvalidInputError } from '../domain/errors.js';
import { parseOrThrow } from '../domain/validate.js';

/** How many scores each agent may ask for, and what happens when one asks for more. */
export interface ScoreBudgetOptions {
  /** Scores per agent per hour, refilled continuously. */
  perHour: number;
  /** Scores an agent may take back to back after a quiet spell; default max(1, ceil(perHour / 4)). */
  burst?: number;
  /** 'wait' delays the caller until a score is available; 'refuse' throws at once. */
  mode: 'wait' | 'refuse';
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** Defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** In 'wait' mode, refuse instead when the wait would be longer than this; default 10 min. */
  maxWaitMs?: number;
  /** Where each agent's bucket is kept; default in memory (see LedgerBudgetStore to survive a restart). */
  store?: BudgetStore;
}

/** Each agent's bucket: whole and fractional scores left, and when that was last worked out. */
export interface Bucket {
  /** May go below zero in 'wait' mode: each waiting caller has already reserved its tokens. */
  tokens: number;
  at: number;
}

/** Keeps buckets between calls (and, for the ledger's, between runs). */
export interface BudgetStore {
  get(agent: string): Bucket | undefined;
  set(agent: string, bucket: Bucket): void;
}

/** Buckets in memory: forgotten on restart, which refills every budget. */
export class MemoryBudgetStore implements BudgetStore {
  private readonly buckets = new Map<string, Bucket>();
  get(agent: string): Bucket | undefined {
    const b = this.buckets.get(agent);
    return b ? { ...b } : undefined;
  }
  set(agent: string, bucket: Bucket): void {
    this.buckets.set(agent, { ...bucket });
  }
}

/** An agent asked for a score its budget does not allow (now, or within the longest wait). */
export class ScoreBudgetExceededError extends AarError {
  readonly agent: string;
  readonly retryAfterMs: number;
  readonly perHour: number;

  constructor(agent: string, retryAfterMs: number, perHour: number) {
    super(
      'score_budget_exceeded',
      `agent "${agent}" has used its scoring budget (${perHour} ${perHour === 1 ? 'score' : 'scores'} per hour); the next score is available in ${formatWait(retryAfterMs)}`,
    );
    this.agent = agent;
    this.retryAfterMs = retryAfterMs;
    this.perHour = perHour;
  }
}

const isFunction = (v: unknown) => v === undefined || typeof v === 'function';

const optionsSchema = z.object({
  perHour: z.number().positive().finite(),
  burst: z.number().int().min(1).optional(),
  mode: z.enum(['wait', 'refuse']),
  now: z.custom<() => number>(isFunction, 'expected a function returning milliseconds').optional(),
  sleep: z.custom<(ms: number) => Promise<void>>(isFunction, 'expected a function (ms) => Promise<void>').optional(),
  maxWaitMs: z.number().nonnegative().finite().optional(),
  store: z.custom<BudgetStore>((v) => v === undefined || (typeof v === 'object' && v !== null && 'get' in v && 'set' in v), 'expected a BudgetStore ({ get, set })').optional(),
});

const HOUR_MS = 3_600_000;
// Refill arithmetic is in floating point: a caller that waits exactly retryAfterMs must find
// its token, not 0.9999999 of one.
const EPSILON = 1e-9;

/**
 * A token bucket per agent that limits how often each agent can score experiments, so no
 * agent can probe the evaluation set by scoring many variants quickly. Each agent starts
 * with `burst` tokens, refilled continuously at `perHour` per hour; each score takes one.
 */
export class ScoreBudget {
  private readonly perHour: number;
  private readonly burst: number;
  private readonly mode: 'wait' | 'refuse';
  private readonly maxWaitMs: number;
  private readonly ratePerMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly store: BudgetStore;

  constructor(o: ScoreBudgetOptions) {
    const parsed = parseOrThrow(optionsSchema, o, 'score budget options');
    this.perHour = parsed.perHour;
    this.burst = parsed.burst ?? Math.max(1, Math.ceil(parsed.perHour / 4));
    this.mode = parsed.mode;
    this.maxWaitMs = parsed.maxWaitMs ?? 10 * 60_000;
    this.ratePerMs = parsed.perHour / HOUR_MS;
    this.now = parsed.now ?? Date.now;
    this.sleep = parsed.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.store = parsed.store ?? new MemoryBudgetStore();
  }

  /**
   * Takes `count` scores (default one) from `agent`'s budget. In 'refuse' mode throws
   * ScoreBudgetExceededError when they are not all there; in 'wait' mode waits until they are
   * (throwing instead if that would take longer than maxWaitMs). More than the burst at once is
   * always refused: no wait would ever be enough.
   */
  async take(agent: string, count = 1): Promise<void> {
    if (!Number.isInteger(count) || count < 0) throw new InvalidInputError('score budget', [{ field: 'count', problem: `a whole number of scores, at least 0; got ${count}` }]);
    if (count === 0) return;
    // Everything up to the sleep runs synchronously, so concurrent callers for one agent are
    // served one after another and cannot both spend the same token. A waiting caller
    // reserves its tokens before it sleeps (the balance goes negative), so the next caller's
    // wait counts them and callers are served in the order they asked.
    const bucket = this.refill(agent);
    if (bucket.tokens >= count - EPSILON) {
      bucket.tokens -= count;
      this.store.set(agent, bucket);
      return;
    }
    const waitMs = count > this.burst ? Number.POSITIVE_INFINITY : this.waitFor(bucket, count);
    if (this.mode === 'refuse' || waitMs > this.maxWaitMs) {
      this.store.set(agent, bucket);
      throw new ScoreBudgetExceededError(agent, Number.isFinite(waitMs) ? waitMs : this.waitFor(bucket, this.burst), this.perHour);
    }
    bucket.tokens -= count;
    this.store.set(agent, bucket);
    await this.sleep(waitMs);
  }

  /** Whole scores `agent` could take right now without waiting. */
  remaining(agent: string): number {
    return Math.max(0, Math.floor(this.refill(agent).tokens + EPSILON));
  }

  private refill(agent: string): Bucket {
    const now = this.now();
    const bucket = this.store.get(agent);
    if (!bucket) return { tokens: this.burst, at: now };
    // A clock stepped backwards must not take tokens away (or add them).
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.ratePerMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  /** Milliseconds until the bucket holds `count` whole tokens. */
  private waitFor(bucket: Bucket, count = 1): number {
    return Math.max(1, Math.ceil((count - bucket.tokens) / this.ratePerMs - EPSILON));
  }
}

/** A wait in words a person would use: "40 s", "4 min", "2 h 5 min". */
function formatWait(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} s`;
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}
