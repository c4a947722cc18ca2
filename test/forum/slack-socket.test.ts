import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundContext, InboundEvent } from '../../src/forum/port.js';
import { SlackConfigError, SlackForum, type SlackForumOptions } from '../../src/forum/slack/index.js';
import { eventCallback, FakeSlack } from '../helpers/fake-slack.js';

let fake: FakeSlack;
let forum: SlackForum | undefined;
let logs: string[];

async function boot(over: { hello?: boolean } = {}): Promise<void> {
  fake = await FakeSlack.start({ users: { U0HUMAN: { name: 'ada', real_name: 'Ada Lovelace' } }, ...over });
}

beforeEach(() => {
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
    mode: { kind: 'socket', appToken: fake.appToken },
    channels: { forum: 'aar-forum', results: 'aar-results', audit: 'aar-audit' },
    slackApiUrl: fake.apiUrl,
    logLevel: 'debug',
    log: (line) => logs.push(line),
    ...over,
  };
}

function collect(forumUnderTest: SlackForum, react?: (e: InboundEvent, ctx: InboundContext) => Promise<void>): InboundEvent[] {
  const got: InboundEvent[] = [];
  forumUnderTest.onEvent(async (e, ctx) => {
    got.push(e);
    await react?.(e, ctx);
  });
  return got;
}

describe('SlackForum over Socket Mode (local ws server)', () => {
  it('connects with the app token, acks an events_api envelope and delivers the message', async () => {
    await boot();
    forum = new SlackForum(options());
    const got = collect(forum);
    await forum.start();

    const open = fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0].token).toBe(fake.appToken);
    expect(fake.socketCount).toBe(1);

    const event = { type: 'message', channel: 'C0FORUM', user: 'U0HUMAN', text: 'try &lt;aux-conf&gt;', ts: '1700000010.000100', channel_type: 'channel' };
    fake.sendSocket({ envelope_id: 'env-1', type: 'events_api', payload: eventCallback(event), accepts_response_payload: false, retry_attempt: 0 });

    const ack = await fake.until(() => fake.socketMessages.find((m) => m.envelope_id === 'env-1'), 5_000, 'the ack of env-1');
    expect(ack).toMatchObject({ envelope_id: 'env-1' });
    const delivered = await fake.until(() => got[0], 5_000, 'the message');
    expect(delivered).toEqual({
      kind: 'message',
      channel: 'forum',
      threadRef: undefined,
      // The message's own ref (channel id and ts), so an answer can start a thread under it.
      messageRef: expect.stringMatching(/^C\w+:\d+\.\d+$/),
      user: { id: 'U0HUMAN', name: 'Ada Lovelace', isBot: false },
      text: 'try <aux-conf>',
      mentionsApp: false,
    });
    expect(logs.join('\n')).not.toContain(fake.appToken);
    expect(logs.join('\n')).not.toContain(fake.botToken);
  });

  it('acks a slash command envelope and replies through its response_url', async () => {
    await boot();
    forum = new SlackForum(options());
    const got = collect(forum, async (_e, ctx) => ctx.reply('status: 2 running'));
    await forum.start();
    fake.sendSocket({
      envelope_id: 'env-cmd',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        command: '/aar',
        text: 'status',
        user_id: 'U0HUMAN',
        user_name: 'ada',
        channel_id: 'C0RESULTS',
        team_id: 'T0FAKE',
        api_app_id: 'A0APP',
        response_url: fake.responseUrl('sock-cmd'),
        trigger_id: 'trig',
      },
    });
    await fake.until(() => fake.socketMessages.find((m) => m.envelope_id === 'env-cmd'), 5_000, 'the ack of env-cmd');
    expect(await fake.until(() => got[0], 5_000, 'the command')).toMatchObject({ kind: 'command', channel: 'results', text: 'status' });
    const reply = await fake.until(() => fake.responses.find((r) => r.id === 'sock-cmd'), 5_000, 'the reply');
    expect(reply.body).toEqual({ response_type: 'ephemeral', text: 'status: 2 running' });
  });

  it('fails start with instructions when Slack rejects the app token', async () => {
    await boot();
    forum = new SlackForum(options({ mode: { kind: 'socket', appToken: 'xapp-1-not-the-right-one' } }));
    const err = (await forum.start().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(SlackConfigError);
    expect(err.message).toMatch(/app token: Socket Mode could not connect \(invalid_auth\).*connections:write/);
    expect(err.message).not.toContain('xapp-1-not');
  });

  it('fails start when Slack never says hello', async () => {
    await boot({ hello: false });
    forum = new SlackForum(options({ connectTimeoutMs: 500 }));
    await expect(forum.start()).rejects.toThrow(/Socket Mode: no connection within 0.5 s.*Enable Socket Mode/);
  });
});
