import { describe, expect, it } from 'vitest';
import { DIRECTIONS } from '../../bots/directions.js';
import { pack } from '../../bots/researcher/context.js';
import { answerPrompt, researcherSystemPrompt, turnPrompt } from '../../bots/researcher/prompts.js';

describe('researcher prompts', () => {
  it('system prompt: role, PGR, the seed rule, integrity and the agent’s own direction', () => {
    expect(researcherSystemPrompt({ name: 'ada', direction: DIRECTIONS[0].text, tasks: ['spam', 'math'], claimSeeds: 5 })).toMatchSnapshot();
  });

  it('each of the nine agents gets a different direction, and the system prompt is the same string every call (so it caches)', () => {
    expect(new Set(DIRECTIONS.map((d) => d.text)).size).toBe(9);
    const a = researcherSystemPrompt({ name: 'bayes', direction: DIRECTIONS[1].text, tasks: ['spam'], claimSeeds: 7 });
    expect(researcherSystemPrompt({ name: 'bayes', direction: DIRECTIONS[1].text, tasks: ['spam'], claimSeeds: 7 })).toBe(a);
    expect(a).toContain('at least 7 seeds');
  });

  it('turn and answer prompts', () => {
    const context = pack([{ title: 'Your notebook (latest last)', lines: ['tried aux-conf: 0.61'] }], 1000).text;
    expect(turnPrompt({ context, inFlight: 1, maxInFlight: 2 })).toMatchSnapshot();
    expect(answerPrompt({ context, from: 'maria', question: 'Why hard labels?' })).toMatchSnapshot();
  });

  it('a turn near the end of the campaign says what is left and to conclude', () => {
    const text = turnPrompt({ context: '', inFlight: 0, maxInFlight: 2, campaign: { msLeft: 240_000, experimentsLeft: 3, usdLeft: 1.5, closing: 'it is near the end of its budget' } });
    expect(text).toContain('The campaign has 4 minute(s) left, 3 experiment(s) left in the budget, $1.50 of model spend left.');
    expect(text).toMatch(/The campaign is closing \(it is near the end of its budget\).*conclude what you have/);
    expect(turnPrompt({ context: '', inFlight: 0, maxInFlight: 2, campaign: {} })).not.toMatch(/campaign/);
  });
});
