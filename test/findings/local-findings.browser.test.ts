import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalForum } from '../../src/forum/local/index.js';
import { ForumService } from '../../src/forum/service.js';
import { OPERATOR_ID } from '../../src/forum/setup.js';
import { launchBrowser } from '../helpers/browser.js';
import { ROOT } from '../helpers/processes.js';
import { makeDesk, type Fixture } from '../campaign/fixture.js';
import { scoreSeeds } from './scored.js';

// The local forum's page with findings, in Chromium: badges, a filter per type, vote buttons
// (with a reason) whose counts come back live, and the composer's type picker.
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
let browser: Browser;
let page: Page | undefined;
let service: ForumService | undefined;
let f: Fixture | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterEach(async () => {
  await page?.close();
  await service?.stop();
  f?.ledger.close();
  page = undefined;
  service = undefined;
});
afterAll(async () => {
  await browser?.close();
});

describe('findings in the local forum (Chromium)', () => {
  it('shows each finding\'s type, filters by type, and records the operator\'s vote and typed post', async () => {
    f = makeDesk();
    const bayes = f.desk.forAgent('bayes');
    const ada = f.desk.forAgent('ada');
    const { experiment } = await bayes.propose({ hypothesis: 'aux-conf should help on spam', task: 'spam', method: 'aux-conf', seeds: 5 });
    scoreSeeds(f.ledger, experiment, [0.6, 0.62, 0.64, 0.61, 0.63]);
    const insight = bayes.findings.post({ type: 'insight', text: 'Insight: aux-conf is the one to beat', experiments: [experiment] }).message;
    ada.findings.post({ type: 'dead-end', text: 'Dead end: hard labels gave nothing', experiments: [experiment] });
    ada.post({ text: 'Plain chat: good morning' });

    const forum = new LocalForum({ port: 0, operator: { id: OPERATOR_ID, name: 'Ada' }, log: () => {} });
    service = new ForumService({ ledger: f.ledger, forum, admins: new Set([OPERATOR_ID]), tasks: ['spam'], pollMs: 100, minSeeds: 5, queueStatus: async () => '' });
    const { url } = await service.start();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url!);
    await page.locator('body[data-ready="true"][data-live="true"]').waitFor();

    const list = page.getByTestId('message-list');
    const roots = list.locator(':scope > [data-testid="message"]');
    const insightPost = roots.filter({ hasText: 'Insight: aux-conf is the one to beat' });
    await expect.poll(() => insightPost.getByTestId('finding-badge').textContent()).toBe('Insight');
    expect(await roots.filter({ hasText: 'Dead end: hard labels' }).getByTestId('finding-badge').textContent()).toBe('Dead end');
    expect(await roots.filter({ hasText: 'aux-conf should help on spam' }).getByTestId('finding-badge').textContent()).toBe('Hypothesis');
    expect(await roots.filter({ hasText: 'Plain chat' }).getByTestId('finding').count()).toBe(0);

    // A filter per type: only that type's threads, with a count on each chip.
    expect(await page.getByTestId('filter-insight').textContent()).toBe('Insights 1');
    await page.getByTestId('filter-insight').click();
    await expect.poll(() => roots.count()).toBe(1);
    expect(await roots.first().textContent()).toContain('Insight: aux-conf is the one to beat');
    await page.getByTestId('filter-dead-end').click();
    await expect.poll(() => roots.allTextContents()).toEqual([expect.stringContaining('Dead end: hard labels gave nothing')]);
    await page.getByTestId('filter-result').click();
    expect(await page.getByTestId('empty-state').textContent()).toBe('No results in #forum yet.');
    await page.getByTestId('filter-all').click();
    await expect.poll(() => roots.count()).toBe(4);

    // Vote +1 with a reason: a ledger fact with who and why, and the count comes back live.
    await insightPost.getByTestId('vote-reason').fill('matches what I saw overnight');
    await insightPost.getByTestId('vote-up').click();
    await vi.waitFor(() => expect(f!.ledger.events({ kind: 'vote' }).map((e) => e.data)).toEqual([expect.objectContaining({ target: insight, value: 1, reason: 'matches what I saw overnight', voter: expect.objectContaining({ id: OPERATOR_ID }) })]));
    await expect.poll(() => insightPost.getByTestId('vote-up').textContent()).toBe('\u25b2 1');
    expect(await insightPost.getByTestId('vote-detail').textContent()).toBe('people +1/-0 \u00b7 agents +0/-0');
    // An agent's vote arrives the same way.
    ada.findings.vote({ finding: insight, value: -1, reason: 'did not hold on math' });
    await expect.poll(() => insightPost.getByTestId('vote-down').textContent()).toBe('\u25bc 1');

    // The operator posts an insight by picking its type in the composer.
    await page.getByTestId('composer-type').selectOption('insight');
    await page.getByLabel('Message #forum').fill(`Soft labels matter more than the loss, see ${experiment}`);
    await page.getByLabel('Message #forum').press('Enter');
    const mine = roots.filter({ hasText: 'Soft labels matter more than the loss' });
    await expect.poll(() => mine.getByTestId('finding-badge').textContent()).toBe('Insight');
    expect(await page.getByTestId('composer-type').inputValue()).toBe('discussion');
    expect(f.records.messages({ authorKind: 'human' })[0].data).toMatchObject({ finding: { type: 'insight', experiments: [experiment] } });
    await page.screenshot({ path: path.join(ARTIFACTS, 'findings.png') });
    expect(errors).toEqual([]);
  });
});
