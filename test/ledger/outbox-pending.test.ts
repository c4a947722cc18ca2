import { describe, expect, it } from 'vitest';
import { ForumService } from '../../src/forum/service.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const post = (text: string) => ({ channel: 'forum', persona: { id: 'aar', name: 'aar', icon: ':gear:' }, text });

describe('what the outbox still has to send', () => {
  it('pending posts and edits: the latest edit of a delivered post, none once delivered', () => {
    const ledger = Ledger.open(tempLedgerPath());
    const r = new ForumRecords(ledger);
    r.addPost('a', undefined, post('a'));
    r.addPost('b', undefined, post('b'));
    r.addEdit('a', post('a1'));
    expect(r.pendingPosts().map((p) => p.key)).toEqual(['a', 'b']);
    // An edit waits for its post to be delivered.
    expect(r.pendingEdits()).toEqual([]);
    r.markDelivered('a', 'ref-a');
    r.addEdit('a', post('a2'));
    expect(r.pendingPosts().map((p) => p.key)).toEqual(['b']);
    expect(r.pendingEdits().map((e) => e.post.text)).toEqual(['a2']);
    const [edit] = r.pendingEdits();
    r.addEdit('a', post('a3'));
    // Delivering a superseded edit leaves the newer one pending.
    r.markEditDelivered(edit.seq);
    expect(r.pendingEdits().map((e) => e.post.text)).toEqual(['a3']);
    r.markEditDelivered(r.pendingEdits()[0].seq);
    expect(r.pendingEdits()).toEqual([]);
    expect(r.pendingCount()).toEqual({ posts: 1, edits: 0 });
    ledger.close();
  });

  it('a ledger from before the pending tables gets them filled from its outbox', () => {
    const path = tempLedgerPath();
    const ledger = Ledger.open(path);
    const r = new ForumRecords(ledger);
    for (const k of ['a', 'b', 'c']) r.addPost(k, undefined, post(k));
    r.markDelivered('a', 'ref-a');
    r.markDelivered('b', 'ref-b');
    r.addEdit('a', post('a1'));
    r.addEdit('b', post('b1'));
    r.markEditDelivered(r.pendingEdits().find((e) => e.key === 'b')!.seq);
    const before = { posts: r.pendingPosts(), edits: r.pendingEdits() };
    // Back to the schema before version 10.
    ledger.db.exec('DROP TABLE outbox_pending_posts; DROP TABLE outbox_pending_edits; DROP TABLE forum_cursor; DROP INDEX events_by_experiment_kind; DROP INDEX experiments_by_campaign; DELETE FROM schema_migrations WHERE version = 10;');
    ledger.close();
    const again = Ledger.open(path);
    const r2 = new ForumRecords(again);
    expect(r2.pendingPosts()).toEqual(before.posts);
    expect(r2.pendingEdits()).toEqual(before.edits);
    expect(before.posts.map((p) => p.key)).toEqual(['c']);
    expect(before.edits.map((e) => e.key)).toEqual(['a']);
    again.close();
  });
});

describe('the forum after a restart', () => {
  it('carries on from where it stopped in the ledger, and still posts what is new', async () => {
    const ledger = Ledger.open(tempLedgerPath());
    const start = async () => {
      const forum = new RecordingForum();
      const service = new ForumService({ ledger, forum, admins: new Set(['U1']), tasks: ['spam'], queueStatus: async () => '', pollMs: 60_000 });
      await service.start();
      return { forum, service };
    };
    ledger.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada', hypothesis: { id: 'h1', text: 'First idea' } });
    const first = await start();
    expect(first.forum.posts.map((p) => p.post.text)).toEqual([expect.stringMatching(/^First idea/)]);
    const records = new ForumRecords(ledger);
    const at = records.cursor();
    expect(at).toBe((ledger.db.prepare('SELECT MAX(seq) AS n FROM events').get() as { n: number }).n);
    await first.service.stop();

    // What the ledger has seen is not read again: the events before the cursor are not touched.
    ledger.proposeExperiment({ id: 'e2', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada', hypothesis: { id: 'h2', text: 'Second idea' } });
    const read: number[] = [];
    const events = ledger.events.bind(ledger);
    ledger.events = (o = {}) => {
      read.push(o.afterSeq ?? 0);
      return events(o);
    };
    const second = await start();
    expect(read[0]).toBe(at);
    expect(second.forum.posts.map((p) => p.post.text)).toEqual([expect.stringMatching(/^Second idea/)]);
    await second.service.stop();
    ledger.close();
  });
});
