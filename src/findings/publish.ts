import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger, LedgerEvent } from '../ledger/ledger.js';
import type { Outbox, OutboxPost } from '../forum/outbox.js';
import { FindingsStore } from './store.js';
import type { PostFinding } from './types.js';

/**
 * Keeps forum posts of findings showing their type and votes: the first post carries them
 * (`badge`), and each vote edits the post through the outbox. A person's own message can only
 * be edited where the forum allows it (the local forum, not Slack: there the person's post is
 * theirs, and the reactions on it are the count).
 */
export class FindingsPublisher {
  private readonly store: FindingsStore;

  constructor(
    private readonly ledger: Ledger,
    private readonly records: ForumRecords,
    private readonly outbox: Outbox,
    private readonly o: { editPeoplesPosts: boolean },
  ) {
    this.store = new FindingsStore(ledger, records);
  }

  /** What a post of this finding key shows (type and people's view of the votes), if it is a finding. */
  badge(key: string): PostFinding | undefined {
    const f = this.store.get(key, 'people');
    if (!f) return undefined;
    const { up, down, people, agents } = f.votes;
    return { type: f.type, votes: { up, down, people, agents } };
  }

  handle(e: LedgerEvent): void {
    if (e.kind === 'vote' && typeof e.data.target === 'string') this.refresh(e.data.target);
    else if (e.kind === 'message' && e.data.authorKind === 'human' && this.o.editPeoplesPosts) this.refresh(`msg:${String(e.data.id)}`, { withText: true });
  }

  /**
   * Edits the post of a finding to show its current type and votes. `withText`: a person's
   * message also takes the recorded text (the type prefix gone, citations with the desk's numbers).
   */
  private refresh(key: string, o: { withText?: boolean } = {}): void {
    if (key.startsWith('msg:')) {
      const m = this.records.message(key.slice(4));
      if (!m || (m.authorKind === 'human' && !this.o.editPeoplesPosts)) return;
    }
    const finding = this.badge(key);
    const latest = latestPost(this.ledger, key);
    if (!finding || !latest) return;
    const next: OutboxPost = { ...latest, finding };
    if (o.withText) next.text = this.records.message(key.slice(4))?.text ?? latest.text;
    // Replaying the ledger after a restart re-handles every vote: only a change is an edit.
    if (JSON.stringify(next) === JSON.stringify(latest)) return;
    this.outbox.edit(key, next);
  }
}

/** A post's latest recorded content: its newest edit, else the post (the outbox's own tables). */
function latestPost(ledger: Ledger, key: string): OutboxPost | undefined {
  const row = ledger.db
    .prepare('SELECT COALESCE((SELECT post FROM outbox_edits WHERE key = ? ORDER BY seq DESC LIMIT 1), (SELECT post FROM outbox WHERE key = ?)) AS post')
    .get(key, key) as { post: string | null } | undefined;
  return row?.post ? (JSON.parse(row.post) as OutboxPost) : undefined;
}
