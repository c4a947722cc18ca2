import type { ForumRecords } from '../ledger/forum-records.js';
import { checkPostImage } from './image.js';
import { ForumRateLimitError, type Forum, type Post } from './port.js';

/** A post as the outbox stores it: the thread is named by its root's key, not its platform ref. */
export type OutboxPost = Omit<Post, 'threadRef'>;

export interface OutboxOptions {
  records: ForumRecords;
  forum: Forum;
  /** Waits (a Retry-After); gets a signal that stop() aborts. Default: setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: (line: string) => void;
  now?: () => number;
  /** 0..1, for the backoff's jitter (default Math.random). */
  random?: () => number;
  /** First wait after a failure other than a rate limit; doubles per failure in a row (default 1 s). */
  backoffMs?: number;
  /** Longest such wait (default 5 min). */
  maxBackoffMs?: number;
  /**
   * A Retry-After up to this long is waited out inside the flush (default 5 s); a longer one
   * ends the flush and no flush sends anything until it is over, so nobody who awaits a flush
   * (a person's command, the end of a campaign) is held for minutes.
   */
  inlineWaitMs?: number;
}

/** The flush was stopped (by stop()) while it waited. */
class Stopped extends Error {}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Stopped());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Stopped());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Every post goes through here: recorded in the ledger first, then delivered in order, each
 * delivery recorded. So after a crash or an outage every post arrives, and arrives once:
 * - a 429 is waited out for its whole Retry-After, however long: a short one within the flush,
 *   a long one by sending nothing until it is over;
 * - any other failure (a 5xx, a timeout, a dropped connection) ends the flush and the next
 *   attempt waits an exponential backoff with jitter; flushes before then send nothing;
 * - a post that was sent before and not recorded as delivered (its answer was lost, or the
 *   process died waiting) is first looked for in the forum (Forum.find) and only posted when
 *   it is not there.
 */
export class Outbox {
  private flushing?: Promise<void>;
  private again = false;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private failures = 0;
  private notBefore = 0;
  private stopping = new AbortController();

  constructor(private readonly o: OutboxOptions) {
    this.sleep = o.sleep ?? defaultSleep;
    this.now = o.now ?? Date.now;
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

  /** Replaces a post's content (delivered as an edit once the post itself is delivered); false when the content is unchanged. */
  edit(key: string, post: OutboxPost): boolean {
    if (post.image !== undefined) checkPostImage(post.image);
    const added = this.o.records.addEdit(key, post);
    if (added) this.kick();
    return added;
  }

  has(key: string): boolean {
    return this.o.records.hasPost(key);
  }

  /** Delivers everything pending; resolves when the outbox is empty, must back off, or is stopped. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        if (this.stopping.signal.aborted || this.now() < this.notBefore) return;
        await this.deliverPending().catch((err: unknown) => {
          if (!(err instanceof Stopped)) throw err;
        });
      } while (this.again);
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * Stops delivering: waits up to `drainMs` for what is pending, then ends any wait (a long
   * Retry-After, a backoff). Returns what is left undelivered; it stays in the ledger for the
   * next process (`aar forum`) to deliver.
   */
  async stop(drainMs = 0): Promise<{ posts: number; edits: number }> {
    let timer: NodeJS.Timeout | undefined;
    if (drainMs > 0) await Promise.race([this.flush(), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
    this.stopping.abort();
    await this.flushing?.catch(() => {});
    // A later start (the same process starting again) delivers once more.
    this.stopping = new AbortController();
    return this.o.records.pendingCount();
  }

  private kick(): void {
    void this.flush().catch((err: unknown) => this.o.log?.(`forum: flush failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async deliverPending(): Promise<void> {
    const { records, forum } = this.o;
    for (const entry of records.pendingPosts()) {
      const threadRef = entry.threadKey ? records.refOf(entry.threadKey) : undefined;
      if (entry.threadKey && !threadRef) continue; // its thread root is not delivered yet
      const post = { ...(entry.post as unknown as OutboxPost), threadRef };
      const ref = await this.deliver(entry.key, post);
      if (ref === undefined) return;
      records.markDelivered(entry.key, ref);
      this.failures = 0;
    }
    for (const edit of records.pendingEdits()) {
      const ref = records.refOf(edit.key)!;
      const done = await this.withRetry(`edit ${edit.key}`, () => forum.update(ref, edit.post as unknown as Post).then(() => true));
      if (done === undefined) return;
      records.markEditDelivered(edit.seq);
      this.failures = 0;
    }
  }

  /** Looks for an earlier attempt's post, and posts only when it is not in the forum. */
  private async deliver(key: string, post: Post): Promise<string | undefined> {
    const { records, forum } = this.o;
    const since = records.attemptOf(key);
    if (since && forum.find) {
      const found = await this.withRetry(`look for ${key}`, async () => ({ ref: await forum.find!(post, key, since) }));
      if (found === undefined) return undefined;
      if (found.ref) {
        this.o.log?.(`forum: ${key} was delivered by an earlier attempt (${found.ref}); not posting it again`);
        return found.ref;
      }
    }
    records.addAttempt(key);
    return this.withRetry(`post ${key}`, () => forum.post(post, { key }));
  }

  /** Runs `send`, waiting out rate limits; undefined when it failed and must wait for its backoff. */
  private async withRetry<T>(what: string, send: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        // The backoff resets on a delivery, not on any answer: a look that works followed by a
        // post that fails is still an outage.
        return await send();
      } catch (err) {
        if (err instanceof ForumRateLimitError) {
          this.o.log?.(`forum rate limit on ${what}: waiting ${err.retryAfterMs} ms (Retry-After)`);
          if (err.retryAfterMs <= (this.o.inlineWaitMs ?? 5000)) {
            await this.sleep(err.retryAfterMs, this.stopping.signal);
            continue;
          }
          this.later(err.retryAfterMs);
          return undefined;
        }
        this.failures++;
        const base = Math.min((this.o.backoffMs ?? 1000) * 2 ** (this.failures - 1), this.o.maxBackoffMs ?? 300_000);
        // Jitter (half to all of the base) so several processes do not retry in step.
        const wait = Math.round(base * (0.5 + 0.5 * (this.o.random ?? Math.random)()));
        this.o.log?.(`forum: ${what} failed (${this.failures} in a row), next try in ${wait} ms: ${err instanceof Error ? err.message : String(err)}`);
        this.later(wait);
        return undefined;
      }
    }
  }

  /** Sends nothing for `ms`, then flushes again by itself. */
  private later(ms: number): void {
    this.notBefore = this.now() + ms;
    setTimeout(() => this.kick(), ms).unref();
  }
}
