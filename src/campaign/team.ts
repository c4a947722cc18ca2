import { directionOf } from '../../bots/directions.js';
import { ClaudeResearcher } from '../../bots/researcher/claude/claude-researcher.js';
import { OfflineResearcher } from '../../bots/researcher/offline/offline-researcher.js';
import { RedTeamer } from '../../bots/red-team/red-teamer.js';
import { TACTIC_NAMES } from '../../bots/red-team/tactics.js';
import type { ResearcherBot } from '../../bots/types.js';
import type { Effort } from '../llm/models.js';
import type { LlmClient } from '../llm/port.js';

export interface TeamOptions {
  agents: number;
  tasks: readonly string[];
  /** With a client, researchers are Claude-backed; without, offline. */
  llm?: LlmClient;
  model?: string;
  inputBudget?: number;
  /** Output budget and effort of each model call (see src/llm/models.ts for the defaults). */
  maxTokens?: number;
  effort?: Effort;
  campaignId?: string;
  /** Seeds the offline researchers' own randomness (not the experiments' seeds). */
  seed?: number;
  probeSeeds?: number;
  maxInFlight?: number;
  /** Custom starting directions, in order (the built-in ones fill the rest). */
  directions?: readonly string[];
}

/**
 * The researchers of a campaign: each gets its own direction and, offline, a home task
 * (agents are spread over the tasks so every task is worked on from the start).
 */
export function createTeam(o: TeamOptions): ResearcherBot[] {
  return Array.from({ length: o.agents }, (_, i) => {
    const builtIn = directionOf(i);
    const direction = o.directions?.[i] ? { ...builtIn, text: o.directions[i] } : builtIn;
    if (o.llm) {
      return new ClaudeResearcher({
        name: direction.name,
        direction: direction.text,
        llm: o.llm,
        model: o.model ?? 'claude-opus-5-5',
        campaignId: o.campaignId,
        inputBudget: o.inputBudget ?? 24_000,
        maxTokens: o.maxTokens,
        effort: o.effort,
        maxInFlight: o.maxInFlight,
      });
    }
    return new OfflineResearcher({ name: direction.name, direction, homeTask: o.tasks[i % o.tasks.length], seed: o.seed, probeSeeds: o.probeSeeds, maxInFlight: o.maxInFlight });
  });
}

/** One red-team agent per known shortcut (`aar run --red-team`). */
export function redTeam(o: { attempts?: number } = {}): ResearcherBot[] {
  return TACTIC_NAMES.map((tactic) => new RedTeamer({ name: `red-${tactic}`, tactic, attempts: o.attempts }));
}
