import { describe, expect, it } from 'vitest';
import { RESEARCH_TOOLS, runTool } from '../../bots/researcher/claude/tools.js';
import { buildTurnContext, estimateTokens, pack, type ContextSection } from '../../bots/researcher/context.js';
import { ScoreBudgetExceededError } from '../../src/scoring/budget.js';
import { Rng } from '../../workers/w2s/rng.js';
import { FROM_MEMBER, makeDesk, msgId, score } from './fixture.js';

const lines = (prefix: string, n: number, len = 40) => Array.from({ length: n }, (_, i) => `${prefix} ${i} ${'x'.repeat(len)}`);

describe('pack', () => {
  it('keeps sections in priority order, trims the first that does not fit, and stays under the budget', () => {
    const sections: ContextSection[] = [
      { title: 'First', lines: lines('a', 5) },
      { title: 'Second', lines: lines('b', 100) },
      { title: 'Third', lines: lines('c', 100) },
    ];
    const ctx = pack(sections, 400);
    expect(ctx.tokens).toBeLessThanOrEqual(400);
    expect(ctx.tokens).toBe(estimateTokens(ctx.text));
    expect(ctx.kept.First).toEqual({ kept: 5, of: 5 });
    expect(ctx.kept.Second.kept).toBeGreaterThan(0);
    expect(ctx.kept.Second.kept).toBeLessThan(100);
    expect(ctx.text).toContain(`(${100 - ctx.kept.Second.kept} more not shown)`);
    const first = ctx.text.indexOf('## First');
    const second = ctx.text.indexOf('## Second');
    expect(first).toBe(0);
    expect(second).toBeGreaterThan(first);
    // Lines inside a section keep their order (most important first) and are trimmed from the end.
    expect(ctx.text).toContain('b 0 ');
    expect(ctx.text).not.toContain('b 99 ');
    const third = ctx.text.indexOf('## Third');
    if (third >= 0) expect(third).toBeGreaterThan(second);
    expect(ctx.kept.Third.kept).toBe(0);
  });

  it('shows an empty section as (none) and keeps everything when it all fits', () => {
    const ctx = pack(
      [
        { title: 'Empty', lines: [] },
        { title: 'Some', lines: ['one', 'two'] },
      ],
      1000,
    );
    expect(ctx.text).toBe('## Empty\n(none)\n## Some\none\ntwo');
    expect(ctx.kept).toEqual({ Empty: { kept: 0, of: 0 }, Some: { kept: 2, of: 2 } });
  });

  it('never exceeds the budget, whatever the sections (random sections and budgets)', () => {
    const rng = new Rng(2024);
    const r = () => rng.next();
    const over: string[] = [];
    for (let trial = 0; trial < 500; trial++) {
      const sections: ContextSection[] = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, s) => ({
        title: `S${s} ${'t'.repeat(Math.floor(r() * 30))}`,
        lines: Array.from({ length: Math.floor(r() * 12) }, () => 'w'.repeat(1 + Math.floor(r() * 200))),
      }));
      const budget = 1 + Math.floor(r() * 300);
      const ctx = pack(sections, budget);
      if (ctx.tokens > budget) over.push(`trial ${trial}: budget ${budget}, tokens ${ctx.tokens}, sections ${JSON.stringify(sections.map((x) => [x.title, x.lines.map((l) => (typeof l === 'string' ? l : l.full).length)]))}`);
    }
    expect(over, over.slice(0, 3).join('\n')).toEqual([]);
  });

  it('an empty section alone does not push the text over a tight budget', () => {
    // BUG (bots/researcher/context.ts, pack): an empty section is charged header + 1 token, but
    // "(none)" and its newline cost 3; "## abcd\n(none)" is 14 characters = 4 tokens > 3.
    const ctx = pack([{ title: 'abcd', lines: [] }], 3);
    expect(ctx.tokens).toBeLessThanOrEqual(3);
  });
});

describe('buildTurnContext', () => {
  it('stays under 12,000 tokens with 10,000 forum messages, guidance and notebook first', async () => {
    const f = makeDesk();
    const ada = f.desk.forAgent('ada');
    const { experiment } = await ada.propose({ hypothesis: 'aux-conf on spam', task: 'spam', method: 'aux-conf', seeds: 5 });
    score(f.ledger, experiment, { 1: 0.5, 2: 0.6, 3: 0.7, 4: 0.6, 5: 0.6 });
    ada.note('NOTEBOOK-OLD first thing I tried');
    for (let i = 0; i < 30; i++) ada.note(`note ${i}: ${'n'.repeat(100)}`);
    ada.note('NOTEBOOK-NEWEST warm-up 0.4 looks better');
    const filler = 'y'.repeat(400);
    f.ledger.db.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        const human = i % 10 === 0;
        f.records.addMessage({ id: `bulk${i}`, channel: i % 7 === 0 ? 'results' : 'forum', threadId: i % 3 === 0 && i > 0 ? `msg:bulk${i - 1}` : null, author: human ? 'alice' : 'bayes', authorKind: human ? 'human' : 'agent', text: `message ${i} ${filler}` });
      }
    })();
    f.records.addMessage({ id: msgId(), channel: 'forum', threadId: null, author: 'alice', authorKind: 'human', text: '@ada GUIDANCE-FOR-ADA focus on math', data: FROM_MEMBER });
    f.records.addMessage({ id: msgId(), channel: 'forum', threadId: null, author: 'alice', authorKind: 'human', text: 'GUIDANCE-FOR-ALL keep probes small', data: FROM_MEMBER });

    const started = Date.now();
    const ctx = buildTurnContext(ada, 12_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ctx.tokens).toBeLessThanOrEqual(12_000);
    expect(ctx.tokens).toBeGreaterThan(6_000);
    expect(ctx.text.startsWith('## Guidance from the humans')).toBe(true);
    expect(ctx.text).toContain('[to you]');
    expect(ctx.text).toContain('GUIDANCE-FOR-ADA');
    expect(ctx.text).toContain('GUIDANCE-FOR-ALL');
    expect(ctx.text).toContain('## Your notebook');
    expect(ctx.text).toContain('NOTEBOOK-NEWEST');
    expect(ctx.text.indexOf('## Your notebook')).toBeGreaterThan(ctx.text.indexOf('## Guidance'));
    expect(ctx.text).toContain(`## Leaderboard`);
    expect(ctx.text).toContain(`${experiment} aux-conf by ada: 0.60 ± 0.07 (5 seeds)`);
    expect(ctx.text).not.toMatch(/(?<!\d)0\.(913[89]|914\d)(?!\d)/);
    // The whole forum is far bigger than the budget: the context is bounded, not the forum.
    expect(estimateTokens('x'.repeat(410 * 10_000))).toBeGreaterThan(12_000 * 50);
  }, 60_000);

  it('with a small budget keeps guidance and drops the lower sections', async () => {
    const f = makeDesk();
    const ada = f.desk.forAgent('ada');
    for (let i = 0; i < 40; i++) f.records.addMessage({ id: msgId(), channel: 'forum', threadId: null, author: 'alice', authorKind: 'human', text: `guidance ${i} ${'g'.repeat(200)}`, data: FROM_MEMBER });
    ada.note('a note');
    const ctx = buildTurnContext(ada, 300);
    expect(ctx.tokens).toBeLessThanOrEqual(300);
    expect(ctx.text.startsWith('## Guidance')).toBe(true);
    expect(ctx.text).not.toContain('## Recent forum');
  });
});

describe('read_forum on a long forum', () => {
  it('10,000 messages: newest first, paged back with a cursor, every item whole', async () => {
    const f = makeDesk();
    const t0 = Date.parse('2026-12-01T00:00:00.000Z');
    const insert = f.ledger.db.prepare("INSERT INTO messages (id, at, channel, thread_id, author, author_kind, text) VALUES (?, ?, 'forum', NULL, 'bayes', 'agent', ?)");
    f.ledger.db.transaction(() => {
      // Lengths vary up to 2,400 characters, so pages must be cut at item boundaries.
      for (let i = 0; i < 10_000; i++) insert.run(`bulk${String(i).padStart(5, '0')}`, new Date(t0 + i * 1000).toISOString(), `message ${i} ${'w'.repeat((i * 389) % 2400)} END`);
    })();
    type Page = { items: { key: string; at: string; text: string }[]; next?: string };
    const read = async (before?: string) => {
      const r = await runTool(f.desk.forAgent('ada'), 'read_forum', { limit: 100, ...(before ? { before } : {}) });
      expect(r.isError).toBe(false);
      expect(r.content.length).toBeLessThanOrEqual(6000);
      return JSON.parse(r.content) as Page;
    };
    const pages = [await read()];
    for (let k = 0; k < 4; k++) pages.push(await read(pages.at(-1)!.next));
    const items = pages.flatMap((p) => p.items);
    expect(items[0].text).toMatch(/^message 9999 /);
    // Consecutive, newest first, across page boundaries: nothing skipped, nothing repeated.
    expect(items.map((i) => Number(/^message (\d+) /.exec(i.text)![1]))).toEqual(items.map((_, k) => 9999 - k));
    expect(items.every((i) => i.text.endsWith(' END'))).toBe(true);
    expect(pages.every((p) => p.next)).toBe(true);
    // A cursor that is not one is refused with what is accepted.
    const bad = await runTool(f.desk.forAgent('ada'), 'read_forum', { before: 'yesterday' });
    expect(bad).toMatchObject({ isError: true, content: expect.stringMatching(/before: accepted: the `next` cursor of an earlier read_forum answer/) });
  }, 60_000);
});

describe('runTool', () => {
  it('returns an error naming the field for bad input, never throwing', async () => {
    const { desk } = makeDesk();
    const ada = desk.forAgent('ada');
    const seeds = await runTool(ada, 'propose_experiment', { hypothesis: 'h', task: 'spam', method: 'naive', seeds: 0 });
    expect(seeds.isError).toBe(true);
    expect(seeds.content).toMatch(/^Invalid input for propose_experiment:/);
    expect(seeds.content).toMatch(/- seeds: /);
    const extra = await runTool(ada, 'post', { text: 'hi', author: 'bayes' });
    expect(extra).toMatchObject({ isError: true });
    expect(extra.content).toMatch(/- author: unknown field/);
    const missing = await runTool(ada, 'claim_result', { experiment: 'x' });
    expect(missing.content).toMatch(/- text: /);
    const limit = await runTool(ada, 'read_forum', { limit: 1000 });
    expect(limit.content).toMatch(/- limit: too large/);
    const since = await runTool(ada, 'read_forum', { since: 'yesterday' });
    expect(since.content).toMatch(/- since: /);
    for (const input of [null, 'text', 42, [], undefined]) {
      const r = await runTool(ada, 'write_notebook', input);
      expect(r.isError).toBe(true);
    }
    expect(ada.notebook()).toEqual([]);
  });

  it('an unknown tool is an error that lists the tools', async () => {
    const { desk } = makeDesk();
    const r = await runTool(desk.forAgent('ada'), 'rm_rf', {});
    expect(r.isError).toBe(true);
    expect(r.content).toContain('rm_rf');
    for (const t of RESEARCH_TOOLS) expect(r.content).toContain(t.name);
  });

  it('turns a thrown AarError (validation, claim refusal, budget) into an error result', async () => {
    const f = makeDesk({ perHour: 1, burst: 1 });
    const ada = f.desk.forAgent('ada');
    const task = await runTool(ada, 'propose_experiment', { hypothesis: 'h', task: 'poetry', method: 'naive', seeds: 1 });
    expect(task).toMatchObject({ isError: true });
    expect(task.content).toMatch(/task: unknown task "poetry"/);
    const method = await runTool(ada, 'propose_experiment', { hypothesis: 'h', task: 'spam', method: { auxConf: { alphaMax: 5 } }, seeds: 1 });
    expect(method.content).toContain('method.auxConf.alphaMax');

    const ok = await runTool(ada, 'propose_experiment', { hypothesis: 'h', task: 'spam', method: 'naive', seeds: 1 });
    expect(ok.isError).toBe(false);
    const { experiment } = JSON.parse(ok.content) as { experiment: string };
    score(f.ledger, experiment, { 1: 0.5 });
    const claim = await runTool(ada, 'claim_result', { experiment, text: 'big win' });
    expect(claim).toMatchObject({ isError: true });
    expect(claim.content).toMatch(/needs 5 scored seeds/);
    expect((await runTool(ada, 'get_result', { experiment })).isError).toBe(false);
    // Reading an answer already given is free; a new one spends the (spent) budget.
    const second = JSON.parse((await runTool(ada, 'propose_experiment', { hypothesis: 'h2', task: 'spam', method: 'naive', seeds: 1 })).content) as { experiment: string };
    score(f.ledger, second.experiment, { 1: 0.6 });
    const budget = await runTool(ada, 'get_result', { experiment: second.experiment });
    expect(budget.isError).toBe(true);
    expect(budget.content).toBe(new ScoreBudgetExceededError('ada', 3_600_000, 1).message);
    const thread = await runTool(ada, 'post', { text: 'hi', thread: 'exp:nope' });
    expect(thread.content).toMatch(/thread: no thread/);
    f.records.addVeto('veto', 'naive', 'alice', 'boring');
    const vetoed = await runTool(ada, 'propose_experiment', { hypothesis: 'h', task: 'spam', method: 'naive', seeds: 1 });
    expect(vetoed).toMatchObject({ isError: true });
    expect(vetoed.content).toContain('vetoed');
  });

  it('turns any other failure into an error result naming the tool', async () => {
    const f = makeDesk();
    // (A failed enqueue no longer fails a proposal: it is recorded whole and recovery enqueues it.)
    f.pipeline.submit = () => Promise.reject(new Error('redis is down'));
    const r = await runTool(f.desk.forAgent('ada'), 'propose_experiment', { hypothesis: 'h', task: 'spam', method: 'naive', seeds: 1 });
    expect(r).toEqual({ isError: true, content: 'propose_experiment failed: redis is down' });
  });

  it('returns results as JSON; a forum read is cut at whole items, newest first, with a cursor to page back', async () => {
    const f = makeDesk();
    const ada = f.desk.forAgent('ada');
    expect(await runTool(ada, 'write_notebook', { text: 'remember this' })).toEqual({ isError: false, content: '{"ok":true}' });
    expect(ada.notebook().map((n) => n.text)).toEqual(['remember this']);
    for (let i = 0; i < 60; i++) ada.post({ text: `post ${i} ${'z'.repeat(300)}` });
    const forum = await runTool(ada, 'read_forum', { limit: 50 });
    expect(forum.isError).toBe(false);
    expect(forum.content.length).toBeLessThan(6200);
    type Page = { items: { key: string; at: string; text: string }[]; next?: string };
    const pages: Page[] = [JSON.parse(forum.content) as Page];
    expect(pages[0].items.length).toBeGreaterThan(1);
    while (pages.at(-1)!.next) pages.push(JSON.parse((await runTool(ada, 'read_forum', { limit: 50, before: pages.at(-1)!.next })).content) as Page);
    const all = pages.flatMap((p) => p.items);
    // Every post exactly once, whole, newest first across the pages.
    expect(new Set(all.map((i) => i.key)).size).toBe(60);
    expect(all.every((i) => i.text.endsWith('z'.repeat(300)))).toBe(true);
    expect(all.map((i) => i.at)).toEqual([...all.map((i) => i.at)].sort().reverse());
    const posted = await runTool(ada, 'post', { text: 'as ada' });
    expect(JSON.parse(posted.content)).toMatchObject({ message: expect.stringMatching(/^msg:m-/) });
  });
});
