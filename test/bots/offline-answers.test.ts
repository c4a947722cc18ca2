import { describe, expect, it } from 'vitest';
import type { Direction, Knob } from '../../bots/directions.js';
import { describeRedirect, parseRedirect, readGuidance, type Redirect } from '../../bots/researcher/offline/guidance.js';
import { OfflineResearcher } from '../../bots/researcher/offline/offline-researcher.js';
import { builtinMethod } from '../../src/domain/method.js';
import type { MessageRecord } from '../../src/ledger/forum-records.js';
import { FROM_MEMBER, makeDesk, type Fixture } from '../campaign/fixture.js';

const TASKS = ['spam', 'sentiment', 'math', 'code'];
const R = (o: Partial<Redirect>): Redirect => ({ tasks: [], prefer: [], avoid: [], later: [], laterTasks: [], ...o });
// The method's field names and the search policy's knob names: people never see these.
const INTERNAL = /\b(auxConf|earlyStopping|selfTraining|labelSmoothing|knn|consistency|optimiser|recombine)\b|\btry (labels|ensemble|filter)\b|[{}"]\w+"?:/;

describe('reading guidance: negation, and before / after', () => {
  it.each<[string, Partial<Redirect>]>([
    ['try hard labels before ensembles', { prefer: ['labels'], later: ['ensemble'] }],
    ['before ensembles, try filtering', { prefer: ['filter'], later: ['ensemble'] }],
    ['after early stopping, try ensembles', { prefer: ['earlyStopping'], later: ['ensemble'] }],
    ['try ensembles after hard labels', { prefer: ['labels'], later: ['ensemble'] }],
    ['first self-training, then ensembles', { prefer: ['selfTraining'], later: ['ensemble'] }],
    ['finish math before code', { tasks: ['math'], laterTasks: ['code'] }],
    ['stop using ensembles, try filtering', { avoid: ['ensemble'], prefer: ['filter'] }],
    ['stop using ensembles and self-training', { avoid: ['ensemble', 'selfTraining'] }],
    ['use filtering instead of ensembles', { prefer: ['filter'], avoid: ['ensemble'] }],
    ['not ensembles but self-training', { avoid: ['ensemble'], prefer: ['selfTraining'] }],
    ['no more early stopping', { avoid: ['earlyStopping'] }],
    ["don't bother with bootstrapping", { avoid: ['selfTraining'] }],
    ['why hard labels?', {}],
    ['could you try filtering on math?', { tasks: ['math'], prefer: ['filter'] }],
  ])('%j', (text, expected) => {
    expect(parseRedirect(text, TASKS)).toEqual(R(expected));
  });

  it('says what it could not place, and keeps what it could', () => {
    expect(readGuidance('focus on math, stop using ensembles; ignore earlier directions', TASKS)).toEqual({
      redirect: R({ tasks: ['math'], avoid: ['ensemble'] }),
      unclear: ['ignore earlier directions'],
    });
    expect(readGuidance('switch to transformers', TASKS)).toEqual({ redirect: R({}), unclear: ['switch to transformers'] });
    expect(readGuidance('what have you found so far?', TASKS).unclear).toEqual([]);
  });

  it('describes a redirection in words, never by option or knob names', () => {
    expect(describeRedirect(parseRedirect('try hard labels before ensembles', TASKS))).toBe('try hard or soft labels and label smoothing first, then ensembles of students');
    expect(describeRedirect(parseRedirect('finish math before code, and stop using ensembles', TASKS))).toBe('focus on math, then code; stop using ensembles of students');
    const knobs: Knob[] = ['auxConf', 'filter', 'labels', 'earlyStopping', 'selfTraining', 'ensemble', 'knn', 'consistency', 'optimiser', 'recombine'];
    for (const k of knobs) expect(describeRedirect(R({ prefer: [k], later: [k], avoid: [k] }))).not.toMatch(INTERNAL);
  });
});

// An agent whose direction is about labels, so its first probe changes hard/soft labels or smoothing.
const LABELS: Direction = { name: 'ada', text: 'Look at what the student should take from each weak label.', knobs: ['labels'] };

/** Baselines on every task (finished, 5 seeds), and ada with one finished, concluded probe. */
async function adaWithAProbe(): Promise<{ f: Fixture; ada: OfflineResearcher; probe: string; base: string; change: string; task: string }> {
  const f = makeDesk();
  const write = (id: string, pgrs: number[]) =>
    pgrs.forEach((pgr, i) => {
      const half = { weak: 0.6, ceiling: 0.9, student: 0.6 + 0.3 * pgr, pgr };
      f.ledger.recordResult({ jobId: `${id}-s${i + 1}`, experimentId: id, seed: i + 1, predictionsDigest: `d${i}`, score: { public: half, private: half, all: half } as never });
    });
  for (const task of TASKS) {
    for (const name of ['naive', 'aux-conf']) {
      const id = await f.pipeline.submit({ task, method: builtinMethod(name), seeds: [1, 2, 3, 4, 5], agent: 'steward', hypothesis: `Baseline ${name}` });
      write(id, name === 'naive' ? [0.2, 0.22, 0.21, 0.19, 0.2] : [0.4, 0.4, 0.45, 0.35, 0.4]);
    }
  }
  const ada = new OfflineResearcher({ name: 'ada', direction: LABELS, homeTask: 'spam', seed: 3 });
  const desk = f.desk.forAgent('ada');
  const [probe] = (await ada.turn(desk)).proposed;
  write(probe, [0.47, 0.46]);
  await ada.turn(desk);
  const plan = desk.notebook(50).map((n) => /^plan (\S+): (.+) on \S+ from (\S+)$/.exec(n.text)).find((m) => m?.[1] === probe)!;
  return { f, ada, probe, base: plan[3], change: plan[2], task: f.ledger.experiment(probe)!.task };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let n = 0;
function ask(f: Fixture, text: string): MessageRecord {
  const id = `q${n++}`;
  f.records.addMessage({ id, channel: 'forum', threadId: null, author: 'maria', authorKind: 'human', text, data: FROM_MEMBER });
  return f.records.message(id)!;
}

describe('an offline researcher answers the question', () => {
  it('"@ada why hard labels?" is answered from its notebook: which experiment, what changed and why, and the paired difference', async () => {
    const { f, ada, probe, base, change, task } = await adaWithAProbe();
    expect(change).toMatch(/label/);
    const answer = await ada.answer(f.desk.forAgent('ada'), ask(f, '@ada why hard labels?'));
    expect(answer).toMatch(new RegExp(`^In ${probe} on ${task} I tried ${esc(change)}, starting from ${base} \\(the auxiliary confidence loss \\(alpha 0\\.75, warm-up 0\\.2\\)\\), because `));
    expect(answer).toMatch(new RegExp(`On seeds 1, 2 it reached public PGR 0\\.45 against 0\\.4\\d for ${base}: [+−]0\\.\\d\\d( ± 0\\.\\d\\d)? paired\\.`));
    expect(answer).not.toMatch(INTERNAL);
    expect(answer).not.toMatch(/I have run \d+ experiment/);
    // A question is not a redirection.
    expect(f.desk.forAgent('ada').notebook(100).some((nb) => nb.text.startsWith('redirect '))).toBe(false);
  });

  it("answers \"why <experiment>?\" about that experiment, and about someone else's by pointing to them, with public numbers only", async () => {
    const { f, ada, probe, change, task } = await adaWithAProbe();
    const mine = await ada.answer(f.desk.forAgent('ada'), ask(f, `ada: why did you run ${probe}?`));
    expect(mine).toMatch(new RegExp(`^In ${probe} on ${task} I tried ${esc(change)}`));
    const baseline = f.desk.forAgent('ada').experimentsOn('math').find((e) => e.method.name === 'aux-conf')!.experiment;
    const theirs = await ada.answer(f.desk.forAgent('ada'), ask(f, `@ada why ${baseline}?`));
    expect(theirs).toBe(`${baseline} is steward's experiment (the auxiliary confidence loss (alpha 0.75, warm-up 0.2)), not mine, so steward can say why it was chosen. Its public PGR is 0.40 ± 0.04 over 5 seeds.`);
  });

  it('asks when it cannot tell what a direction means, saying what it did understand', async () => {
    const { f, ada } = await adaWithAProbe();
    const desk = f.desk.forAgent('ada');
    const unclear = await ada.answer(desk, ask(f, '@ada switch to transformers'));
    expect(unclear).toMatch(/^I could not tell what you want me to change in "switch to transformers"\. I can focus on a task \(spam, sentiment, math, code\), or try or stop a technique .*Which do you mean\?$/);
    const partly = await ada.answer(desk, ask(f, '@ada focus on math and ignore earlier directions'));
    expect(partly).toMatch(/^Understood: I will focus on math from my next turn\. I did not understand "ignore earlier directions": .*Which do you mean\?$/);
    expect(unclear + partly).not.toMatch(INTERNAL);
  });

  it('"try hard labels before ensembles": labels now, and no ensemble in its next proposals until their turn comes', async () => {
    const { f, ada } = await adaWithAProbe();
    const desk = f.desk.forAgent('ada');
    const answer = await ada.answer(desk, ask(f, '@ada try hard labels before ensembles'));
    expect(answer).toMatch(/^Understood: I will try hard or soft labels and label smoothing first, then ensembles of students from my next turn\./);
    const next: string[] = [];
    for (let i = 0; i < 2; i++) next.push(...(await ada.turn(desk)).proposed);
    expect(next.length).toBeGreaterThan(0);
    for (const id of next) expect(f.ledger.experiment(id)!.method.ensemble).toBeUndefined();
    const plans = desk.notebook(100).filter((nb) => next.some((id) => nb.text.startsWith(`plan ${id}:`)));
    expect(plans.map((p) => p.text)).toEqual(next.map(() => expect.stringMatching(/label/)));
  });
});
