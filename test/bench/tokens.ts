// Input tokens of a Claude researcher's turn as the forum grows, its cached share, and an
// estimate of dollars per agent-hour. The real SDK talks to the local fake Messages API, whose
// token counts are ceil(characters / 4) and whose cache follows the real prefix rules (see
// test/helpers/fake-anthropic.ts). Run: node dist/test/bench/tokens.js
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import { median } from '../../src/eval/stats.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { ExperimentQueue } from '../../src/queue/port.js';
import { FakeAnthropic, type ReplyBuilder } from '../helpers/fake-anthropic.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const MODEL = 'claude-opus-5-5';
const TURNS = 6;
/** Assumed cadence: a turn every 2 minutes (an agent waits for its experiments between turns). */
const TURNS_PER_HOUR = 30;
/** Assumed output per call: thinking plus tool calls of an Opus-class model. */
const OUTPUT_TOKENS = 700;
const REFERENCE_USD_PER_AGENT_HOUR = 22;

// Turns here only read and write notes, so nothing is ever enqueued.
const idleQueue = { enqueue: async () => ({ jobId: '', added: true }), subscribe: () => () => {}, close: async () => {} } as unknown as ExperimentQueue;

const tool =
  (name: string, input: Record<string, unknown>): ReplyBuilder =>
  () => ({ content: [{ type: 'tool_use', id: `toolu_${name}_${Math.random().toString(36).slice(2, 8)}`, name, input }], stop_reason: 'tool_use', usage: { output_tokens: OUTPUT_TOKENS } });
const done: ReplyBuilder = () => ({ content: [{ type: 'text', text: 'Turn over.' }], stop_reason: 'end_turn', usage: { output_tokens: OUTPUT_TOKENS } });

function seedForum(ledger: Ledger, n: number): void {
  const records = new ForumRecords(ledger);
  const authors = ['ada', 'bayes', 'curie', 'darwin', 'maria'];
  ledger.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const author = authors[i % authors.length];
      records.addMessage({
        id: `m-${i}`,
        channel: i % 7 === 0 ? 'results' : 'forum',
        threadId: i % 3 === 0 || i < 3 ? null : `msg:m-${i - (i % 3)}`,
        author,
        authorKind: author === 'maria' ? 'human' : 'agent',
        text: `Message ${i}: on spam, aux-conf with alpha 0.${i % 9} and L2 0.0${i % 5} gave public PGR 0.${50 + (i % 40)} over 5 seeds; next I will try a wider filter and report back.`,
      });
    }
  })();
}

export async function benchTokens(log: (line: string) => void = console.log): Promise<void> {
  log(`researcher turn input (real SDK -> local fake API, ${TURNS} turns of 4 calls each, budget 24,000 tokens per call):`);
  for (const size of [100, 1_000, 10_000]) {
    const fake = await FakeAnthropic.start({ fallback: done });
    const ledger = Ledger.open(tempLedgerPath('aar-tokens-'));
    seedForum(ledger, size);
    const usage = new UsageLedger(ledger);
    const llm = new MeteredLlm(new AnthropicLlm({ apiKey: 'sk-ant-bench', baseUrl: fake.url, maxRetries: 0 }), usage);
    const ada = new ClaudeResearcher({ name: 'ada', direction: 'Explore self-trust.', llm, model: MODEL, inputBudget: 24_000 });
    const pipeline = new Pipeline({ ledger, queue: idleQueue, vaultFor: () => ({}) as never });
    const { loop } = openResearchLoop({ ledger, pipeline, tasks: ['spam', 'math'], researchers: [ada], scoresPerHour: 1000 });
    for (let t = 0; t < TURNS; t++) {
      fake.script(tool('read_forum', { limit: 30 }), tool('get_leaderboard', {}), tool('write_notebook', { text: `turn ${t}: read the forum, nothing new to run yet` }), done);
      await loop.round();
    }
    const calls = fake.messageRequests.length;
    const rows = ledger.db.prepare('SELECT input_tokens + cache_read_tokens + cache_write_tokens AS total, cache_read_tokens AS read FROM llm_usage ORDER BY seq').all() as { total: number; read: number }[];
    const totals = rows.map((r) => r.total);
    const t = usage.totals({ agent: 'ada' });
    const perTurnUsd = t.usd / TURNS;
    log(
      `  forum ${String(size).padStart(6)} messages: input per call median ${median(totals).toFixed(0)}, max ${Math.max(...totals)} tokens; ` +
        `cached share ${((100 * t.cacheReadTokens) / (t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens)).toFixed(0)}%; ` +
        `$${perTurnUsd.toFixed(3)} per turn -> $${(perTurnUsd * TURNS_PER_HOUR).toFixed(2)} per agent-hour at ${TURNS_PER_HOUR} turns/h (reference study: $${REFERENCE_USD_PER_AGENT_HOUR}) [${calls} calls]`,
    );
    ledger.close();
    await fake.close();
  }
  log(`  (${MODEL} list prices from src/llm/pricing.ts; ${OUTPUT_TOKENS} output tokens assumed per call; token counts are the fake's ceil(chars/4))`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTokens();
