import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/forum/outbox.js';
import { SlackForum } from '../../src/forum/slack/index.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { freePort } from '../helpers/private-redis.js';
import { ProcessGroup, waitUntil } from '../helpers/processes.js';

// Slack delivery without doubles. A post Slack accepted but whose answer never arrived (the
// connection dropped, the client timed out, the process was killed while Slack held the call)
// is looked for before it is sent again; a 429 is waited out whatever its Retry-After; a 5xx
// is retried with exponential backoff and jitter; a coordinator that stops with posts still
// undelivered says so.

const SECRET = 'signing-secret-for-delivery-tests';
const persona = { id: 'ada', name: 'ada', icon: ':robot_face:' };
const cleanup: (() => void | Promise<void>)[] = [];
let fake: FakeSlack;
let dir: string;

beforeEach(async () => {
  fake = await FakeSlack.start();
  dir = mkdtempSync(path.join(tmpdir(), 'aar-slack-delivery-'));
});

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function slack(o: { requestTimeoutMs?: number } = {}): Promise<SlackForum> {
  const forum = new SlackForum({
    botToken: fake.botToken,
    mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' },
    channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' },
    slackApiUrl: fake.apiUrl,
    log: () => {},
    ...o,
  });
  await forum.start();
  cleanup.push(() => forum.stop());
  return forum;
}

function records(): ForumRecords {
  const ledger = Ledger.open(path.join(dir, `ledger-${cleanup.length}.sqlite`));
  cleanup.push(() => ledger.close());
  return new ForumRecords(ledger);
}

/** A clock the test moves, and an outbox that runs on it. */
function outboxOn(forum: SlackForum, r: ForumRecords, extra: Partial<ConstructorParameters<typeof Outbox>[0]> = {}) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const log: string[] = [];
  const outbox = new Outbox({ records: r, forum, now: () => clock.t, random: () => 0, log: (l) => log.push(l), ...extra });
  return { outbox, clock, log };
}

const texts = () => fake.messages.map((m) => m.text);

describe('Slack delivery: look before posting again', () => {
  it('a post Slack accepted whose connection dropped before the answer is found, not posted twice', async () => {
    const forum = await slack();
    const r = records();
    const { outbox, clock, log } = outboxOn(forum, r);
    fake.acceptThen('chat.postMessage', { kind: 'drop' });
    outbox.post('exp:e1', { channel: 'forum', persona, text: 'hypothesis one' });
    outbox.post('exp:e1:reply', { channel: 'forum', persona, text: 'in the thread' }, 'exp:e1');
    await outbox.flush();
    expect(r.refOf('exp:e1')).toBeUndefined();
    clock.t += 60_000;
    await outbox.flush();
    expect(texts()).toEqual(['hypothesis one', 'in the thread']);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(r.refOf('exp:e1')).toBe(`C0FORUM:${fake.messages[0].ts}`);
    expect(fake.messages[1].thread_ts).toBe(fake.messages[0].ts);
    expect(log.some((l) => l.includes('exp:e1 was delivered by an earlier attempt'))).toBe(true);
  });

  it('a reply answered after the client timeout is found in its thread, not posted twice', async () => {
    const forum = await slack({ requestTimeoutMs: 300 });
    const r = records();
    const { outbox, clock } = outboxOn(forum, r);
    outbox.post('root', { channel: 'results', persona, text: 'root' });
    await outbox.flush();
    fake.acceptThen('chat.postMessage', { kind: 'delay', ms: 1500 });
    outbox.post('reply', { channel: 'results', persona, text: 'late reply' }, 'root');
    await outbox.flush();
    expect(r.refOf('reply')).toBeUndefined();
    clock.t += 60_000;
    await outbox.flush();
    expect(texts()).toEqual(['root', 'late reply']);
    expect(fake.callsTo('conversations.replies')).toHaveLength(1);
    expect(r.refOf('reply')).toBe(`C0RESULTS:${fake.messages[1].ts}`);
  });

  it('a post that never reached Slack is posted after the look finds nothing', async () => {
    const forum = await slack();
    const r = records();
    const { outbox, clock } = outboxOn(forum, r);
    fake.httpErrorNext('chat.postMessage', 1, 502);
    outbox.post('k', { channel: 'audit', persona, text: 'lost on the way' });
    await outbox.flush();
    clock.t += 60_000;
    await outbox.flush();
    expect(fake.callsTo('conversations.history')).toHaveLength(1);
    expect(texts()).toEqual(['lost on the way']);
    expect(r.refOf('k')).toBe(`C0AUDIT:${fake.messages[0].ts}`);
  });
});

describe('Slack delivery: rate limits and outages', () => {
  it('honours a Retry-After of 180 s: nothing is sent before it is over, then the post is delivered once', async () => {
    const forum = await slack();
    const r = records();
    const { outbox, clock } = outboxOn(forum, r);
    fake.rateLimitNext('chat.postMessage', 1, 180);
    outbox.post('k', { channel: 'forum', persona, text: 'after a long wait' });
    outbox.post('k2', { channel: 'forum', persona, text: 'and the next one' });
    const start = clock.t;
    await outbox.flush();
    for (const after of [1000, 60_000, 179_000]) {
      clock.t = start + after;
      await outbox.flush();
      expect(fake.callsTo('chat.postMessage'), `after ${after} ms`).toHaveLength(1);
    }
    clock.t = start + 180_000;
    await outbox.flush();
    expect(texts()).toEqual(['after a long wait', 'and the next one']);
    expect(r.refOf('k')).toMatch(/^C0FORUM:/);
  });

  it('backs off 5xx exponentially with jitter instead of retrying on every flush', async () => {
    const forum = await slack();
    const r = records();
    const { outbox, clock } = outboxOn(forum, r, { random: () => 0.5 });
    fake.httpErrorNext('chat.postMessage', 5, 503);
    outbox.post('k', { channel: 'forum', persona, text: 'through an outage' });
    const start = clock.t;
    const tries: number[] = [];
    // Flush as the forum service does, every 500 ms, for a minute.
    for (let i = 0; i < 120; i++) {
      const before = fake.callsTo('chat.postMessage').length;
      await outbox.flush();
      if (fake.callsTo('chat.postMessage').length > before) tries.push(clock.t - start);
      clock.t += 500;
    }
    // Five refusals and the post: waits of 1, 2, 4, 8, 16 s, each times 0.75 (jitter at 0.5).
    expect(tries).toEqual([0, 1000, 2500, 5500, 11_500, 23_500]);
    expect(texts()).toEqual(['through an outage']);
  });
});

describe('Slack delivery across processes', () => {
  it('aar forum killed while Slack holds an accepted post: the next aar forum finds it, posts nothing twice', async (ctx) => {
    const group = new ProcessGroup();
    cleanup.push(() => group.killAll());
    ctx.onTestFailed(() => console.error(group.logs()));
    const home = path.join(dir, 'home');
    const ledgerPath = path.join(home, 'ledger.sqlite');
    const ledger = Ledger.open(ledgerPath);
    cleanup.push(() => ledger.close());
    for (const id of ['exp-a', 'exp-b', 'exp-c']) ledger.proposeExperiment({ id, task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada', hypothesis: { id: `h-${id}`, text: `hypothesis ${id}` } });
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|ANTHROPIC_|REDIS_URL$)/.test(k)));
    Object.assign(env, { AAR_HOME: home, AAR_CACHE_DIR: testCacheDir(), SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl });

    fake.acceptThen('chat.postMessage', { kind: 'hold' });
    const first = group.aar('aar forum (killed)', ['forum'], { ...env, SLACK_PORT: String(await freePort()) });
    await waitUntil('Slack holds the first post', () => fake.heldCount === 1, { timeoutMs: 60_000, context: () => group.logs() });
    await first.kill('SIGKILL');

    const second = group.aar('aar forum', ['forum'], { ...env, SLACK_PORT: String(await freePort()) });
    const delivered = () => (ledger.db.prepare('SELECT COUNT(*) AS n FROM outbox_deliveries').get() as { n: number }).n;
    await waitUntil('every post is delivered', () => delivered() === 3, { timeoutMs: 60_000, context: () => group.logs() });
    await second.kill('SIGTERM');
    const posted = texts().filter((t) => t.startsWith('hypothesis'));
    expect(posted.sort()).toEqual(['exp-a', 'exp-b', 'exp-c'].map((id) => expect.stringContaining(`hypothesis ${id}`)));
    expect(posted).toHaveLength(3);
  });

  it('aar run ends with posts Slack did not take yet: it exits 0 and says how many are pending and who delivers them', async (ctx) => {
    const group = new ProcessGroup();
    cleanup.push(() => group.killAll());
    ctx.onTestFailed(() => console.error(group.logs()));
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|ANTHROPIC_|REDIS_URL$)/.test(k)));
    Object.assign(env, { AAR_HOME: path.join(dir, 'run-home'), AAR_CACHE_DIR: testCacheDir(), AAR_THREADS: '1', SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, SLACK_PORT: String(await freePort()) });
    // Slack keeps asking for three minutes' patience, whatever is posted.
    fake.rateLimitNext('chat.postMessage', 100_000, 180);
    const run = await group.runAar('aar run', ['run', '--tasks', 'spam', '--agents', '1', '--max-experiments', '1'], env, 110_000);
    expect(run.code, run.output).toBe(0);
    const line = run.output.split('\n').find((l) => l.startsWith('aar run: ') && l.includes('not delivered'));
    expect(line, run.output).toMatch(/^aar run: \d+ posts? (and \d+ edits? )?not delivered to the forum yet \(kept in the ledger's outbox\); `aar forum` \(or the next aar run\) delivers them$/);
    const ledger = Ledger.open(path.join(dir, 'run-home', 'ledger.sqlite'));
    cleanup.push(() => ledger.close());
    expect(Number(/(\d+) post/.exec(line!)![1])).toBe(new ForumRecords(ledger).pendingCount().posts);
  });
});
