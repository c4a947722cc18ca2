import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { methodGuide } from '../../bots/researcher/method-guide.js';
import { runTool } from '../../bots/researcher/claude/tools.js';
import { researcherSystemPrompt } from '../../bots/researcher/prompts.js';
import { ResearchDesk } from '../../src/campaign/research-desk.js';
import { loadConfig } from '../../src/config/env.js';
import { InvalidInputError, RunnerError } from '../../src/domain/errors.js';
import { GPU_TRAINER_UNSUPPORTED, parseMethod, PYTHON_CODE_HOOKS, type CodeLanguage } from '../../src/domain/method.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { ScoreBudget } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { PYTHON_GUIDE_EXAMPLES } from '../../workers/gpu/method-examples.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';

// Method code is JavaScript on the embedded w2s runner and Python on the GPU trainer. A campaign
// runs one of them; a method in the other language is refused where it is proposed, naming the
// field, rather than failing on every seed.

const python = { name: 'py-weights', code: { language: 'python', source: 'def weights(ctx):\n    return ctx.weak.max(dim=1).values\n' } };
const javascript = { name: 'js-weights', code: { source: 'function weights({ n }) { return new Float64Array(n).fill(1); }' } };

function desk(codeLanguage?: CodeLanguage) {
  const ledger = Ledger.open(':memory:');
  const submitted: unknown[] = [];
  const pipeline = { submit: async (req: unknown) => (submitted.push(req), `exp-${submitted.length}`) };
  const d = new ResearchDesk({ ledger, records: new ForumRecords(ledger), pipeline: pipeline as never, scores: new ScoreDesk(ledger, new ScoreBudget({ perHour: 10, mode: 'refuse' })), tasks: ['math'], agents: ['ada'], codeLanguage });
  return { agent: d.forAgent('ada'), submitted };
}

const propose = (agent: ReturnType<typeof desk>['agent'], method: object) => agent.propose({ hypothesis: 'h', task: 'math', seeds: 1, method: method as Record<string, unknown> });

describe('the code language of a campaign', () => {
  it('a JavaScript campaign (the default) refuses Python code, naming method.code.language; a Python campaign refuses JavaScript', async () => {
    const js = desk();
    expect(js.agent.codeLanguage).toBe('javascript');
    const refused = await propose(js.agent, python).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).problems).toEqual([{ field: 'method.code.language', problem: expect.stringMatching(/workers run JavaScript .*; accepted: javascript/) }]);
    await propose(js.agent, javascript);
    expect(js.submitted).toHaveLength(1);

    const py = desk('python');
    const refusedJs = await propose(py.agent, javascript).catch((e: unknown) => e);
    expect((refusedJs as InvalidInputError).problems[0]).toMatchObject({ field: 'method.code.language', problem: expect.stringMatching(/code\.language "python" \(the GPU trainer/) });
    await propose(py.agent, python);
    // What the GPU trainer does not run is refused where it is proposed, not on every seed.
    const unrun = await propose(py.agent, { name: 'boot', selfTraining: { rounds: 1 }, knn: { k: 5 } }).catch((e: unknown) => e);
    expect((unrun as InvalidInputError).problems.map((p) => p.field)).toEqual(['method.selfTraining', 'method.knn']);
    // The list is the trainer's own: workers/gpu/spec.py refuses exactly these (and JavaScript code).
    const spec = readFileSync('workers/gpu/spec.py', 'utf8');
    const trainerRefuses = [...spec.slice(spec.indexOf('UNSUPPORTED = {'), spec.indexOf('}', spec.indexOf('UNSUPPORTED = {'))).matchAll(/"(\w+)":/g)].map((m) => m[1]);
    expect(trainerRefuses.sort()).toEqual([...GPU_TRAINER_UNSUPPORTED].sort());
    // Methods without code run anywhere.
    await propose(py.agent, { name: 'plain', labels: 'hard' });
    expect(py.submitted).toHaveLength(2);
  });

  it("hooks are checked against the code's language", () => {
    expect(() => parseMethod({ code: { source: 'function loss() {}', hooks: ['loss'] } })).toThrow(/method\.code\.hooks\.0: "loss" is not a javascript hook; accepted: transformLabels, weights, epochTargets/);
    expect(() => parseMethod({ code: { language: 'python', source: 'def weights(ctx): pass', hooks: ['epochTargets'] } })).toThrow(/"epochTargets" is not a python hook; accepted: format_text, pool, transform_labels, weights, epoch_targets, loss/);
    expect(parseMethod({ code: { language: 'python', source: 'x', hooks: ['loss', 'pool'] } }).code).toMatchObject({ language: 'python', hooks: ['loss', 'pool'] });
    expect(() => parseMethod({ code: { language: 'ruby', source: 'x' } })).toThrow(/method\.code\.language/);
  });

  it('the embedded w2s runner refuses Python code without retrying it', async () => {
    const runner = new W2sRunner({ cacheDir: testCacheDir(), threads: 1 });
    try {
      const e = await runner.run({ experimentId: 'exp-py-1', task: 'spam', seed: 1, method: parseMethod(python) }, { signal: new AbortController().signal, progress: () => {} }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(RunnerError);
      expect((e as RunnerError).retry).toBe(false);
      expect((e as RunnerError).message).toMatch(/^method code: Python hooks run on the GPU trainer/);
    } finally {
      await runner.close();
    }
  });

  it('follows AAR_BASELINES unless AAR_METHOD_CODE says otherwise', () => {
    expect(loadConfig({}).codeLanguage).toBe('javascript');
    expect(loadConfig({ AAR_BASELINES: 'trainer' }).codeLanguage).toBe('python');
    expect(loadConfig({ AAR_BASELINES: 'trainer', AAR_METHOD_CODE: 'javascript' }).codeLanguage).toBe('javascript');
    expect(() => loadConfig({ AAR_METHOD_CODE: 'ruby' })).toThrow(/AAR_METHOD_CODE/);
  });

  it("the guide and the system prompt describe the campaign's language, with one worked Python example per hook", async () => {
    const guide = methodGuide('python');
    for (const hook of PYTHON_CODE_HOOKS) {
      expect(guide).toContain(`## ${hook}(`);
      expect(guide).toContain(PYTHON_GUIDE_EXAMPLES[hook].source);
    }
    expect(guide).toMatch(/does not run selfTraining, ensemble, knn, consistency/);
    expect(guide).not.toMatch(/^- ensemble:/m);
    expect(methodGuide()).toMatch(/## transformLabels\(/);
    // The tool answers with the whole guide, examples included, never a cut one.
    for (const language of ['python', 'javascript'] as const) {
      const answer = await runTool(desk(language).agent, 'get_method_guide', {});
      expect(answer.isError).toBe(false);
      expect(JSON.parse(answer.content)).toEqual({ language, guide: methodGuide(language) });
    }
    expect(methodGuide()).not.toMatch(/format_text/);
    const prompt = (codeLanguage?: CodeLanguage) => researcherSystemPrompt({ name: 'ada', direction: 'd', tasks: ['math'], claimSeeds: 5, codeLanguage });
    expect(prompt('python')).toMatch(/Python hooks \(code\.language "python"\)/);
    expect(prompt()).toMatch(/JavaScript hooks/);
  });
});
