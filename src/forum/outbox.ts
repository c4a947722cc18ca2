import type { ForumRecords } from '../ledger/forum-records.js';
import { checkPostImage } from './image.js';
import { ForumRateLimitError, type Forum, type Post } from './port.js';

/** A post as the outbox stores it: the thread is named by its root's key, not its platform ref. */
export type OutboxPost = Omit<Post, 'threadRef'>;

export interface OutboxOptions {
  records: ForumRecords;
  forum: Forum;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /** Longest wait honoured for one Retry-After; longer ones end the flush (retried later). */
  maxWaitMs?: number;
}

/**
 * Every post goes through here: recorded in the ledger first, then delivered in order. A 429
 * waits for its Retry-After and tries again; any other failure leaves the post pending for
 * the next flush. So after a crash or an outage every post arrives, once.
 */
export class Outbox {
  private flushing?: Promise<void>;
  private again = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: OutboxOptions) {
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Queues a post under a unique key; a key already posted is ignored (idempotent). Throws an
   * InvalidInputError naming `image.png` for an image that is not a PNG of at most 2 MB: once
   * recorded, a post no forum accepts would hold up every post behind it.
   */
  post(key: string, post: OutboxPost, threadKey?: string): boolean {
    if (post.image !== undefined) checkPostImage(post.image);
    const added = this.o.records.addPost(key, threadKey, post);
    if (added) this.kick();
    return added;
  }

  /** Replaces a post's content (delivered as an edit once the post itself is delivered). */
  edit(key: string, post: OutboxPost): void {
    if (post.image !== undefined) checkPostImage(post.image);
    this.o.records.addEdit(key, post);
    this.kick();
  }

  has(key: string): boolean {
    return this.o.records.hasPost(key);
  }

  /** Delivers everything pending; resolves when the outbox is empty or delivery must wait. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        await this.deliverPending();
      } while (this.again);
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private kick(): void {
    void this.flush();
  }

  private async deliverPending(): Promise<void> {
    const { records, forum } = this.o;
    for (const entry of records.pendingPosts()) {
      const threadRef = entry.threadKey ? records.refOf(entry.threadKey) : undefined;
      if (entry.threadKey && !threadRef) continue; // its thread root is not delivered yet
      const post = { ...(entry.post as unknown as OutboxPost), threadRef };
      const ref = await this.withRetry(`post ${entry.key}`, () => forum.post(post));
      if (ref === undefined) return;
      records.markDelivered(entry.key, ref);
    }
    for (const edit of records.pendingEdits()) {
      const ref = records.refOf(edit.key)!;
      const done = await this.withRetry(`edit ${edit.key}`, () => forum.update(ref, edit.post as unknown as Post).then(() => true));
      if (done === undefined) return;
      records.markEditDelivered(edit.seq);
    }
  }

  /** Runs `send`, waiting out rate limits; undefined when it must be retried on a later flush. */
  private async withRetry<T>(what: string, send: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await send();
      } catch (err) {
        if (err instanceof ForumRateLimitError && err.retryAfterMs <= (this.o.maxWaitMs ?? 120_000)) {
          this.o.log?.(`forum rate limit on ${what}: waiting ${err.retryAfterMs} ms`);
          await this.sleep(err.retryAfterMs);
          continue;
        }
        this.o.log?.(`forum: ${what} failed, will retry: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }
  }
}
