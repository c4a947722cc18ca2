import type { Ledger } from './ledger.js';

export interface OutboxEntry {
  seq: number;
  key: string;
  threadKey: string | null;
  post: Record<string, unknown>;
  ref: string | null;
}

export interface OutboxEdit {
  seq: number;
  key: string;
  post: Record<string, unknown>;
}

export type VetoAction = 'veto' | 'unveto' | 'approve';

export interface VetoRecord {
  seq: number;
  at: string;
  action: VetoAction;
  target: string;
  who: string;
  reason: string;
}

export interface MessageRecord {
  id: string;
  at: string;
  channel: string;
  threadId: string | null;
  author: string;
  authorKind: 'human' | 'agent' | 'system';
  text: string;
  /** Facts about the message beyond its text (for a person's: who wrote it and whether they may steer). */
  data?: Record<string, unknown>;
}

/**
 * The forum's facts in the ledger: the outbox (posts, edits, deliveries), human and agent
 * messages, and vetoes. Append-only like every other fact: a veto is lifted by an `unveto`
 * row, never by deleting the veto.
 */
export class ForumRecords {
  constructor(private readonly ledger: Ledger) {}

  private get db() {
    return this.ledger.db;
  }

  private now(): string {
    return new Date().toISOString();
  }

  /** Records a post to deliver; false when one with this key exists (posting is idempotent by key). */
  addPost(key: string, threadKey: string | undefined, post: object): boolean {
    return this.db.transaction(() => {
      const info = this.db.prepare('INSERT OR IGNORE INTO outbox (key, at, thread_key, post) VALUES (?, ?, ?, ?)').run(key, this.now(), threadKey ?? null, JSON.stringify(post));
      if (info.changes === 0) return false;
      this.db.prepare('INSERT INTO outbox_pending_posts (key, seq) VALUES (?, ?)').run(key, Number(info.lastInsertRowid));
      return true;
    })();
  }

  /**
   * Records a post someone made directly in the forum (a person's message) as delivered, so
   * replies can thread under it by key and the local forum shows it again after a restart.
   */
  addExternalPost(key: string, threadKey: string | undefined, post: object, ref: string): void {
    this.db.transaction(() => {
      if (this.addPost(key, threadKey, post)) this.markDelivered(key, ref);
    })();
  }

  /**
   * Records new content for a post; false (and nothing recorded) when it is what the post shows
   * already (its latest edit, else the post itself): a replay or an unchanged progress line is
   * not an edit, and sends nothing.
   */
  addEdit(key: string, post: object): boolean {
    const text = JSON.stringify(post);
    const latest = this.db
      .prepare('SELECT COALESCE((SELECT post FROM outbox_edits WHERE key = ? ORDER BY seq DESC LIMIT 1), (SELECT post FROM outbox WHERE key = ?)) AS post')
      .get(key, key) as { post: string | null };
    if (latest.post === text) return false;
    this.db.transaction(() => {
      const info = this.db.prepare('INSERT INTO outbox_edits (key, at, post) VALUES (?, ?, ?)').run(key, this.now(), text);
      // Only the latest edit of a post is ever sent: it supersedes any pending one.
      this.db.prepare('INSERT INTO outbox_pending_edits (key, seq) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET seq = excluded.seq').run(key, Number(info.lastInsertRowid));
    })();
    return true;
  }

  /** Records that a post is being sent (the first time only) and returns when it was first sent. */
  addAttempt(key: string): Date {
    this.db.prepare('INSERT OR IGNORE INTO outbox_attempts (key, at) VALUES (?, ?)').run(key, this.now());
    return this.attemptOf(key)!;
  }

  /** When a post was first sent, if it ever was. */
  attemptOf(key: string): Date | undefined {
    const row = this.db.prepare('SELECT at FROM outbox_attempts WHERE key = ?').get(key) as { at: string } | undefined;
    return row ? new Date(row.at) : undefined;
  }

  /** Posts and edits not delivered yet: what a stopping coordinator leaves for `aar forum`. */
  pendingCount(): { posts: number; edits: number } {
    const posts = (this.db.prepare('SELECT COUNT(*) AS n FROM outbox_pending_posts').get() as { n: number }).n;
    return { posts, edits: this.pendingEdits().length };
  }

  hasPost(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM outbox WHERE key = ?').get(key) !== undefined;
  }

  markDelivered(key: string, ref: string): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO outbox_deliveries (key, at, ref) VALUES (?, ?, ?)').run(key, this.now(), ref);
      this.db.prepare('DELETE FROM outbox_pending_posts WHERE key = ?').run(key);
    })();
  }

  /**
   * Records an edit's delivery and compacts its post's history: every earlier edit of the post is
   * superseded by this one (the chat shows this one now), so those rows and their deliveries go.
   * A post updated by every progress event would otherwise keep each rendering for good.
   */
  markEditDelivered(seq: number): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO outbox_edit_deliveries (seq, at) VALUES (?, ?)').run(seq, this.now());
      this.db.prepare('DELETE FROM outbox_pending_edits WHERE seq = ?').run(seq);
      const older = 'SELECT seq FROM outbox_edits WHERE key = (SELECT key FROM outbox_edits WHERE seq = ?) AND seq < ?';
      this.db.prepare(`DELETE FROM outbox_edit_deliveries WHERE seq IN (${older})`).run(seq, seq);
      this.db.prepare(`DELETE FROM outbox_edits WHERE seq IN (${older})`).run(seq, seq);
    })();
  }

  refOf(key: string): string | undefined {
    return (this.db.prepare('SELECT ref FROM outbox_deliveries WHERE key = ?').get(key) as { ref: string } | undefined)?.ref;
  }

  /** Posts not yet delivered, oldest first. */
  pendingPosts(): OutboxEntry[] {
    // CROSS JOIN keeps the pending rows (few) as the outer loop: left to itself the planner walked
    // every post ever made in seq order to skip the sort (200 ms per flush at 50,000 experiments).
    const rows = this.db.prepare('SELECT o.seq, o.key, o.thread_key, o.post FROM outbox_pending_posts p CROSS JOIN outbox o ON o.key = p.key ORDER BY o.seq').all() as Record<string, string | number | null>[];
    return rows.map((r) => ({ seq: Number(r.seq), key: String(r.key), threadKey: r.thread_key as string | null, post: JSON.parse(String(r.post)) as Record<string, unknown>, ref: null }));
  }

  /** The latest undelivered edit of each delivered post (older edits are superseded). */
  pendingEdits(): OutboxEdit[] {
    const rows = this.db
      .prepare(
        // Edits of a post wait until the post itself is delivered.
        `SELECT e.seq, e.key, e.post FROM outbox_pending_edits p
         JOIN outbox_edits e ON e.seq = p.seq
         JOIN outbox_deliveries d ON d.key = p.key
         ORDER BY e.seq`,
      )
      .all() as Record<string, string | number>[];
    return rows.map((r) => ({ seq: Number(r.seq), key: String(r.key), post: JSON.parse(String(r.post)) as Record<string, unknown> }));
  }

  /** Where the forum's publisher is in the ledger (0: it has not started): a restart carries on from here. */
  cursor(): number {
    return (this.db.prepare('SELECT seq FROM forum_cursor WHERE id = 1').get() as { seq: number } | undefined)?.seq ?? 0;
  }

  setCursor(seq: number): void {
    this.db.prepare('INSERT INTO forum_cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq').run(seq);
  }

  /**
   * A page of a channel's delivered threads, newest first: up to `roots` thread roots (before
   * the root delivered as `beforeRef`, if given) with every delivered reply of each, all with
   * their latest content; `more` says whether older roots remain. What the local forum shows
   * after a restart, a page at a time.
   */
  deliveredThreads(o: { channel: string; roots: number; beforeRef?: string }): { posts: DeliveredPost[]; more: boolean } {
    const before = o.beforeRef === undefined ? undefined : (this.db.prepare('SELECT o.seq FROM outbox_deliveries d JOIN outbox o ON o.key = d.key WHERE d.ref = ?').get(o.beforeRef) as { seq: number } | undefined)?.seq;
    if (o.beforeRef !== undefined && before === undefined) return { posts: [], more: false };
    const latest = `COALESCE((SELECT post FROM outbox_edits e WHERE e.key = o.key ORDER BY e.seq DESC LIMIT 1), o.post)`;
    const roots = this.db
      .prepare(
        `SELECT o.seq, o.key, d.ref, o.thread_key, o.at, ${latest} AS post FROM outbox o JOIN outbox_deliveries d ON d.key = o.key
         WHERE o.thread_key IS NULL AND json_extract(o.post, '$.channel') = ? AND o.seq < ? ORDER BY o.seq DESC LIMIT ?`,
      )
      .all(o.channel, before ?? Number.MAX_SAFE_INTEGER, o.roots + 1) as Record<string, string | number | null>[];
    const more = roots.length > o.roots;
    const shown = roots.slice(0, o.roots);
    const replies = this.db.prepare(`SELECT o.seq, o.key, d.ref, o.thread_key, o.at, ${latest} AS post FROM outbox o JOIN outbox_deliveries d ON d.key = o.key WHERE o.thread_key = ? ORDER BY o.seq`);
    const rows = shown.flatMap((r) => [r, ...(replies.all(r.key) as Record<string, string | number | null>[])]);
    return { posts: rows.map(toDelivered), more };
  }

  /** The highest `l-<n>` ref the local forum has handed out (0 if none): a restart counts on from it. Read from its index (migration 76): keep the expression and the WHERE as they are there. */
  highestLocalRef(): number {
    return (this.db.prepare("SELECT COALESCE(MAX(CAST(SUBSTR(ref, 3) AS INTEGER)), 0) AS n FROM outbox_deliveries WHERE ref LIKE 'l-%'").get() as { n: number }).n;
  }

  /** Every delivered post with its latest content: what the local forum shows after a restart. */
  deliveredPosts(): { key: string; ref: string; threadKey: string | null; at: string; post: Record<string, unknown> }[] {
    const rows = this.db
      .prepare(
        `SELECT o.key, d.ref, o.thread_key, o.at,
                COALESCE((SELECT post FROM outbox_edits e WHERE e.key = o.key ORDER BY e.seq DESC LIMIT 1), o.post) AS post
         FROM outbox o JOIN outbox_deliveries d ON d.key = o.key ORDER BY o.seq`,
      )
      .all() as Record<string, string | null>[];
    return rows.map((r) => ({ key: String(r.key), ref: String(r.ref), threadKey: r.thread_key, at: String(r.at), post: JSON.parse(String(r.post)) as Record<string, unknown> }));
  }

  addMessage(m: Omit<MessageRecord, 'at'>): void {
    this.db
      .prepare('INSERT OR IGNORE INTO messages (id, at, channel, thread_id, author, author_kind, text, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.id, this.now(), m.channel, m.threadId, m.author, m.authorKind, m.text, JSON.stringify(m.data ?? {}));
    this.ledger.append('message', { agent: m.authorKind === 'agent' ? m.author : undefined, data: { id: m.id, channel: m.channel, authorKind: m.authorKind } });
  }

  /** Messages, newest first, optionally narrowed by author kind, channel, thread or time. */
  messages(o: { authorKind?: MessageRecord['authorKind']; channel?: string; threadId?: string; since?: string; limit?: number } = {}): MessageRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, ...values: string[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (o.authorKind) add('author_kind = ?', o.authorKind);
    if (o.channel) add('channel = ?', o.channel);
    // A thread is its root message (key msg:ID) and the replies that name it.
    if (o.threadId) add('(thread_id = ? OR id = ?)', o.threadId, o.threadId.replace(/^msg:/, ''));
    if (o.since) add('at > ?', o.since);
    const rows = this.db
      .prepare(`SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, rowid DESC LIMIT ?`)
      .all(...args, o.limit ?? 100) as Record<string, string | null>[];
    return rows.map(toMessage);
  }

  /**
   * A page of messages newest first, strictly older than `before` (time, then key `msg:ID`),
   * leaving out the channels in `hidden` (prefixes ending in ':' match a family of channels).
   */
  messagesBefore(o: { channel?: string; threadId?: string; since?: string; before?: { at: string; key: string }; hidden?: string[]; limit: number }): MessageRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.channel) (where.push('channel = ?'), args.push(o.channel));
    if (o.threadId) (where.push('(thread_id = ? OR id = ?)'), args.push(o.threadId, o.threadId.replace(/^msg:/, '')));
    if (o.since) (where.push('at > ?'), args.push(o.since));
    if (o.before) (where.push("(at < ? OR (at = ? AND 'msg:' || id < ?))"), args.push(o.before.at, o.before.at, o.before.key));
    for (const h of o.hidden ?? []) (where.push(h.endsWith(':') ? 'channel NOT LIKE ?' : 'channel != ?'), args.push(h.endsWith(':') ? `${h}%` : h));
    const rows = this.db
      .prepare(`SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...args, o.limit) as Record<string, string | null>[];
    return rows.map(toMessage);
  }

  message(id: string): MessageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as Record<string, string | null> | undefined;
    return row ? toMessage(row) : undefined;
  }

  /** The outbox key of a delivered post (`exp:ID`, `msg:ID`) from its platform ref: how a reply in a thread finds what it replies to. */
  keyOfRef(ref: string): string | undefined {
    return (this.db.prepare('SELECT key FROM outbox_deliveries WHERE ref = ?').get(ref) as { key: string } | undefined)?.key;
  }

  addVeto(action: VetoAction, target: string, who: string, reason: string): VetoRecord {
    const at = this.now();
    const info = this.db.prepare('INSERT INTO vetoes (at, action, target, who, reason) VALUES (?, ?, ?, ?, ?)').run(at, action, target, who, reason);
    this.ledger.append('veto', { data: { action, target, who, reason } });
    return { seq: Number(info.lastInsertRowid), at, action, target, who, reason };
  }

  /**
   * Every veto, approval and unveto, oldest first. Vetoes are append-only, so the list is kept per
   * ledger and read again only when a newer one was stored: every agent turn and board asks for it.
   */
  vetoes(): readonly VetoRecord[] {
    const newest = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM vetoes').get() as { n: number }).n;
    const cached = vetoesKept.get(this.ledger);
    if (cached?.newest === newest) return cached.list;
    const list = Object.freeze(
      (this.db.prepare('SELECT * FROM vetoes ORDER BY seq').all() as Record<string, string | number>[]).map((r) =>
        Object.freeze({ seq: Number(r.seq), at: String(r.at), action: r.action as VetoAction, target: String(r.target), who: String(r.who), reason: String(r.reason) }),
      ),
    );
    vetoesKept.set(this.ledger, { newest, list });
    return list;
  }
}

const vetoesKept = new WeakMap<Ledger, { newest: number; list: readonly VetoRecord[] }>();

function toMessage(r: Record<string, string | null>): MessageRecord {
  const m: MessageRecord = { id: String(r.id), at: String(r.at), channel: String(r.channel), threadId: r.thread_id, author: String(r.author), authorKind: r.author_kind as MessageRecord['authorKind'], text: String(r.text) };
  const data = r.data ? (JSON.parse(r.data) as Record<string, unknown>) : {};
  if (Object.keys(data).length) m.data = data;
  return m;
}

/** A delivered post with its latest content. */
export interface DeliveredPost {
  key: string;
  ref: string;
  threadKey: string | null;
  at: string;
  post: Record<string, unknown>;
}

function toDelivered(r: Record<string, string | number | null>): DeliveredPost {
  return { key: String(r.key), ref: String(r.ref), threadKey: r.thread_key as string | null, at: String(r.at), post: JSON.parse(String(r.post)) as Record<string, unknown> };
}
