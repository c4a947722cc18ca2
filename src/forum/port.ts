import { AarError } from '../domain/errors.js';
import type { FindingType, PostFinding } from '../findings/types.js';

/** The three channels every forum has; their display names are configurable per adapter. */
export const CHANNEL_KEYS = ['forum', 'results', 'audit'] as const;
export type ChannelKey = (typeof CHANNEL_KEYS)[number];

/** Who a post appears to come from: each agent posts under its own name and icon. */
export interface Persona {
  id: string;
  name: string;
  /** An emoji shortcode (`:robot_face:`) for Slack; the local forum draws an avatar from the name. */
  icon: string;
}

export type CardAction = 'veto' | 'approve' | 'details';

/** A result card: Block Kit in Slack, a card with buttons in the local forum. */
export interface Card {
  title: string;
  fields: { label: string; value: string }[];
  status?: 'flagged' | 'vetoed' | 'approved';
  /** Buttons; `value` is what the action is about (an experiment id). */
  buttons: { action: CardAction; value: string }[];
}

/**
 * An image a post carries (a chart for the morning digest). Base64, so the outbox can keep the
 * post as JSON in the ledger; at most 2 MB decoded (checked, naming `image.png`).
 */
export interface PostImage {
  /** The PNG's bytes, base64 (no line breaks). */
  png: string;
  /** What the image shows, for people who cannot see it; required. */
  alt: string;
  /** A short title; Slack shows it over the file and names the file after it. */
  title: string;
}

export interface Post {
  channel: ChannelKey;
  /** The ref of the thread's first post (from an earlier post()); absent starts a new thread. */
  threadRef?: string;
  persona: Persona;
  /** Plain text: adapters escape it (Slack mrkdwn control characters, HTML in the local forum). */
  text: string;
  card?: Card;
  /**
   * Shown with the post: inline in the local forum; in Slack uploaded into the post's thread.
   * An edit never removes it. Slack keeps the file first uploaded (update() edits the text); the
   * local forum shows an edit's image when it carries one. Edits should pass the image again:
   * a restarted local forum shows each post's latest recorded content.
   */
  image?: PostImage;
  /** A typed finding: Slack shows its type (and the votes) as a context line, the local forum as a badge with vote buttons. */
  finding?: PostFinding;
}

export interface ForumUser {
  id: string;
  name: string;
  /** Bots (our own agents included) can never trigger a command, a veto or an approval. */
  isBot: boolean;
}

export type InboundEvent =
  | {
      kind: 'message';
      channel: ChannelKey;
      threadRef?: string;
      /** The message's own ref, so an answer to a top-level message can start its thread. */
      messageRef?: string;
      user: ForumUser;
      text: string;
      mentionsApp: boolean;
      /** The type the person picked (the local forum's composer); otherwise a `type:` prefix of the text decides. */
      finding?: FindingType | 'discussion';
    }
  | { kind: 'command'; channel?: ChannelKey; threadRef?: string; user: ForumUser; text: string }
  | { kind: 'action'; channel: ChannelKey; threadRef?: string; messageRef: string; user: ForumUser; action: CardAction; value: string }
  /**
   * A vote on the post `messageRef`: +1 or -1 (a Slack :+1: / :-1: reaction, a forum button),
   * or 0 to take one back. `removed` (a reaction taken away) takes back only a vote of that
   * sign. `quiet`: answer nothing (a reaction is not a conversation).
   */
  | { kind: 'vote'; channel: ChannelKey; messageRef: string; user: ForumUser; value: 1 | -1 | 0; removed?: 1 | -1; reason?: string; quiet?: boolean };

export interface InboundContext {
  /** Answers the person who acted: in the thread, or only to them where the platform allows. */
  reply(text: string): Promise<void>;
}

export type InboundHandler = (event: InboundEvent, ctx: InboundContext) => Promise<void>;

/**
 * The forum port. Adapters: `slack` (Bolt, Socket Mode or HTTP) and `local` (a web forum on
 * 127.0.0.1). Posting goes through the Outbox, which records every post in the ledger first,
 * so after a crash or an outage each post arrives once.
 */
export interface Forum {
  readonly kind: 'slack' | 'local';
  /** Starts receiving events; the local forum returns its URL. */
  start(): Promise<{ url?: string }>;
  stop(): Promise<void>;
  /**
   * Delivers a post and returns its ref. Throws ForumRateLimitError when the platform says wait.
   * `key` (the outbox key) travels with the post where the platform can keep it (Slack: message
   * metadata), so find() can tell later whether an attempt that got no answer arrived after all.
   */
  post(post: Post, o?: { key?: string }): Promise<string>;
  /**
   * Looks for a post made under `key` since `since` (an earlier attempt that timed out, or whose
   * process died waiting): its ref, or undefined when it is not there. Adapters whose posts
   * cannot outlive the process (the local forum) leave it out.
   */
  find?(post: Post, key: string, since: Date): Promise<string | undefined>;
  /** Replaces a delivered post's text and card (progress, a card's status after a veto). */
  update(ref: string, post: Post): Promise<void>;
  onEvent(handler: InboundHandler): void;
}

/** The platform asked us to slow down (Slack's 429 with Retry-After). */
export class ForumRateLimitError extends AarError {
  constructor(readonly retryAfterMs: number) {
    super('forum_rate_limited', `the forum asked to wait ${retryAfterMs} ms before posting again`);
  }
}
