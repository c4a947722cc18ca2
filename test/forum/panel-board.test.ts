import { describe, expect, it } from 'vitest';
import { panelData, PANEL_RANKS, type PanelData } from '../../src/forum/panel-data.js';
import { addFlag } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { lineageReason, LINEAGE_SOURCE } from '../../src/audit/lineage-flags.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { around, freshLedger, runExperiment } from '../report/fixture.js';

// The forum's panel reads the ledger's kept board (rank_board, migration 75) instead of every
// experiment: it must say exactly what the people's leaderboard says, for every way a result
// can be held off it, as the ledger is written, and on a ledger that had no kept board yet.

/** The panel as the leaderboard and each ranked row's results say it should be. */
function expected(ledger: Ledger, minSeeds?: number): PanelData {
  const rows = leaderboard(ledger, new ForumRecords(ledger), undefined, { minSeeds });
  const scored = rows.map((r) => ({ r, at: ledger.results(r.experiment).at(-1)!.scoredAt }));
  const series = new Map<string, { at: string; pgr: number; experiment: string }[]>();
  for (const { r, at } of [...scored].sort((a, b) => a.at.localeCompare(b.at) || a.r.experiment.localeCompare(b.r.experiment))) {
    const steps = series.get(r.task) ?? [];
    if (r.pgrPrivate.mean > (steps.at(-1)?.pgr ?? -Infinity)) steps.push({ at, pgr: r.pgrPrivate.mean, experiment: r.experiment });
    series.set(r.task, steps);
  }
  const asOf = scored.reduce<string | undefined>((m, x) => (m === undefined || x.at > m ? x.at : m), undefined);
  return {
    leaderboard: rows
      .filter((r) => r.rank <= PANEL_RANKS)
      .map((r) => ({ rank: r.rank, task: r.task, experiment: r.experiment, method: r.method, agent: r.agent, pgrPublic: r.pgrPublic.mean, pgrPrivate: r.pgrPrivate.mean, status: r.status })),
    total: rows.length,
    series: [...series].map(([task, points]) => ({ task, points })),
    ...(asOf ? { asOf } : {}),
  };
}

/** A campaign with every case: ties, more than PANEL_RANKS per task, a failed seed, unfinished work, flags, vetoes by id and tag, approvals, lineage. */
function busyLedger(): { ledger: Ledger; path: string; records: ForumRecords } {
  const { ledger, path } = freshLedger();
  const records = new ForumRecords(ledger);
  for (let k = 0; k < 40; k++) {
    // Means repeat every 7 (ties kept oldest first); the 15th is the best.
    const m = k === 14 ? 0.9 : 0.4 + 0.05 * (k % 7);
    runExperiment(ledger, `spam-${k}`, { tag: `t${k % 5}`, agent: `agent-${k % 3}`, pub: around(m + 0.01), priv: around(m), flagged: k === 21 ? [1] : undefined });
    if (k < 30) runExperiment(ledger, `math-${k}`, { task: 'math', tag: `m${k % 4}`, pub: around(0.3 + 0.01 * k).slice(0, 2 + (k % 4)), priv: around(0.29 + 0.01 * k).slice(0, 2 + (k % 4)) });
  }
  // Unfinished: one seed still running; finished with a failed seed.
  ledger.proposeExperiment({ id: 'spam-running', task: 'spam', method: { name: 'naive' }, seeds: [1, 2], agent: 'agent-1' });
  ledger.append('queued', { experimentId: 'spam-running', jobId: 'spam-running-s1', data: { seed: 1 } });
  ledger.append('started', { experimentId: 'spam-running', jobId: 'spam-running-s1', data: { seed: 1 } });
  ledger.recordResult({ jobId: 'spam-running-s1', experimentId: 'spam-running', seed: 1, predictionsDigest: 'd', score: { public: { pgr: 0.99 }, private: { pgr: 0.99 } }, flags: [] });
  ledger.append('queued', { experimentId: 'spam-running', jobId: 'spam-running-s2', data: { seed: 2 } });
  ledger.append('started', { experimentId: 'spam-running', jobId: 'spam-running-s2', data: { seed: 2 } });
  ledger.proposeExperiment({ id: 'spam-halffailed', task: 'spam', method: { name: 'naive' }, seeds: [1, 2], agent: 'agent-2' });
  for (const seed of [1, 2]) {
    ledger.append('queued', { experimentId: 'spam-halffailed', jobId: `spam-halffailed-s${seed}`, data: { seed } });
    ledger.append('started', { experimentId: 'spam-halffailed', jobId: `spam-halffailed-s${seed}`, data: { seed } });
  }
  ledger.recordResult({ jobId: 'spam-halffailed-s1', experimentId: 'spam-halffailed', seed: 1, predictionsDigest: 'd', score: { public: { pgr: 0.88 }, private: { pgr: 0.88 } }, flags: [] });
  ledger.append('failed', { experimentId: 'spam-halffailed', jobId: 'spam-halffailed-s2', data: { seed: 2, reason: 'oom' } });
  // Held off: a flag event, a veto by id, a veto by method tag (t3), an approval after a flag, a lineage flag whose ancestor's veto was lifted.
  addFlag(ledger, 'spam-6', 'auditor', 'leaks labels');
  records.addVeto('veto', 'spam-12', 'maria', 'no');
  records.addVeto('veto', 't3', 'maria', 'tag vetoed');
  addFlag(ledger, 'spam-20', 'auditor', 'odd');
  records.addVeto('approve', 'spam-20', 'maria', 'checked');
  records.addVeto('veto', 'math-9', 'maria', 'parent');
  addFlag(ledger, 'math-29', LINEAGE_SOURCE, lineageReason('math-9', 'parent'));
  addFlag(ledger, 'math-28', LINEAGE_SOURCE, lineageReason('math-9', 'parent'));
  records.addVeto('unveto', 'math-9', 'maria', 'fine after all');
  return { ledger, path, records };
}

describe("the forum panel from the ledger's kept board", () => {
  it('says what the leaderboard says, for every way a result is held off, with any claim seeds', () => {
    const { ledger, records } = busyLedger();
    for (const minSeeds of [undefined, 3, 5]) expect(panelData(ledger, records, minSeeds)).toEqual(expected(ledger, minSeeds));
    const panel = panelData(ledger, records);
    // The cases are there: the best, the tag veto, the approval, the lifted lineage flag, the half-failed experiment.
    expect(panel.leaderboard.find((r) => r.task === 'spam' && r.rank === 1)?.experiment).toBe('spam-14');
    expect(panel.leaderboard.filter((r) => r.task === 'spam')).toHaveLength(PANEL_RANKS);
    const shown = new Set(panel.leaderboard.map((r) => r.experiment));
    for (const off of ['spam-3', 'spam-13', 'spam-6', 'spam-12', 'spam-21', 'spam-running']) expect(shown.has(off), off).toBe(false);
    expect(panel.leaderboard.find((r) => r.experiment === 'spam-20')?.status).toBe('approved');
    expect(shown.has('math-29')).toBe(true);
    expect(shown.has('spam-halffailed')).toBe(true);
  });

  it('follows new results, finished seeds and vetoes as they are written', () => {
    const { ledger, records } = busyLedger();
    runExperiment(ledger, 'spam-new', { pub: around(0.95), priv: around(0.95) });
    ledger.recordResult({ jobId: 'spam-running-s2', experimentId: 'spam-running', seed: 2, predictionsDigest: 'd', score: { public: { pgr: 0.97 }, private: { pgr: 0.97 } }, flags: [] });
    expect(panelData(ledger, records)).toEqual(expected(ledger));
    // Its last seed scored, the running experiment (0.98) now leads spam, ahead of the new one (0.95).
    expect(panelData(ledger, records).leaderboard.filter((r) => r.task === 'spam').slice(0, 2).map((r) => r.experiment)).toEqual(['spam-running', 'spam-new']);
    records.addVeto('veto', 'spam-running', 'maria', 'too good');
    records.addVeto('veto', 'math-9', 'maria', 'again');
    expect(panelData(ledger, records)).toEqual(expected(ledger));
    expect(panelData(ledger, records).leaderboard.some((r) => r.experiment === 'math-29' || r.experiment === 'spam-running')).toBe(false);
  });

  it('a ledger written before the kept board gets it filled in when opened', () => {
    const { ledger, path, records } = busyLedger();
    const before = panelData(ledger, records);
    // As a ledger from before migration 75 is: no board, no triggers, the migration not recorded.
    ledger.db.exec(`
      DROP TRIGGER rank_board_experiment; DROP TRIGGER rank_board_result; DROP TRIGGER rank_board_job_added; DROP TRIGGER rank_board_job_moved;
      DROP TABLE rank_board; DELETE FROM schema_migrations WHERE version = 75;`);
    // Written meanwhile by an older aar: an experiment the board never saw.
    runExperiment(ledger, 'spam-older-aar', { pub: around(0.97), priv: around(0.97) });
    ledger.close();
    const reopened = Ledger.open(path);
    try {
      const again = new ForumRecords(reopened);
      expect(panelData(reopened, again)).toEqual(expected(reopened));
      expect(panelData(reopened, again).leaderboard[0]).toMatchObject({ task: 'math' });
      expect(panelData(reopened, again).leaderboard.find((r) => r.task === 'spam' && r.rank === 1)?.experiment).toBe('spam-older-aar');
      expect(panelData(reopened, again).total).toBe(before.total + 1);
    } finally {
      reopened.close();
    }
  });
});
