import { z } from 'zod';
import type { FieldProblem } from '../../domain/errors.js';
import { PostImageSchema } from '../image.js';
import { MAX_MESSAGE_TEXT } from '../commands.js';
import { CHANNEL_KEYS } from '../port.js';
import { FINDING_TYPES, POST_TYPES } from '../../findings/types.js';

// What a person can type in one message: Slack's cap, so both adapters accept the same input.
export { MAX_MESSAGE_TEXT };
// Agents' posts are not typed by hand; the cap only stops a runaway post from eating memory.
const MAX_POST_TEXT = 200_000;
const Ref = z.string().min(1).max(128);
const Channel = z.enum(CHANNEL_KEYS);

// Posts come from our own code (and back from the ledger as JSON), so unknown keys are dropped
// rather than refused: a stray field must not leave a post undeliverable.
const Persona = z.object({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(128),
  icon: z.string().max(128),
});

const Count = z.number().int().min(0).max(1_000_000);
const UpDown = z.object({ up: Count, down: Count });
/** A finding's type and votes: a badge, counts and vote buttons on the page. */
const Finding = z.object({
  type: z.enum(FINDING_TYPES),
  votes: z.object({ up: Count, down: Count, people: UpDown, agents: UpDown }).optional(),
});

const Card = z.object({
  title: z.string().max(1_000),
  fields: z.array(z.object({ label: z.string().max(200), value: z.string().max(5_000) })).max(50),
  status: z.enum(['flagged', 'vetoed', 'approved']).optional(),
  buttons: z.array(z.object({ action: z.enum(['veto', 'approve', 'details']), value: z.string().min(1).max(256) })).max(10),
});

/** A Post as the port defines it; post() and update() parse their argument with it. */
export const PostSchema = z.object({
  channel: Channel,
  threadRef: Ref.nullish().transform((r) => r ?? undefined),
  persona: Persona,
  text: z.string().max(MAX_POST_TEXT),
  card: Card.optional(),
  // A PNG (base64) of at most 2 MB decoded, with alt text and a title; problems name image.png.
  image: PostImageSchema.optional(),
  finding: Finding.optional(),
});

// The ledger may hand back SQLite's `YYYY-MM-DD HH:MM:SS` as well as ISO; both become ISO.
const Instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time such as 2025-01-31T12:00:00Z')
  .transform((s) => new Date(s).toISOString());

/** A post delivered before a restart, as the ledger remembers it. */
export const StoredPostSchema = z.object({ ref: Ref, post: PostSchema, at: Instant });
/** A post delivered before a restart: its ref, its latest content, and when it was first posted. */
export type StoredPost = z.input<typeof StoredPostSchema>;

const Operator = z.object({ id: z.string().min(1).max(128), name: z.string().min(1).max(128) });

/** The options LocalForum accepts; parsed at construction so a mistake fails at start-up. */
export const LocalForumOptionsSchema = z.object({
  host: z.literal('127.0.0.1', { error: 'the local forum only listens on 127.0.0.1' }).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535),
  operator: Operator,
  channelNames: z.partialRecord(Channel, z.string().min(1).max(80)).optional(),
  // Checked entry by entry in the constructor: one bad ledger row must not keep the forum down.
  history: z.array(z.unknown()).optional(),
  heartbeatMs: z.number().int().positive().optional(),
  token: z.string().regex(/^[A-Za-z0-9_-]{24,128}$/, '24-128 letters, digits, _ or -').optional(),
});

/** POST /api/messages: what the operator typed, in a channel or a thread. */
export const MessageBodySchema = z.strictObject({
  channel: Channel,
  threadRef: Ref.optional(),
  text: z
    .string()
    .max(MAX_MESSAGE_TEXT)
    .refine((s) => s.trim() !== '', 'must not be empty'),
  /** What the operator picked in the composer: a finding's type, or plain discussion. */
  type: z.enum(POST_TYPES).optional(),
});

/** POST /api/votes: +1 or -1 on a finding's post (0 takes the operator's vote back), with an optional reason. */
export const VoteBodySchema = z.strictObject({
  messageRef: Ref,
  value: z.union([z.literal(1), z.literal(-1), z.literal(0)], { error: 'accepted: 1, -1 or 0 (take the vote back)' }),
  reason: z.string().max(500).optional(),
});

/** POST /api/actions: a button pressed on a card. */
export const ActionBodySchema = z.strictObject({
  messageRef: Ref,
  action: z.enum(['veto', 'approve', 'details']),
  value: z.string().min(1).max(256),
});

const Pgr = z.number().refine(Number.isFinite, 'a finite number');

/** The right-hand panel: the leaderboard and the best PGR over time, per task. Extra keys are dropped, never shown. */
export const PanelSchema = z.object({
  leaderboard: z
    .array(
      z.object({
        rank: z.number().int().min(1),
        task: z.string().min(1).max(128),
        experiment: z.string().min(1).max(128),
        method: z.string().min(1).max(200),
        agent: z.string().min(1).max(128),
        pgrPublic: Pgr,
        /** The half people rank by; absent from panels sent before it was added. */
        pgrPrivate: Pgr.optional(),
        status: z.string().max(128).optional(),
      }),
    )
    .max(1_000),
  /** How many results rank in all; the leaderboard may carry only the top of each task. */
  total: z.number().int().min(0).optional(),
  series: z
    .array(
      z.object({
        task: z.string().min(1).max(128),
        points: z.array(z.object({ at: Instant, pgr: Pgr, experiment: z.string().max(128).optional() })).max(10_000),
      }),
    )
    .max(50),
  /** The time the lines run up to (the newest result). */
  asOf: Instant.optional(),
});
/** The right-hand panel as setPanel() takes it. */
export type Panel = z.input<typeof PanelSchema>;

/** Each zod issue as a field path (`card.buttons.0.action`) and what was wrong with it. */
export function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (base ? `${base}.${k}` : k)).join(', ');
      return { field: keys, problem: 'not a known field' };
    }
    return { field: base || '(body)', problem: issue.message };
  });
}
