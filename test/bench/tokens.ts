// Input tokens of a Claude researcher's call as the forum grows (the context must stay flat),
// and what an agent-hour costs with a model that thinks, from a timed run of concurrent agents
// on the real pipeline. The real SDK talks to the local Messages API stand-in, whose token
// counts are ceil(characters / 4), whose cache follows the real prefix rules, and which thinks
// before every answer (test/helpers/fake-anthropic*.ts). Run: npm run bench tokens
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { FixedBaselines } from '../../src/scoring/trusted-baselines.js';
import { BotLoop } from '../../src/campaign/bot-loop.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import { campaignSpend, REFERENCE_USD_PER_AGENT_HOUR } from '../../src/campaign/spend.js';
import { median } from '../../src/eval/stats.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { ExperimentQueue } from '../../src/queue/port.js';
import { FakeAnthropic, type RecordedRequest, type ReplyBuilder } from '../helpers/fake-anthropic.js';
import { openEmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const MODEL = 'claude-opus-5-5';
const TURNS = 6;
/** Tokens the stand-in thinks before every answer (Opus 5.5 at its default, medium effort, is assumed to think about this much per tool step). */
const THINKING = 2000;
/** The stand-in writes (and thinks) this fast: 10 ms a token is 100 tokens a second. */
const MS_PER_TOKEN = 10;
const AGENTS = 3;
const RUN_MS = 150_000;

// Context turns only read and write notes, so nothing is ever enqueued.
const idleQueue = { enqueue: async () => ({ jobId: '', added: true }), subscribe: () => () => {}, close: async () => {} } as unknown as ExperimentQueue;

const tool = (name: string, input: Record<string, unknown>) => ({ type: 'tool_use', id: `toolu_${name}_${Math.random().toString(36).slice(2, 8)}`, name, input });
const step =
  (name: string, input: Record<string, unknown>): ReplyBuilder =>
  () => ({ content: [tool(name, input)], stop_reason: 'tool_use' });
const done: ReplyBuilder = () => ({ content: [{ type: 'text', text: 'Turn over: read the forum, nothing new to run yet.' }], stop_reason: 'end_turn' });

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

async function contextTokens(log: (line: string) => void): Promise<void> {
  log(`researcher call input (real SDK -> local stand-in, ${TURNS} turns of 4 calls each, budget 24,000 tokens per call, the stand-in thinking ${THINKING} tokens per call):`);
  for (const size of [100, 1_000, 10_000]) {
    const fake = await FakeAnthropic.start({ fallback: done, thinkingTokens: THINKING });
    const ledger = Ledger.open(tempLedgerPath('aar-tokens-'));
    seedForum(ledger, size);
    const usage = new UsageLedger(ledger);
    const llm = new MeteredLlm(new AnthropicLlm({ apiKey: 'sk-ant-bench', baseUrl: fake.url, maxRetries: 0 }), usage);
    const ada = new ClaudeResearcher({ name: 'ada', direction: 'Explore self-trust.', llm, model: MODEL, inputBudget: 24_000 });
    const pipeline = new Pipeline({ ledger, queue: idleQueue, vaultFor: () => ({}) as never, baselines: new FixedBaselines({}) });
    const { loop } = openResearchLoop({ ledger, pipeline, tasks: ['spam', 'math'], researchers: [ada], scoresPerHour: 1000 });
    const started = performance.now();
    for (let t = 0; t < TURNS; t++) {
      fake.script(step('read_forum', { limit: 30 }), step('get_leaderboard', {}), step('write_notebook', { text: `turn ${t}: read the forum, nothing new to run yet` }), done);
      await loop.round();
    }
    const ms = (performance.now() - started) / TURNS;
    const rows = ledger.db.prepare('SELECT input_tokens + cache_read_tokens + cache_write_tokens AS total FROM llm_usage ORDER BY seq').all() as { total: number }[];
    const totals = rows.map((r) => r.total);
    const t = usage.totals({ agent: 'ada' });
    log(
      `  forum ${String(size).padStart(6)} messages: input per call median ${median(totals).toFixed(0)}, max ${Math.max(...totals)} tokens; ` +
        `cached share ${((100 * t.cacheReadTokens) / (t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens)).toFixed(0)}%; ` +
        `output per call ${(t.outputTokens / rows.length).toFixed(0)} tokens; $${(t.usd / TURNS).toFixed(3)} per turn; turn built and run in ${ms.toFixed(0)} ms [${fake.messageRequests.length} calls]`,
    );
    ledger.close();
    await fake.close();
  }
}

/**
 * The stand-in as a researcher that works: each turn it reads the leaderboard, proposes a
 * 1-seed probe of label smoothing on spam (real training through the pipeline), and ends.
 */
const researchPolicy: ReplyBuilder = (req: RecordedRequest) => {
  const calls = (req.body.messages as { role: string }[]).filter((m) => m.role === 'assistant').length;
  if (calls === 0) return step('get_leaderboard', { task: 'spam' })(req);
  if (calls === 1) return step('propose_experiment', { hypothesis: 'Smoothing the weak labels may curb overconfidence.', task: 'spam', method: { labelSmoothing: Math.round(Math.random() * 40) / 100 }, seeds: 1 })(req);
  return { content: [{ type: 'text', text: 'Proposed a smoothing probe; will read its result next turn.' }], stop_reason: 'end_turn' };
};

async function spendPerAgentHour(log: (line: string) => void): Promise<void> {
  const fake = await FakeAnthropic.start({ fallback: researchPolicy, thinkingTokens: THINKING, msPerOutputToken: MS_PER_TOKEN });
  const stack = openEmbeddedPipeline({ prefix: 'aar-tokens-run-', threads: 2 });
  const { ledger, pipeline } = stack;
  const campaignId = 'bench-tokens';
  const llm = new MeteredLlm(new AnthropicLlm({ apiKey: 'sk-ant-bench', baseUrl: fake.url, maxRetries: 0 }), new UsageLedger(ledger));
  const names = ['ada', 'bayes', 'curie'].slice(0, AGENTS);
  const researchers = names.map((name) => new ClaudeResearcher({ name, direction: 'Explore self-trust.', llm, model: MODEL, inputBudget: 24_000, campaignId, maxInFlight: 1 }));
  const { desk } = openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers, scoresPerHour: 600, campaignId });
  const loop = new BotLoop({ ledger, desk, researchers, campaignId });
  ledger.append('campaign', { campaignId, data: { action: 'start', agents: AGENTS } });
  const until = Date.now() + RUN_MS;
  await loop.run({ gate: () => (Date.now() < until ? 'go' : 'stop') });
  ledger.append('campaign', { campaignId, data: { action: 'stop', reason: 'bench over' } });
  const s = campaignSpend(ledger, campaignId);
  const turns = ledger.events({ kind: 'turn' }).filter((e) => e.data.ok).length;
  log(
    `${AGENTS} concurrent agents for ${RUN_MS / 1000} s (stand-in: ${THINKING} thinking tokens a call at ${1000 / MS_PER_TOKEN} tokens/s; each turn reads the leaderboard and trains a 1-seed probe):\n` +
      `  ${turns} turns, ${s.experiments} experiments, $${s.usd.toFixed(2)}; wall ${s.agentHours.toFixed(3)} agent-hours -> $${s.usdPerAgentHour.toFixed(2)} per wall agent-hour; ` +
      `active ${s.activeAgentHours.toFixed(3)} agent-hours (${((100 * s.activeAgentHours) / Math.max(1e-9, s.agentHours)).toFixed(0)}% of wall) -> $${s.usdPerActiveAgentHour.toFixed(2)} per active agent-hour ` +
      `(reference study: $${REFERENCE_USD_PER_AGENT_HOUR} per agent-hour)`,
  );
  await stack.close();
  await fake.close();
}

export async function benchTokens(log: (line: string) => void = console.log): Promise<void> {
  await contextTokens(log);
  await spendPerAgentHour(log);
  log(`  (${MODEL} list prices from src/llm/pricing.ts; token counts are the stand-in's ceil(chars/4))`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTokens();
