import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign } from '../../src/campaign/campaign-file.js';
import type { CampaignSummary } from '../../src/campaign/summary.js';
import { inlineItemEvaluator } from '../../src/eval/item-evaluator.js';
import { buildReport } from '../../src/report/campaign-report.js';
import { reportBlocks } from '../../src/report/report-document.js';
import { renderMarkdown } from '../../src/report/report-render.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import { TASKS } from '../../workers/w2s/tasks.js';
import { loadTaskFeatures } from '../../workers/w2s/data/cache.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { FakeAnthropic, textReply, toolUseReply, type RecordedRequest } from '../helpers/fake-anthropic.js';

/**
 * Issue 18, held-out task transfer: agents search on spam, math and code; sentiment and sotu are
 * held out. Nothing about a held-out task (its name, its description, its items, its scores)
 * reaches any model request (so no context and no tool answer), the forum, or the experiments
 * agents can list, before the campaign ends; then the transfer result names both.
 */
const SEARCH = ['spam', 'math', 'code'];
const HOLDOUT = ['sentiment', 'sotu'] as const;
// Each agent turn calls these tools in order (their answers come back in the next request), then stops.
const TOOLS: [string, Record<string, unknown>][] = [
  ['get_leaderboard', {}],
  ['read_forum', { limit: 100 }],
  ['propose_experiment', { hypothesis: 'hard labels help', task: 'spam', method: 'hard-labels', seeds: 5 }],
  ['propose_experiment', { hypothesis: 'probing', task: 'sentiment', method: 'naive', seeds: 1 }],
  ['propose_experiment', { hypothesis: 'probing', task: 'chess', method: 'naive', seeds: 1 }],
  ['get_findings', { type: 'result' }],
];

let fake: FakeAnthropic;
let stack: EmbeddedPipeline;
let summary: CampaignSummary;
let transferSeq: number;

/** Words that would give a held-out task away: names, descriptions, item ids and inputs. */
function giveaways(): string[] {
  const words: string[] = [...HOLDOUT, 'AFINN', 'State of the Union', 'sent-', 'sotu-'];
  for (const t of HOLDOUT) {
    words.push(TASKS[t].description.slice(0, 40));
    const f = loadTaskFeatures(testCacheDir(), t);
    words.push(...f.inputs.slice(0, 20).filter((s) => s.length >= 12));
  }
  return words;
}

beforeAll(async () => {
  fake = await FakeAnthropic.start({
    fallback: (req: RecordedRequest) => {
      const results = (req.body.messages as { content: unknown }[]).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: { type?: string }) => b.type === 'tool_result').length;
      const next = TOOLS[results];
      return next ? toolUseReply(next[0], next[1], `toolu_${results}`)(req) : textReply('Done for now.')(req);
    },
  });
  stack = openEmbeddedPipeline({ prefix: 'aar-holdout-' });
  const campaign = new Campaign({
    file: parseCampaign({ name: 'transfer', tasks: SEARCH, holdout: [...HOLDOUT], agents: { count: 2, kind: 'claude' }, budget: { experiments: 16 } }),
    ledger: stack.ledger,
    pipeline: stack.pipeline,
    llm: new AnthropicLlm({ apiKey: 'sk-ant-test-holdout-0123456789', baseUrl: fake.url, maxRetries: 0 }),
    model: 'claude-opus-5-5',
    inputBudget: 24_000,
    scheduler: new ManualScheduler(),
    evaluator: inlineItemEvaluator(testCacheDir()),
  });
  summary = await campaign.run();
  transferSeq = stack.ledger.events({ kind: 'transfer' })[0].seq;
}, 300_000);
afterAll(async () => {
  await stack.close();
  await fake.close();
});

describe('held-out tasks', () => {
  it('never reach a model request: no context, no tool answer, no refusal names them', () => {
    expect(fake.messageRequests.length).toBeGreaterThan(4);
    // The agents did call tools, and got answers back.
    expect(fake.messageRequests.some((r) => JSON.stringify(r.body.messages).includes('tool_result'))).toBe(true);
    const words = giveaways();
    // A probe that names a held-out task is refused exactly as one naming a task that does not exist.
    const answerTo = (id: string) => {
      for (const r of fake.messageRequests) for (const m of r.body.messages as { content: unknown }[]) for (const b of Array.isArray(m.content) ? m.content : []) if (b.tool_use_id === id) return String(b.content);
      throw new Error(`no answer to ${id}`);
    };
    expect(answerTo('toolu_3')).toMatch(/unknown task "sentiment"/);
    expect(answerTo('toolu_3').replace('"sentiment"', '"chess"')).toBe(answerTo('toolu_4'));
    for (const r of fake.messageRequests) {
      // What the model is given: system prompt, tools, and every user turn (turn context and tool answers);
      // its own earlier turns (a probe naming "sentiment") are its words, not something it was told.
      const given = JSON.stringify({ system: r.body.system, tools: r.body.tools, user: (r.body.messages as { role: string }[]).filter((m) => m.role === 'user') }).replaceAll('unknown task \\"sentiment\\"', '');
      for (const w of words) {
        const at = given.indexOf(w);
        expect(at, `a model request contains "${w}": …${given.slice(Math.max(0, at - 150), at + 100)}…`).toBe(-1);
      }
    }
  });

  it('never reach the forum, the experiments or any ledger fact before the campaign ends', () => {
    const { ledger } = stack;
    const words = giveaways();
    const before = ledger.db.prepare('SELECT kind, data FROM events WHERE seq < ?').all(transferSeq) as { kind: string; data: string }[];
    for (const e of before) for (const w of words) expect(e.data.includes(w), `a ${e.kind} event before the end contains "${w}"`).toBe(false);
    const messages = ledger.db.prepare("SELECT text FROM messages WHERE id NOT LIKE 'm-transfer-%'").all() as { text: string }[];
    for (const m of messages) for (const w of words) expect(m.text.includes(w), `forum message contains "${w}"`).toBe(false);
    const tasks = (ledger.db.prepare('SELECT DISTINCT task FROM experiments').all() as { task: string }[]).map((r) => r.task);
    expect(tasks.every((t) => SEARCH.includes(t))).toBe(true);
  });

  it('ends with a transfer result per held-out task: the team\'s best and aux-conf, paired, with the combined SE', () => {
    expect(Object.keys(summary.transfer ?? {}).sort()).toEqual([...HOLDOUT].sort());
    for (const t of HOLDOUT) {
      const r = summary.transfer![t];
      expect(r).toMatchObject({ task: t, seeds: 5, se: 'combined SE (seed + item bootstrap)', auxConf: { mean: expect.any(Number), se: expect.any(Number) } });
      expect(r.best).toMatchObject({ role: 'overall best (mean rank)', from: expect.any(String), pgr: { mean: expect.any(Number) }, gain: { mean: expect.any(Number), se: expect.any(Number) } });
      expect(SEARCH).toContain(r.best!.from);
      // A team method, not the steward's baseline (which ran everywhere and would win a mean rank by that alone).
      expect(stack.ledger.experiment(r.best!.experiment)!.agent).not.toBe('steward');
      expect(r.best!.gain.se).toBeGreaterThanOrEqual(Math.max(r.best!.gain.seSeed, r.best!.gain.seItem));
      expect(r.methods.length).toBeGreaterThanOrEqual(1);
    }
    // Leave one search task out: the pick made without a task, run on it. Only spam had a team method.
    expect(Object.keys(summary.leaveOneTaskOut ?? {}).sort()).toEqual([...SEARCH].sort());
    expect(summary.leaveOneTaskOut!.math.best).toMatchObject({ from: 'spam', gain: { mean: expect.any(Number), se: expect.any(Number) } });
    expect(summary.leaveOneTaskOut!.spam.best).toBeUndefined();
    // Posted to the forum only now, at the end.
    const posted = stack.ledger.db.prepare("SELECT text FROM messages WHERE id LIKE 'm-transfer-%'").all() as { text: string }[];
    expect(posted).toHaveLength(1);
    expect(posted[0].text).toContain('sentiment');
  });

  it('heads the report with the transfer table, its error bar named', () => {
    const md = renderMarkdown(reportBlocks(buildReport({ ledger: stack.ledger, campaignId: 'transfer' }), new Map()));
    expect(md).toContain('## Held-out task transfer');
    expect(md).toContain('combined SE (seed + item bootstrap)');
    expect(md).toContain('### Leave one search task out');
    for (const t of HOLDOUT) expect(md).toMatch(new RegExp(`\\| ${t} \\| aux-conf \\|`));
  });
});
