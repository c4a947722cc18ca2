import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalForum, type Panel, type StoredPost } from '../../src/forum/local/index.js';
import type { Card, InboundEvent, Persona, Post } from '../../src/forum/port.js';
import { launchBrowser } from '../helpers/browser.js';
import { chartImage } from './png-fixture.js';
import { ROOT } from '../helpers/processes.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const OPERATOR = { id: 'U-ada', name: 'Ada Lovelace' };
const persona = (name: string): Persona => ({ id: name, name, icon: ':robot_face:' });
const R1 = persona('researcher-1');
const R2 = persona('researcher-2');
const AUDITOR = persona('auditor');
const CARD: Card = {
  title: 'exp-7 · aux-conf on spam',
  fields: [
    { label: 'PGR (public)', value: '0.71 ± 0.04 (5 seeds)' },
    { label: 'weak / strong', value: '83.3 / 94.8' },
    { label: 'detectors', value: 'majority-class: clear' },
  ],
  status: 'flagged',
  buttons: [
    { action: 'veto', value: 'exp-7' },
    { action: 'approve', value: 'exp-7' },
    { action: 'details', value: 'exp-7' },
  ],
};
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

let browser: Browser;
let page: Page | undefined;
let forum: LocalForum | undefined;
let pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterEach(async () => {
  await page?.close();
  page = undefined;
  await forum?.stop();
  forum = undefined;
});
afterAll(async () => {
  await browser?.close();
});

function newForum(o: { history?: StoredPost[]; port?: number } = {}): LocalForum {
  forum = new LocalForum({ port: o.port ?? 0, operator: OPERATOR, history: o.history, log: () => {} });
  return forum;
}

async function open(o: { history?: StoredPost[] } = {}): Promise<{ forum: LocalForum; page: Page; inbound: InboundEvent[] }> {
  const forum = newForum(o);
  const inbound: InboundEvent[] = [];
  forum.onEvent(async (e, ctx) => {
    inbound.push(e);
    if (e.kind === 'action') await ctx.reply(`${e.user.name} pressed ${e.action} on ${e.value}.`);
  });
  const { url } = await forum.start();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(url);
  // Loaded, and connected to the live stream: anything posted from now on can only arrive over SSE.
  await page.locator('body[data-ready="true"][data-live="true"]').waitFor();
  await vi.waitFor(() => expect(forum.liveClients).toBe(1));
  return { forum, page, inbound };
}

const say = (p: Persona, text: string, extra: Partial<Post> = {}): Post => ({ channel: 'forum', persona: p, text, ...extra });
/** The parts of an HTMLImageElement the tests read (the DOM types are not in this project's lib). */
type Pic = { complete: boolean; naturalWidth: number };
const message = (page: Page, ref: string) => page.locator(`[data-testid="message-list"] [data-testid="message"][data-ref="${ref}"]`);

describe('local forum in a browser', () => {
  it('fails, never skips, without Chromium', async () => {
    await expect(launchBrowser('/nonexistent/chromium')).rejects.toThrow(/need Chromium at \/nonexistent\/chromium.*apt-get install chromium/);
  });

  it('shows live posts, sends the operator\'s messages and button presses, and follows updates', async () => {
    const history: StoredPost[] = [
      { ref: 'l-1', at: new Date(Date.now() - 3_600_000).toISOString(), post: say(R2, 'Hypothesis: confidence-weighted loss beats naive fine-tuning on spam (alpha 0.5).') },
    ];
    const { forum, page, inbound } = await open({ history });
    await expect.poll(() => message(page, 'l-1').getByTestId('message-text').textContent()).toContain('confidence-weighted');

    // An agent posts after the page loaded: it arrives live.
    const hyp = await forum.post(say(R1, 'Hypothesis: pretraining the student on digit counts gives it the prior it needs for math.'));
    await message(page, hyp).getByTestId('message-text').waitFor();
    await expect.poll(() => message(page, hyp).getByTestId('author').textContent()).toBe('researcher-1');

    // The operator types in the composer; the adapter gets the message, and it shows.
    await page.getByLabel('Message #forum').fill('@aar please run 5 seeds before claiming anything');
    await page.getByLabel('Message #forum').press('Enter');
    await vi.waitFor(() => expect(inbound).toHaveLength(1));
    expect(inbound[0]).toEqual({
      kind: 'message', channel: 'forum', messageRef: expect.stringMatching(/^l-\d+$/), user: { id: 'U-ada', name: 'Ada Lovelace', isBot: false }, text: '@aar please run 5 seeds before claiming anything', mentionsApp: true,
    });
    const mine = page.locator('[data-testid="message"][data-author="operator"]');
    await expect.poll(() => mine.getByTestId('message-text').textContent()).toBe('@aar please run 5 seeds before claiming anything');
    await expect.poll(() => page.getByTestId('composer-input').inputValue()).toBe('');

    // A result card in the hypothesis thread; open the thread and veto it.
    const card = await forum.post(say(R1, 'Result for exp-7', { threadRef: hyp, card: CARD }));
    await expect.poll(() => message(page, hyp).getByTestId('reply-count').textContent()).toBe('1 reply');
    await message(page, hyp).getByTestId('open-thread').click();
    const thread = page.getByTestId('thread-pane');
    const threadCard = thread.locator(`[data-testid="message"][data-ref="${card}"] [data-testid="card"]`);
    await expect.poll(() => threadCard.getByTestId('card-status').textContent()).toBe('flagged');
    await threadCard.getByRole('button', { name: 'Veto' }).click();
    await vi.waitFor(() => expect(inbound).toHaveLength(2));
    expect(inbound[1]).toEqual({
      kind: 'action', channel: 'forum', threadRef: hyp, messageRef: card, user: { id: 'U-ada', name: 'Ada Lovelace', isBot: false }, action: 'veto', value: 'exp-7',
    });
    await expect.poll(() => thread.locator('[data-author="system"] [data-testid="message-text"]').textContent()).toBe('Ada Lovelace pressed veto on exp-7.');

    // The coordinator marks the card vetoed and moves the leaderboard: the page follows.
    await forum.update(card, say(R1, 'Result for exp-7', { card: { ...CARD, status: 'vetoed' } }));
    await expect.poll(() => threadCard.getByTestId('card-status').textContent()).toBe('vetoed');
    expect(await threadCard.getByRole('button', { name: 'Veto' }).isDisabled()).toBe(true);
    forum.setPanel(panel());
    const row = page.locator('[data-testid="leaderboard-row"][data-experiment="exp-7"]');
    await expect.poll(() => row.getByTestId('leaderboard-status').textContent()).toBe('vetoed');
    await expect.poll(() => page.getByTestId('chart-series').count()).toBe(3);

    // A post in another channel raises its unread count; opening the channel clears it.
    await forum.post({ channel: 'audit', persona: AUDITOR, text: 'exp-7: predictions match the majority class on 91% of items; looks like a shortcut.' });
    await forum.post({ channel: 'results', persona: R2, text: 'exp-9 finished', card: { ...CARD, title: 'exp-9 · naive on sentiment', status: 'approved', buttons: [{ action: 'details', value: 'exp-9' }] } });
    await expect.poll(() => page.getByTestId('unread-audit').textContent()).toBe('1');
    await page.screenshot({ path: path.join(ARTIFACTS, 'local-forum.png') });
    await page.getByTestId('channel-audit').click();
    await expect.poll(() => page.getByTestId('unread-audit').count()).toBe(0);
    await expect.poll(() => page.getByTestId('channel-title').textContent()).toBe('#audit');
    expect(pageErrors).toEqual([]);
  });

  it('shows markup in posts as literal text and never runs it', async () => {
    const { forum, page } = await open();
    const ref = await forum.post({
      channel: 'forum',
      persona: { id: 'x', name: XSS, icon: XSS },
      text: XSS,
      card: { title: XSS, fields: [{ label: XSS, value: XSS }], buttons: [{ action: 'details', value: XSS }] },
    });
    forum.setPanel({ leaderboard: [{ rank: 1, task: XSS, experiment: XSS, method: XSS, agent: XSS, pgrPublic: 0.5, status: XSS }], series: [{ task: XSS, points: [{ at: new Date().toISOString(), pgr: 0.5 }] }] });
    const post = message(page, ref);
    await expect.poll(() => post.getByTestId('message-text').textContent()).toBe(XSS);
    expect(await post.getByTestId('author').textContent()).toBe(XSS);
    expect(await post.getByTestId('card-title').textContent()).toBe(XSS);
    await expect.poll(() => page.getByTestId('leaderboard-row').count()).toBe(1);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img, [data-testid="app"] script').count()).toBe(0);
  });

  it('shows a post\'s image inline with its alt text and title, live and from history, within the CSP', async () => {
    const digest = chartImage({ alt: 'PGR over time: spam rises from 0.30 to 0.72 overnight' });
    const { forum, page } = await open({ history: [{ ref: 'l-1', at: new Date().toISOString(), post: say(R1, 'Yesterday\'s digest', { image: chartImage({ title: 'Yesterday' }) }) }] });
    const old = message(page, 'l-1').getByTestId('post-image');
    await expect.poll(() => old.getAttribute('alt')).toBe(chartImage().alt);

    const ref = await forum.post(say(R2, 'Morning digest: 3 experiments scored overnight', { image: digest }));
    const img = message(page, ref).getByRole('img', { name: digest.alt });
    await img.waitFor();
    // Loaded and decoded: the CSP let it in and the server sent a PNG.
    await expect.poll(() => img.evaluate((n) => (n as unknown as Pic).complete && (n as unknown as Pic).naturalWidth)).toBe(40);
    expect(await message(page, ref).getByTestId('post-image-title').textContent()).toBe('PGR over time');
    expect(await message(page, ref).getByTestId('message-text').textContent()).toBe('Morning digest: 3 experiments scored overnight');
    // An edit of the words keeps the image; redrawing does not break it.
    await forum.update(ref, say(R2, 'Morning digest (corrected)'));
    await expect.poll(() => message(page, ref).getByTestId('message-text').textContent()).toBe('Morning digest (corrected)');
    await expect.poll(() => img.evaluate((n) => (n as unknown as Pic).naturalWidth)).toBe(40);
    await page.screenshot({ path: path.join(ARTIFACTS, 'local-forum-image.png') });
    expect(pageErrors).toEqual([]);
  });

  it('a page left open across a restart reconnects and shows the restarted forum', async () => {
    const { forum: first, page } = await open();
    const root = await first.post(say(R1, 'before the restart'));
    const card = await first.post(say(R1, 'result', { threadRef: root, card: CARD }));
    for (let i = 0; i < 5; i++) await first.update(card, say(R1, `progress ${i}`, { card: CARD }));
    await expect.poll(() => message(page, root).getByTestId('reply-count').textContent()).toBe('1 reply');
    const port = Number(new URL(first.url).port);
    await first.stop();
    await page.locator('body[data-live="false"]').waitFor();

    // The restarted process knows the posts from the ledger, at lower versions than the page saw.
    const second = newForum({ port, history: [
      { ref: root, at: new Date().toISOString(), post: say(R1, 'before the restart') },
      { ref: card, at: new Date().toISOString(), post: say(R1, 'result', { threadRef: root, card: { ...CARD, status: 'flagged' } }) },
    ] });
    await second.start();
    await page.locator('body[data-live="true"]').waitFor({ timeout: 15_000 });
    await second.update(card, say(R1, 'result after the restart', { card: { ...CARD, status: 'approved' } }));
    await message(page, root).getByTestId('open-thread').click();
    const threadCard = page.getByTestId('thread-pane').locator(`[data-ref="${card}"]`);
    await expect.poll(() => threadCard.getByTestId('card-status').textContent()).toBe('approved');
    expect(await threadCard.getByTestId('message-text').textContent()).toBe('result after the restart');
    expect(pageErrors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
  });
});

function panel(): Panel {
  const hour = 3_600_000;
  const t0 = Date.now() - 6 * hour;
  const at = (h: number) => new Date(t0 + h * hour).toISOString();
  return {
    leaderboard: [
      { rank: 1, task: 'spam', experiment: 'exp-12', method: 'aux-conf a=0.5', agent: 'researcher-2', pgrPublic: 0.74, status: 'approved' },
      { rank: 2, task: 'spam', experiment: 'exp-7', method: 'aux-conf', agent: 'researcher-1', pgrPublic: 0.71, status: 'vetoed' },
      { rank: 3, task: 'math', experiment: 'exp-9', method: 'digit prior + probe', agent: 'researcher-1', pgrPublic: 0.58 },
      { rank: 4, task: 'sentiment', experiment: 'exp-4', method: 'naive', agent: 'researcher-3', pgrPublic: 0.22, status: 'flagged' },
    ],
    series: [
      { task: 'spam', points: [{ at: at(0), pgr: 0.3 }, { at: at(1.5), pgr: 0.45 }, { at: at(3), pgr: 0.71 }, { at: at(5), pgr: 0.74 }] },
      { task: 'math', points: [{ at: at(0.5), pgr: 0.09 }, { at: at(2), pgr: 0.31 }, { at: at(4.5), pgr: 0.58 }] },
      { task: 'sentiment', points: [{ at: at(1), pgr: 0.22 }, { at: at(4), pgr: 0.44 }] },
    ],
  };
}
