import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { ForumService } from '../../src/forum/service.js';
import type { InboundContext, InboundEvent } from '../../src/forum/port.js';
import { SlackConfigError, SlackForum, type SlackForumOptions } from '../../src/forum/slack/index.js';
import { eventCallback, FakeSlack } from '../helpers/fake-slack.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

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

  it('acks a slash command envelope with its answer in the ack payload', async () => {
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
    const ack = await fake.until(() => fake.socketMessages.find((m) => m.envelope_id === 'env-cmd'), 5_000, 'the ack of env-cmd');
    expect(await fake.until(() => got[0], 5_000, 'the command')).toMatchObject({ kind: 'command', channel: 'results', text: 'status' });
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: 'status: 2 running' });
    expect(fake.responses).toEqual([]);
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

  it('runs a redelivered slash-command envelope once, whether Slack reuses its envelope id or not', async () => {
    await boot();
    forum = new SlackForum(options());
    const got = collect(forum, async (_e, ctx) => ctx.reply('stopping'));
    await forum.start();
    const payload = { command: '/aar', text: 'stop', user_id: 'U0HUMAN', user_name: 'ada', channel_id: 'C0FORUM', team_id: 'T0FAKE', api_app_id: 'A0APP', response_url: fake.responseUrl('s1'), trigger_id: 'trig-stop' };
    fake.sendSocket({ envelope_id: 'env-s1', type: 'slash_commands', accepts_response_payload: true, payload });
    fake.sendSocket({ envelope_id: 'env-s1', type: 'slash_commands', accepts_response_payload: true, payload, retry_attempt: 1 });
    fake.sendSocket({ envelope_id: 'env-s2', type: 'slash_commands', accepts_response_payload: true, payload, retry_attempt: 2 });
    // Every delivery is acked (so Slack stops redelivering); only the first is handled.
    await fake.until(() => (fake.socketMessages.filter((m) => String(m.envelope_id).startsWith('env-s')).length === 3 ? true : undefined), 5_000, 'three acks');
    expect(got).toEqual([{ kind: 'command', channel: 'forum', user: { id: 'U0HUMAN', name: 'Ada Lovelace', isBot: false }, text: 'stop' }]);
    expect(logs.join('\n')).toMatch(/ignored a repeat delivery \(cmd\)/);
  });

  it('a Veto button envelope sent twice records one veto and posts "Vetoed by" once', async () => {
    await boot();
    const ledger = Ledger.open(tempLedgerPath('aar-socket-veto-'));
    forum = new SlackForum(options());
    const service = new ForumService({ ledger, forum, admins: new Set(['U0HUMAN']), tasks: ['spam'], queueStatus: async () => '', pollMs: 60_000 });
    try {
      await service.start();
      ledger.proposeExperiment({ id: 'exp-7', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada' });
      await service.sync();
      const thread = fake.callsTo('chat.postMessage')[0];
      const ts = '1700000006.000200';
      const payload = {
        type: 'block_actions',
        team: { id: 'T0FAKE' },
        user: { id: 'U0HUMAN', username: 'ada', name: 'ada' },
        api_app_id: 'A0APP',
        container: { type: 'message', message_ts: ts, channel_id: 'C0FORUM' },
        channel: { id: 'C0FORUM', name: 'aar-forum' },
        message: { type: 'message', ts, thread_ts: String(thread.params.thread_ts ?? '1700000006.000100'), text: 'Result of exp-7' },
        response_url: fake.responseUrl('veto-1'),
        trigger_id: 'trig-veto-1',
        actions: [{ type: 'button', action_id: 'aar_veto', block_id: 'b1', value: 'exp-7', action_ts: '1700000007.000000' }],
      };
      fake.sendSocket({ envelope_id: 'env-v1', type: 'interactive', accepts_response_payload: false, payload });
      fake.sendSocket({ envelope_id: 'env-v2', type: 'interactive', accepts_response_payload: false, payload, retry_attempt: 1 });
      await fake.until(() => (fake.socketMessages.filter((m) => String(m.envelope_id).startsWith('env-v')).length === 2 ? true : undefined), 5_000, 'both acks');
      await fake.until(() => (new ForumRecords(ledger).vetoes().length ? true : undefined), 5_000, 'the veto');
      await fake.until(() => (logs.some((l) => l.includes('ignored a repeat delivery (act)')) ? true : undefined), 5_000, 'the redelivery ignored');
      await service.sync();
      // A genuine second click (a new trigger_id) is handled, and changes nothing.
      fake.sendSocket({ envelope_id: 'env-v3', type: 'interactive', accepts_response_payload: false, payload: { ...payload, trigger_id: 'trig-veto-2' } });
      await fake.until(() => fake.callsTo('chat.postMessage').find((c) => String(c.params.text).includes('already vetoed')), 5_000, 'the no-op reply');
      await service.sync();
      expect(new ForumRecords(ledger).vetoes()).toHaveLength(1);
      const posted = fake.callsTo('chat.postMessage').map((c) => String(c.params.text));
      expect(posted.filter((t) => t.startsWith('Vetoed by'))).toHaveLength(1);
      expect(posted.filter((t) => t.includes('vetoed exp-7'))).toHaveLength(1);
      // One answer per click: the first "Vetoed exp-7", the genuine second "already vetoed"; the redelivery none.
      expect(posted.filter((t) => t.startsWith('Vetoed exp-7'))).toHaveLength(1);
      expect(posted.filter((t) => t.includes('already vetoed'))).toHaveLength(1);
    } finally {
      await service.stop();
      forum = undefined;
      ledger.close();
    }
  });
});
