import { describe, expect, it } from 'vitest';
import { DEFAULT_SPLIT, parseCampaign } from '../../src/campaign/campaign-file.js';
import { DEMO_BUDGET } from '../../src/cli/commands/start.js';
import { campaignFrom } from '../../src/cli/commands/run.js';
import { InvalidInputError } from '../../src/domain/errors.js';

describe('search and held-out tasks', () => {
  it('npm start searches spam, math and code and holds out sentiment and sotu', () => {
    // What startCommand passes to runCommand as the campaign's base.
    const file = campaignFrom({}, { name: 'embedded', budget: DEMO_BUDGET, ...DEFAULT_SPLIT });
    expect(file.tasks).toEqual(['spam', 'math', 'code']);
    expect(file.holdout).toEqual(['sentiment', 'sotu']);
  });

  it('a campaign without holdout holds nothing out', () => {
    expect(parseCampaign({}).holdout).toEqual([]);
    expect(campaignFrom({ tasks: 'spam' }).holdout).toEqual([]);
  });

  it('searching a task the base held out takes it out of the holdout, and --holdout replaces it', () => {
    const base = { name: 'embedded', ...DEFAULT_SPLIT };
    expect(campaignFrom({ tasks: 'spam,sentiment' }, base)).toMatchObject({ tasks: ['spam', 'sentiment'], holdout: ['sotu'] });
    expect(campaignFrom({ tasks: 'spam', holdout: 'names' }, base)).toMatchObject({ tasks: ['spam'], holdout: ['names'] });
  });

  it('refuses a task both searched and held out, naming the field', () => {
    expect(() => parseCampaign({ tasks: ['spam', 'sotu'], holdout: ['sotu'] })).toThrow(InvalidInputError);
    expect(() => parseCampaign({ tasks: ['spam', 'sotu'], holdout: ['sotu'] })).toThrow(/campaign\.holdout: sotu is also in campaign\.tasks/);
    expect(() => parseCampaign({ holdout: ['chess'] })).toThrow(/holdout/);
  });
});
