import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openForum, THREADS_PER_PAGE } from '../../src/forum/setup.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { launchBrowser } from '../helpers/browser.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

/**
 * A long forum after a restart: the local forum starts with each channel's newest threads
 * (so its first answer stays small however long the campaign ran) and pages back on request.
 */
const THREADS = 250;
const persona = { id: 'ada', name: 'ada', icon: ':robot_face:' };

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A ledger whose outbox delivered THREADS threads in #forum, each with a reply, as the local forum left it. */
function longForum(): Ledger {
  const ledger = Ledger.open(tempLedgerPath());
  const records = new ForumRecords(ledger);
  let ref = 0;
  ledger.db.transaction(() => {
    for (let i = 0; i < THREADS; i++) {
      records.addPost(`t${i}`, undefined, { channel: 'forum', persona, text: `thread ${i}` });
      records.markDelivered(`t${i}`, `l-${++ref}`);
      records.addPost(`t${i}:r`, `t${i}`, { channel: 'forum', persona, text: `reply to thread ${i}` });
      records.markDelivered(`t${i}:r`, `l-${++ref}`);
    }
    records.addPost('audit-1', undefined, { channel: 'audit', persona, text: 'one audit post' });
    records.markDelivered('audit-1', `l-${++ref}`);
  })();
  return ledger;
}

describe('the local forum on a long ledger', () => {
  it('starts with the newest threads of each channel and pages back, oldest on top, nothing twice', async () => {
    const ledger = longForum();
    const config = loadConfig({ AAR_FORUM_PORT: '0' });
    const { forum } = await openForum(config, ledger, () => {});
    const { url = '' } = await forum.start();
    expect(url).toMatch(/^http:/);
    try {
      const state = (await (await fetch(new URL('/api/state', url))).json()) as { posts: { text: string; channel: string }[]; olderIn: string[] };
      expect(state.posts.filter((p) => p.channel === 'forum')).toHaveLength(2 * THREADS_PER_PAGE);
      expect(state.posts.filter((p) => p.channel === 'audit')).toHaveLength(1);
      expect(state.olderIn).toEqual(['forum']);

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(url);
      await page.locator('body[data-ready="true"]').waitFor();
      const roots = page.locator('[data-testid="message-list"] > [data-testid="message"]');
      await expect.poll(() => roots.count()).toBe(THREADS_PER_PAGE);
      const texts = async () => (await roots.locator('[data-testid="message-text"]').allTextContents()).map((t) => t.trim());
      expect((await texts()).at(-1)).toBe(`thread ${THREADS - 1}`);
      for (const expected of [2 * THREADS_PER_PAGE, THREADS]) {
        await page.getByTestId('load-older').click();
        await expect.poll(() => roots.count()).toBe(expected);
      }
      expect(await page.getByTestId('load-older').count()).toBe(0);
      // Every thread once, in the order they were made, each with its reply.
      expect(await texts()).toEqual(Array.from({ length: THREADS }, (_, i) => `thread ${i}`));
      expect(await roots.first().getByTestId('reply-count').textContent()).toMatch(/^1 repl/);
      // A channel that fits in one page offers nothing older.
      await page.getByTestId('channel-audit').click();
      await expect.poll(() => roots.count()).toBe(1);
      expect(await page.getByTestId('load-older').count()).toBe(0);
      await page.close();
    } finally {
      await forum.stop();
      ledger.close();
    }
  }, 60_000);

  it('new posts take refs above every ref of the ledger, and an edit of a thread not loaded is let be', async () => {
    const ledger = longForum();
    const { forum } = await openForum(loadConfig({ AAR_FORUM_PORT: '0' }), ledger, () => {});
    await forum.start();
    try {
      const ref = await forum.post({ channel: 'forum', persona, text: 'new' });
      expect(ref).toBe(`l-${2 * THREADS + 2}`);
      // l-1 is thread 0's root, in the part of the forum no page has loaded yet.
      await expect(forum.update('l-1', { channel: 'forum', persona, text: 'thread 0, edited' })).resolves.toBeUndefined();
    } finally {
      await forum.stop();
      ledger.close();
    }
  });
});
