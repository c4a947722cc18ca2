import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalForum } from '../../src/forum/local/index.js';
import { ForumService } from '../../src/forum/service.js';
import { OPERATOR_ID } from '../../src/forum/setup.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { launchBrowser } from '../helpers/browser.js';
import { ROOT } from '../helpers/processes.js';

// The whole local forum as `aar forum` runs it: ledger facts become posts, the operator's
// message becomes guidance, and Veto on a result card (in #results) takes effect on the card,
// in the experiment's thread and on the leaderboard panel.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function scored(ledger: Ledger, id: string, pgr: number, agent: string, tag: string): void {
  ledger.proposeExperiment({ id, task: 'spam', method: { name: tag }, seeds: [1], agent, hypothesis: { id: `h-${id}`, text: `${agent}: ${tag} should recover more of the gap on spam` } });
  ledger.append('queued', { experimentId: id, jobId: `${id}-s1`, data: { seed: 1 } });
  const half = { weak: 0.85, ceiling: 0.95, student: 0.85 + 0.1 * pgr, pgr };
  ledger.recordResult({ jobId: `${id}-s1`, experimentId: id, seed: 1, predictionsDigest: 'd', score: { public: half, private: half, all: { weak: 0.85, ceiling: 0.95, student: half.student } } as never });
}

describe('aar forum (local) in a browser', () => {
  it('shows agents\' threads, takes the operator\'s guidance, and applies a veto everywhere', async () => {
    const ledger = Ledger.open(path.join(mkdtempSync(path.join(tmpdir(), 'aar-forum-e2e-')), 'ledger.sqlite'));
    scored(ledger, 'exp-good', 0.62, 'researcher-1', 'aux-conf');
    scored(ledger, 'exp-gamed', 0.97, 'researcher-2', 'majority');
    const forum = new LocalForum({ port: 0, operator: { id: OPERATOR_ID, name: 'Ada' }, log: () => {} });
    const service = new ForumService({ ledger, forum, admins: new Set([OPERATOR_ID]), tasks: ['spam'], queueStatus: async () => 'Queue: in-process.', pollMs: 100 });
    const { url } = await service.start();
    const page: Page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await page.goto(url!);
      await page.locator('body[data-ready="true"][data-live="true"]').waitFor();
      const root = page.locator('[data-testid="message-list"] [data-testid="message"]').filter({ hasText: 'researcher-2: majority should recover' });
      await expect.poll(() => root.getByTestId('author').textContent()).toBe('researcher-2');
      const leader = page.locator('[data-testid="leaderboard-row"][data-experiment="exp-gamed"]');
      await expect.poll(() => leader.count()).toBe(1);

      await page.getByLabel('Message #forum').fill('Please try label smoothing on math next');
      await page.getByLabel('Message #forum').press('Enter');
      await vi.waitFor(() => expect(new ForumRecords(ledger).messages({ authorKind: 'human' }).map((m) => m.text)).toEqual(['Please try label smoothing on math next']));

      // Result cards are in #results; the veto's notice lands in the experiment's thread in #forum.
      await page.getByTestId('channel-results').click();
      const card = page.locator('[data-testid="message-list"] [data-testid="card"]').filter({ hasText: 'exp-gamed' });
      await card.getByRole('button', { name: 'Veto' }).click();
      await expect.poll(() => card.getByTestId('card-status').textContent()).toBe('vetoed');
      await page.getByTestId('channel-forum').click();
      await root.getByTestId('open-thread').click();
      const thread = page.getByTestId('thread-pane');
      await expect.poll(() => thread.getByText(/^Vetoed by Ada: vetoed from its result card\./).count()).toBe(1);
      await expect.poll(() => leader.count()).toBe(0);
      await expect.poll(() => page.locator('[data-testid="leaderboard-row"][data-experiment="exp-good"]').count()).toBe(1);
      expect(new ForumRecords(ledger).vetoes()).toMatchObject([{ action: 'veto', target: 'exp-gamed', who: 'Ada' }]);
      mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'forum-veto.png') });
    } finally {
      await page.close();
      await service.stop();
      ledger.close();
    }
  });
});
