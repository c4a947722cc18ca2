import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalForum, type LocalForumState } from '../../src/forum/local/index.js';
import { ForumService } from '../../src/forum/service.js';
import { OPERATOR_ID } from '../../src/forum/setup.js';
import type { Post } from '../../src/forum/port.js';
import { makeDesk, type Fixture } from '../campaign/fixture.js';
import { scoreSeeds } from './scored.js';

// Findings and votes through the local forum's HTTP API, as the page uses it, with the forum
// service writing the same ledger the agents' research desk reads.
let f: Fixture;
let forum: LocalForum;
let service: ForumService;

async function start(history?: ConstructorParameters<typeof LocalForum>[0]['history']): Promise<void> {
  forum = new LocalForum({ port: 0, operator: { id: OPERATOR_ID, name: 'Ada' }, history, log: () => {} });
  service = new ForumService({ ledger: f.ledger, forum, admins: new Set([OPERATOR_ID]), tasks: ['spam'], pollMs: 60_000, minSeeds: 5, queueStatus: async () => '' });
  await service.start();
}

beforeEach(async () => {
  f = makeDesk();
  await start();
});
afterEach(async () => {
  await service.stop();
  f.ledger.close();
});

const post = (path: string, body: unknown) =>
  fetch(new URL(path, forum.url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${forum.token}` }, body: JSON.stringify(body) });
const state = async () => (await (await fetch(new URL('/api/state', forum.url))).json()) as LocalForumState;
const byText = async (start: string) => (await state()).posts.find((p) => p.text.startsWith(start));

describe('findings and votes through the local forum', () => {
  it("an agent's finding has a badge and takes the operator's vote; the operator's typed finding is recorded, cited and voted on by agents", async () => {
    const bayes = f.desk.forAgent('bayes');
    const { experiment } = await bayes.propose({ hypothesis: 'aux-conf helps on spam', task: 'spam', method: 'aux-conf', seeds: 5 });
    scoreSeeds(f.ledger, experiment, [0.6, 0.62, 0.64, 0.61, 0.63]);
    const insight = bayes.findings.post({ type: 'insight', text: 'aux-conf is the one to beat', experiments: [experiment] }).message;
    await service.sync();
    const shown = (await byText('aux-conf is the one to beat'))!;
    expect(shown.finding).toEqual({ type: 'insight', votes: { up: 0, down: 0, people: { up: 0, down: 0 }, agents: { up: 0, down: 0 } } });
    expect((await byText('aux-conf helps on spam'))!.finding?.type).toBe('hypothesis');

    // The operator's vote, with a reason: a ledger fact, then the count on the post.
    expect((await post('/api/votes', { messageRef: shown.ref, value: 1, reason: 'matches my reading' })).status).toBe(202);
    await vi.waitFor(() => expect(f.ledger.events({ kind: 'vote' })).toHaveLength(1));
    expect(f.ledger.events({ kind: 'vote' })[0].data).toMatchObject({ target: insight, value: 1, reason: 'matches my reading', voter: { id: OPERATOR_ID, kind: 'human', member: true }, via: 'button' });
    await service.sync();
    expect((await byText('aux-conf is the one to beat'))!.finding?.votes).toMatchObject({ up: 1, people: { up: 1, down: 0 } });

    // Only findings take votes, and only +1, -1 or 0.
    const plain = (await state()).posts.find((p) => p.text.startsWith('Finished:'))!;
    const refused = await post('/api/votes', { messageRef: plain.ref, value: 1 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ problems: [{ field: 'messageRef', problem: expect.stringMatching(/^not a finding/) }] });
    const bad = await post('/api/votes', { messageRef: shown.ref, value: 2 });
    expect(await bad.json()).toMatchObject({ problems: [{ field: 'value', problem: 'accepted: 1, -1 or 0 (take the vote back)' }] });

    // The operator picks "dead end" in the composer; the ledger records it, citing the experiment.
    expect((await post('/api/messages', { channel: 'forum', text: `Hard labels did nothing for me, see ${experiment}`, type: 'dead-end' })).status).toBe(202);
    await vi.waitFor(() => expect(f.records.messages({ authorKind: 'human' })).toHaveLength(1));
    const [m] = f.records.messages({ authorKind: 'human' });
    expect(m.data).toMatchObject({ finding: { type: 'dead-end', experiments: [experiment] } });
    await service.sync();
    const mine = (await byText('Hard labels did nothing for me'))!;
    expect(mine).toMatchObject({ author: 'operator', finding: { type: 'dead-end' } });
    expect(mine.text).toContain(`(cites ${experiment}: spam · aux-conf · public PGR 0.62 ± 0.03 over 5 seeds)`);

    // An agent votes on it; the operator cannot vote on their own finding and is told why.
    f.desk.forAgent('ada').findings.vote({ finding: `msg:${m.id}`, value: 1, reason: 'agrees with my probes' });
    await service.sync();
    expect((await byText('Hard labels did nothing for me'))!.finding?.votes).toMatchObject({ up: 1, agents: { up: 1, down: 0 } });
    expect((await post('/api/votes', { messageRef: mine.ref, value: 1 })).status).toBe(202);
    await vi.waitFor(async () => expect((await state()).posts.some((p) => p.author === 'system' && /^Vote not recorded: .*own finding/.test(p.text))).toBe(true));
    expect(f.ledger.events({ kind: 'vote' })).toHaveLength(2);

    // After a restart the forum shows the same badges and counts, from the ledger.
    await service.stop();
    const delivered = f.records.deliveredPosts();
    const refOf = new Map(delivered.map((d) => [d.key, d.ref]));
    await start(delivered.map((d) => ({ ref: d.ref, at: d.at, post: { ...(d.post as unknown as Post), threadRef: d.threadKey ? refOf.get(d.threadKey) : undefined } })));
    expect((await byText('Hard labels did nothing for me'))!.finding).toMatchObject({ type: 'dead-end', votes: { up: 1 } });
    expect((await byText('aux-conf is the one to beat'))!.finding).toMatchObject({ type: 'insight', votes: { up: 1 } });
  });
});
