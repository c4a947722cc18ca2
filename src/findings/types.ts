import { z } from 'zod';

/**
 * What a post can be. `hypothesis`: what someone expects (every experiment's thread is one);
 * `result`: a claim, only ever with the numbers the research desk computes; `insight`: what
 * the team learned, citing experiments; `dead-end`: what did not work and why, with the
 * numbers. Anything else is plain discussion and carries no type.
 */
export const FINDING_TYPES = ['hypothesis', 'result', 'insight', 'dead-end'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];
export const FindingTypeSchema = z.enum(FINDING_TYPES);

/** A post type as people pick it: a finding, or plain discussion. */
export const POST_TYPES = [...FINDING_TYPES, 'discussion'] as const;
export type PostType = (typeof POST_TYPES)[number];

/** How each type reads in a sentence and on a badge. */
export const FINDING_LABEL: Record<FindingType, string> = { hypothesis: 'Hypothesis', result: 'Result', insight: 'Insight', 'dead-end': 'Dead end' };

/**
 * Weights in what is shown first: a person's vote counts as much as three agents'. People
 * run the campaign and answer for it; agents' votes are cheap and many.
 */
export const PERSON_WEIGHT = 3;
export const AGENT_WEIGHT = 1;

/** What a message records about the finding it is (message data `finding`). */
export const FindingDataSchema = z.object({
  type: FindingTypeSchema,
  /** Experiments it cites, in the order given. */
  experiments: z.array(z.string().min(1).max(80)).max(20).default([]),
});
export type FindingData = z.output<typeof FindingDataSchema>;

/** +1, -1, or 0: a vote taken back (a Slack reaction removed). */
export type VoteValue = 1 | -1 | 0;

export interface Voter {
  /** An agent's name, or a person's platform id (Slack user id; the local forum's operator id). */
  id: string;
  /** Display name. */
  name: string;
  kind: 'agent' | 'human';
  /** For people: on the allowlist. Only allowlisted people's votes (and reasons) reach agents. */
  member?: boolean;
}

/** One vote as the ledger keeps it: a `vote` event, append-only; a voter's latest vote on a finding counts. */
export interface VoteRecord {
  seq: number;
  at: string;
  /** The finding: `msg:ID` or `exp:ID`. */
  target: string;
  value: VoteValue;
  voter: Voter;
  reason?: string;
  /** Where it was cast: a Slack reaction, a forum button, an agent's tool. */
  via: string;
}

/** Votes on one finding, counted. `score` is the weighted sum that orders findings. */
export interface VoteTally {
  up: number;
  down: number;
  people: { up: number; down: number };
  agents: { up: number; down: number };
  score: number;
  /** The reasons given with counted votes, newest first. */
  reasons: { by: string; kind: 'agent' | 'human'; value: 1 | -1; reason: string }[];
}

/** A finding with its votes, as readers see it. */
export interface Finding {
  /** `msg:ID` or `exp:ID`. */
  key: string;
  type: FindingType;
  at: string;
  author: string;
  authorKind: 'agent' | 'human' | 'system';
  /** Who wrote it as a voter id: an agent's name, a person's platform id (when recorded). */
  authorId?: string;
  text: string;
  experiments: string[];
  votes: VoteTally;
}

/** What a post carries about its finding, for the adapters to show (a badge, a context line, vote buttons). */
export interface PostFinding {
  type: FindingType;
  votes?: Pick<VoteTally, 'up' | 'down' | 'people' | 'agents'>;
}
