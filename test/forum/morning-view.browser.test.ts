import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign } from '../../src/campaign/campaign-file.js';
import { LocalForum } from '../../src/forum/local/index.js';
import { ForumService } from '../../src/forum/service.js';
import { OPERATOR_ID } from '../../src/forum/setup.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import { launchBrowser } from '../helpers/browser.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';
import { ProcessGroup, ROOT, waitUntil } from '../helpers/processes.js';

// The morning read: a real, honest campaign (nine offline researchers, the auditor and the
// steward, real training on two tasks) has run overnight; someone opens the local forum.

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const TASKS = ['spam', 'math'];
// Most of a task's rows stay one click away, so the chart is on screen.
const TOP_PER_TASK = 3;

let browser: Browser;
let page: Page | undefined;
let stack: EmbeddedPipeline | undefined;
let service: ForumService | undefined;
let group: ProcessGroup | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterEach(async () => {
  await page?.close();
  await service?.stop();
  await stack?.close();
  await group?.killAll();
  page = service = stack = group = undefined;
});
afterAll(async () => {
  await browser?.close();
});

async function openPage(url: string): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await p.goto(url);
  await p.locator('body[data-ready="true"][data-live="true"]').waitFor();
  return p;
}

/** The top-level messages of a channel as the page shows them. */
function roots(p: Page) {
  return p.locator('[data-testid="message-list"] > [data-testid="message"]');
}

describe('the morning view in Chromium', () => {
  it('after an honest campaign: a handful of #audit items, result cards in #results, a step line per task, and a clear stopped state', async () => {
    stack = openEmbeddedPipeline({ prefix: 'aar-morning-' });
    const file = parseCampaign({ name: 'overnight', tasks: TASKS, agents: { count: 9, kind: 'offline' }, budget: { experiments: 48 } });
    const summary = await new Campaign({ file, ledger: stack.ledger, pipeline: stack.pipeline, model: 'unused', inputBudget: 24_000, scheduler: new ManualScheduler() }).run();
    expect(summary.experiments).toBeGreaterThanOrEqual(48);
    const verdicts = stack.ledger.events({ kind: 'verdict' }).length;
    // The auditor had several results to review (leaders, claims, flags): enough to fold.
    expect(verdicts).toBeGreaterThanOrEqual(3);

    const forum = new LocalForum({ port: 0, operator: { id: OPERATOR_ID, name: 'Ada' }, log: () => {} });
    service = new ForumService({ ledger: stack.ledger, forum, admins: new Set([OPERATOR_ID]), tasks: TASKS, queueStatus: async () => '', minSeeds: file.scoring.claimSeeds, pollMs: 60_000 });
    page = await openPage((await service.start()).url!);

    // #audit: what needs a person, and the day's routine reviews folded into one thread.
    await page.getByTestId('channel-audit').click();
    await expect.poll(() => page!.getByTestId('channel-title').textContent()).toBe('#audit');
    const audit = roots(page);
    await expect.poll(() => audit.count()).toBeGreaterThan(0);
    const items = await audit.count();
    expect(items).toBeLessThanOrEqual(5);
    expect(items).toBeLessThan(verdicts);
    const routine = audit.filter({ hasText: /^.*Routine reviews, \d{4}-\d\d-\d\d/ });
    expect(await routine.count()).toBe(1);
    expect(Number((await routine.getByTestId('reply-count').textContent())!.split(' ')[0])).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'morning-audit.png') });

    // #results: the result cards of results that can rank, with Veto / Approve, and the leader changes.
    await page.getByTestId('channel-results').click();
    const cards = page.locator('[data-testid="message-list"] > [data-testid="message"] [data-testid="card"]');
    await expect.poll(() => cards.count()).toBeGreaterThan(0);
    expect(await cards.first().getByTestId('card-veto').count()).toBe(1);
    expect(await roots(page).filter({ hasText: /^.*New leader on (spam|math)/ }).count()).toBeGreaterThan(0);

    // The panel: each task's best PGR so far as a step line, the top rows of each task, and the chart on screen.
    const lines = page.getByTestId('chart-step-line');
    await expect.poll(() => lines.count()).toBe(TASKS.length);
    for (const d of await lines.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))) {
      expect(d).toMatch(/^M[\d.]+,[\d.]+(?: H[\d.]+ V[\d.]+)* H[\d.]+$/);
      // Each V goes up the chart (a smaller y): best so far never falls.
      const ys = [Number(/^M[\d.]+,([\d.]+)/.exec(d)![1]), ...[...d.matchAll(/V([\d.]+)/g)].map((m) => Number(m[1]))];
      for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeLessThan(ys[i - 1]);
    }
    const labels = await page.getByTestId('chart-time-label').allTextContents();
    expect(labels.length).toBeGreaterThanOrEqual(2);
    expect(labels.length).toBeLessThanOrEqual(6);
    expect(new Set(labels).size).toBe(labels.length);
    const rows = await page.getByTestId('leaderboard-row').evaluateAll((trs) => trs.map((tr) => tr.children[2]?.textContent ?? ''));
    for (const task of TASKS) expect(rows.filter((t) => t === task).length).toBeLessThanOrEqual(TOP_PER_TASK);
    const chart = (await page.getByTestId('pgr-chart-svg').boundingBox())!;
    expect(chart.y + chart.height).toBeLessThanOrEqual(900);
    const more = page.getByTestId('leaderboard-more');
    if (await more.isVisible()) {
      await more.click();
      await expect.poll(() => page!.getByTestId('leaderboard-row').count()).toBeGreaterThan(rows.length);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'morning-panel.png') });

    // The run ends: the page says the forum has stopped and how to open it again, and takes no input.
    await service.stop();
    service = undefined;
    const stopped = page.getByTestId('forum-stopped');
    await stopped.waitFor();
    expect(await stopped.textContent()).toMatch(/The forum has stopped\..*aar forum/s);
    expect(await page.getByTestId('conn-text').textContent()).toBe('stopped');
    expect(await page.getByTestId('composer-input').isDisabled()).toBe(true);
    await expect.poll(() => cards.first().getByTestId('card-veto').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'morning-stopped.png') });
  }, 240_000);

  it('a forum killed without a goodbye (kill -9) shows the stopped state too, not "reconnecting" forever', async () => {
    group = new ProcessGroup();
    const home = mkdtempSync(path.join(tmpdir(), 'aar-morning-kill-'));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_') && k !== 'REDIS_URL'));
    const proc = group.aar('aar forum', ['forum'], { ...clean, AAR_HOME: home, AAR_CACHE_DIR: testCacheDir(), AAR_FORUM_PORT: '0' });
    const url = await waitUntil('the URL is printed', () => /open (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)\n/.exec(proc.stdout())?.[1], { timeoutMs: 30_000, context: () => proc.output() });
    page = await openPage(url);
    // The token moved from the address bar into the tab; the page can post.
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.getByTestId('composer-input').isDisabled()).toBe(false);
    await proc.kill('SIGKILL');
    await page.locator('body[data-conn="stopped"]').waitFor();
    expect(await page.getByTestId('forum-stopped').isVisible()).toBe(true);
  }, 60_000);

  it('without the token the page is read-only and says how to get one', async () => {
    const forum = new LocalForum({ port: 0, operator: { id: OPERATOR_ID, name: 'Ada' }, log: () => {} });
    stack = openEmbeddedPipeline({ prefix: 'aar-morning-ro-' });
    service = new ForumService({ ledger: stack.ledger, forum, admins: new Set([OPERATOR_ID]), tasks: TASKS, queueStatus: async () => '', pollMs: 60_000 });
    await service.start();
    page = await openPage(forum.url);
    expect(await page.getByTestId('read-only').textContent()).toMatch(/Read-only: to post, vote or veto, open the link aar printed/);
    expect(await page.getByTestId('composer-input').isDisabled()).toBe(true);
  });
});
