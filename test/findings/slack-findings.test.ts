import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForumService } from '../../src/forum/service.js';
import { SlackForum } from '../../src/forum/slack/index.js';
import { FindingsStore } from '../../src/findings/store.js';
import { eventCallback, FakeSlack, sendSigned, type RecordedCall } from '../helpers/fake-slack.js';
import { makeDesk, type Fixture } from '../campaign/fixture.js';
import { scoreSeeds } from './scored.js';

// Findings and votes through Slack as it runs: Bolt's HTTP receiver takes signed events
// (messages, reaction_added, reaction_removed), the WebClient posts to the fake Web API, and
// the forum service writes and reads the ledger the agents' research desk uses.
const SECRET = 'signing-secret-for-tests-0123456789';
const ADMIN = 'U0ADMIN';
const GUEST = 'U0BOB';

let fake: FakeSlack;
let f: Fixture;
let service: ForumService;
let url: string;

beforeEach(async () => {
  fake = await FakeSlack.start({ users: { [ADMIN]: { name: 'alice', display_name: 'Alice' }, [GUEST]: { name: 'bob' } } });
  f = makeDesk();
  const forum = new SlackForum({
    botToken: fake.botToken,
    mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' },
    channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' },
    slackApiUrl: fake.apiUrl,
    log: () => {},
  });
  service = new ForumService({ ledger: f.ledger, forum, admins: new Set([ADMIN]), tasks: ['spam'], pollMs: 60_000, minSeeds: 5, queueStatus: async () => '' });
  url = (await service.start()).url!;
});

afterEach(async () => {
  await service.stop();
  f.ledger.close();
  await fake.close();
});

const send = (event: Record<string, unknown>) => sendSigned(url, SECRET, JSON.stringify(eventCallback(event)));
const reaction = (type: 'reaction_added' | 'reaction_removed', user: string, ref: string, name: string) => {
  const [channel, ts] = ref.split(':');
  return send({ type, user, reaction: name, item: { type: 'message', channel, ts }, item_user: 'UBOT', event_ts: `${Date.now() / 1000}` });
};
/** The mrkdwn of a call's context blocks (where a finding's type and votes are). */
const contexts = (c: RecordedCall) => ((c.params.blocks ?? []) as { type: string; elements?: { text: string }[] }[]).filter((b) => b.type === 'context').map((b) => b.elements![0].text);

describe('findings and votes through Slack', () => {
  it("an agent's finding shows its type; people vote with reactions, agents with the desk, and both see the counts", async () => {
    const bayes = f.desk.forAgent('bayes');
    const ada = f.desk.forAgent('ada');
    const { experiment } = await bayes.propose({ hypothesis: 'aux-conf helps on spam', task: 'spam', method: 'aux-conf', seeds: 5 });
    scoreSeeds(f.ledger, experiment, [0.6, 0.62, 0.64, 0.61, 0.63]);
    const insight = bayes.findings.post({ type: 'insight', text: 'aux-conf is the method to beat on spam', experiments: [experiment] }).message;
    await service.sync();

    // The agent's insight: under its name, with a context element naming the type.
    const posted = await fake.waitForCall('chat.postMessage', (c) => String(c.params.text).startsWith('aux-conf is the method to beat'));
    expect(posted.params).toMatchObject({ username: 'bayes', channel: 'C0FORUM' });
    expect(contexts(posted)).toEqual([':bulb: *Insight* · react :+1: or :-1: to vote']);
    // The experiment's thread is a hypothesis.
    const thread = fake.callsTo('chat.postMessage').find((c) => String(c.params.text).startsWith('aux-conf helps on spam'))!;
    expect(contexts(thread)).toEqual([':thought_balloon: *Hypothesis* · react :+1: or :-1: to vote']);
    const ref = f.records.refOf(insight)!;

    // A person on the allowlist reacts :+1: (a skin tone is the same vote): a vote with who and when, shown on the message.
    await reaction('reaction_added', ADMIN, ref, '+1::skin-tone-3');
    await fake.until(() => (f.ledger.events({ kind: 'vote' }).length === 1 ? true : undefined), 5_000, 'the vote');
    const [vote] = f.ledger.events({ kind: 'vote' });
    expect(vote.data).toMatchObject({ target: insight, value: 1, voter: { id: ADMIN, name: 'Alice', kind: 'human', member: true }, via: 'reaction' });
    expect(vote.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await service.sync();
    const updated = await fake.waitForCall('chat.update', (c) => contexts(c).some((t) => t.includes('votes +1 / -0')));
    expect(updated.params).toMatchObject({ channel: ref.split(':')[0], ts: ref.split(':')[1] });
    expect(contexts(updated)).toEqual([':bulb: *Insight* · votes +1 / -0 (people +1/-0, agents +0/-0) · react :+1: or :-1: to vote']);

    // Someone off the allowlist reacts :-1:: counted for people, not shown to agents.
    await reaction('reaction_added', GUEST, ref, 'thumbsdown');
    await fake.until(() => (f.ledger.events({ kind: 'vote' }).length === 2 ? true : undefined), 5_000, 'the second vote');
    // An agent votes through the desk; bayes cannot vote on its own insight.
    expect(() => bayes.findings.vote({ finding: insight, value: 1 })).toThrow(/own finding/);
    ada.findings.vote({ finding: insight, value: 1, reason: 'held up in my paired runs' });
    const agentsView = ada.readForum({ limit: 20 }).items.find((i) => i.key === insight)!;
    expect(agentsView.finding?.votes).toMatchObject({ up: 2, down: 0, score: 4 });
    await service.sync();
    await fake.waitForCall('chat.update', (c) => contexts(c).some((t) => t.includes('votes +2 / -1 (people +1/-1, agents +1/-0)')));

    // Taking the :+1: away takes the vote back (removing a :-1: it never gave changes nothing).
    await reaction('reaction_removed', ADMIN, ref, 'thumbsdown');
    await reaction('reaction_removed', ADMIN, ref, '+1');
    await fake.until(() => (f.ledger.events({ kind: 'vote' }).length === 4 ? true : undefined), 5_000, 'the vote taken back');
    expect(f.ledger.events({ kind: 'vote' }).at(-1)!.data).toMatchObject({ value: 0, voter: { id: ADMIN } });
    expect(new FindingsStore(f.ledger, f.records).get(insight)!.votes).toMatchObject({ up: 1, down: 1, people: { up: 0, down: 1 }, agents: { up: 1, down: 0 } });
    // A reaction that is not a vote, or on a message that is not a finding, records nothing.
    await reaction('reaction_added', ADMIN, ref, 'tada');
    await reaction('reaction_added', ADMIN, f.records.refOf(`exp:${experiment}:progress`)!, '+1');
    await send({ type: 'message', channel: 'C0FORUM', user: ADMIN, text: 'status', ts: '1700009999.000001' });
    await fake.waitForCall('chat.postMessage', (c) => String(c.params.text).startsWith('Jobs:'));
    expect(f.ledger.events({ kind: 'vote' })).toHaveLength(4);
  });

  it("a person's typed finding is recorded with its type and citations, agents read and vote on it, and Slack keeps the person's own post", async () => {
    const bayes = f.desk.forAgent('bayes');
    const { experiment } = await bayes.propose({ hypothesis: 'hard labels', task: 'spam', method: 'hard-labels', seeds: 5 });
    scoreSeeds(f.ledger, experiment, [0.3, 0.35, 0.25, 0.3, 0.3]);
    await send({ type: 'message', channel: 'C0FORUM', user: ADMIN, text: `dead-end: hard labels throw away the teacher's confidence, see ${experiment}`, ts: '1700000500.000100' });
    const confirm = await fake.waitForCall('chat.postMessage', (c) => String(c.params.text).startsWith('Recorded as a dead end'));
    expect(confirm.params).toMatchObject({ channel: 'C0FORUM', thread_ts: '1700000500.000100' });
    const [m] = f.records.messages({ authorKind: 'human' });
    expect(m.text).toBe(`hard labels throw away the teacher's confidence, see ${experiment}\n(cites ${experiment}: spam · hard-labels · public PGR 0.30 ± 0.04 over 5 seeds)`);
    expect(m.data).toMatchObject({ finding: { type: 'dead-end', experiments: [experiment] }, authorship: { from: ADMIN, member: true } });

    // An agent sees it typed in read_forum and votes on it.
    const ada = f.desk.forAgent('ada');
    const item = ada.readForum({ limit: 20 }).items.find((i) => i.key === `msg:${m.id}`)!;
    expect(item).toMatchObject({ authorKind: 'human', finding: { type: 'dead-end', experiments: [experiment] } });
    ada.findings.vote({ finding: `msg:${m.id}`, value: 1, reason: 'my probe agrees' });
    await service.sync();
    // The person's own post is theirs in Slack: never edited; their reactions are the count there.
    expect(fake.callsTo('chat.update').filter((c) => c.params.ts === '1700000500.000100')).toEqual([]);
    // The author cannot vote on their own finding.
    await reaction('reaction_added', ADMIN, 'C0FORUM:1700000500.000100', '+1');
    await reaction('reaction_added', GUEST, 'C0FORUM:1700000500.000100', '+1');
    await fake.until(() => (f.ledger.events({ kind: 'vote' }).length === 2 ? true : undefined), 5_000, "the guest's vote");
    expect(f.ledger.events({ kind: 'vote' }).map((e) => (e.data.voter as { id: string }).id)).toEqual(['ada', GUEST]);

    // A result from a person must name an experiment with public numbers: refused, nothing recorded.
    await send({ type: 'message', channel: 'C0FORUM', user: ADMIN, text: 'result: everything works now', ts: '1700000600.000100' });
    await fake.waitForCall('chat.postMessage', (c) => String(c.params.text).startsWith('A result is a claim'));
    expect(f.records.messages({ authorKind: 'human' })).toHaveLength(1);
  });
});
