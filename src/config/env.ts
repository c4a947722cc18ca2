import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import { CODE_LANGUAGES, type CodeLanguage } from '../domain/method.js';
import { parseOrThrow } from '../domain/validate.js';
import { EFFORTS, modelProfile, type Effort } from '../llm/models.js';
import { PriceOverridesSchema, priceFor, priceTable, type PriceTable } from '../llm/pricing.js';

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

// A variable holding JSON: parsed, then checked field by field (issues name e.g. AAR_LLM_PRICES.<prefix>.input).
const jsonOf = <S extends z.ZodType>(schema: S, example: string) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `not valid JSON; accepted: a JSON object such as ${example}` });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** Every environment variable aar reads, in one place. All optional: the embedded default needs none. */
const EnvSchema = z.object({
  AAR_HOME: z.string().min(1).default('.aar'),
  AAR_CACHE_DIR: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'a URL such as redis://127.0.0.1:6379')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  AAR_QUEUE: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -').default('aar-experiments'),
  AAR_STALLED_INTERVAL_MS: intFrom(500, 600_000).default(5000),
  AAR_JOB_TIMEOUT_MS: intFrom(1000, 7 * 24 * 3600_000).default(30 * 60_000),
  AAR_SHUTDOWN_GRACE_MS: intFrom(0, 24 * 3600_000).default(30_000),
  AAR_JOB_ATTEMPTS: intFrom(1, 20).default(3),
  AAR_RECONCILE_MS: intFrom(200, 3600_000).default(5000),
  AAR_THREADS: intFrom(1, 256).optional(),
  AAR_TRAINER: z.string().min(1).optional(),
  AAR_DATA_DIR: z.string().min(1).optional(),
  AAR_LABELS_DIR: z.string().min(1).optional(),
  AAR_BASELINES: z.enum(['embedded', 'trainer']).default('embedded'),
  // Unset: python with trainer baselines (GPU workers run workers/gpu), else javascript (w2s workers).
  AAR_METHOD_CODE: z.enum(CODE_LANGUAGES).optional(),
  // Resident memory a command trainer's job with method code may use (its whole process group); unset: half the machine's.
  AAR_METHOD_MEMORY_MB: intFrom(64, 16_777_216).optional(),
  AAR_FORUM_PORT: intFrom(0, 65535).default(7420),
  AAR_OPERATOR: z.string().regex(/^[\w .-]{1,40}$/, 'a display name: letters, digits, spaces, . _ -').default('operator'),
  // Unset: a new random token each start, printed in the forum's URL.
  AAR_FORUM_TOKEN: z.string().regex(/^[A-Za-z0-9_-]{24,128}$/, '24-128 letters, digits, _ or - (unset: a random one each start)').optional(),
  AAR_ADMINS: z.string().default(''),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'a bot token starting with xoxb-').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'an app-level token starting with xapp- (Socket Mode)').optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_PORT: intFrom(1, 65535).default(3000),
  // Loopback by default: a development machine's Slack HTTP receiver is not for the network.
  SLACK_HOST: z
    .string()
    .regex(/^(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*|[0-9A-Fa-f:.]{2,45})$/, 'an address to listen on: 127.0.0.1 (the default), 0.0.0.0 for every interface, or one of this machine\'s addresses')
    .default('127.0.0.1'),
  SLACK_API_URL: z.url().optional(),
  SLACK_CHANNEL_FORUM: z.string().regex(/^[a-z0-9_-]{1,80}$/, 'a Slack channel name without #').default('aar-forum'),
  SLACK_CHANNEL_RESULTS: z.string().regex(/^[a-z0-9_-]{1,80}$/, 'a Slack channel name without #').default('aar-results'),
  SLACK_CHANNEL_AUDIT: z.string().regex(/^[a-z0-9_-]{1,80}$/, 'a Slack channel name without #').default('aar-audit'),
  ANTHROPIC_API_KEY: z.string().min(1).optional().or(z.literal('').transform(() => undefined)),
  ANTHROPIC_BASE_URL: z.url().optional().or(z.literal('').transform(() => undefined)),
  AAR_MODEL: z.string().regex(/^[A-Za-z0-9][\w.:@[\]/-]{0,199}$/, 'a model id such as claude-opus-5-5').default('claude-opus-5-5'),
  AAR_LLM_MAX_RETRIES: intFrom(0, 20).default(4),
  AAR_LLM_TIMEOUT_MS: intFrom(1000, 3600_000).default(120_000),
  AAR_LLM_PRICES: jsonOf(PriceOverridesSchema, '{"claude-opus-5-5":{"input":4,"output":20}}').optional(),
  AAR_TURN_INPUT_BUDGET: intFrom(1000, 2_000_000).default(24_000),
  AAR_MAX_OUTPUT_TOKENS: intFrom(256, 128_000).optional(),
  AAR_EFFORT: z.enum(EFFORTS).optional(),
  AAR_AGENT_CONCURRENCY: intFrom(1, 1000).optional(),
});

export interface Config {
  /** Where aar keeps its state (ledger, reports) and, by default, its caches. */
  home: string;
  /** Feature and baseline caches: safe to delete, rebuilt on demand. */
  cacheDir: string;
  /**
   * The command runner's trusted label folder (gold split A and split B's labels): given to the
   * trainer's trusted baselines phase only, never to a method phase.
   */
  labelsDir?: string;
  /**
   * Where scoring's weak teacher and ceiling come from: "embedded" (trusted code in the
   * coordinator trains them) or "trainer" (a trusted baselines job per (task, seed) on the workers).
   */
  baselines: 'embedded' | 'trainer';
  /**
   * The language of method code the campaign's workers run: javascript on the embedded w2s
   * runner, python on the GPU trainer. Proposals in the other language are refused at the desk.
   */
  codeLanguage: CodeLanguage;
  /** Resident memory (MB) a command trainer's job with method code may use, its process group together. */
  methodMemoryMb: number;
  ledgerPath: string;
  /** Set: BullMQ on Redis with `aar worker` processes. Unset: jobs run in-process. */
  redisUrl?: string;
  queueName: string;
  stalledIntervalMs: number;
  jobTimeoutMs: number;
  /** How long `aar worker` lets running jobs finish on SIGTERM before handing them back. */
  shutdownGraceMs: number;
  jobAttempts: number;
  /** How often a coordinator re-checks unfinished jobs against the queue (Redis restarts, lost events). */
  reconcileMs: number;
  /** Worker threads for in-process w2s jobs: one per core by default. */
  threads: number;
  /** The external trainer for `--runner command`, and the data directory it is given. */
  trainer?: string;
  dataDir?: string;
  forum: ForumConfig;
  llm: LlmConfig;
}

/** The model API: Claude bots run when `apiKey` is set, heuristic ones otherwise. */
export interface LlmConfig {
  apiKey?: string;
  /** A gateway or proxy in front of the API. */
  baseUrl?: string;
  model: string;
  maxRetries: number;
  timeoutMs: number;
  /** Default list prices with AAR_LLM_PRICES laid over them. */
  prices: PriceTable;
  /** Input tokens one bot turn may send. */
  turnInputBudget: number;
  /** max_tokens of one call (thinking included); unset: each model's own default (src/llm/models.ts). */
  maxOutputTokens?: number;
  /** `output_config.effort`; unset: the model's default. */
  effort?: Effort;
  /** Most model calls at once across all agents; unset: no bound (every agent may think at once). */
  agentConcurrency?: number;
}

/** Which forum to run: Slack when a bot token is set, else the local web forum. */
export type ForumConfig =
  | {
      kind: 'local';
      port: number;
      operator: string;
      /** Required to post; unset, the forum makes a random one at each start and prints it in its URL. */
      token?: string;
    }
  | {
      kind: 'slack';
      botToken: string;
      /** HTTP mode listens on `host` (SLACK_HOST, loopback by default). */
      mode: { kind: 'socket'; appToken: string } | { kind: 'http'; signingSecret: string; port: number; host: string };
      apiUrl?: string;
      channels: { forum: string; results: string; audit: string };
      /** Slack user ids allowed to veto, approve, pause and the like. */
      admins: string[];
    };

/** Reads the configuration from the environment; a bad value names the variable and what is accepted. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseOrThrow(EnvSchema, env, 'environment');
  const home = resolve(e.AAR_HOME);
  return {
    home,
    cacheDir: resolve(e.AAR_CACHE_DIR ?? `${home}/cache`),
    ledgerPath: resolve(home, 'ledger.sqlite'),
    redisUrl: e.REDIS_URL,
    queueName: e.AAR_QUEUE,
    stalledIntervalMs: e.AAR_STALLED_INTERVAL_MS,
    jobTimeoutMs: e.AAR_JOB_TIMEOUT_MS,
    shutdownGraceMs: e.AAR_SHUTDOWN_GRACE_MS,
    jobAttempts: e.AAR_JOB_ATTEMPTS,
    reconcileMs: e.AAR_RECONCILE_MS,
    threads: e.AAR_THREADS ?? Math.max(1, cpus().length),
    trainer: e.AAR_TRAINER,
    dataDir: e.AAR_DATA_DIR ? resolve(e.AAR_DATA_DIR) : undefined,
    labelsDir: e.AAR_LABELS_DIR ? resolve(e.AAR_LABELS_DIR) : undefined,
    baselines: e.AAR_BASELINES,
    codeLanguage: e.AAR_METHOD_CODE ?? (e.AAR_BASELINES === 'trainer' ? 'python' : 'javascript'),
    methodMemoryMb: e.AAR_METHOD_MEMORY_MB ?? Math.floor(totalmem() / 2 ** 21),
    forum: forumConfig(e),
    llm: llmConfig(e),
  };
}

function llmConfig(e: z.output<typeof EnvSchema>): LlmConfig {
  const prices = priceTable(e.AAR_LLM_PRICES);
  // Spend on a model with no price could not be counted: refuse at start-up, not mid-campaign.
  if (e.ANTHROPIC_API_KEY) {
    try {
      priceFor(e.AAR_MODEL, prices);
    } catch (err) {
      throw new InvalidInputError('environment', [{ field: 'AAR_MODEL', problem: (err as Error).message }]);
    }
  }
  const profile = modelProfile(e.AAR_MODEL);
  if (e.AAR_MAX_OUTPUT_TOKENS !== undefined && e.AAR_MAX_OUTPUT_TOKENS > profile.maxOutput) {
    throw new InvalidInputError('environment', [{ field: 'AAR_MAX_OUTPUT_TOKENS', problem: `${e.AAR_MODEL} writes at most ${profile.maxOutput} tokens; accepted: 256 to ${profile.maxOutput}` }]);
  }
  return {
    apiKey: e.ANTHROPIC_API_KEY,
    baseUrl: e.ANTHROPIC_BASE_URL,
    model: e.AAR_MODEL,
    maxRetries: e.AAR_LLM_MAX_RETRIES,
    timeoutMs: e.AAR_LLM_TIMEOUT_MS,
    prices,
    turnInputBudget: e.AAR_TURN_INPUT_BUDGET,
    maxOutputTokens: e.AAR_MAX_OUTPUT_TOKENS,
    effort: e.AAR_EFFORT,
    agentConcurrency: e.AAR_AGENT_CONCURRENCY,
  };
}

function forumConfig(e: z.output<typeof EnvSchema>): ForumConfig {
  if (!e.SLACK_BOT_TOKEN) return { kind: 'local', port: e.AAR_FORUM_PORT, operator: e.AAR_OPERATOR, token: e.AAR_FORUM_TOKEN };
  const mode = e.SLACK_APP_TOKEN
    ? { kind: 'socket' as const, appToken: e.SLACK_APP_TOKEN }
    : e.SLACK_SIGNING_SECRET
      ? { kind: 'http' as const, signingSecret: e.SLACK_SIGNING_SECRET, port: e.SLACK_PORT, host: e.SLACK_HOST }
      : undefined;
  if (!mode) {
    throw new InvalidInputError('environment', [
      { field: 'SLACK_APP_TOKEN', problem: 'SLACK_BOT_TOKEN is set, so Slack needs SLACK_APP_TOKEN (Socket Mode, no public URL: recommended) or SLACK_SIGNING_SECRET (HTTP events)' },
    ]);
  }
  return {
    kind: 'slack',
    botToken: e.SLACK_BOT_TOKEN,
    mode,
    apiUrl: e.SLACK_API_URL,
    channels: { forum: e.SLACK_CHANNEL_FORUM, results: e.SLACK_CHANNEL_RESULTS, audit: e.SLACK_CHANNEL_AUDIT },
    admins: e.AAR_ADMINS.split(',').map((a) => a.trim()).filter(Boolean),
  };
}
