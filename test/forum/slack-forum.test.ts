import { createServer } from 'node:net';
import { LogLevel } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForumRateLimitError, type InboundContext, type InboundEvent, type InboundHandler, type Post } from '../../src/forum/port.js';
import { redact, SlackConfigError, SlackForum, type SlackForumOptions } from '../../src/forum/slack/index.js';
import { RedactingLogger } from '../../src/forum/slack/redact.js';
import { eventCallback, FakeSlack, FORM, formBody, sendSigned, slackSignature } from '../helpers/fake-slack.js';

const SECRET = 'signing-secret-for-tests-0123456789';
const CHANNELS = { forum: 'aar-forum', results: '#aar-results', audit: 'aar-audit' };
const ADA = { name: 'ada', display_name: 'Ada L', real_name: 'Ada Lovelace' };

/** Inbound events in arrival order, each waited for without sleeping. */
class Inbox {
  readonly got: { event: InboundEvent; ctx: InboundContext }[] = [];
  private waiting: (() => void)[] = [];
  constructor(private readonly react: (e: InboundEvent, ctx: InboundContext) => Promise<void> = async () => {}) {}

  readonly handler: InboundHandler = async (event, ctx) => {
    this.got.push({ event, ctx });
    for (const w of this.waiting.splice(0)) w();
    await this.react(event, ctx);
  };

  async nth(i: number, timeoutMs = 5_000): Promise<InboundEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.got.length <= i) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no inbound event #${i} within ${timeoutMs} ms (got ${this.got.length})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiting.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.got[i].event;
  }
}

let fake: FakeSlack;
let forum: SlackForum | undefined;
let logs: string[];

beforeEach(async () => {
  fake = await FakeSlack.start({ users: { U0HUMAN: ADA, U0BOTUSER: { name: 'helper', is_bot: true } } });
  logs = [];
});

afterEach(async () => {
  await forum?.stop();
  forum = undefined;
  await fake.close();
});

function options(over: Partial<SlackForumOptions> = {}): SlackForumOptions {
  return {
    botToken: fake.botToken,
    mode: { kind: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' },
    channels: CHANNELS,
    slackApiUrl: fake.apiUrl,
    logLevel: 'debug',
    log: (line) => logs.push(line),
    ...over,
  };
}

async function startHttp(inbox = new Inbox(), over: Partial<SlackForumOptions> = {}): Promise<{ url: string; inbox: Inbox }> {
  forum = new SlackForum(options(over));
  forum.onEvent(inbox.handler);
  const { url } = await forum.start();
  if (!url) throw new Error('HTTP mode returns its events URL');
  return { url, inbox };
}

const sendEvent = (url: string, event: Record<string, unknown>) => sendSigned(url, SECRET, JSON.stringify(eventCallback(event)));

function human(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'message', channel: 'C0FORUM', user: 'U0HUMAN', text, ts: '1700000001.000100', channel_type: 'channel', ...extra };
}

describe('SlackForum inbound over HTTP (real Bolt, signed requests)', () => {
  it('delivers a person\'s message as kind message, unescaped, with their display name', async () => {
    const { url, inbox } = await startHttp();
    const res = await sendEvent(url, human('is a &lt; b &amp;&amp; c &gt; d?'));
    expect(res.status).toBe(200);
    expect(await inbox.nth(0)).toEqual({
      kind: 'message',
      channel: 'forum',
      threadRef: undefined,
      // The message's own ref (channel id and ts), so an answer can start a thread under it.
      messageRef: expect.stringMatching(/^C\w+:\d+\.\d+$/),
      user: { id: 'U0HUMAN', name: 'Ada L', isBot: false },
      text: 'is a < b && c > d?',
      mentionsApp: false,
    });
  });

  it('gives a thread reply its threadRef and replies in that thread, escaped', async () => {
    const inbox = new Inbox(async (_e, ctx) => ctx.reply('noted <!channel> & <@U1>'));
    const { url } = await startHttp(inbox);
    await sendEvent(url, human('try seed 3', { ts: '1700000002.000200', thread_ts: '1700000001.000100' }));
    const e = await inbox.nth(0);
    expect(e.kind === 'message' && e.threadRef).toBe('C0FORUM:1700000001.000100');
    const reply = await fake.waitForCall('chat.postMessage');
    expect(reply.params).toMatchObject({ channel: 'C0FORUM', thread_ts: '1700000001.000100', text: 'noted &lt;!channel&gt; &amp; &lt;@U1&gt;' });
  });

  it('delivers another bot\'s bot_message with isBot true and skips our own posts', async () => {
    const { url, inbox } = await startHttp();
    await sendEvent(url, { type: 'message', subtype: 'bot_message', channel: 'C0RESULTS', bot_id: 'BBOT', username: 'researcher-1', text: 'ours', ts: '1700000003.000100' });
    await sendEvent(url, { type: 'message', channel: 'C0RESULTS', user: 'UBOT', bot_id: 'BBOT', text: 'ours too', ts: '1700000003.000200' });
    await sendEvent(url, { type: 'message', subtype: 'bot_message', channel: 'C0RESULTS', bot_id: 'B0OTHER', username: 'ci-bot', text: 'build green', ts: '1700000003.000300' });
    await sendEvent(url, { type: 'message', channel: 'C0FORUM', user: 'U0BOTUSER', bot_id: 'B0HELPER', text: 'app bot', ts: '1700000003.000400' });
    const first = await inbox.nth(0);
    expect(first).toMatchObject({ kind: 'message', channel: 'results', text: 'build green', user: { id: 'B0OTHER', name: 'ci-bot', isBot: true } });
    expect(await inbox.nth(1)).toMatchObject({ text: 'app bot', user: { id: 'U0BOTUSER', name: 'helper', isBot: true } });
  });

  it('sets mentionsApp for an app_mention and delivers the matching message event once', async () => {
    const { url, inbox } = await startHttp();
    const ts = '1700000004.000100';
    await sendEvent(url, { type: 'app_mention', channel: 'C0FORUM', user: 'U0HUMAN', text: '<@UBOT> status', ts });
    // The app's own mention reads as @aar, the address the command parser knows; anyone else's stays as it is.
    expect(await inbox.nth(0)).toMatchObject({ kind: 'message', mentionsApp: true, text: '@aar status', user: { id: 'U0HUMAN' } });
    await sendEvent(url, human('<@UBOT> status', { ts }));
    await sendEvent(url, human('hey <@UBOT|aar> look, <@U0BOB>', { ts: '1700000004.000200' }));
    expect(await inbox.nth(1)).toMatchObject({ kind: 'message', mentionsApp: true, text: 'hey @aar look, <@U0BOB>' });
    await sendEvent(url, human('<@U0BOB> stop', { ts: '1700000004.000300' }));
    expect(await inbox.nth(2)).toMatchObject({ kind: 'message', mentionsApp: false, text: '<@U0BOB> stop' });
    expect(inbox.got).toHaveLength(3);
  });

  it('ignores edits, joins and channels that are not ours', async () => {
    const { url, inbox } = await startHttp();
    await sendEvent(url, human('edited', { subtype: 'message_changed' }));
    await sendEvent(url, human('joined', { subtype: 'channel_join', ts: '1700000005.000100' }));
    await sendEvent(url, human('elsewhere', { channel: 'C0OTHER', ts: '1700000005.000200' }));
    await sendEvent(url, human('broadcast', { subtype: 'thread_broadcast', ts: '1700000005.000300', thread_ts: '1700000001.000100' }));
    expect(await inbox.nth(0)).toMatchObject({ text: 'broadcast', threadRef: 'C0FORUM:1700000001.000100' });
    expect(inbox.got).toHaveLength(1);
  });

  it('acks the /aar slash command with its answer, ephemeral, and delivers kind command', async () => {
    const inbox = new Inbox(async (_e, ctx) => ctx.reply('paused all <agents>'));
    const { url } = await startHttp(inbox);
    const body = formBody({
      command: '/aar',
      text: 'pause all',
      user_id: 'U0HUMAN',
      user_name: 'ada',
      channel_id: 'C0AUDIT',
      team_id: 'T0FAKE',
      response_url: fake.responseUrl('cmd-1'),
      trigger_id: 'trig-1',
      api_app_id: 'A0APP',
    });
    const res = await sendSigned(url, SECRET, body, { contentType: FORM });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: 'paused all &lt;agents&gt;' });
    expect(await inbox.nth(0)).toEqual({ kind: 'command', channel: 'audit', user: { id: 'U0HUMAN', name: 'Ada L', isBot: false }, text: 'pause all' });
    expect(fake.responses).toEqual([]);
  });

  it('delivers a Veto click as kind action with its value and messageRef, and replies in the thread', async () => {
    const inbox = new Inbox(async (_e, ctx) => ctx.reply('vetoed exp-7'));
    const { url } = await startHttp(inbox);
    const payload = {
      type: 'block_actions',
      team: { id: 'T0FAKE' },
      user: { id: 'U0HUMAN', username: 'ada', name: 'ada' },
      api_app_id: 'A0APP',
      container: { type: 'message', message_ts: '1700000006.000200', channel_id: 'C0RESULTS' },
      channel: { id: 'C0RESULTS', name: 'aar-results' },
      message: { type: 'message', ts: '1700000006.000200', thread_ts: '1700000006.000100', text: 'result' },
      response_url: fake.responseUrl('act-1'),
      trigger_id: 'trig-2',
      actions: [{ type: 'button', action_id: 'aar_veto', block_id: 'b1', value: 'exp-7', action_ts: '1700000007.000000' }],
    };
    const res = await sendSigned(url, SECRET, formBody({ payload: JSON.stringify(payload) }), { contentType: FORM });
    expect(res.status).toBe(200);
    expect(await inbox.nth(0)).toEqual({
      kind: 'action',
      channel: 'results',
      threadRef: 'C0RESULTS:1700000006.000100',
      messageRef: 'C0RESULTS:1700000006.000200',
      user: { id: 'U0HUMAN', name: 'Ada L', isBot: false },
      action: 'veto',
      value: 'exp-7',
    });
    const reply = await fake.waitForCall('chat.postMessage');
    expect(reply.params).toMatchObject({ channel: 'C0RESULTS', thread_ts: '1700000006.000100', text: 'vetoed exp-7' });
  });

  it('answers 401 to a bad signature and to a stale timestamp, and the handler never sees them', async () => {
    const { url, inbox } = await startHttp();
    const bad = JSON.stringify(eventCallback(human('forged', { ts: '1700000008.000100' })));
    expect((await sendSigned(url, SECRET, bad, { signature: slackSignature('not-the-secret', Math.floor(Date.now() / 1000), bad) })).status).toBe(401);
    const stale = JSON.stringify(eventCallback(human('replayed', { ts: '1700000008.000200' })));
    expect((await sendSigned(url, SECRET, stale, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await sendEvent(url, human('genuine', { ts: '1700000008.000300' }))).status).toBe(200);
    expect(await inbox.nth(0)).toMatchObject({ text: 'genuine' });
    expect(inbox.got).toHaveLength(1);
  });

  it('survives a handler that throws: logs without secrets, tells the person, keeps serving', async () => {
    const inbox = new Inbox(async (e) => {
      if (e.kind === 'message' && e.text === 'boom') throw new Error(`exploded near ${fake.botToken} and ${SECRET}`);
    });
    const { url } = await startHttp(inbox);
    await sendEvent(url, human('boom', { ts: '1700000009.000100' }));
    const reply = await fake.waitForCall('chat.postMessage');
    expect(reply.params).toMatchObject({ thread_ts: '1700000009.000100' });
    expect(String(reply.params.text)).toMatch(/could not be handled/);
    await sendEvent(url, human('still there?', { ts: '1700000009.000200' }));
    expect(await inbox.nth(1)).toMatchObject({ text: 'still there?' });
    const all = logs.join('\n');
    expect(all).toMatch(/exploded near/);
    expect(all).not.toContain(fake.botToken);
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/xoxb-[A-Za-z0-9]/);
  });
});

describe('SlackForum posting', () => {
  const persona = { id: 'r1', name: 'researcher-1', icon: ':microscope:' };

  it('posts with the persona\'s name and icon, escaped text and no link parsing, and returns channel:ts', async () => {
    await startHttp();
    const root = await forum!.post({ channel: 'forum', persona, text: 'H: <!channel> aux-conf & <@U1> > naive' });
    const call = fake.callsTo('chat.postMessage')[0];
    expect(call.token).toBe(fake.botToken);
    expect(call.params).toMatchObject({
      channel: 'C0FORUM',
      text: 'H: &lt;!channel&gt; aux-conf &amp; &lt;@U1&gt; &gt; naive',
      username: 'researcher-1',
      icon_emoji: ':microscope:',
      parse: 'none',
      link_names: 'false',
    });
    expect(call.params).not.toHaveProperty('thread_ts');
    expect(root).toMatch(/^C0FORUM:\d+\.\d+$/);

    const reply = await forum!.post({ channel: 'forum', threadRef: root, persona, text: 'seed 2 done' });
    expect(fake.callsTo('chat.postMessage')[1].params).toMatchObject({ thread_ts: root.split(':')[1] });
    expect(reply).not.toBe(root);
    await forum!.post({ channel: 'results', threadRef: root, persona, text: 'in the root\'s channel' });
    expect(fake.callsTo('chat.postMessage')[2].params).toMatchObject({ channel: 'C0FORUM', thread_ts: root.split(':')[1] });
    await expect(forum!.post({ channel: 'forum', threadRef: 'C0FORUM', persona, text: 'x' })).rejects.toMatchObject({ code: 'forum_bad_ref' });
  });

  it('turns a card into Block Kit: header, fields, status line and the three buttons', async () => {
    await startHttp();
    const post: Post = {
      channel: 'results',
      persona,
      text: 'Result for exp-9',
      card: {
        title: 'exp-9: aux-conf on spam',
        fields: [
          { label: 'PGR', value: '0.72 ± 0.04' },
          { label: 'Note', value: '<!here> a&b' },
        ],
        status: 'flagged',
        buttons: [
          { action: 'veto', value: 'exp-9' },
          { action: 'approve', value: 'exp-9' },
          { action: 'details', value: 'exp-9' },
        ],
      },
    };
    await forum!.post(post);
    const blocks = fake.callsTo('chat.postMessage')[0].params.blocks as Record<string, any>[];
    expect(blocks.map((b) => b.type)).toEqual(['section', 'header', 'section', 'context', 'actions']);
    expect(blocks[1].text).toEqual({ type: 'plain_text', text: 'exp-9: aux-conf on spam' });
    expect(blocks[2].fields.map((f: { text: string }) => f.text)).toEqual(['*PGR*\n0.72 ± 0.04', '*Note*\n&lt;!here&gt; a&amp;b']);
    expect(blocks[3].elements[0].text).toMatch(/Flagged/);
    const buttons = blocks[4].elements as Record<string, any>[];
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['aar_veto', 'exp-9'],
      ['aar_approve', 'exp-9'],
      ['aar_details', 'exp-9'],
    ]);
    expect(buttons[0].style).toBe('danger');
    expect(buttons[0].confirm).toMatchObject({ confirm: { type: 'plain_text', text: 'Veto' }, style: 'danger' });
  });

  it('updates a post with chat.update, clearing the card when the new post has none', async () => {
    await startHttp();
    const ref = await forum!.post({ channel: 'audit', persona, text: 'running', card: { title: 't', fields: [], buttons: [{ action: 'veto', value: 'e1' }] } });
    await forum!.update(ref, { channel: 'audit', persona, text: 'done > 0.9' });
    const call = fake.callsTo('chat.update')[0];
    expect(call.params).toMatchObject({ channel: 'C0AUDIT', ts: ref.split(':')[1], text: 'done &gt; 0.9', blocks: [] });
    await forum!.update(ref, { channel: 'audit', persona, text: 'vetoed', card: { title: 't', fields: [], status: 'vetoed', buttons: [] } });
    expect((fake.callsTo('chat.update')[1].params.blocks as { type: string }[]).map((b) => b.type)).toEqual(['section', 'header', 'context']);
    await expect(forum!.update('not-a-ref', { channel: 'audit', persona, text: 'x' })).rejects.toMatchObject({ code: 'forum_bad_ref' });
  });

  it('turns a 429 into ForumRateLimitError with retryAfterMs from Retry-After, without retrying itself', async () => {
    await startHttp();
    fake.rateLimitNext('chat.postMessage', 1, 7);
    const err = await forum!.post({ channel: 'forum', persona, text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForumRateLimitError);
    expect((err as ForumRateLimitError).retryAfterMs).toBe(7_000);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    fake.rateLimitNext('chat.update', 1, 2);
    await expect(forum!.update('C0FORUM:1700000000.000101', { channel: 'forum', persona, text: 'x' })).rejects.toMatchObject({ retryAfterMs: 2_000 });
    await expect(forum!.post({ channel: 'forum', persona, text: 'hi again' })).resolves.toMatch(/^C0FORUM:/);
  });

  it('names the Slack error of a failed post', async () => {
    await startHttp();
    fake.failNext('chat.postMessage', 1, 'not_in_channel');
    await expect(forum!.post({ channel: 'forum', persona, text: 'hi' })).rejects.toMatchObject({
      code: 'slack_api_error',
      slackError: 'not_in_channel',
      message: expect.stringMatching(/invite the app/),
    });
  });

  it('refuses to post before start', async () => {
    forum = new SlackForum(options());
    await expect(forum.post({ channel: 'forum', persona, text: 'x' })).rejects.toMatchObject({ code: 'forum_not_started' });
  });
});

describe('SlackForum start-up mistakes', () => {
  it('names a missing channel and says to invite the app', async () => {
    fake.channels = fake.channels.filter((c) => c.name !== 'aar-audit');
    forum = new SlackForum(options());
    const err = await forum.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackConfigError);
    expect((err as Error).message).toMatch(/#aar-audit \(audit\) was not found/);
    expect((err as Error).message).toMatch(/\/invite @aar/);
    expect((err as Error).message).not.toMatch(/aar-forum/);
  });

  it('says so when the app is not in a channel', async () => {
    fake.channels = fake.channels.map((c) => (c.name === 'aar-results' ? { ...c, is_member: false } : c));
    forum = new SlackForum(options());
    await expect(forum.start()).rejects.toThrow(/#aar-results \(results\) does not have the app in it.*\/invite @aar/);
  });

  it('finds channels across conversations.list pages, private ones included', async () => {
    await fake.close();
    fake = await FakeSlack.start({
      pageSize: 1,
      channels: [
        { id: 'C1', name: 'general' },
        { id: 'G1', name: 'aar-audit', is_private: true },
        { id: 'C2', name: 'aar-results' },
        { id: 'C3', name: 'aar-forum' },
      ],
    });
    await startHttp();
    await forum!.post({ channel: 'audit', persona: { id: 'a', name: 'auditor', icon: ':mag:' }, text: 'x' });
    expect(fake.callsTo('chat.postMessage')[0].params.channel).toBe('G1');
    expect(fake.callsTo('conversations.list').length).toBe(4);
  });

  it('rejects missing and mixed-up tokens before calling Slack', () => {
    expect(() => new SlackForum(options({ botToken: '' }))).toThrow(/bot token: missing.*SLACK_BOT_TOKEN/);
    expect(() => new SlackForum(options({ botToken: 'xapp-1-abc' }))).toThrow(/app-level token.*xoxb-/);
    expect(() => new SlackForum(options({ mode: { kind: 'socket', appToken: fake.botToken } }))).toThrow(/app token: this is the bot token.*xapp-/);
    expect(() => new SlackForum(options({ mode: { kind: 'socket', appToken: 'abc' } }))).toThrow(/does not start with xapp-/);
    expect(() => new SlackForum(options({ mode: { kind: 'http', signingSecret: '', port: 0 } }))).toThrow(/SLACK_SIGNING_SECRET/);
    expect(fake.calls).toHaveLength(0);
  });

  it('says the bot token was rejected when auth.test fails', async () => {
    forum = new SlackForum(options({ botToken: 'xoxb-wrong-token-123' }));
    const err = (await forum.start().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(SlackConfigError);
    expect(err.message).toMatch(/rejected it at auth.test \(invalid_auth\).*OAuth & Permissions/);
    expect(err.message).not.toContain('xoxb-wrong');
  });

  it('says the API is unreachable when nothing answers auth.test', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    forum = new SlackForum(options({ slackApiUrl: `http://127.0.0.1:${port}/api` }));
    await expect(forum.start()).rejects.toThrow(/could not reach http:\/\/127\.0\.0\.1:\d+\/api\/ for auth\.test.*Slack API URL/);
  });

  it('waits out a rate-limited start-up call instead of failing', async () => {
    const slept: number[] = [];
    fake.rateLimitNext('conversations.list', 1, 3);
    await startHttp(new Inbox(), {
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(slept).toEqual([3_000]);
    expect(fake.callsTo('conversations.list')).toHaveLength(2);
  });
});

describe('redact', () => {
  it('hides bot, user, refresh and app-level tokens and the given secrets', () => {
    const line = redact('a xoxb-123-456-abc b xoxp-9-z c xoxe.xoxp-1-2 d xapp-1-A0-99-ff e s3cr3t-value', ['s3cr3t-value']);
    expect(line).not.toMatch(/xox[bpe][.-]\w|xapp-\w|s3cr3t/);
    expect(line).toContain('[redacted]');
  });
});

describe('RedactingLogger', () => {
  it('keeps the configured level even when Bolt resets it, and redacts every line', () => {
    const lines: string[] = [];
    const logger = new RedactingLogger((l) => lines.push(l), 'info', ['topsecret-signing']);
    logger.setLevel(LogLevel.DEBUG);
    logger.debug('hidden');
    logger.info('token', 'xoxb-1-2-3', new Error('with topsecret-signing inside'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^slack info: token xoxb…\[redacted\] Error: with \[redacted\] inside/);
  });
});
