import { describe, expect, it } from 'vitest';
import { ResearchDesk, type Proposal } from '../../src/campaign/research-desk.js';
import { AarError, InvalidInputError } from '../../src/domain/errors.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { ScoreBudget, ScoreBudgetExceededError } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { AGENTS, FROM_MEMBER, PRIVATE_PGR, TASKS, failSeed, makeDesk, msgId, score } from './fixture.js';

const ok: Proposal = { hypothesis: 'aux-conf beats naive', task: 'spam', method: 'naive', seeds: 2 };

async function invalid(p: Promise<unknown>): Promise<InvalidInputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  return err as InvalidInputError;
}

const fields = (e: InvalidInputError) => e.problems.map((p) => p.field);

describe('AgentDesk.propose', () => {
  it('names the task field for an unknown task and lists the accepted tasks', async () => {
    const { desk, queue } = makeDesk();
    const e = await invalid(desk.forAgent('ada').propose({ ...ok, task: 'poetry' }));
    expect(fields(e)).toEqual(['task']);
    expect(e.message).toContain('poetry');
    for (const t of TASKS) expect(e.message).toContain(t);
    expect(queue.specs).toHaveLength(0);
  });

  it.each([0, 11, 2.5, -1, Number.NaN])('names the seeds field for seeds = %s', async (seeds) => {
    const { desk, ledger } = makeDesk();
    const e = await invalid(desk.forAgent('ada').propose({ ...ok, seeds }));
    expect(fields(e)).toEqual(['seeds']);
    expect(ledger.events({ kind: 'proposed' })).toHaveLength(0);
  });

  it.each(['', '   ', 'x'.repeat(4001)])('names the hypothesis field for a hypothesis of %#', async (hypothesis) => {
    const { desk } = makeDesk();
    const e = await invalid(desk.forAgent('ada').propose({ ...ok, hypothesis }));
    expect(fields(e)).toEqual(['hypothesis']);
  });

  it('names the parents field for an unknown parent, and names every bad field at once', async () => {
    const { desk } = makeDesk();
    const e = await invalid(desk.forAgent('ada').propose({ ...ok, parents: ['nope'] }));
    expect(fields(e)).toEqual(['parents']);
    expect(e.message).toContain('nope');
    const all = await invalid(desk.forAgent('ada').propose({ hypothesis: '', task: 'poetry', method: 'naive', seeds: 0, parents: ['nope'] }));
    expect(fields(all).sort()).toEqual(['hypothesis', 'parents', 'seeds', 'task']);
  });

  it('names the nested method field of a bad method object', async () => {
    const { desk, queue } = makeDesk();
    const e = await invalid(desk.forAgent('ada').propose({ ...ok, method: { auxConf: { alphaMax: 5 } } }));
    expect(fields(e)).toContain('method.auxConf.alphaMax');
    expect(e.message).toContain('method.auxConf.alphaMax');
    const unknown = await invalid(desk.forAgent('ada').propose({ ...ok, method: { magic: true } }));
    expect(fields(unknown)).toContain('method.magic');
    const builtin = await invalid(desk.forAgent('ada').propose({ ...ok, method: 'no-such-method' }));
    expect(builtin.message).toContain('aux-conf');
    expect(queue.specs).toHaveLength(0);
  });

  it('accepts every built-in name and runs seeds 1..n for the proposing agent', async () => {
    const { desk, ledger, queue } = makeDesk();
    const ada = desk.forAgent('ada');
    for (const name of ['naive', 'aux-conf', 'hard-labels', 'early-stop', 'confident-half', 'bootstrap', 'ensemble']) {
      const { experiment, seeds } = await ada.propose({ ...ok, method: name, seeds: 3 });
      expect(seeds).toEqual([1, 2, 3]);
      const e = ledger.experiment(experiment)!;
      expect(e.methodTag).toBe(name);
      expect(e.agent).toBe('ada');
      expect(e.campaignId).toBe('c1');
      expect(e.seeds).toEqual([1, 2, 3]);
    }
    expect(queue.specs).toHaveLength(21);
    const { experiment, seeds } = await ada.propose({ ...ok, method: { name: 'mine', labels: 'hard' }, seeds: 10, parents: [queue.specs[0].experimentId] });
    expect(seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ledger.experiment(experiment)!.parents).toEqual([queue.specs[0].experimentId]);
    expect(ada.myExperiments().map((e) => e.experiment)).toContain(experiment);
    expect(ada.inFlight()).toBe(8);
    expect(desk.forAgent('bayes').myExperiments()).toEqual([]);
  });

  it('asks mayPropose before every proposal and refuses with its reason', async () => {
    const asked: string[] = [];
    let cap = false;
    const { desk, queue } = makeDesk({ mayPropose: (a) => (asked.push(a), cap ? 'campaign compute cap reached' : undefined) });
    await desk.forAgent('ada').propose(ok);
    cap = true;
    const err = await desk
      .forAgent('bayes')
      .propose(ok)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AarError);
    expect((err as AarError).code).toBe('proposal_refused');
    expect((err as AarError).message).toContain('campaign compute cap reached');
    expect(asked).toEqual(['ada', 'bayes']);
    expect(queue.specs).toHaveLength(2);
  });

  it('refuses a vetoed method tag, and accepts it again after an unveto', async () => {
    const { desk, records } = makeDesk();
    const ada = desk.forAgent('ada');
    records.addVeto('veto', 'ensemble', 'alice', 'ensembles are too expensive');
    const err = await ada.propose({ ...ok, method: 'ensemble' }).catch((e: unknown) => e);
    expect((err as AarError).code).toBe('method_vetoed');
    expect((err as AarError).message).toContain('too expensive');
    // The same tag on a method object is the same method.
    await expect(ada.propose({ ...ok, method: { name: 'ensemble', ensemble: { size: 3 } } })).rejects.toThrow(/vetoed/);
    await expect(ada.propose({ ...ok, method: 'naive' })).resolves.toBeDefined();
    records.addVeto('unveto', 'ensemble', 'alice', 'fine after all');
    await expect(ada.propose({ ...ok, method: 'ensemble' })).resolves.toMatchObject({ seeds: [1, 2] });
  });

  it('refuses a method identical to a vetoed experiment under another name (or none), until unvetoed', async () => {
    const { desk, records } = makeDesk();
    const ada = desk.forAgent('ada');
    const { experiment } = await ada.propose({ ...ok, method: { name: 'leaky', labels: 'hard', filter: { keep: 0.7 } } });
    records.addVeto('veto', experiment, 'alice', 'reads the eval set');
    const renamed = await desk
      .forAgent('bayes')
      .propose({ ...ok, method: { name: 'totally-new', filter: { keep: 0.7 }, labels: 'hard' } })
      .catch((e: unknown) => e);
    expect((renamed as AarError).code).toBe('method_vetoed');
    expect((renamed as AarError).message).toContain(experiment);
    // Defaults spelled out are the same method too.
    await expect(ada.propose({ ...ok, method: { labels: 'hard', filter: { keep: 0.7 }, labelSmoothing: 0 } })).rejects.toThrow(/vetoed/);
    // A different setting is a different method.
    await expect(ada.propose({ ...ok, method: { name: 'leaky', labels: 'hard', filter: { keep: 0.8 } } })).resolves.toBeDefined();
    records.addVeto('unveto', experiment, 'alice', 'false alarm');
    await expect(ada.propose({ ...ok, method: { name: 'totally-new', filter: { keep: 0.7 }, labels: 'hard' } })).resolves.toBeDefined();
  });
});

describe('what agents see', () => {
  async function world() {
    const f = makeDesk({ claimSeeds: 5, perHour: 10, burst: 7 });
    const ada = f.desk.forAgent('ada');
    const full = await ada.propose({ ...ok, hypothesis: 'full run', method: 'aux-conf', seeds: 5 });
    score(f.ledger, full.experiment, { 1: 0.5, 2: 0.6, 3: 0.7, 4: 0.6, 5: 0.6 });
    const probe = await ada.propose({ ...ok, hypothesis: 'a probe', method: 'hard-labels', seeds: 1 });
    score(f.ledger, probe.experiment, { 1: 0.6321 });
    return { ...f, ada, full: full.experiment, probe: probe.experiment };
  }

  it('never shows private PGR in the forum, the leaderboard or a result', async () => {
    const w = await world();
    const bayes = w.desk.forAgent('bayes');
    const shown = JSON.stringify([w.ada.readForum(), w.ada.leaderboard(), bayes.readForum({ thread: w.full }), bayes.leaderboard('spam'), await w.ada.result(w.full), await w.ada.result(w.probe)]);
    // Private values (timestamps like 10:00:00.913Z must not count, hence the look-behind).
    expect(shown).not.toMatch(/(?<!\d)0\.(913[89]|914\d|777|93|61)(?!\d)/);
    expect(shown).not.toMatch(/private/i);
    // The leaderboard does show the full run's public numbers.
    expect(w.ada.leaderboard()).toEqual([{ experiment: w.full, task: 'spam', method: 'aux-conf', agent: 'ada', pgrPublic: 0.6, sd: 0.07, seeds: 5, newBestSeeds: 5, vetoed: false, flagged: false, rank: 1 }]);
  });

  it("hides a 1-seed probe's result from the forum and the leaderboard, but its owner can pay for it", async () => {
    const w = await world();
    const forum = JSON.stringify(w.desk.forAgent('bayes').readForum());
    expect(forum).not.toMatch(/(?<!\d)0\.6[35](?!\d)/);
    expect(forum).toContain('a probe');
    expect(forum).toMatch(/Finished \(a probe/);
    expect(w.ada.leaderboard().map((r) => r.experiment)).not.toContain(w.probe);
    expect(w.budget.remaining('ada')).toBe(7);
    const r = await w.ada.result(w.probe);
    // The Ladder's answer: it beat ada's best on seed 1 (0.5) by the margin, rounded to it.
    expect(r).toMatchObject({ experiment: w.probe, task: 'spam', method: 'hard-labels', state: 'finished', pgrPublic: 0.65, perSeed: [{ seed: 1, pgrPublic: 0.65, newBest: true }], seedsScored: 1, seedsFailed: 0, seeds: 1 });
    expect(w.budget.remaining('ada')).toBe(6);
    // Asking again tells nothing new: free.
    await w.ada.result(w.probe);
    expect(w.budget.remaining('ada')).toBe(6);
    await w.ada.result(w.full);
    expect(w.budget.remaining('ada')).toBe(1);
    // Another agent's budget is its own.
    expect(w.budget.remaining('bayes')).toBe(7);
  });

  it('does not spend budget while nothing is final, and a failed seed costs what a scored one does', async () => {
    const f = makeDesk({ perHour: 2, burst: 2 });
    const ada = f.desk.forAgent('ada');
    const { experiment } = await ada.propose({ ...ok, seeds: 2 });
    expect(await ada.result(experiment)).toEqual({ experiment, task: 'spam', method: 'naive', state: 'running', seeds: 2, seedsScored: 0, seedsFailed: 0 });
    expect(f.budget.remaining('ada')).toBe(2);
    failSeed(f.ledger, experiment, 1);
    expect(await ada.result(experiment)).toMatchObject({ state: 'running', seedsFailed: 1, seedsScored: 0 });
    expect(f.budget.remaining('ada')).toBe(1);
    score(f.ledger, experiment, { 2: 0.3 });
    expect(await ada.result(experiment)).toMatchObject({ state: 'finished', seedsFailed: 1, seedsScored: 1, pgrPublic: 0.3 });
    expect(f.budget.remaining('ada')).toBe(0);
    await expect(ada.result('nope')).rejects.toMatchObject({ problems: [{ field: 'experiment' }] });
  });

  it('a claim needs claimSeeds scored seeds, says how many it has, and posts the desk numbers in results', async () => {
    const w = await world();
    const e = (() => {
      try {
        w.ada.claim({ experiment: w.probe, text: 'hard labels win!' });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).problems[0].field).toBe('experiment');
    expect((e as Error).message).toMatch(/needs 5 scored seeds/);
    expect((e as Error).message).toMatch(/has 1\b/);
    expect(w.records.messages({ channel: 'results' })).toHaveLength(0);
    expect(() => w.ada.claim({ experiment: 'nope', text: 'x' })).toThrow(InvalidInputError);

    const c = w.ada.claim({ experiment: w.full, text: 'aux-conf PGR 0.99 on spam!' });
    expect(c).toMatchObject({ pgrPublic: 0.6, sd: 0.07, seeds: 5 });
    const posted = w.records.messages({ channel: 'results' });
    expect(posted).toHaveLength(1);
    expect(`msg:${posted[0].id}`).toBe(c.message);
    expect(posted[0]).toMatchObject({ author: 'ada', authorKind: 'agent', channel: 'results' });
    expect(posted[0].text).toContain('public PGR 0.60 ± 0.07 over 5 seeds');
    expect(posted[0].text).toContain(w.full);
    const claims = w.ledger.events({ kind: 'claim' });
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ agent: 'ada', experimentId: w.full, data: { pgrPublic: 0.6, seeds: 5 } });
  });

  it('refuses a claim on a running experiment even with enough scored seeds', async () => {
    const f = makeDesk({ claimSeeds: 2 });
    const ada = f.desk.forAgent('ada');
    const { experiment } = await ada.propose({ ...ok, seeds: 3 });
    score(f.ledger, experiment, { 1: 0.5, 2: 0.5 });
    expect(() => ada.claim({ experiment, text: 'done' })).toThrow(/still running/);
    score(f.ledger, experiment, { 3: 0.5 });
    expect(ada.claim({ experiment, text: 'done' }).seeds).toBe(3);
  });

  it('a post into a thread that does not exist names the thread field', async () => {
    const w = await world();
    for (const thread of ['exp:nope', 'msg:nope', 'nope']) {
      let err: unknown;
      try {
        w.ada.post({ text: 'hello', thread });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).problems.map((p) => p.field)).toEqual(['thread']);
    }
    expect(() => w.ada.post({ text: '   ' })).toThrow(/text/);
    // A bare experiment id is its thread.
    const { message } = w.ada.post({ text: 'about the full run', thread: w.full });
    expect(w.records.message(message.slice(4))!.threadId).toBe(`exp:${w.full}`);
    const reply = w.desk.forAgent('bayes').post({ text: 'nice', thread: message });
    expect(w.records.message(reply.message.slice(4))!.threadId).toBe(message);
    expect(w.ada.readForum({ thread: w.full }).items.map((i) => i.key)).toEqual([message, `exp:${w.full}`]);
  });

  it('posts always as the desk agent, whatever the input claims', async () => {
    const { desk, records } = makeDesk();
    const { message } = desk.forAgent('ada').post({ text: 'I am bayes', author: 'bayes', authorKind: 'human' } as never);
    expect(records.message(message.slice(4))).toMatchObject({ author: 'ada', authorKind: 'agent', channel: 'forum' });
    const q = desk.forAgent('bayes').askHumans('should I stop?');
    expect(records.message(q.message.slice(4))).toMatchObject({ author: 'bayes', authorKind: 'agent' });
  });

  it('does not show direct commands in the forum', async () => {
    const { desk, records } = makeDesk();
    records.addMessage({ id: msgId(), channel: 'direct:ada', threadId: null, author: 'alice', authorKind: 'human', text: 'secret instruction', data: FROM_MEMBER });
    records.addMessage({ id: msgId(), channel: 'forum', threadId: null, author: 'alice', authorKind: 'human', text: 'public note', data: FROM_MEMBER });
    const texts = desk.forAgent('bayes').readForum().items.map((i) => i.text);
    expect(texts).toEqual(['public note']);
  });
});

describe('lineage', () => {
  it('a child shows each parent and what it changed: in get_result, get_experiment, the forum item and its own list', async () => {
    const f = makeDesk();
    const ada = f.desk.forAgent('ada');
    const parent = await ada.propose({ ...ok, hypothesis: 'aux-conf', method: 'aux-conf', seeds: 1 });
    const child = await ada.propose({ ...ok, hypothesis: 'less self-trust, and stop early', method: { auxConf: { alphaMax: 0.5 }, earlyStopping: {} }, seeds: 1, parents: [parent.experiment] });
    const changed = ['auxConf.alphaMax 0.75 -> 0.5', '+earlyStopping.patience 3'];
    const lineage = [{ experiment: parent.experiment, agent: 'ada', method: 'aux-conf', changed }];
    expect((await ada.result(child.experiment)).parents).toEqual(lineage);
    expect(await ada.experimentDetails(child.experiment)).toMatchObject({ parents: lineage, hypothesis: 'less self-trust, and stop early', methodSettings: { auxConf: { alphaMax: 0.5 } } });
    expect(ada.myExperiments({ newestFirst: true })[0]).toMatchObject({ experiment: child.experiment, lineage });
    const item = ada.readForum({ thread: child.experiment }).items[0];
    expect(item.text).toContain(`builds on ${parent.experiment} (auxConf.alphaMax 0.75 -> 0.5, +earlyStopping.patience 3)`);
  });
});

describe('notebook and guidance', () => {
  it('the notebook persists across a new desk on the same ledger file, per agent', () => {
    const a = makeDesk();
    a.desk.forAgent('ada').note('tried aux-conf 0.5: worse');
    a.desk.forAgent('ada').note('next: warm-up 0.4');
    a.desk.forAgent('bayes').note('bayes private note');
    expect(() => a.desk.forAgent('ada').note('  ')).toThrow(InvalidInputError);
    a.ledger.close();

    const b = makeDesk({ path: a.path });
    expect(b.desk.forAgent('ada').notebook().map((n) => n.text)).toEqual(['tried aux-conf 0.5: worse', 'next: warm-up 0.4']);
    expect(b.desk.forAgent('ada').notebook(1).map((n) => n.text)).toEqual(['next: warm-up 0.4']);
    expect(b.desk.forAgent('bayes').notebook().map((n) => n.text)).toEqual(['bayes private note']);
    expect(b.desk.forAgent('curie').notebook()).toEqual([]);
  });

  it('guidance marks forMe for messages addressed to the agent and leaves out those for others', async () => {
    const { desk, records } = makeDesk();
    const add = (text: string, channel = 'forum') => {
      const id = msgId();
      records.addMessage({ id, channel, threadId: null, author: 'alice', authorKind: 'human', text, data: FROM_MEMBER });
      return id;
    };
    add('everyone: keep probes small');
    add('@ada please try warm-up 0.4');
    add('bayes: stop filtering');
    add('focus on math', 'direct:ada');
    desk.forAgent('ada').post({ text: 'agent chatter' });
    const ada = desk.forAgent('ada').guidance();
    expect(ada.map((g) => [g.text, g.forMe])).toEqual([
      ['focus on math', true],
      ['@ada please try warm-up 0.4', true],
      ['everyone: keep probes small', false],
    ]);
    const bayes = desk.forAgent('bayes').guidance();
    expect(bayes.map((g) => [g.text, g.forMe])).toEqual([
      ['bayes: stop filtering', true],
      ['everyone: keep probes small', false],
    ]);
  });
});

describe('ResearchDesk wiring', () => {
  it('defaults to 5 claim seeds and 10 max seeds', () => {
    const ledger = Ledger.open(':memory:');
    const desk = new ResearchDesk({ ledger, records: new ForumRecords(ledger), pipeline: {} as never, scores: new ScoreDesk(ledger, new ScoreBudget({ perHour: 1, mode: 'refuse' })), tasks: TASKS, agents: AGENTS });
    expect(desk.claimSeeds).toBe(5);
    expect(desk.maxSeeds).toBe(10);
    expect(desk.forAgent('ada').claimSeeds).toBe(5);
    expect(PRIVATE_PGR).toBeGreaterThan(0.9);
  });
});
