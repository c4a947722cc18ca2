import { afterEach, describe, expect, it } from 'vitest';
import { ForumService } from '../../src/forum/service.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

// A progress message and a result card are edited in place, but only when what they show
// changes: a stream of progress events that leave the text as it was, or a restart that replays
// the whole ledger, records no edit and sends nothing.

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

// Edits ever recorded: delivered ones that a later delivery superseded are compacted away, but
// the sequence keeps counting.
const edits = (ledger: Ledger) => (ledger.db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox_edits'), 0) AS n").get() as { n: number }).n;

describe('forum edits', () => {
  it('are recorded only when the rendered content changes, and a restart re-sends nothing', async () => {
    const path = tempLedgerPath('aar-edits-');
    const ledger = Ledger.open(path);
    const { s, forum } = await serviceOn(ledger);
    ledger.proposeExperiment({ id: 'exp-a', task: 'spam', method: { name: 'naive' }, seeds: [1, 2], agent: 'ada' });
    for (const seed of [1, 2]) ledger.append('queued', { experimentId: 'exp-a', jobId: `exp-a-s${seed}`, data: { seed } });
    ledger.append('started', { experimentId: 'exp-a', jobId: 'exp-a-s1', data: { seed: 1 } });
    await s.sync();
    const afterStart = edits(ledger);
    // Forty reports that do not change the message: the same fraction again, and "started" heard by several processes.
    ledger.append('progress', { experimentId: 'exp-a', jobId: 'exp-a-s1', data: { seed: 1, fraction: 0.5 } });
    await s.sync();
    const afterProgress = edits(ledger);
    expect(afterProgress).toBe(afterStart + 1);
    for (let i = 0; i < 20; i++) {
      ledger.append('progress', { experimentId: 'exp-a', jobId: 'exp-a-s1', data: { seed: 1, fraction: 0.5 } });
      ledger.append('started', { experimentId: 'exp-a', jobId: 'exp-a-s1', data: { seed: 1 } });
      await s.sync();
    }
    expect(edits(ledger)).toBe(afterProgress);
    // A change that shows: the second seed starts.
    ledger.append('started', { experimentId: 'exp-a', jobId: 'exp-a-s2', data: { seed: 2 } });
    await s.sync();
    expect(edits(ledger)).toBe(afterProgress + 1);
    expect(forum.updates.at(-1)?.post.text).toBe('Running: 0 of 2 seeds scored, 2 in progress.\nseed 1: 50%');
    await s.stop({ drainMs: 0 });
    services.length = 0;

    // A restart replays the ledger from its first event: nothing is edited again.
    const again = new RecordingForum();
    const restarted = await serviceOn(Ledger.open(path), again);
    await restarted.s.sync();
    expect(edits(ledger)).toBe(afterProgress + 1);
    expect(again.updates).toEqual([]);
    expect(again.posts).toEqual([]);
  });
});
