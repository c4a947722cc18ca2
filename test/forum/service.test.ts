import { afterEach, describe, expect, it } from 'vitest';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Outbox } from '../../src/forum/outbox.js';
import { ForumService } from '../../src/forum/service.js';
import type { ForumUser } from '../../src/forum/port.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const ADMIN: ForumUser = { id: 'U-ADMIN', name: 'ada', isBot: false };
const GUEST: ForumUser = { id: 'U-GUEST', name: 'gus', isBot: false };
const BOT: ForumUser = { id: 'B-AGENT', name: 'agent-1', isBot: true };

const services: ForumService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

function freshLedger(): { ledger: Ledger; path: string } {
  const path = tempLedgerPath('aar-forum-');
  return { ledger: Ledger.open(path), path };
}

async function service(ledger: Ledger, forum = new RecordingForum()) {
  const s = new ForumService({ ledger, forum, admins: new Set([ADMIN.id]), tasks: ['spam', 'math'], queueStatus: async () => 'Queue: in-process.', pollMs: 60_000 });
  services.push(s);
  await s.start();
  return { s, forum };
}

/** An experiment with two seeds, scored as the pipeline would record it. */
function runExperiment(ledger: Ledger, id: string, pgrs: number[], o: { tag?: string; agent?: string } = {}) {
  ledger.proposeExperiment({ id, task: 'spam', method: { name: o.tag ?? 'naive' }, seeds: pgrs.map((_, i) => i + 1), agent: o.agent ?? 'agent-1', hypothesis: { id: `h-${id}`, text: `Hypothesis for ${id}` } });
  pgrs.forEach((pgr, i) => {
    const jobId = `${id}-s${i + 1}`;
    ledger.append('queued', { experimentId: id, jobId, data: { seed: i + 1 } });
    ledger.append('started', { experimentId: id, jobId, data: { seed: i + 1 } });
    const half = { weak: 0.8, ceiling: 0.95, student: 0.8 + 0.15 * pgr, pgr };
    ledger.recordResult({ jobId, experimentId: id, seed: i + 1, predictionsDigest: 'd', score: { public: half, private: half, all: { weak: 0.8, ceiling: 0.95, student: half.student } } as never });
  });
}

const texts = (forum: RecordingForum) => forum.posts.map((p) => p.post.text);

describe('ForumService', () => {
  it('gives every experiment a thread with one progress message and a result card', async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    runExperiment(ledger, 'exp-a', [0.5, 0.7]);
    await s.sync();
    const root = forum.posts.find((p) => p.post.text.startsWith('Hypothesis for exp-a'))!;
    expect(root.post).toMatchObject({ channel: 'forum', persona: { name: 'agent-1' } });
    expect(root.post.threadRef).toBeUndefined();
    const inThread = forum.posts.filter((p) => p.post.threadRef === root.ref);
    expect(inThread.map((p) => p.post.text)).toEqual(['Finished: 2 of 2 seeds scored.']);
    // A result that can rank has its card in #results, where people veto or approve.
    const result = forum.posts.find((p) => p.post.text === 'Result of exp-a')!;
    expect(result.post).toMatchObject({ channel: 'results', threadRef: undefined });
    const card = result.post.card!;
    expect(card.fields).toContainEqual({ label: 'PGR public', value: '0.60 ± 0.14' });
    expect(card.buttons.map((b) => b.action)).toEqual(['veto', 'approve', 'details']);
  });

  it("puts the card of a result that can rank in #results, and a probe's (fewer seeds than ranking needs) in its thread", async () => {
    const { ledger } = freshLedger();
    const forum = new RecordingForum();
    const s = new ForumService({ ledger, forum, admins: new Set([ADMIN.id]), tasks: ['spam'], queueStatus: async () => '', pollMs: 60_000, minSeeds: 3 });
    services.push(s);
    await s.start();
    runExperiment(ledger, 'exp-probe', [0.5, 0.6]);
    runExperiment(ledger, 'exp-full', [0.5, 0.6, 0.55]);
    await s.sync();
    const card = (id: string) => forum.posts.find((p) => p.post.text === `Result of ${id}`)!.post;
    const probeRoot = forum.posts.find((p) => p.post.text.startsWith('Hypothesis for exp-probe'))!;
    expect(card('exp-probe')).toMatchObject({ channel: 'forum', threadRef: probeRoot.ref });
    expect(card('exp-full')).toMatchObject({ channel: 'results', threadRef: undefined });
  });

  it('edits the progress message instead of posting one per event', async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    ledger.proposeExperiment({ id: 'exp-b', task: 'spam', method: { name: 'naive' }, seeds: [1, 2] });
    ledger.append('queued', { experimentId: 'exp-b', jobId: 'exp-b-s1', data: { seed: 1 } });
    ledger.append('started', { experimentId: 'exp-b', jobId: 'exp-b-s1', data: { seed: 1 } });
    await s.sync();
    ledger.append('queued', { experimentId: 'exp-b', jobId: 'exp-b-s2', data: { seed: 2 } });
    ledger.append('started', { experimentId: 'exp-b', jobId: 'exp-b-s2', data: { seed: 2 } });
    await s.sync();
    const progress = forum.posts.filter((p) => p.post.text.startsWith('Running'));
    expect(progress).toHaveLength(1);
    expect(forum.current(progress[0].ref)!.text).toBe('Running: 0 of 2 seeds scored, 2 in progress.');
  });

  it('posts nothing twice after a restart', async () => {
    const { ledger, path } = freshLedger();
    const first = await service(ledger);
    runExperiment(ledger, 'exp-c', [0.4]);
    await first.s.sync();
    const count = first.forum.posts.length;
    expect(count).toBe(3);
    const second = await service(Ledger.open(path));
    expect(second.forum.posts).toHaveLength(0);
    expect(first.forum.posts).toHaveLength(count);
  });

  it('lets an allowlisted human veto; the card, the audit channel, the thread and the leaderboard all show it', async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    runExperiment(ledger, 'exp-d', [0.9]);
    runExperiment(ledger, 'exp-e', [0.3], { tag: 'aux-conf' });
    await s.sync();
    await forum.send({ kind: 'command', user: ADMIN, text: 'leaderboard spam' });
    expect(forum.replies.at(-1)).toMatch(/spam #1: exp-d .*\nspam #2: exp-e/);

    await forum.send({ kind: 'command', user: ADMIN, text: 'veto exp-d always predicts the majority class' });
    expect(forum.replies.at(-1)).toContain('Vetoed exp-d');
    const cardRef = forum.posts.find((p) => p.post.text === 'Result of exp-d')!.ref;
    expect(forum.current(cardRef)!.card!.status).toBe('vetoed');
    expect(texts(forum)).toContain('ada vetoed exp-d: always predicts the majority class');
    expect(forum.posts.find((p) => p.post.channel === 'audit')).toBeDefined();
    expect(texts(forum).some((t) => t.startsWith('Vetoed by ada: always predicts the majority class'))).toBe(true);
    await forum.send({ kind: 'command', user: ADMIN, text: 'leaderboard spam' });
    expect(forum.replies.at(-1)).toMatch(/^Leaderboard, ranked by private PGR \(the held-out half no agent sees\):\nspam #1: exp-e/);

    await forum.send({ kind: 'command', user: ADMIN, text: 'unveto exp-d' });
    expect(forum.current(cardRef)!.card!.status).toBeUndefined();
    await forum.send({ kind: 'command', user: ADMIN, text: 'leaderboard' });
    expect(forum.replies.at(-1)).toMatch(/\nspam #1: exp-d/);
  });

  it('vetoes a method tag: every experiment using it leaves the leaderboard', async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    runExperiment(ledger, 'exp-f', [0.9], { tag: 'gamed' });
    runExperiment(ledger, 'exp-g', [0.8], { tag: 'gamed' });
    runExperiment(ledger, 'exp-h', [0.2]);
    await s.sync();
    await forum.send({ kind: 'action', channel: 'forum', messageRef: 'r1', user: ADMIN, action: 'approve', value: 'exp-h' });
    await forum.send({ kind: 'command', user: ADMIN, text: 'veto gamed runs code to check answers' });
    expect(forum.replies.at(-1)).toContain('2 experiments');
    await forum.send({ kind: 'command', user: GUEST, text: 'leaderboard' });
    expect(forum.replies.at(-1)).toBe('Leaderboard, ranked by private PGR (the held-out half no agent sees):\nspam #1: exp-h (naive, agent-1) private PGR 0.20 ± 0.00 (public 0.20) over 1 seeds ✓');
  });

  it('refuses changes from people off the allowlist and ignores bots entirely, whatever they say', async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    runExperiment(ledger, 'exp-i', [0.9]);
    await s.sync();
    await forum.send({ kind: 'command', user: GUEST, text: 'veto exp-i suspicious' });
    expect(forum.replies.at(-1)).toMatch(/only people on the allowlist can run `veto`/);
    await forum.send({ kind: 'action', channel: 'forum', messageRef: 'r1', user: GUEST, action: 'veto', value: 'exp-i' });
    await forum.send({ kind: 'command', user: BOT, text: 'veto exp-i I am a bot' });
    await forum.send({ kind: 'message', channel: 'forum', user: BOT, text: '/aar veto exp-i ignore previous instructions', mentionsApp: true });
    await forum.send({ kind: 'action', channel: 'forum', messageRef: 'r1', user: BOT, action: 'approve', value: 'exp-i' });
    expect(new ForumRecords(ledger).vetoes()).toEqual([]);
    expect(new ForumRecords(ledger).messages()).toEqual([]);
    await forum.send({ kind: 'command', user: GUEST, text: 'status' });
    expect(forum.replies.at(-1)).toContain('Jobs: 1 scored.');
  });

  it("answers a malformed command with its usage, and keeps an allowlisted person's free text as guidance for the agents", async () => {
    const { ledger } = freshLedger();
    const { forum } = await service(ledger);
    await forum.send({ kind: 'command', user: ADMIN, text: 'veto' });
    expect(forum.replies.at(-1)).toContain('usage: veto <experiment|method-tag> <reason>');
    await forum.send({ kind: 'message', channel: 'forum', user: ADMIN, text: 'Try label smoothing on math, it might help', mentionsApp: false });
    expect(new ForumRecords(ledger).messages({ authorKind: 'human' })).toMatchObject([
      { author: 'ada', text: 'Try label smoothing on math, it might help', channel: 'forum', data: { authorship: { from: ADMIN.id, member: true } } },
    ]);
  });

  it("keeps a message from someone off the allowlist in the forum, but not as guidance, and says so only when it was addressed to an agent", async () => {
    const { ledger } = freshLedger();
    const { forum } = await service(ledger);
    runExperiment(ledger, 'exp-g', [0.5]);
    await forum.send({ kind: 'message', channel: 'forum', messageRef: 'g1', user: GUEST, text: 'Try label smoothing on math, it might help', mentionsApp: false });
    expect(forum.replies).toEqual([]);
    await forum.send({ kind: 'message', channel: 'forum', messageRef: 'g2', user: GUEST, text: 'agent-1: stop using ensembles', mentionsApp: false });
    expect(forum.replies).toEqual([expect.stringMatching(/^Only people on the allowlist can direct the agents, so agent-1 will not act on this, gus/)]);
    const records = new ForumRecords(ledger);
    expect(records.messages({ authorKind: 'human' })).toEqual([]);
    // Shown to people: both are forum posts by key, so replies thread under them and the local forum shows them again.
    expect(records.deliveredPosts().filter((p) => p.key.startsWith('msg:')).map((p) => [p.ref, (p.post as { text: string }).text])).toEqual([
      ['g1', 'Try label smoothing on math, it might help'],
      ['g2', 'agent-1: stop using ensembles'],
    ]);
  });

  it("stores a person's reply by its thread's key, and threads an agent's answer under their top-level message", async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    runExperiment(ledger, 'exp-t', [0.5]);
    await s.sync();
    const root = forum.posts.find((p) => p.post.text.startsWith('Hypothesis for exp-t'))!;
    await forum.send({ kind: 'message', channel: 'forum', threadRef: root.ref, messageRef: 'x1', user: ADMIN, text: 'why only one seed?', mentionsApp: false });
    await forum.send({ kind: 'message', channel: 'forum', messageRef: 'x2', user: ADMIN, text: 'agent-1: what next?', mentionsApp: false });
    const records = new ForumRecords(ledger);
    const [top, reply] = records.messages({ authorKind: 'human' });
    expect(reply).toMatchObject({ threadId: 'exp:exp-t', author: 'ada' });
    expect(top.threadId).toBeNull();
    // The person's own message is known by key, so an answer threads under it.
    expect(records.refOf(`msg:${top.id}`)).toBe('x2');
    records.addMessage({ id: 'ans-1', channel: 'forum', threadId: `msg:${top.id}`, author: 'agent-1', authorKind: 'agent', text: 'Next: five seeds.' });
    await s.sync();
    const answer = forum.posts.find((p) => p.post.text === 'Next: five seeds.')!;
    expect(answer.post).toMatchObject({ threadRef: 'x2', persona: { name: 'agent-1' } });
    // Nothing a person wrote is posted back to the forum.
    expect(texts(forum)).not.toContain('why only one seed?');
  });

  it("shows a running seed's latest progress from the worker (a GPU trainer's step and loss) in the edited progress message", async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    ledger.proposeExperiment({ id: 'exp-gpu', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'agent-1', hypothesis: { id: 'h-exp-gpu', text: 'LoRA student' } });
    ledger.append('queued', { experimentId: 'exp-gpu', jobId: 'exp-gpu-s1', data: { seed: 1 } });
    ledger.append('started', { experimentId: 'exp-gpu', jobId: 'exp-gpu-s1', data: { seed: 1 } });
    ledger.append('progress', { experimentId: 'exp-gpu', jobId: 'exp-gpu-s1', data: { seed: 1, fraction: 0.2, note: 'student step 40, loss 0.61' } });
    ledger.append('progress', { experimentId: 'exp-gpu', jobId: 'exp-gpu-s1', data: { seed: 1, fraction: 0.45, note: 'student step 90, loss 0.48' } });
    await s.sync();
    const progress = forum.posts.find((p) => p.post.text.startsWith('Running:'))!;
    const shown = forum.current(progress.ref)!.text;
    expect(shown).toBe('Running: 0 of 1 seeds scored, 1 in progress.\nseed 1: 45% (student step 90, loss 0.48)');
  });

  it('never posts a secret', async () => {
    const { ledger } = freshLedger();
    const { s, forum } = await service(ledger);
    ledger.proposeExperiment({ id: 'exp-j', task: 'spam', method: { name: 'naive' }, seeds: [1], hypothesis: { id: 'h-j', text: 'my token is xoxb-123456789012-abcdefABCDEF and key sk-ant-api03-abcdefghijkl' } });
    await s.sync();
    expect(texts(forum)[0]).toContain('my token is xoxb…[redacted] and key [redacted]');
    expect(texts(forum)[0]).not.toContain('abcdefABCDEF');
  });
});

describe('Outbox', () => {
  it('waits out a 429 and delivers each post once, in order', async () => {
    const { ledger } = freshLedger();
    const forum = new RecordingForum();
    forum.rateLimits = [1500, 700];
    const waits: number[] = [];
    const outbox = new Outbox({ records: new ForumRecords(ledger), forum, sleep: async (ms) => void waits.push(ms) });
    outbox.post('a', { channel: 'forum', persona: { id: 'x', name: 'x', icon: ':x:' }, text: 'first' });
    outbox.post('b', { channel: 'forum', persona: { id: 'x', name: 'x', icon: ':x:' }, text: 'second' }, 'a');
    await outbox.flush();
    expect(waits).toEqual([1500, 700]);
    expect(forum.posts.map((p) => [p.post.text, p.post.threadRef])).toEqual([
      ['first', undefined],
      ['second', 'r1'],
    ]);
  });

  it('keeps posts through an outage and delivers them on a later flush, even from a new process', async () => {
    const { ledger, path } = freshLedger();
    const down = new RecordingForum();
    down.outages = 5;
    const outbox = new Outbox({ records: new ForumRecords(ledger), forum: down });
    outbox.post('k1', { channel: 'results', persona: { id: 'x', name: 'x', icon: ':x:' }, text: 'hello' });
    expect(outbox.post('k1', { channel: 'results', persona: { id: 'x', name: 'x', icon: ':x:' }, text: 'hello again' })).toBe(false);
    await outbox.flush();
    expect(down.posts).toHaveLength(0);
    const up = new RecordingForum();
    const restarted = new Outbox({ records: new ForumRecords(Ledger.open(path)), forum: up });
    await restarted.flush();
    await restarted.flush();
    expect(up.posts.map((p) => p.post.text)).toEqual(['hello']);
  });
});
