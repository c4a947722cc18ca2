import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalForumState } from '../../src/forum/local/index.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { ProcessGroup, waitUntil } from '../helpers/processes.js';

let group: ProcessGroup;
afterEach(async () => {
  await group?.killAll();
});

function env(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_') && k !== 'REDIS_URL'));
  return { ...clean, AAR_HOME: home, AAR_CACHE_DIR: testCacheDir(), AAR_FORUM_PORT: '0', ...extra };
}

describe('aar forum', () => {
  it('serves the local forum, posts the ledger, answers commands, and stops on `stop`', async () => {
    group = new ProcessGroup();
    const home = mkdtempSync(path.join(tmpdir(), 'aar-forum-cli-'));
    const ledger = Ledger.open(path.join(home, 'ledger.sqlite'));
    ledger.proposeExperiment({ id: 'exp-cli', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'researcher-1', hypothesis: { id: 'h-cli', text: 'Naive is a fine start' } });
    ledger.close();

    const proc = group.aar('aar forum', ['forum'], env(home));
    // The printed URL carries the token posting needs, in its fragment.
    const url = await waitUntil('the URL is printed', () => /open (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{32})\n/.exec(proc.stdout())?.[1], { timeoutMs: 30_000, context: () => proc.output() });
    const token = new URL(url).hash.slice('#token='.length);
    const state = async () => (await (await fetch(new URL('/api/state', url))).json()) as LocalForumState;
    await waitUntil('the experiment thread is shown', async () => (await state()).posts.some((p) => p.text.startsWith('Naive is a fine start')));

    const post = (text: string, auth: string) => fetch(new URL('/api/messages', url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ channel: 'forum', text }) });
    // Any other local process is refused: it does not have the token.
    expect((await post('/aar stop', '')).status).toBe(401);
    const say = (text: string) => post(text, `Bearer ${token}`);
    expect((await say('/aar status')).status).toBe(202);
    await waitUntil('status is answered', async () => (await state()).posts.some((p) => p.text === 'Jobs: no jobs yet.\nQueue: in-process (jobs run where they are submitted).'));
    expect((await say('/aar veto')).status).toBe(202);
    await waitUntil('a malformed command gets its usage', async () => (await state()).posts.some((p) => p.text.includes('usage: veto')));

    expect((await say('/aar stop')).status).toBe(202);
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.stdout()).toContain('aar forum: stopping');
  });

  it('refuses a Slack bot token without an app token or signing secret, naming what to set', async () => {
    group = new ProcessGroup();
    const home = mkdtempSync(path.join(tmpdir(), 'aar-forum-cli-'));
    const result = await group.runAar('aar forum', ['forum'], env(home, { SLACK_BOT_TOKEN: 'xoxb-1234567890-abcdefghij' }), 30_000);
    expect(result.code).toBe(2);
    expect(result.output).toContain('SLACK_APP_TOKEN');
    expect(result.output).toContain('SLACK_SIGNING_SECRET');
    expect(result.output).not.toContain('abcdefghij');
  });
});
