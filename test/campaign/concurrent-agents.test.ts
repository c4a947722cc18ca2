import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { BotLoop } from '../../src/campaign/bot-loop.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import type { JobResult, JobSpec } from '../../src/domain/experiment.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { ConcurrencyLimitedLlm } from '../../src/llm/limited.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import type { LlmClient } from '../../src/llm/port.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import type { RunContext, Runner } from '../../workers/runner.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { FakeAnthropic, textReply, toolUseReply, type RecordedRequest } from '../helpers/fake-anthropic.js';
import { FROM_MEMBER } from './fixture.js';
import { waitUntil } from '../helpers/processes.js';

/** Real w2s training that waits for the test's go-ahead before it starts: a job held "in flight". */
class HeldRunner implements Runner {
  readonly name = 'held';
  private readonly inner = new W2sRunner({ cacheDir: testCacheDir(), threads: 1 });
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  started = 0;
  go(): void {
    this.release();
  }
  async run(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    this.started++;
    await this.gate;
    return this.inner.run(spec, ctx);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const KEY = 'sk-ant-test-concurrency-0123456789';
const NAMES = ['ada', 'bayes', 'curie', 'darwin', 'euler', 'fermi', 'gauss', 'hopper', 'ising'];

let fake: FakeAnthropic;
let stack: EmbeddedPipeline;
let ledger: Ledger;
let pipeline: Pipeline;
let runner: HeldRunner;

beforeEach(async () => {
  fake = await FakeAnthropic.start({ latencyMs: 2_000, fallback: textReply('Nothing to do now.') });
  runner = new HeldRunner();
  stack = openEmbeddedPipeline({ prefix: 'aar-concurrent-', runner, threads: 1 });
  ({ ledger, pipeline } = stack);
});

afterEach(async () => {
  runner.go();
  await stack.close();
  await fake.close();
});

const metered = (): LlmClient => new MeteredLlm(new AnthropicLlm({ apiKey: KEY, baseUrl: fake.url, maxRetries: 0 }), new UsageLedger(ledger));
const team = (llm: LlmClient, names = NAMES, maxInFlight = 2) => names.map((name) => new ClaudeResearcher({ name, direction: 'x', llm, model: 'claude-opus-5-5', inputBudget: 24_000, maxInFlight }));
const callsOf = (agent: string) => fake.messageRequests.filter((r: RecordedRequest) => JSON.stringify(r.body.system).includes(`You are ${agent},`)).length;

describe('concurrent agents', () => {
  it('nine agents think at the same time: their model calls overlap', async () => {
    const { loop } = openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: team(metered()), scoresPerHour: 600 });
    await loop.round();
    expect(fake.messageRequests).toHaveLength(9);
    expect(fake.maxConcurrent).toBe(9);
  }, 60_000);

  it('AAR_AGENT_CONCURRENCY bounds the calls in flight', async () => {
    const { loop } = openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: team(new ConcurrencyLimitedLlm(metered(), 3)), scoresPerHour: 600 });
    await loop.round();
    expect(fake.messageRequests).toHaveLength(9);
    expect(fake.maxConcurrent).toBe(3);
  }, 60_000);

  it('in its own loop, an agent at its in-flight limit makes no model call until its result arrives; a mention wakes it at once', async () => {
    const [ada] = team(metered(), ['ada'], 1);
    const { desk } = openResearchLoop({ ledger, pipeline, tasks: ['spam'], researchers: [ada], scoresPerHour: 600 });
    const loop = new BotLoop({ ledger, desk, researchers: [ada], pollMs: 20 });
    fake.script(toolUseReply('propose_experiment', { hypothesis: 'naive first', task: 'spam', method: 'naive', seeds: 1 }), textReply('Proposed; waiting for it.'));
    let stop = false;
    const running = loop.run({ gate: () => (stop ? 'stop' : 'go') });
    await waitUntil('the job is held by the runner', () => runner.started === 1);
    await waitUntil('the turn ended', () => ledger.events({ kind: 'turn' }).length === 1);
    const atLimit = callsOf('ada');
    expect(desk.forAgent('ada').inFlight()).toBe(1);
    // Many polls later: still no call, the agent waits rather than pay for a turn it cannot use.
    await new Promise((r) => setTimeout(r, 800));
    expect(callsOf('ada')).toBe(atLimit);

    // A person's mention is answered at once, while the job is still running.
    new ForumRecords(ledger).addMessage({ id: 'm-now', channel: 'forum', threadId: null, author: 'maria', authorKind: 'human', text: '@ada how is it going?', data: FROM_MEMBER });
    await waitUntil('ada answered', () => new ForumRecords(ledger).message('a-m-now-ada'), { intervalMs: 20, timeoutMs: 5000 });
    expect(runner.started).toBe(1);
    const afterAnswer = callsOf('ada');

    // The result arrives: the agent takes a turn.
    runner.go();
    await waitUntil('a turn after the result', () => callsOf('ada') > afterAnswer && ledger.events({ kind: 'turn' }).length >= 2);
    stop = true;
    await running;
  }, 60_000);
});
