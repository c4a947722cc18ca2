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
});
