import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign, type CampaignFileInput } from '../../src/campaign/campaign-file.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

// The experiment cap is exact: checked inside every proposal's transaction, the steward's
// baselines included, however many researchers propose in one round.

let stack: EmbeddedPipeline;

beforeEach(() => {
  stack = openEmbeddedPipeline({ prefix: 'aar-caps-' });
});

afterEach(() => stack.close());

async function run(file: CampaignFileInput) {
  const c = new Campaign({ file: parseCampaign({ tasks: ['spam'], ...file }), ledger: stack.ledger, pipeline: stack.pipeline, model: 'unused', inputBudget: 24_000, scheduler: new ManualScheduler() });
  return c.run();
}

const inCampaign = (id: string) => (stack.ledger.db.prepare('SELECT COUNT(*) AS n FROM experiments WHERE campaign_id = ?').get(id) as { n: number }).n;

describe('the experiment cap', () => {
  it('a cap of 1 makes one experiment: the first baseline, and no other baseline or proposal', async () => {
    const summary = await run({ name: 'one', agents: { count: 3, kind: 'offline' }, budget: { experiments: 1 } });
    expect(inCampaign('one')).toBe(1);
    expect(summary.experiments).toBe(1);
    expect(stack.ledger.unfinishedJobs()).toEqual([]);
  });

  it('a cap of 9 with four researchers proposing in the same rounds makes exactly 9', async () => {
    const summary = await run({ name: 'nine', agents: { count: 4, kind: 'offline' }, budget: { experiments: 9 } });
    expect(inCampaign('nine')).toBe(9);
    expect(summary.experiments).toBe(9);
  });
});
