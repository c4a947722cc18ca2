import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { ForumService } from '../../src/forum/service.js';
import { SlackForum } from '../../src/forum/slack/index.js';
import { eventCallback, FakeSlack, FORM, formBody, sendSigned, slackSignature } from '../helpers/fake-slack.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

// The whole receiving side as it runs: Bolt's HTTP receiver taking signed requests, the
// WebClient pointed at the fake Web API, and the forum service writing the ledger.
const SECRET = 'signing-secret-for-tests-0123456789';
const ADMIN = 'U0ADMIN';
const TOKEN = 'xoxb-123456789012-1234567890123-abcdefABCDEFghijklMNOP';

let fake: FakeSlack;
let ledger: Ledger;
let service: ForumService | undefined;
let url: string;
let stops: number;
let logs: string[];

beforeEach(async () => {
  fake = await FakeSlack.start({ users: { [ADMIN]: { name: 'ada', display_name: 'Ada' }, U0BOB: { name: 'bob' } } });
  ledger = Ledger.open(tempLedgerPath('aar-slack-inbound-'));
  stops = 0;
  logs = [];
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  ledger.close();
  await fake.close();
});

/** Starts the forum; `hold` (when given) keeps the service from answering a command until it resolves. */
async function start(o: { ackWindowMs?: number; hold?: Promise<void> } = {}): Promise<void> {
  const forum = new SlackForum({
    botToken: fake.botToken,
    mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' },
    channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' },
    slackApiUrl: fake.apiUrl,
    log: (line) => logs.push(line),
    ackWindowMs: o.ackWindowMs,
  });
  service = new ForumService({
    ledger,
    forum,
    admins: new Set([ADMIN]),
    tasks: ['spam'],
    pollMs: 60_000,
    onStop: () => void (stops += 1),
    queueStatus: async () => {
      await o.hold;
      return 'Queue: in-process.';
    },
  });
  url = (await service.start()).url!;
}

let n = 0;
function slash(text: string, o: { responseUrl?: string; user?: string } = {}): string {
  n += 1;
  return formBody({
    command: '/aar',
    text,
    user_id: o.user ?? ADMIN,
    user_name: 'ada',
    channel_id: 'C0FORUM',
    team_id: 'T0FAKE',
    response_url: o.responseUrl ?? fake.responseUrl(`cmd-${n}`),
    trigger_id: `trig-${n}`,
    api_app_id: 'A0APP',
  });
}

const say = (text: string, ts: string, user = ADMIN) =>
  sendSigned(url, SECRET, JSON.stringify(eventCallback({ type: 'message', channel: 'C0FORUM', user, text, ts, channel_type: 'channel' })));

describe('slash commands: the answer always arrives', () => {
  it('an answer ready within the ack window comes back in the ack itself, so a dead response_url does not matter', async () => {
    await start();
    const res = await sendSigned(url, SECRET, slash('help', { responseUrl: fake.deadResponseUrl('late') }), { contentType: FORM });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Commands (type /aar &lt;command&gt;') });
    expect(fake.deadResponses).toEqual([]);
  });

  it('a late answer whose response_url is dead is sent with chat.postEphemeral to the person, in the channel', async () => {
    let release!: () => void;
    await start({ ackWindowMs: 100, hold: new Promise<void>((r) => (release = r)) });
    const res = await sendSigned(url, SECRET, slash('status', { responseUrl: fake.deadResponseUrl('slow') }), { contentType: FORM });
    // Acked empty within the window, while the answer was still being worked out.
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    release();
    const call = await fake.waitForCall('chat.postEphemeral');
    expect(call.params).toMatchObject({ channel: 'C0FORUM', user: ADMIN });
    expect(String(call.params.text)).toMatch(/^Jobs: no jobs yet\.\nQueue: in-process\.$/);
    expect(fake.deadResponses.map((r) => r.id)).toEqual(['slow']);
  });

  it('a late answer goes to a live response_url, and not also by chat.postEphemeral', async () => {
    let release!: () => void;
    await start({ ackWindowMs: 100, hold: new Promise<void>((r) => (release = r)) });
    await sendSigned(url, SECRET, slash('status', { responseUrl: fake.responseUrl('live') }), { contentType: FORM });
    release();
    const reply = await fake.until(() => fake.responses.find((r) => r.id === 'live'), 5_000, 'the late reply');
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^Jobs: /) });
    expect(fake.callsTo('chat.postEphemeral')).toEqual([]);
  });
});

describe('signed requests run once', () => {
  it('a replayed signed slash command (same body, timestamp and signature) is refused, and the stop runs once', async () => {
    await start();
    const body = slash('stop');
    const ts = Math.floor(Date.now() / 1000);
    const first = await sendSigned(url, SECRET, body, { contentType: FORM, timestamp: ts });
    expect(first.status).toBe(200);
    const again = await sendSigned(url, SECRET, body, { contentType: FORM, timestamp: ts });
    expect(again.status).toBe(401);
    expect(stops).toBe(1);
    expect(ledger.events({ kind: 'control' })).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/refused a replayed request/);
  });

  it('the same command re-signed with a new timestamp (its trigger_id unchanged) runs once too', async () => {
    await start();
    const body = slash('stop');
    const now = Math.floor(Date.now() / 1000);
    expect((await sendSigned(url, SECRET, body, { contentType: FORM, timestamp: now })).status).toBe(200);
    expect((await sendSigned(url, SECRET, body, { contentType: FORM, timestamp: now - 1 })).status).toBe(200);
    expect(stops).toBe(1);
  });

  it('refuses a timestamp more than 30 s in the future, which Bolt alone accepts', async () => {
    await start();
    const future = Math.floor(Date.now() / 1000) + 10 * 60;
    const res = await sendSigned(url, SECRET, slash('stop'), { contentType: FORM, timestamp: future });
    expect(res.status).toBe(401);
    expect(stops).toBe(0);
    const forged = slash('stop');
    expect((await sendSigned(url, SECRET, forged, { contentType: FORM, signature: slackSignature('wrong', Math.floor(Date.now() / 1000), forged) })).status).toBe(401);
    expect(stops).toBe(0);
  });
});

describe('messages', () => {
  it('"<@U0BOB> stop" from an admin is conversation: nothing stops, and Bob is not taken for aar', async () => {
    await start();
    await say('<@U0BOB> stop', '1700000100.000100');
    await say('<@U0BOB> veto e1 looks off', '1700000100.000200');
    await fake.until(() => (new ForumRecords(ledger).messages().length === 2 ? true : undefined), 5_000, 'both messages stored');
    expect(stops).toBe(0);
    expect(ledger.events({ kind: 'control' })).toEqual([]);
    expect(new ForumRecords(ledger).vetoes()).toEqual([]);
    // The app's own mention is a command.
    await say('<@UBOT> stop', '1700000100.000300');
    await fake.until(() => (stops === 1 ? true : undefined), 5_000, 'the stop');
    expect(ledger.events({ kind: 'control' }).map((e) => e.data.action)).toEqual(['stop']);
  });

  it('a 1 MB message is refused with a notice in its thread; nothing of it is stored', async () => {
    await start();
    const before = ledger.events().length;
    const res = await say(`<@UBOT> ${'x'.repeat(1024 * 1024)}`, '1700000200.000100');
    expect(res.status).toBe(200);
    const notice = await fake.waitForCall('chat.postMessage');
    expect(notice.params).toMatchObject({ channel: 'C0FORUM', thread_ts: '1700000200.000100' });
    expect(String(notice.params.text)).toMatch(/^That message is 1,048,581 characters; aar takes at most 40,000/);
    expect(ledger.events().length).toBe(before);
    expect(new ForumRecords(ledger).messages()).toEqual([]);
  });

  it('a token pasted into a message or a veto reason is stored redacted', async () => {
    await start();
    ledger.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1] });
    await say(`ada: the token is ${TOKEN}`, '1700000300.000100');
    await sendSigned(url, SECRET, slash(`veto e1 it logged ${TOKEN}`), { contentType: FORM });
    await fake.until(() => (new ForumRecords(ledger).vetoes().length && new ForumRecords(ledger).messages().length ? true : undefined), 5_000, 'both stored');
    const stored = JSON.stringify({ m: new ForumRecords(ledger).messages(), v: new ForumRecords(ledger).vetoes(), p: new ForumRecords(ledger).deliveredPosts(), e: ledger.events() });
    expect(stored).not.toContain('abcdefABCDEF');
    expect(new ForumRecords(ledger).vetoes()[0].reason).toBe('it logged xoxb…[redacted]');
  });
});
