import { describe, expect, it } from 'vitest';
import { leaderboard } from '../../src/report/leaderboard.js';
import { ADMIN, forumOn, freshLedger, propose } from './fixture.js';

function score(ledger: ReturnType<typeof freshLedger>['ledger'], id: string, pgr: number): void {
  ledger.append('queued', { experimentId: id, jobId: `${id}-s1`, data: { seed: 1 } });
  const half = { weak: 0.8, ceiling: 0.9, student: 0.8 + 0.1 * pgr, pgr };
  ledger.recordResult({ jobId: `${id}-s1`, experimentId: id, seed: 1, predictionsDigest: 'd', score: { public: half, private: half, all: { weak: 0.8, ceiling: 0.9, student: half.student } } as never });
}

describe('veto lineage on the leaderboard', () => {
  it('a veto takes the vetoed result and everything built on it off the board; unveto brings them back', async () => {
    const { ledger, records } = freshLedger();
    propose(ledger, 'root');
    propose(ledger, 'child', { parents: ['root'], tag: 'child-method' });
    propose(ledger, 'grandchild', { parents: ['child'], tag: 'grandchild-method' });
    propose(ledger, 'other', { tag: 'other-method' });
    for (const [id, pgr] of [['root', 0.5], ['child', 0.6], ['grandchild', 0.7], ['other', 0.4]] as const) score(ledger, id, pgr);
    const board = () => leaderboard(ledger, records).map((r) => r.experiment);
    expect(board()).toEqual(['grandchild', 'child', 'root', 'other']);
    const f = await forumOn(ledger);
    try {
      await f.say(ADMIN, 'veto root predicts the majority class');
      expect(board()).toEqual(['other']);
      await f.say(ADMIN, 'unveto root');
      expect(board()).toEqual(['grandchild', 'child', 'root', 'other']);
      // A person can also clear one descendant while the veto stands.
      await f.say(ADMIN, 'veto root again');
      await f.say(ADMIN, 'approve child');
      expect(board()).toEqual(['child', 'other']);
    } finally {
      await f.stop();
    }
  });
});
