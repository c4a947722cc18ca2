import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/forum/outbox.js';
import type { Post } from '../../src/forum/port.js';
import { SlackForum } from '../../src/forum/slack/index.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { chartImage, oversizedPng, pngBytes } from './png-fixture.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const SECRET = 'signing-secret-for-image-tests';
const persona = { id: 'steward', name: 'steward', icon: ':bar_chart:' };

let fake: FakeSlack;
let forum: SlackForum;
let logs: string[];

beforeEach(async () => {
  fake = await FakeSlack.start();
  logs = [];
  forum = new SlackForum({
    botToken: fake.botToken,
    mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' },
    channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' },
    slackApiUrl: fake.apiUrl,
    log: (line) => logs.push(line),
  });
  await forum.start();
});

afterEach(async () => {
  await forum.stop();
  await fake.close();
});

const ts = (ref: string) => ref.split(':')[1];

describe('SlackForum: posts with an image', () => {
  it('posts the text under the persona, then uploads the PNG into its thread: exact bytes, channel, thread, comment, title, alt text', async () => {
    const image = chartImage({ alt: 'PGR over time: spam <up> & code flat' });
    const root = await forum.post({ channel: 'results', persona, text: 'Morning digest', image });

    // The ref is the text message's, from chat.postMessage, posted under the agent's name.
    const text = fake.callsTo('chat.postMessage')[0];
    expect(text.params).toMatchObject({ channel: 'C0RESULTS', text: 'Morning digest', username: 'steward', icon_emoji: ':bar_chart:' });
    expect(root).toMatch(/^C0RESULTS:\d+\.\d+$/);

    const asked = fake.callsTo('files.getUploadURLExternal')[0];
    expect(asked.token).toBe(fake.botToken);
    expect(asked.params).toMatchObject({ filename: 'pgr-over-time.png', length: String(pngBytes().length), alt_txt: image.alt });
    const upload = fake.callsTo('upload')[0];
    expect(Buffer.compare(upload.params.bytes as Buffer, pngBytes())).toBe(0);
    expect(upload.token).toBeUndefined(); // the pre-signed upload URL never sees the bot token
    expect(fake.callsTo('files.completeUploadExternal')[0].params).toMatchObject({
      channel_id: 'C0RESULTS',
      thread_ts: ts(root),
      initial_comment: 'PGR over time: spam &lt;up&gt; &amp; code flat',
      files: [{ id: upload.params.file_id, title: 'PGR over time' }],
    });
    expect(fake.shared).toEqual([expect.objectContaining({ channel: 'C0RESULTS', threadTs: ts(root), title: 'PGR over time', alt: image.alt })]);
    expect(fake.shared[0].bytes.equals(pngBytes())).toBe(true);

    // The ref threads like any other: a reply with an image goes into the same thread.
    const reply = await forum.post({ channel: 'results', persona, text: 'Leaderboard', threadRef: root, image: chartImage({ title: 'Leaderboard' }) });
    expect(fake.callsTo('chat.postMessage')[1].params).toMatchObject({ channel: 'C0RESULTS', thread_ts: ts(root) });
    expect(reply).not.toBe(root);
    expect(fake.shared[1]).toMatchObject({ channel: 'C0RESULTS', threadTs: ts(root), title: 'Leaderboard' });
    expect(logs.filter((l) => /warn|error/i.test(l))).toEqual([]);
  });

  it('update() edits the text only: the uploaded image stays', async () => {
    const image = chartImage();
    const ref = await forum.post({ channel: 'results', persona, text: 'Digest (draft)', image });
    await forum.update(ref, { channel: 'results', persona, text: 'Digest', image });
    expect(fake.callsTo('chat.update')[0].params).toMatchObject({ channel: 'C0RESULTS', ts: ts(ref), text: 'Digest' });
    expect(fake.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(fake.shared).toHaveLength(1);
  });

  it('refuses an image over 2 MB before calling Slack, naming image.png', async () => {
    const before = fake.calls.length;
    await expect(forum.post({ channel: 'results', persona, text: 'digest', image: chartImage({ png: oversizedPng() }) })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/image\.png: the image is larger than 2097152 bytes/),
    });
    expect(fake.calls.length).toBe(before);
  });

  it('after an outage mid-upload, the retried post uploads without posting its text again', async () => {
    fake.failNext('files.completeUploadExternal', 1, 'internal_error');
    const post: Post = { channel: 'forum', persona, text: 'Chart', image: chartImage() };
    await expect(forum.post(post)).rejects.toMatchObject({ code: 'slack_api_error', slackError: 'internal_error' });
    expect(fake.shared).toHaveLength(0);
    const ref = await forum.post(post);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.shared).toEqual([expect.objectContaining({ channel: 'C0FORUM', threadTs: ts(ref) })]);
    // Done: the same content posted again later is a new post.
    await forum.post(post);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('an upload Slack refuses for good (no files:write) is logged and the post stands without it', async () => {
    fake.failNext('files.getUploadURLExternal', 1, 'missing_scope', { needed: 'files:write' });
    const ref = await forum.post({ channel: 'forum', persona, text: 'Chart', image: chartImage() });
    expect(ref).toMatch(/^C0FORUM:/);
    expect(fake.shared).toHaveLength(0);
    expect(logs.join('\n')).toMatch(/PGR over time.*not uploaded.*missing_scope.*files:write/);
  });
});

describe('Slack image posts through the outbox', () => {
  it('waits out a 429 from each upload step and delivers the post once, with its image', async () => {
    fake.rateLimitNext('files.getUploadURLExternal', 1, 2);
    fake.rateLimitNext('upload', 1, 3);
    fake.rateLimitNext('files.completeUploadExternal', 1, 4);
    const waits: number[] = [];
    const ledger = Ledger.open(tempLedgerPath('aar-slack-image-'));
    const records = new ForumRecords(ledger);
    const outbox = new Outbox({ records, forum, sleep: async (ms) => void waits.push(ms) });
    const image = chartImage();
    outbox.post('digest:1', { channel: 'results', persona, text: 'Morning digest', image });
    outbox.post('digest:1:reply', { channel: 'results', persona, text: 'Ask me about it' }, 'digest:1');
    await outbox.flush();

    expect(waits).toEqual([2000, 3000, 4000]);
    expect(fake.callsTo('chat.postMessage').map((c) => c.params.text)).toEqual(['Morning digest', 'Ask me about it']);
    // A retry starts the upload over (a fresh upload URL), but never posts the text again.
    expect(fake.callsTo('files.getUploadURLExternal')).toHaveLength(4);
    expect(fake.callsTo('upload')).toHaveLength(3);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(2);
    const ref = records.refOf('digest:1')!;
    expect(fake.shared).toEqual([expect.objectContaining({ channel: 'C0RESULTS', threadTs: ts(ref) })]);
    expect(fake.shared[0].bytes.toString('base64')).toBe(image.png);
    expect(fake.callsTo('chat.postMessage')[1].params).toMatchObject({ thread_ts: ts(ref) });
    // The ledger keeps the image with the post, so a restarted local forum can show it again.
    expect(records.deliveredPosts()[0].post).toMatchObject({ image });
    ledger.close();
  });

  it('refuses to queue an oversized image, naming image.png, and records nothing', () => {
    const ledger = Ledger.open(tempLedgerPath('aar-slack-image-'));
    const records = new ForumRecords(ledger);
    const outbox = new Outbox({ records, forum });
    expect(() => outbox.post('big', { channel: 'results', persona, text: 'digest', image: chartImage({ png: oversizedPng() }) })).toThrow(/image\.png/);
    expect(outbox.has('big')).toBe(false);
    ledger.close();
  });
});
