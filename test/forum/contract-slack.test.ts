import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/forum/outbox.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { SlackForum } from '../../src/forum/slack/index.js';
import { eventCallback, FakeSlack, FORM, formBody, sendSigned } from '../helpers/fake-slack.js';
import { runForumContract } from './contract.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const SECRET = 'signing-secret-for-contract-tests';
const IDS = { forum: 'C0FORUM', results: 'C0RESULTS', audit: 'C0AUDIT' } as const;

// What a person sees in Slack: the text as sent, with Slack's three escapes undone.
const rendered = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

runForumContract('slack (Bolt over HTTP, fake Web API)', async () => {
  const fake = await FakeSlack.start({ users: { U0HUMAN: { name: 'ada', display_name: 'Ada', real_name: 'Ada Lovelace' } } });
  const forum = new SlackForum({
    botToken: fake.botToken,
    mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' },
    channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' },
    slackApiUrl: fake.apiUrl,
    log: () => {},
  });
  let url = '';
  const started = forum.start.bind(forum);
  forum.start = async () => {
    const r = await started();
    url = r.url!;
    return r;
  };
  // The fake does not record the ts it answered: remember which call made which ref.
  const postCalls = new Map<string, number>();
  const post = forum.post.bind(forum);
  // An image post's file is shared after its text: remember which share belongs to which ref.
  const shares = new Map<string, number>();
  forum.post = async (p) => {
    const ref = await post(p);
    postCalls.set(ref, fake.callsTo('chat.postMessage').length - 1);
    if (p.image) shares.set(ref, fake.shared.length - 1);
    return ref;
  };
  let clock = 1700000100;
  const signed = async (body: string, contentType?: string) => {
    const res = await sendSigned(url, SECRET, body, contentType ? { contentType } : {});
    if (res.status !== 200) throw new Error(`slack request: ${res.status} ${res.text}`);
  };
  return {
    forum,
    humanSays: async (channel, text, threadRef) => {
      const ts = `${clock++}.000100`;
      await signed(JSON.stringify(eventCallback({ type: 'message', channel: IDS[channel], user: 'U0HUMAN', text, ts, ...(threadRef ? { thread_ts: threadRef.split(':')[1] } : {}) })));
    },
    humanClicks: async (messageRef, action, value, channel) => {
      const [channelId, ts] = messageRef.split(':');
      const payload = {
        type: 'block_actions',
        team: { id: 'T0FAKE' },
        user: { id: 'U0HUMAN', username: 'ada', name: 'ada' },
        api_app_id: 'A0APP',
        container: { type: 'message', message_ts: ts, channel_id: channelId },
        channel: { id: channelId, name: `aar-${channel}` },
        message: { type: 'message', ts, text: 'card' },
        response_url: fake.responseUrl(`act-${ts}`),
        trigger_id: 'trig',
        actions: [{ type: 'button', action_id: `aar_${action}`, block_id: 'b1', value, action_ts: `${clock++}.000000` }],
      };
      await signed(formBody({ payload: JSON.stringify(payload) }), FORM);
    },
    shown: async (ref) => {
      const [channel, ts] = ref.split(':');
      const index = postCalls.get(ref);
      if (index === undefined) throw new Error(`no post ${ref}`);
      const posted = fake.callsTo('chat.postMessage')[index];
      const edit = fake.callsTo('chat.update').filter((c) => c.params.channel === channel && c.params.ts === ts).at(-1);
      const threadTs = posted.params.thread_ts as string | undefined;
      const share = shares.has(ref) ? fake.shared[shares.get(ref)!] : undefined;
      // People see the image in the post's thread (its own, or the one it replies in).
      if (share && (share.channel !== channel || share.threadTs !== (threadTs ?? ts))) throw new Error(`the image of ${ref} went to ${share.channel}:${share.threadTs}`);
      return {
        text: rendered(String((edit ?? posted).params.text)),
        ...(threadTs ? { threadRef: `${channel}:${threadTs}` } : {}),
        ...(share ? { image: { png: share.bytes.toString('base64'), alt: share.alt ?? '', title: share.title ?? '' } } : {}),
      };
    },
    close: async () => {
      await forum.stop();
      await fake.close();
    },
  };
});

describe('Slack through the outbox', () => {
  it('waits out a 429 from chat.postMessage and delivers the post once', async () => {
    const fake = await FakeSlack.start({});
    const forum = new SlackForum({ botToken: fake.botToken, mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' }, channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' }, slackApiUrl: fake.apiUrl, log: () => {} });
    try {
      await forum.start();
      fake.rateLimitNext('chat.postMessage', 2, 3);
      const waits: number[] = [];
      const ledger = Ledger.open(tempLedgerPath('aar-slack-outbox-'));
      const outbox = new Outbox({ records: new ForumRecords(ledger), forum, sleep: async (ms) => void waits.push(ms) });
      outbox.post('k1', { channel: 'results', persona: { id: 'r1', name: 'researcher-1', icon: ':robot_face:' }, text: 'leaderboard moved' });
      await outbox.flush();
      expect(waits).toEqual([3000, 3000]);
      const delivered = fake.callsTo('chat.postMessage').filter((c) => c.params.text === 'leaderboard moved');
      expect(delivered.length).toBe(3); // two refused with 429, one accepted
      expect(new ForumRecords(ledger).refOf('k1')).toMatch(/^C0RESULTS:/);
      await outbox.flush();
      expect(fake.callsTo('chat.postMessage').filter((c) => c.params.text === 'leaderboard moved')).toHaveLength(3);
    } finally {
      await forum.stop();
      await fake.close();
    }
  });
});
