import { afterEach, describe, expect, it } from 'vitest';
import { ForumService, type PanelData } from '../../src/forum/service.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { RecordingForum } from '../../src/testing/recording-forum.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

// The side panel is recomputed when something it shows can have changed (a seed final, a flag,
// a veto or approval), not on every message, proposal or job start of a busy campaign.

const SCORE = { all: { weak: 0.8, ceiling: 0.95, student: 0.88 }, public: { weak: 0.8, ceiling: 0.95, student: 0.89, pgr: 0.6 }, private: { weak: 0.8, ceiling: 0.95, student: 0.875, pgr: 0.5 } } as never;

class PanelForum extends RecordingForum {
  readonly panels: PanelData[] = [];
  setPanel(panel: PanelData): void {
    this.panels.push(panel);
  }
}

const services: ForumService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop({ drainMs: 0 });
});

describe('the forum panel', () => {
  it('is refreshed on results, flags and vetoes, and not on messages, proposals or job starts', async () => {
    const ledger = Ledger.open(tempLedgerPath('aar-panel-'));
    const forum = new PanelForum();
    const s = new ForumService({ ledger, forum, admins: new Set(), tasks: ['spam'], queueStatus: async () => '', minSeeds: 2, pollMs: 60_000 });
    services.push(s);
    await s.start();
    expect(forum.panels).toHaveLength(1);

    ledger.proposeExperiment({ id: 'exp-a', task: 'spam', method: { name: 'aux-conf' }, seeds: [1, 2], agent: 'ada' });
    new ForumRecords(ledger).addMessage({ id: 'm1', channel: 'forum', threadId: null, author: 'ada', authorKind: 'agent', text: 'trying aux-conf' });
    for (const seed of [1, 2]) {
      ledger.append('queued', { experimentId: 'exp-a', jobId: `exp-a-s${seed}`, data: { seed } });
      ledger.append('started', { experimentId: 'exp-a', jobId: `exp-a-s${seed}`, data: { seed } });
      ledger.append('finished', { experimentId: 'exp-a', jobId: `exp-a-s${seed}`, data: { seed } });
    }
    await s.sync();
    expect(forum.panels).toHaveLength(1);

    for (const seed of [1, 2]) ledger.recordResult({ jobId: `exp-a-s${seed}`, experimentId: 'exp-a', seed, predictionsDigest: 'd', score: SCORE });
    await s.sync();
    expect(forum.panels).toHaveLength(2);
    expect(forum.panels[1].leaderboard.map((r) => r.experiment)).toEqual(['exp-a']);

    new ForumRecords(ledger).addVeto('veto', 'exp-a', 'maria', 'reads the answers');
    await s.sync();
    expect(forum.panels).toHaveLength(3);
    expect(forum.panels[2].leaderboard).toEqual([]);
    await services.pop()!.stop({ drainMs: 0 });
    ledger.close();
  });
});
