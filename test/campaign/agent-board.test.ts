import { describe, expect, it } from 'vitest';
import { AgentView, type PublicResult } from '../../src/campaign/agent-view.js';
import { meanSd } from '../../src/eval/stats.js';
import { addFlag } from '../../src/ledger/flags.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { type ExperimentRow, Ledger } from '../../src/ledger/ledger.js';
import { standing } from '../../src/report/leaderboard.js';
import { Ladder } from '../../src/scoring/ladder.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

const CLAIM_SEEDS = 2;
const r2 = (x: number) => Math.round(x * 100) / 100;

function score(ledger: Ledger, experimentId: string, seed: number, pgr: number, flags: string[] = []): void {
  const jobId = `${experimentId}-s${seed}`;
  ledger.append('queued', { experimentId, jobId, data: { seed } });
  ledger.append('started', { experimentId, jobId, data: { seed } });
  ledger.append('finished', { experimentId, jobId, data: { seed } });
  ledger.recordResult({ jobId, experimentId, seed, predictionsDigest: 'd', score: { public: { pgr }, private: { pgr: pgr - 0.05 } }, flags });
}

/**
 * The agents' board computed from scratch, per experiment, the way it was before anything was
 * kept: every experiment read, each seed's Ladder answer read on its own, standing from the ledger.
 */
function freshPublicResult(ledger: Ledger, records: ForumRecords, e: ExperimentRow): PublicResult | undefined {
  if (!ledger.isFinished(e.id)) return undefined;
  const results = ledger.results(e.id);
  if (results.length < CLAIM_SEEDS) return undefined;
  const ladder = new Ladder(ledger);
  const answers = results.map((r) => ladder.job(r.jobId) ?? { pgrPublic: Number.NaN, newBest: false });
  const pgr = meanSd(answers.map((a) => a.pgrPublic));
  const state = standing(ledger, records.vetoes(), e);
  return { experiment: e.id, task: e.task, method: e.methodTag ?? 'custom', agent: e.agent ?? 'human', pgrPublic: r2(pgr.mean), sd: r2(pgr.sd), seeds: results.length, newBestSeeds: answers.filter((a) => a.newBest).length, vetoed: state === 'vetoed', flagged: state === 'flagged' };
}

function freshBoard(ledger: Ledger, records: ForumRecords, task?: string): (PublicResult & { rank: number })[] {
  const ids = ledger.db.prepare('SELECT id FROM experiments ORDER BY created_at, rowid').all() as { id: string }[];
  const rows = ids
    .map((r) => ledger.experiment(r.id)!)
    .filter((e) => !task || e.task === task)
    .map((e) => freshPublicResult(ledger, records, e))
    .filter((r): r is PublicResult => r !== undefined && !r.vetoed && !r.flagged && 2 * r.newBestSeeds >= r.seeds)
    .sort((a, b) => a.task.localeCompare(b.task) || b.pgrPublic - a.pgrPublic);
  const rank = new Map<string, number>();
  return rows.map((r) => {
    const n = (rank.get(r.task) ?? 0) + 1;
    rank.set(r.task, n);
    return { ...r, rank: n };
  });
}

describe("the agents' board kept across calls", () => {
  it('after every kind of change, the kept board and public results equal a fresh computation', () => {
    const path = tempLedgerPath();
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const ledger = Ledger.open(path, { now: () => new Date((now += 1000)) });
    const records = new ForumRecords(ledger);
    // One view kept for the whole test, as the research desk keeps one for a campaign.
    const view = new AgentView(ledger, records, CLAIM_SEEDS);
    const propose = (id: string, o: { name?: string; task?: string; agent?: string; seeds?: number[] } = {}) =>
      ledger.proposeExperiment({ id, task: o.task ?? 'spam', method: { name: o.name ?? 'naive' }, seeds: o.seeds ?? [1, 2], agent: o.agent ?? 'ada' });
    const steps: [string, () => void][] = [
      ['proposal', () => propose('e1')],
      ['first score', () => score(ledger, 'e1', 1, 0.4)],
      ['last score', () => score(ledger, 'e1', 2, 0.5)],
      ['a second experiment', () => propose('e2', { name: 'aux-conf' })],
      ['a score with a detector flag', () => score(ledger, 'e2', 1, 0.7, ['most-common-answer: 90% one class'])],
      ['its last score', () => score(ledger, 'e2', 2, 0.8)],
      ['approval lifts the detector flag', () => records.addVeto('approve', 'e2', 'maria', 'checked')],
      ['an auditor flag', () => addFlag(ledger, 'e1', 'auditor', 'looks odd')],
      ['approval', () => records.addVeto('approve', 'e1', 'maria', 'checked')],
      ['another author and task', () => (propose('e3', { agent: 'bayes', task: 'math', seeds: [1, 2, 3] }), score(ledger, 'e3', 1, 0.3), score(ledger, 'e3', 2, 0.35))],
      ['third seed', () => score(ledger, 'e3', 3, 0.9)],
      ['veto of a method tag', () => records.addVeto('veto', 'aux-conf', 'maria', 'suspicious')],
      ['a better run of the same author, same seeds (a new Ladder best)', () => (propose('e4', { name: 'aux-conf-2' }), score(ledger, 'e4', 1, 0.95), score(ledger, 'e4', 2, 0.95))],
      ['a worse run (the Ladder answers with the best so far)', () => (propose('e5', { name: 'tweak' }), score(ledger, 'e5', 1, 0.1), score(ledger, 'e5', 2, 0.2))],
      ['unveto', () => records.addVeto('unveto', 'aux-conf', 'maria', 'fine after all')],
      ['veto by id', () => records.addVeto('veto', 'e4', 'maria', 'leak')],
      [
        'a score answered by the Ladder of another process before this one looks',
        () => {
          propose('e6', { agent: 'curie' });
          score(ledger, 'e6', 1, 0.6);
          score(ledger, 'e6', 2, 0.62);
          const other = Ledger.open(path);
          new Ladder(other).job('e6-s1');
          other.close();
        },
      ],
      ['a clock that went back (creation order is not rowid order)', () => ((now -= 3_600_000), propose('e7', { agent: 'darwin' }), score(ledger, 'e7', 1, 0.6), score(ledger, 'e7', 2, 0.62))],
      ['a task-wide tie broken by creation', () => (propose('e8', { agent: 'euler' }), score(ledger, 'e8', 1, 0.6), score(ledger, 'e8', 2, 0.62))],
    ];
    for (const [what, step] of steps) {
      step();
      const fresh = freshBoard(ledger, records);
      expect(view.leaderboard(), what).toEqual(fresh);
      expect(view.leaderboard('spam'), what).toEqual(freshBoard(ledger, records, 'spam'));
      // The window a turn reads: each task's first rows and its baselines, ranks as on the whole board.
      expect(view.leaderboard(undefined, { top: 1, alsoMethods: ['aux-conf'] }), what).toEqual(fresh.filter((r) => r.rank <= 1 || r.method === 'aux-conf'));
      for (const e of view.experiments()) expect(view.publicResult(e), `${what}: ${e.id}`).toEqual(freshPublicResult(ledger, records, e));
      // A view on another handle has nothing kept: its first read is the grouped one.
      const other = Ledger.open(path);
      expect(new AgentView(other, new ForumRecords(other), CLAIM_SEEDS).leaderboard(), what).toEqual(fresh);
      other.close();
    }
    const board = view.leaderboard();
    expect(board.map((r) => r.experiment)).toEqual(['e3', 'e2', 'e7', 'e8', 'e6', 'e1']);
    expect(board.find((r) => r.experiment === 'e7')).toMatchObject({ rank: 2 });
    ledger.close();
  });

  it('kept sorted through hundreds of interleaved changes with many ties, it equals a fresh computation and moves rows in place', () => {
    const path = tempLedgerPath();
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const ledger = Ledger.open(path, { now: () => new Date((now += 1000)) });
    const records = new ForumRecords(ledger);
    const view = new AgentView(ledger, records, CLAIM_SEEDS);
    let state = 7;
    const draw = (n: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
    // Many authors: the Ladder shows a row only where it beat its author's best, so few authors leave few rows.
    const agents = Array.from({ length: 40 }, (_, k) => `agent${k}`);
    const open: string[] = [];
    for (let k = 0; k < 240; k++) {
      const id = `r${k}`;
      ledger.proposeExperiment({ id, task: k % 2 ? 'spam' : 'math', method: { name: k % 17 === 0 ? 'aux-conf' : `m${k}` }, seeds: [1, 2], agent: agents[draw(agents.length)] });
      // Scores on a coarse grid: most rows tie with others, so creation order decides among them.
      score(ledger, id, 1, draw(5) / 5);
      open.push(id);
      // Some experiments finish later, after others were scored.
      if (draw(3) === 0) {
        const finish = open.splice(draw(open.length), 1)[0];
        score(ledger, finish, 2, draw(5) / 5);
      }
      if (k % 41 === 40) addFlag(ledger, open[0] ?? 'r0', 'auditor', 'looks odd');
      if (k % 60 === 59) records.addVeto('veto', `m${k - 2}`, 'maria', 'suspicious');
      if (k % 10 === 9) {
        expect(view.leaderboard(), `after r${k}`).toEqual(freshBoard(ledger, records));
        const fresh = freshBoard(ledger, records);
        expect(view.leaderboard(undefined, { top: 3, alsoMethods: ['aux-conf'] }), `window after r${k}`).toEqual(fresh.filter((r) => r.rank <= 3 || r.method === 'aux-conf'));
      }
    }
    for (const id of open) score(ledger, id, 2, draw(5) / 5);
    const board = view.leaderboard();
    expect(board).toEqual(freshBoard(ledger, records));
    expect(board.length).toBeGreaterThan(40);
    ledger.close();
  });
});
