import { afterEach, describe, expect, it, vi } from 'vitest';
import { ForumService } from '../../src/forum/service.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

// A restarted forum carries on from where the last one stopped (the cursor is in the ledger):
// at 50,000 experiments a replay from the first event took most of the start.

const services: ForumService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop({ drainMs: 0 });
});

async function serviceOn(ledger: Ledger, forum = new RecordingForum()) {
  const s = new ForumService({ ledger, forum, admins: new Set(), tasks: ['spam'], queueStatus: async () => '', pollMs: 60_000 });
  services.push(s);
  await s.start();
  return { s, forum };
}

describe('the forum after a restart', () => {
  it('reads only the events recorded after the last one it handled, and posts what it missed once', async () => {
    const path = tempLedgerPath('aar-forum-cursor-');
    const first = Ledger.open(path);
    for (const id of ['exp-a', 'exp-b']) first.proposeExperiment({ id, task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'ada' });
    const { s } = await serviceOn(first);
    const handled = first.db.prepare('SELECT MAX(seq) AS n FROM events').get() as { n: number };
    expect(new ForumRecords(first).cursor()).toBe(handled.n);
    await s.stop({ drainMs: 0 });
    services.length = 0;
    first.close();

    // While no forum runs, another process records a new experiment.
    const between = Ledger.open(path);
    between.proposeExperiment({ id: 'exp-c', task: 'spam', method: { name: 'naive' }, seeds: [1], agent: 'bo' });
    between.close();

    const ledger = Ledger.open(path);
    const reads = vi.spyOn(ledger, 'events');
    const again = new RecordingForum();
    const restarted = await serviceOn(ledger, again);
    // The first read of the restarted forum starts after the cursor, not at the ledger's first event.
    const replay = reads.mock.calls.map(([q]) => q).find((q) => q && 'afterSeq' in q);
    expect(replay?.afterSeq).toBe(handled.n);
    expect(again.posts.map((p) => p.post.text.split('\n')[0])).toEqual(['New experiment']);
    expect(again.posts[0].post.text).toContain('exp-c');
    expect(new ForumRecords(ledger).cursor()).toBeGreaterThan(handled.n);
    await restarted.s.stop({ drainMs: 0 });
    services.length = 0;
    ledger.close();
  });
});
