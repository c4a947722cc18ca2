import { ForumRateLimitError, type Forum, type InboundEvent, type InboundHandler, type Post } from '../forum/port.js';

/**
 * An in-memory Forum for tests: records every post and edit, lets a test play a person
 * (send()), and can answer the next posts with a rate limit or an outage.
 */
export class RecordingForum implements Forum {
  readonly kind = 'local' as const;
  readonly posts: { ref: string; post: Post }[] = [];
  readonly updates: { ref: string; post: Post }[] = [];
  readonly replies: string[] = [];
  /** Calls to post() that will throw: a number of 429s (with this wait) or of outages. */
  rateLimits: number[] = [];
  outages = 0;
  private handler?: InboundHandler;

  async start(): Promise<{ url?: string }> {
    return {};
  }

  async stop(): Promise<void> {}

  async post(post: Post): Promise<string> {
    const wait = this.rateLimits.shift();
    if (wait !== undefined) throw new ForumRateLimitError(wait);
    if (this.outages > 0) {
      this.outages--;
      throw new Error('forum unreachable');
    }
    const ref = `r${this.posts.length + 1}`;
    this.posts.push({ ref, post });
    return ref;
  }

  async update(ref: string, post: Post): Promise<void> {
    this.updates.push({ ref, post });
  }

  onEvent(handler: InboundHandler): void {
    this.handler = handler;
  }

  /** Delivers an inbound event as a person (or bot) would; resolves when it is handled. */
  async send(event: InboundEvent): Promise<void> {
    await this.handler?.(event, { reply: async (text) => void this.replies.push(text) });
  }

  /** The latest content of a post: its last edit, else the post itself. */
  current(ref: string): Post | undefined {
    return this.updates.filter((u) => u.ref === ref).at(-1)?.post ?? this.posts.find((p) => p.ref === ref)?.post;
  }
}
