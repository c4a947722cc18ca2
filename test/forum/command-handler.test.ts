import { afterEach, describe, expect, it } from 'vitest';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { ForumUser } from '../../src/forum/port.js';
import { ForumService } from '../../src/forum/service.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const ADMIN: ForumUser = { id: 'U-ADMIN', name: 'ada', isBot: false };
const TOKEN = 'xoxb-123456789012-1234567890123-abcdefABCDEFghijklMNOP';
const KEY = 'sk-ant-api03-abcdefghijklmnopQRSTUV';

const services: ForumService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

async function setup() {
  const ledger = Ledger.open(tempLedgerPath('aar-handler-'));
  const forum = new RecordingForum();
  const s = new ForumService({ ledger, forum, admins: new Set([ADMIN.id]), tasks: ['spam'], queueStatus: async () => '', pollMs: 60_000, onStop: () => stops.push('stop') });
  const stops: string[] = [];
  services.push(s);
  await s.start();
  ledger.proposeExperiment({ id: 'exp-1', task: 'spam', method: { name: 'leaky' }, seeds: [1], agent: 'agent-1' });
  await s.sync();
  const records = new ForumRecords(ledger);
  const command = (text: string) => forum.send({ kind: 'command', user: ADMIN, text });
  const message = (text: string, messageRef = `m${Math.random()}`) => forum.send({ kind: 'message', channel: 'forum', messageRef, user: ADMIN, text, mentionsApp: false });
  return { ledger, forum, s, records, command, message, stops };
}

const auditPosts = (forum: RecordingForum) => forum.posts.filter((p) => p.post.channel === 'audit').map((p) => p.post.text);

describe('commands that would change nothing say so and record nothing', () => {
  it('a second veto of a vetoed target (or of an experiment whose tag is vetoed) adds no audit entry and no "Vetoed by" post', async () => {
    const { forum, s, records, command } = await setup();
    await command('veto exp-1 leaks the labels');
    await s.sync();
    await command('veto exp-1 leaks the labels');
    expect(forum.replies.at(-1)).toBe('exp-1 is already vetoed (by ada: leaks the labels); nothing changed.');
    await forum.send({ kind: 'action', channel: 'forum', messageRef: 'r1', user: ADMIN, action: 'veto', value: 'exp-1' });
    expect(forum.replies.at(-1)).toMatch(/^exp-1 is already vetoed/);
    await s.sync();
    expect(records.vetoes()).toHaveLength(1);
    expect(auditPosts(forum)).toEqual(['ada vetoed exp-1: leaks the labels']);
    expect(forum.posts.filter((p) => p.post.text.startsWith('Vetoed by'))).toHaveLength(1);

    await command('unveto exp-1');
    await command('unveto exp-1');
    expect(forum.replies.at(-1)).toBe('The veto on "exp-1" is already lifted; nothing changed.');
    await command('veto leaky the method itself leaks');
    await command('veto exp-1 again');
    expect(forum.replies.at(-1)).toBe('exp-1 is already vetoed through its method tag leaky (by ada: the method itself leaks); nothing changed.');
    expect(records.vetoes().map((v) => `${v.action} ${v.target}`)).toEqual(['veto exp-1', 'unveto exp-1', 'veto leaky']);
  });

  it('a second approval of an approved experiment is a no-op that names who approved it', async () => {
    const { forum, records, command } = await setup();
    await forum.send({ kind: 'action', channel: 'forum', messageRef: 'r1', user: ADMIN, action: 'approve', value: 'exp-1' });
    await command('approve exp-1');
    expect(forum.replies.at(-1)).toBe('exp-1 is already approved (by ada); nothing changed.');
    expect(records.vetoes().map((v) => v.action)).toEqual(['approve']);
  });
});

describe('what people write is checked before it is stored', () => {
  it('a message over 40,000 characters (1 MB) is refused with a notice, and nothing is stored', async () => {
    const { ledger, forum, records, message } = await setup();
    const before = ledger.events().length;
    await message(`ada: ${'x'.repeat(1024 * 1024)}`);
    expect(forum.replies.at(-1)).toBe('That message is 1,048,581 characters; aar takes at most 40,000, so nothing was done with it and no agent saw it. Shorten it, or split it into several messages.');
    expect(records.messages()).toEqual([]);
    expect(records.deliveredPosts().filter((p) => p.key.startsWith('msg:'))).toEqual([]);
    expect(ledger.events().length).toBe(before);
  });

  it('a token or key pasted into a message, a veto reason or a direction is stored redacted', async () => {
    const { ledger, s, records, command, message } = await setup();
    await message(`ada: the bot token is ${TOKEN}, and the key ${KEY}`);
    await command(`veto exp-1 it printed ${TOKEN}`);
    await command(`direct agent-1 use ${KEY} for the gateway`);
    await s.sync();
    const everything = JSON.stringify({ messages: records.messages(), vetoes: records.vetoes(), posts: records.deliveredPosts(), events: ledger.events() });
    expect(everything).not.toContain('abcdefABCDEF');
    expect(everything).not.toContain('QRSTUV');
    expect(records.vetoes()[0].reason).toBe('it printed xoxb…[redacted]');
    expect(records.messages({ channel: 'direct:agent-1' })[0].text).toBe('use [redacted] for the gateway');
  });
});

describe('only a message addressed to aar is a command', () => {
  it('"<@UBOB> stop" from an admin is conversation with Bob: the campaign goes on, and it is kept as guidance', async () => {
    const { ledger, records, message, stops, forum } = await setup();
    await message('<@UBOB> stop');
    await message('<@UBOB> veto exp-1 this one is odd');
    expect(stops).toEqual([]);
    expect(ledger.events({ kind: 'control' })).toEqual([]);
    expect(records.vetoes()).toEqual([]);
    expect(forum.replies).toEqual([]);
    expect(records.messages().map((m) => m.text)).toEqual(['<@UBOB> veto exp-1 this one is odd', '<@UBOB> stop']);
  });

  it('"@aar stop" (how the Slack adapter passes a mention of the app itself) stops it', async () => {
    const { ledger, message, stops } = await setup();
    await message('@aar stop');
    expect(stops).toEqual(['stop']);
    expect(ledger.events({ kind: 'control' }).map((e) => e.data.action)).toEqual(['stop']);
  });
});
