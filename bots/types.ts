import type { AgentDesk } from '../src/campaign/research-desk.js';
import type { MessageRecord } from '../src/ledger/forum-records.js';

/** What a turn did, for the ledger and the live view. */
export interface TurnOutcome {
  /** Experiments proposed in this turn. */
  proposed: string[];
  /** Messages posted (hypotheses, conclusions, claims). */
  posted: number;
  /** Why the bot did nothing this turn, when it did nothing. */
  idle?: string;
}

/**
 * A research agent. Claude-backed and offline researchers implement the same interface and
 * act only through the AgentDesk bound to their name.
 */
export interface ResearcherBot {
  readonly name: string;
  readonly kind: 'claude' | 'offline';
  /** The deliberately vague starting point this agent was given. */
  readonly direction: string;
  /** One unit of work: read, think, propose, conclude. */
  turn(desk: AgentDesk, o?: { signal?: AbortSignal }): Promise<TurnOutcome>;
  /** Answers a person's question or redirection, from its notebook, its results and the forum. */
  answer(desk: AgentDesk, message: MessageRecord, o?: { signal?: AbortSignal }): Promise<string>;
}
