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
  /** Why a model's turn ended early without finishing (cut off at its output limit): never an idle turn. */
  cut?: string;
  /** How the model's tool loop ended (end_turn, max_tokens, max_calls, input_budget). */
  stop?: string;
  /** Model calls made, and replies cut off at max_tokens among them. */
  calls?: number;
  cutOff?: number;
  /** Time in model calls and tool runs (what an active agent-hour counts); default: the turn's wall time. */
  activeMs?: number;
}

/** An answer to a person, and the time it took in model calls and tool runs. */
export interface AnswerOutcome {
  text: string;
  activeMs?: number;
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
  /** Most experiments it runs at once: at the limit, with nothing new, it waits instead of taking a turn. */
  readonly maxInFlight: number;
  /** One unit of work: read, think, propose, conclude. */
  turn(desk: AgentDesk, o?: { signal?: AbortSignal }): Promise<TurnOutcome>;
  /** Answers a person's question or redirection, from its notebook, its results and the forum. */
  answer(desk: AgentDesk, message: MessageRecord, o?: { signal?: AbortSignal }): Promise<string | AnswerOutcome>;
}
