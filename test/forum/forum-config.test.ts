import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { openForum } from '../../src/forum/setup.js';
import type { Forum } from '../../src/forum/port.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { invalidInput } from '../helpers/invalid-input.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const SLACK = { SLACK_BOT_TOKEN: 'xoxb-fake-bot-token', SLACK_SIGNING_SECRET: 'signing-secret-for-tests' };

let forum: Forum | undefined;
let fake: FakeSlack | undefined;
afterEach(async () => {
  await forum?.stop();
  await fake?.close();
  forum = undefined;
  fake = undefined;
});

describe('SLACK_HOST: where the Slack HTTP receiver listens', () => {
  it('is loopback unless set, and takes an address', () => {
    const dflt = loadConfig(SLACK).forum;
    expect(dflt.kind === 'slack' && dflt.mode).toEqual({ kind: 'http', signingSecret: SLACK.SLACK_SIGNING_SECRET, port: 3000, host: '127.0.0.1' });
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'aar.internal']) {
      const f = loadConfig({ ...SLACK, SLACK_HOST: host }).forum;
      expect(f.kind === 'slack' && f.mode.kind === 'http' && f.mode.host).toBe(host);
    }
  });

  it('names SLACK_HOST when it is not an address', () => {
    const e = invalidInput(() => loadConfig({ ...SLACK, SLACK_HOST: 'not a host!' }));
    expect(e.problems).toEqual([{ field: 'SLACK_HOST', problem: expect.stringMatching(/^an address to listen on: 127\.0\.0\.1 \(the default\)/) }]);
  });

  it('the receiver the configuration opens listens on 127.0.0.1 by default', async () => {
    fake = await FakeSlack.start();
    const config = loadConfig({ ...SLACK, SLACK_PORT: '1', SLACK_API_URL: fake.apiUrl });
    // Port 1 needs privileges; a free port stands in, everything else is as configured.
    const slack = config.forum.kind === 'slack' ? { ...config.forum, mode: { ...config.forum.mode, port: 0 } } : config.forum;
    const ledger = Ledger.open(tempLedgerPath('aar-slack-host-'));
    forum = (await openForum({ ...config, forum: slack }, ledger, () => {})).forum;
    const { url } = await forum.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/events$/);
  });
});

describe('AAR_FORUM_TOKEN: the local forum token', () => {
  it('is unset by default (a random one each start), and checked when set', () => {
    const f = loadConfig({}).forum;
    expect(f.kind === 'local' && f.token).toBeUndefined();
    const set = loadConfig({ AAR_FORUM_TOKEN: 'a'.repeat(32) }).forum;
    expect(set.kind === 'local' && set.token).toBe('a'.repeat(32));
    const e = invalidInput(() => loadConfig({ AAR_FORUM_TOKEN: 'short' }));
    expect(e.problems).toEqual([{ field: 'AAR_FORUM_TOKEN', problem: expect.stringMatching(/^24-128 letters/) }]);
  });
});
