// The forum's faults for `npm run bench faults`: a fake Slack Web API that drops, delays or holds
// accepted posts, answers 5xx or asks for a long Retry-After. Lost and doubled count posts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Outbox } from '../../src/forum/outbox.js';
import { SlackForum } from '../../src/forum/slack/index.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { FakeSlack, type AfterAccept } from '../helpers/fake-slack.js';
import { freePort } from '../helpers/private-redis.js';
import { timeUntil, World, type Tally } from './fault-world.js';

const SECRET = 'bench-signing-secret';
const POSTS = 10;
const persona = { id: 'ada', name: 'ada', icon: ':robot_face:' };

/** Posts expected vs what the fake workspace holds: lost and doubled. */
function postTally(fake: FakeSlack, texts: string[]): Pick<Tally, 'lost' | 'doubled'> {
  const held = fake.messages.map((m) => m.text);
  return { lost: texts.filter((t) => !held.includes(t)).length, doubled: held.length - new Set(held).size };
}

/**
 * POSTS posts through the outbox on a clock that moves 500 ms per flush (as the forum service
 * flushes), with `fault` applied to Slack first. Recovery: simulated time until all are delivered.
 */
async function throughOutbox(fault: (fake: FakeSlack) => void, o: { requestTimeoutMs?: number } = {}): Promise<Tally> {
  const fake = await FakeSlack.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'aar-bench-slack-'));
  const forum = new SlackForum({ botToken: fake.botToken, mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' }, channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' }, slackApiUrl: fake.apiUrl, log: () => {}, ...o });
  const ledger = Ledger.open(path.join(dir, 'ledger.sqlite'));
  try {
    await forum.start();
    const records = new ForumRecords(ledger);
    const clock = { t: Date.now() };
    const outbox = new Outbox({ records, forum, now: () => clock.t });
    fault(fake);
    const texts = Array.from({ length: POSTS }, (_, i) => `post ${i}`);
    texts.forEach((text, i) => outbox.post(`k${i}`, { channel: 'forum', persona, text }));
    const start = clock.t;
    let stuck = 0;
    for (;;) {
      await outbox.flush();
      if (records.pendingCount().posts === 0) break;
      if (clock.t - start > 30 * 60_000) {
        stuck = records.pendingCount().posts;
        break;
      }
      clock.t += 500;
    }
    const calls = fake.callsTo('chat.postMessage').length;
    const looks = fake.callsTo('conversations.history').length + fake.callsTo('conversations.replies').length;
    return { ...postTally(fake, texts), stuck, recoveryMs: clock.t - start, note: `${calls} chat.postMessage, ${looks} history/replies calls for ${POSTS} posts` };
  } finally {
    await forum.stop();
    ledger.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const slackDropped = () => throughOutbox((f) => f.acceptThen('chat.postMessage', { kind: 'drop' }));
export const slackTimedOut = () => throughOutbox((f) => f.acceptThen('chat.postMessage', { kind: 'delay', ms: 1500 } as AfterAccept), { requestTimeoutMs: 300 });
export const slack5xx = () => throughOutbox((f) => f.httpErrorNext('chat.postMessage', 8, 503));
export const slackRetryAfter = () => throughOutbox((f) => f.rateLimitNext('chat.postMessage', 1, 180));

/** `aar forum` killed while Slack holds an accepted post; a new `aar forum`: time from its start until every post is delivered. */
export async function slackKilled(): Promise<Tally> {
  const fake = await FakeSlack.start();
  const w = new World();
  try {
    const ids = Array.from({ length: 5 }, (_, i) => `exp-bench-${i}`);
    for (const id of ids) w.ledger.proposeExperiment({ id, task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada', hypothesis: { id: `h-${id}`, text: `hypothesis ${id}` } });
    const env = async () => {
      return w.env({ SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, SLACK_PORT: String(await freePort()) });
    };
    fake.acceptThen('chat.postMessage', { kind: 'hold' });
    const first = w.aar('aar forum (killed)', ['forum'], await env());
    await timeUntil('Slack holds a post', () => fake.heldCount === 1, 60_000);
    await first.kill('SIGKILL');
    w.aar('aar forum', ['forum'], await env());
    const delivered = () => (w.ledger.db.prepare('SELECT COUNT(*) AS n FROM outbox_deliveries').get() as { n: number }).n;
    const recoveryMs = await timeUntil('every post is delivered', () => delivered() === ids.length, 60_000).catch(() => undefined);
    const tally = postTally(fake, fake.messages.map((m) => m.text));
    const posted = new Set(fake.messages.map((m) => m.text.split('\n')[0]));
    return { lost: ids.filter((id) => !posted.has(`hypothesis ${id}`)).length, doubled: tally.doubled, stuck: recoveryMs === undefined ? 1 : 0, recoveryMs };
  } finally {
    await w.close();
    await fake.close();
  }
}
