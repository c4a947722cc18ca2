import { z } from 'zod';
import type { CardAction, ChannelKey } from '../port.js';
import { actionOf, unescapeSlack } from './blocks.js';

// Slack payloads are parsed here, at the boundary; only the fields aar uses are required and
// everything else passes through untouched (Slack adds fields over time).
const MessageEventSchema = z.looseObject({
  type: z.enum(['message', 'app_mention']),
  channel: z.string().min(1),
  ts: z.string().min(1),
  thread_ts: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  text: z.string().optional(),
  username: z.string().optional(),
  bot_profile: z.looseObject({ name: z.string().optional() }).nullish(),
});

const SlashCommandSchema = z.looseObject({
  command: z.string(),
  text: z.string().optional(),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  channel_id: z.string().optional(),
  response_url: z.string().optional(),
  trigger_id: z.string().optional(),
});

const BlockActionBodySchema = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional() }),
  channel: z.looseObject({ id: z.string().min(1) }).optional(),
  container: z.looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  message: z.looseObject({ ts: z.string().min(1), thread_ts: z.string().optional() }).optional(),
  trigger_id: z.string().optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() })).min(1),
});

const ReactionEventSchema = z.looseObject({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: z.string().min(1),
  reaction: z.string().min(1),
  item: z.looseObject({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
  event_ts: z.string().optional(),
});

/** Who acted, before their display name is looked up. */
export interface UserStub {
  id: string;
  /** A name the payload already carries (a bot's username, a command's user_name). */
  name?: string;
  isBot: boolean;
}

export type Skip = { skip: string };

export interface InboundMessage {
  channelId: string;
  channel: ChannelKey;
  ts: string;
  threadTs?: string;
  user: UserStub;
  text: string;
  mentionsApp: boolean;
}

export interface InboundCommand {
  channelId?: string;
  channel?: ChannelKey;
  user: UserStub;
  text: string;
  /** What makes this invocation this one: a redelivery or replay of it carries the same key. */
  key: string;
}

export interface InboundAction {
  channelId: string;
  channel: ChannelKey;
  messageTs: string;
  threadTs?: string;
  user: UserStub;
  action: CardAction;
  value: string;
  /** What makes this click this one: a redelivery or replay of it carries the same key. */
  key: string;
}

export interface InboundReaction {
  channelId: string;
  channel: ChannelKey;
  /** The ts of the message reacted to. */
  ts: string;
  user: UserStub;
  /** +1 (:+1:, :thumbsup:) or -1 (:-1:, :thumbsdown:), any skin tone. */
  sign: 1 | -1;
  added: boolean;
  /** What makes this reaction event this one: a redelivery carries the same key. */
  key: string;
}

export interface Self {
  userId: string;
  botId: string;
}

// Edits, deletions, joins and the like are not things people say to the agents.
const DELIVERED_SUBTYPES = new Set([undefined, 'thread_broadcast', 'bot_message']);

function where(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}

/** A `message` or `app_mention` event in one of our channels, or why it is skipped. */
export function parseMessageEvent(raw: unknown, keyOf: (channelId: string) => ChannelKey | undefined, self: Self): InboundMessage | Skip {
  const r = MessageEventSchema.safeParse(raw);
  if (!r.success) return { skip: `unreadable ${describeType(raw)} event (${where(r.error)})` };
  const e = r.data;
  if (!DELIVERED_SUBTYPES.has(e.subtype)) return { skip: `message subtype ${e.subtype}` };
  if ((e.bot_id !== undefined && e.bot_id === self.botId) || e.user === self.userId) return { skip: 'our own message' };
  const channel = keyOf(e.channel);
  if (!channel) return { skip: `channel ${e.channel} is not one of ours` };
  const isBot = e.bot_id !== undefined || e.subtype === 'bot_message';
  const id = e.user ?? e.bot_id;
  if (!id) return { skip: 'message without a user or bot id' };
  const rawText = e.text ?? '';
  const own = `<@${escapeRe(self.userId)}(?:\\|[^>]*)?>`;
  const mentionsApp = e.type === 'app_mention' || new RegExp(own).test(rawText);
  return {
    channelId: e.channel,
    channel,
    ts: e.ts,
    // A thread's first message can carry its own ts as thread_ts; it is not a reply.
    threadTs: e.thread_ts !== undefined && e.thread_ts !== e.ts ? e.thread_ts : undefined,
    user: { id, name: isBot ? (e.username ?? e.bot_profile?.name ?? undefined) : undefined, isBot },
    // Only the app's own id addresses aar: its mention becomes `@aar`, which the command parser
    // knows; anyone else's mention (`<@U0BOB> stop`) stays as it is, conversation with them.
    text: unescapeSlack(rawText.replace(new RegExp(own, 'g'), '@aar')),
    mentionsApp,
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A slash command payload. People cannot be bots here; Slack only lets users run commands. */
export function parseSlashCommand(raw: unknown, keyOf: (channelId: string) => ChannelKey | undefined): InboundCommand | Skip {
  const r = SlashCommandSchema.safeParse(raw);
  if (!r.success) return { skip: `unreadable slash command (${where(r.error)})` };
  const c = r.data;
  const channel = c.channel_id ? keyOf(c.channel_id) : undefined;
  return {
    channelId: c.channel_id || undefined,
    channel,
    user: { id: c.user_id, name: c.user_name, isBot: false },
    text: unescapeSlack(c.text ?? ''),
    // Slack gives every invocation its own trigger_id (and response_url); a redelivered envelope or a replayed request repeats them.
    key: `cmd:${c.trigger_id ?? c.response_url ?? `${c.user_id}:${c.channel_id ?? ''}:${c.text ?? ''}`}`,
  };
}

/** A click on one of our card buttons, in one of our channels. */
export function parseBlockAction(raw: unknown, keyOf: (channelId: string) => ChannelKey | undefined): InboundAction | Skip {
  const r = BlockActionBodySchema.safeParse(raw);
  if (!r.success) return { skip: `unreadable block action (${where(r.error)})` };
  const b = r.data;
  const act = b.actions[0];
  const action = actionOf(act.action_id);
  if (!action) return { skip: `action ${act.action_id} is not ours` };
  const channelId = b.channel?.id ?? b.container?.channel_id;
  const messageTs = b.message?.ts ?? b.container?.message_ts;
  if (!channelId || !messageTs) return { skip: 'block action without a channel message' };
  const channel = keyOf(channelId);
  if (!channel) return { skip: `channel ${channelId} is not one of ours` };
  const threadTs = b.message?.thread_ts;
  return {
    channelId,
    channel,
    messageTs,
    threadTs: threadTs !== undefined && threadTs !== messageTs ? threadTs : undefined,
    user: { id: b.user.id, name: b.user.name ?? b.user.username, isBot: false },
    action,
    value: act.value ?? '',
    key: `act:${b.trigger_id ?? `${b.user.id}:${messageTs}:${act.action_id}:${act.action_ts ?? ''}`}`,
  };
}

const VOTE_REACTIONS: Record<string, 1 | -1> = { '+1': 1, thumbsup: 1, '-1': -1, thumbsdown: -1 };

/** A :+1: or :-1: reaction added to or removed from a message in one of our channels: a vote, or why it is skipped. */
export function parseReactionEvent(raw: unknown, keyOf: (channelId: string) => ChannelKey | undefined, self: Self): InboundReaction | Skip {
  const r = ReactionEventSchema.safeParse(raw);
  if (!r.success) return { skip: `unreadable ${describeType(raw)} event (${where(r.error)})` };
  const e = r.data;
  // Skin tones come as `+1::skin-tone-3`: the same vote.
  const sign = VOTE_REACTIONS[e.reaction.split('::')[0]];
  if (sign === undefined) return { skip: `reaction :${e.reaction}: is not a vote` };
  if (e.item.type !== 'message' || !e.item.channel || !e.item.ts) return { skip: 'a reaction on something other than a message' };
  if (e.user === self.userId) return { skip: 'our own reaction' };
  const channel = keyOf(e.item.channel);
  if (!channel) return { skip: `channel ${e.item.channel} is not one of ours` };
  const added = e.type === 'reaction_added';
  return {
    channelId: e.item.channel,
    channel,
    ts: e.item.ts,
    user: { id: e.user, isBot: false },
    sign,
    added,
    key: `react:${added ? 'add' : 'remove'}:${e.user}:${e.item.channel}:${e.item.ts}:${e.reaction}:${e.event_ts ?? ''}`,
  };
}

function describeType(raw: unknown): string {
  const t = (raw as { type?: unknown } | null)?.type;
  return typeof t === 'string' ? t : 'Slack';
}

/** Remembers recent keys, so one message seen as both `message` and `app_mention` (or redelivered) is handled once. */
export class RecentKeys {
  private readonly keys = new Set<string>();
  constructor(private readonly cap = 2_000) {}

  /** True the first time a key is seen (within the last `cap` keys). */
  firstTime(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.cap) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}
