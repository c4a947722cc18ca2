import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { openResearchLoop } from '../../src/campaign/research-loop.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { AnthropicLlm } from '../../src/llm/anthropic.js';
import { MeteredLlm } from '../../src/llm/metered.js';
import type { EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { FakeAnthropic, textReply, toolUseReply, type RecordedRequest, type ReplyBuilder } from '../helpers/fake-anthropic.js';
import { TOY_TASK, tinyTrainer, toyMath, toyPipeline, type ToyMath } from './toy-math.js';
import { injectedTrainerPython } from '../helpers/injected-python.js';

// A Claude researcher on a campaign whose workers run the GPU trainer: through the real SDK
// against the local Messages API stand-in, it reads the Python hook API off its tools, proposes a
// hook from the guide, and reads back why a wrong one failed, with the line.

let fake: FakeAnthropic;
const python = injectedTrainerPython;

let toy: ToyMath;
let h: EmbeddedPipeline;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
  toy = toyMath();
  h = toyPipeline(toy, tinyTrainer(toy, python()));
});
afterAll(async () => {
  await h?.close();
  toy?.close();
  await fake?.close();
});

const toolResults = (r: RecordedRequest) => (r.body.messages.at(-1).content as { type: string; content: string; is_error?: boolean }[]).filter((b) => b.type === 'tool_result');

describe('a Claude researcher writes Python hooks for the GPU trainer', () => {
  it('proposes the guide’s weights hook in Python, and gets a wrong hook’s error and line back from get_result', async () => {
    const llm = new MeteredLlm(new AnthropicLlm({ apiKey: 'sk-ant-test-python-0123456789', baseUrl: fake.url, maxRetries: 0 }), new UsageLedger(h.ledger));
    const ada = new ClaudeResearcher({ name: 'ada', direction: 'Write training code.', llm, model: 'claude-opus-5-5', inputBudget: 24_000, maxInFlight: 5 });
    const { loop } = openResearchLoop({ ledger: h.ledger, pipeline: h.pipeline, tasks: [TOY_TASK], researchers: [ada], scoresPerHour: 600, codeLanguage: 'python' });

    let system = '';
    let guideSource = '';
    const readGuide: ReplyBuilder = (req) => {
      system = JSON.stringify(req.body.system);
      // The tool descriptions name the Python hooks.
      expect(JSON.stringify(req.body.tools)).toMatch(/Python hooks format_text, pool, transform_labels, weights, epoch_targets, loss/);
      return toolUseReply('get_method_guide', {}, 'toolu_guide')(req);
    };
    const proposeFromGuide: ReplyBuilder = (req) => {
      const answer = JSON.parse(toolResults(req)[0].content) as { language: string; guide: string };
      expect(answer.language).toBe('python');
      guideSource = /## weights\(ctx\)[\s\S]*?```python([\s\S]*?)```/.exec(answer.guide)![1];
      return toolUseReply('propose_experiment', { hypothesis: 'Confidence weights from the guide.', task: TOY_TASK, method: { name: 'py-weights', code: { language: 'python', source: guideSource } }, seeds: 1 }, 'toolu_ok')(req);
    };
    // A field the context does not have: an AttributeError at line 3 of the source.
    const wrong = 'def weights(ctx):\n    w = ctx.weak[:, 0]\n    return w / ctx.weight_floor\n';
    const proposeWrong: ReplyBuilder = (req) => toolUseReply('propose_experiment', { hypothesis: 'Negative weights.', task: TOY_TASK, method: { name: 'py-wrong', code: { language: 'python', source: wrong } }, seeds: 1 }, 'toolu_wrong')(req);
    fake.script(readGuide, proposeFromGuide, proposeWrong, textReply('Proposed two hooks.'));
    const round = await loop.round();
    expect(round.proposed).toHaveLength(2);
    expect(system).toMatch(/Python hooks \(code\.language \\"python\\"\)/);
    const [good, bad] = round.proposed;
    await h.pipeline.waitFor(good);
    await h.pipeline.waitFor(bad);
    expect(h.ledger.experiment(good)!.method).toMatchObject({ code: { language: 'python', source: guideSource } });
    expect(h.ledger.results(good)).toHaveLength(1);

    fake.script(toolUseReply('get_result', { experiment: bad }, 'toolu_r'), textReply('I will fix the weights.'));
    await loop.round();
    const result = JSON.parse(toolResults(fake.messageRequests.at(-1)!)[0].content) as { failures: { seed: number; reason: string }[] };
    expect(result.failures).toEqual([{ seed: 1, reason: expect.stringMatching(/^method code: weights.*line 3.*weight_floor/is) }]);
  }, 300_000);
});
