import { afterEach, describe, expect, it } from 'vitest';
import { campaignSpend } from '../../src/campaign/spend.js';
import { DENSE_KINDS, SPARSE_KINDS } from '../../src/ledger/event-kinds.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { knownCampaigns } from '../../src/report/campaign-scope.js';
import { publicPredictionsAfter, recordPublicPredictions } from '../../src/ledger/predictions.js';
import { packScore, unpackScore } from '../../src/ledger/score-pack.js';
import { ledgerBefore, tempLedgerPath } from '../helpers/temp-ledger.js';
import { flagInferredLineage } from '../../src/audit/inferred-lineage.js';
import { AgentView } from '../../src/campaign/agent-view.js';
import { panelData } from '../../src/forum/panel-data.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { buildReport } from '../../src/report/campaign-report.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { populate, SCALE_CAMPAIGN } from '../bench/scale-populate.js';

// Bytes per experiment (issue 16): progress lives outside the append-only events, latest only
// and only while the job runs; a result's score is packed; the events have no per-job index.

const opened: Ledger[] = [];
function open(path = tempLedgerPath('aar-bytes-')): Ledger {
  const l = Ledger.open(path);
  opened.push(l);
  return l;
}
afterEach(() => {
  for (const l of opened.splice(0)) if (l.db.open) l.close();
});

const REAL_SCORE = {
  public: { weak: 0.8123, ceiling: 0.951, student: 0.8876051394175739, pgr: 0.5840342627838254 },
  private: { weak: 0.8, ceiling: 0.95, student: 0.9, pgr: 2 / 3 },
  all: { weak: 0.81, ceiling: 0.9505, student: 0.89 },
};

describe('job progress', () => {
  it('keeps only the latest report of a running job, outside the events, and forgets it when the job ends', () => {
    const l = open();
    l.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1, 2] });
    const job = { experimentId: 'e1', jobId: 'e1-s1' };
    l.append('queued', { ...job, data: { seed: 1 } });
    l.append('started', { ...job, data: { seed: 1 } });
    const first = l.append('progress', { ...job, data: { seed: 1, fraction: 0.3 } });
    const second = l.append('progress', { ...job, data: { seed: 1, fraction: 0.6, note: 'step 60' } });
    expect(second).toBeGreaterThan(first);
    expect(l.events({ kind: 'progress' })).toEqual([]);
    expect(l.progress.ofExperiment('e1')).toMatchObject([{ jobId: 'e1-s1', seed: 1, seq: second, data: { fraction: 0.6, note: 'step 60' } }]);
    expect(l.progress.since(first).map((p) => p.seq)).toEqual([second]);
    // Progress does not move the job.
    expect(l.job('e1-s1')?.status).toBe('started');

    l.append('finished', { ...job, data: { seed: 1 } });
    expect(l.progress.ofJob('e1-s1')).toBeDefined();
    l.recordResult({ jobId: 'e1-s1', experimentId: 'e1', seed: 1, predictionsDigest: 'd', score: REAL_SCORE });
    expect(l.progress.ofJob('e1-s1')).toBeUndefined();
    // A report that arrives after the end is refused, and the seq it would have had is never given out again.
    expect(l.append('progress', { ...job, data: { seed: 1, fraction: 0.9 } })).toBe(0);
    expect(l.progress.ofExperiment('e1')).toEqual([]);
    expect(l.progress.lastSeq()).toBe(second);
    l.append('queued', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2 } });
    expect(l.append('progress', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2, fraction: 0.1 } })).toBeGreaterThan(second);
  });

  it('is forgotten when a job fails for good, kept through a retry', () => {
    const l = open();
    const job = { experimentId: 'e1', jobId: 'e1-s1' };
    l.append('started', { ...job, data: { seed: 1 } });
    l.append('progress', { ...job, data: { seed: 1, fraction: 0.5 } });
    l.append('failed', { ...job, data: { seed: 1, final: false, reason: 'oom' } });
    expect(l.progress.ofJob('e1-s1')?.data).toEqual({ seed: 1, fraction: 0.5 });
    l.append('failed', { ...job, data: { seed: 1, final: true, reason: 'oom' } });
    expect(l.progress.ofJob('e1-s1')).toBeUndefined();
  });
});

describe('packed scores', () => {
  it('a score is stored in 75 bytes and read back exactly', () => {
    const l = open();
    l.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1] });
    l.recordResult({ jobId: 'e1-s1', experimentId: 'e1', seed: 1, predictionsDigest: 'd', score: REAL_SCORE });
    const stored = l.db.prepare("SELECT typeof(score) AS type, length(score) AS n, pgr_public FROM results WHERE job_id = 'e1-s1'").get() as { type: string; n: number; pgr_public: number };
    expect(stored.type).toBe('blob');
    // 11 numbers, less the two PGRs that the row's columns hold.
    expect(stored.n).toBe(3 + 9 * 8);
    expect(stored.pgr_public).toBe(REAL_SCORE.public.pgr);
    expect(l.results('e1')[0].score).toEqual(REAL_SCORE);
  });

  it('scores of another shape stay JSON, and JSON rows from before still read back', () => {
    for (const odd of [{ public: { pgr: 0.3, n: 'x' }, private: { pgr: 0.2 } }, { public: { pgr: 0.3 }, private: { pgr: 0.2 }, extra: 1 }, { public: {}, private: { pgr: 1 } }, [1, 2], null, 'text']) {
      expect(packScore(odd)).toBeUndefined();
    }
    const l = open();
    l.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1, 2] });
    const odd = { public: { pgr: 0.3, items: 'all' }, private: { pgr: 0.2 } };
    l.recordResult({ jobId: 'e1-s1', experimentId: 'e1', seed: 1, predictionsDigest: 'd', score: odd });
    l.db
      .prepare("INSERT INTO results (job_id, experiment_id, seed, scored_at, predictions_digest, score, pgr_public, pgr_private) VALUES ('e1-s2', 'e1', 2, 'then', 'd', ?, 0.58, 0.6)")
      .run(JSON.stringify(REAL_SCORE));
    expect(l.results('e1').map((r) => r.score)).toEqual([odd, REAL_SCORE]);
  });

  it('packing keeps partial halves and refuses an unknown format', () => {
    const partial = { public: { pgr: 0.25 }, private: { pgr: -0.5, student: 0.7 } };
    const columns = { public: 0.25, private: -0.5 };
    expect(unpackScore(packScore(partial), columns)).toEqual(partial);
    const bad = packScore(partial)!;
    bad.writeUInt8(9, 0);
    expect(() => unpackScore(bad, columns)).toThrow(/unknown format/);
  });
});

describe('GPU hours without a per-job index of the events', () => {
  it('pairs each finish with the latest start of the same job before it', () => {
    let now = Date.parse('2026-01-01T00:00:00.000Z');
    const l = Ledger.open(tempLedgerPath('aar-bytes-'), { now: () => new Date(now) });
    opened.push(l);
    l.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1, 2], campaignId: 'c' });
    l.proposeExperiment({ id: 'other', task: 'spam', method: { name: 'naive' }, seeds: [1], campaignId: 'd' });
    const at = (hours: number) => (now = Date.parse('2026-01-01T00:00:00.000Z') + hours * 3_600_000);
    at(0), l.append('started', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    at(1), l.append('failed', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1, final: false } });
    at(2), l.append('started', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    at(3), l.append('finished', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    at(0), l.append('started', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2 } });
    at(4), l.append('finished', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2 } });
    at(0), l.append('started', { experimentId: 'other', jobId: 'other-s1', data: { seed: 1 } });
    at(9), l.append('finished', { experimentId: 'other', jobId: 'other-s1', data: { seed: 1 } });
    // Seed 1: its second run, 1 hour; seed 2: 4 hours. The other campaign's job does not count.
    expect(campaignSpend(l, 'c').gpuHours).toBeCloseTo(5, 6);
  });
});

describe('migration 80 on a ledger from before', () => {
  it('moves the latest progress of running jobs out of the events, drops the rest and the per-job index, and keeps the events append-only', () => {
    const path = tempLedgerPath('aar-bytes-');
    const db = ledgerBefore(80, path);
    const event = db.prepare("INSERT INTO events (at, kind, experiment_id, job_id, data) VALUES ('2026-01-01T00:00:00.000Z', ?, 'e1', ?, ?)");
    const state = db.prepare("INSERT INTO job_states (job_id, experiment_id, seed, status, since, seq) VALUES (?, 'e1', ?, ?, 'then', ?)");
    // Seed 1 is running; seed 2 failed for good, and a late report came after.
    const s1 = event.run('started', 'e1-s1', '{"seed":1}').lastInsertRowid;
    event.run('started', 'e1-s2', '{"seed":2}');
    event.run('progress', 'e1-s1', '{"seed":1,"fraction":0.2}');
    event.run('progress', 'e1-s1', '{"seed":1,"fraction":0.7,"note":"late"}');
    event.run('progress', 'e1-s2', '{"seed":2,"fraction":0.9}');
    const f2 = event.run('failed', 'e1-s2', '{"seed":2,"final":true}').lastInsertRowid;
    event.run('progress', 'e1-s2', '{"seed":2,"fraction":0.95}');
    state.run('e1-s1', 1, 'started', s1);
    state.run('e1-s2', 2, 'failed', f2);
    db.close();

    const l = open(path);
    expect(l.events().map((e) => e.kind)).toEqual(['started', 'started', 'failed']);
    // Only the running job keeps its latest report; the failed one keeps none.
    expect(l.progress.ofExperiment('e1')).toMatchObject([{ jobId: 'e1-s1', seed: 1, data: { fraction: 0.7, note: 'late' } }]);
    expect(l.db.prepare("SELECT name FROM sqlite_master WHERE name = 'events_by_job'").get()).toBeUndefined();
    expect(() => l.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(() => l.db.prepare("UPDATE events SET kind = 'x'").run()).toThrow(/append-only/);
    // Reports go on from there, numbered after the carried one.
    const carried = l.progress.ofJob('e1-s1')!.seq;
    expect(l.append('progress', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1, fraction: 0.8 } })).toBeGreaterThan(carried);
  });
});

describe('migration 82 on a ledger from before', () => {
  it("drops the public predictions' unread time and keeps every row readable and append-only", () => {
    const path = tempLedgerPath('aar-bytes-');
    const db = ledgerBefore(82, path);
    db.prepare("INSERT INTO experiments (id, task, method, seeds, created_at) VALUES ('e1', 'spam', '{}', '[1]', 'then')").run();
    db.prepare("INSERT INTO results (job_id, experiment_id, seed, scored_at, predictions_digest, score, pgr_public, pgr_private) VALUES ('e1-s1', 'e1', 1, 'then', 'd', '{}', 0.1, 0.1)").run();
    const classes = Uint8Array.from({ length: 40 }, (_, i) => i % 3);
    db.prepare("INSERT INTO public_predictions (job_id, experiment_id, agent, task, seed, at, classes, bits, items) VALUES ('e1-s1', 'e1', 'ada', 'spam', 1, 'then', ?, 8, 40)").run(Buffer.from(classes));
    db.close();

    const l = open(path);
    // The time is gone from every row; the column stays, empty and nullable, for older writers.
    const columns = l.db.prepare('PRAGMA table_info(public_predictions)').all() as { name: string; notnull: number }[];
    expect(columns.find((c) => c.name === 'at')).toMatchObject({ notnull: 0 });
    expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(['seq', 'job_id', 'experiment_id', 'classes', 'bits', 'items']));
    expect(l.db.prepare('SELECT COUNT(*) AS n FROM public_predictions WHERE at IS NOT NULL').get()).toEqual({ n: 0 });
    const [row] = publicPredictionsAfter(l, 0);
    expect({ jobId: row.jobId, seed: row.seed, classes: Array.from(row.classes) }).toEqual({ jobId: 'e1-s1', seed: 1, classes: Array.from(classes) });
    expect(() => l.db.prepare('DELETE FROM public_predictions').run()).toThrow(/append-only/);
    expect(() => l.db.prepare('UPDATE public_predictions SET seed = 2').run()).toThrow(/append-only/);
  });

  it('an older aar still open on the ledger (or run again after an upgrade) goes on recording predictions with their time', () => {
    const path = tempLedgerPath('aar-bytes-');
    ledgerBefore(82, path).close();
    const l = open(path);
    l.proposeExperiment({ id: 'e1', task: 'spam', method: { name: 'naive' }, seeds: [1, 2] });
    for (const seed of [1, 2]) l.recordResult({ jobId: `e1-s${seed}`, experimentId: 'e1', seed, predictionsDigest: 'd', score: REAL_SCORE });
    // The insert the code before migration 82 made.
    const old = l.db.prepare("INSERT OR IGNORE INTO public_predictions (job_id, experiment_id, agent, task, seed, at, classes, bits, items) VALUES ('e1-s1', 'e1', 'ada', 'spam', 1, ?, ?, 8, 3)");
    expect(old.run(new Date().toISOString(), Buffer.from([0, 1, 0])).changes).toBe(1);
    expect(recordPublicPredictions(l, { jobId: 'e1-s2', experimentId: 'e1', agent: 'ada', task: 'spam', seed: 2, classes: Uint8Array.from([1, 1, 0]) })).toBe(true);
    expect(publicPredictionsAfter(l, 0).map((p) => [p.jobId, Array.from(p.classes)])).toEqual([
      ['e1-s1', [0, 1, 0]],
      ['e1-s2', [1, 1, 0]],
    ]);
  });
});

describe('reads by kind without a full index of kinds', () => {
  /** The query plans of the events queries `read` makes, each with its SQL. */
  function eventPlans(l: Ledger, read: () => void): { sql: string; plan: string[] }[] {
    const prepare = l.db.prepare.bind(l.db);
    const seen: string[] = [];
    l.db.prepare = ((sql: string) => (seen.push(sql), prepare(sql))) as typeof l.db.prepare;
    try {
      read();
    } finally {
      l.db.prepare = prepare as typeof l.db.prepare;
    }
    return [...new Set(seen.filter((s) => /FROM events/.test(s)))].map((sql) => ({
      sql,
      plan: (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array<null>((sql.match(/\?/g) ?? []).length).fill(null)) as { detail: string }[]).map((r) => r.detail),
    }));
  }

  it('the partial index has exactly the condition the queries repeat', () => {
    const l = open();
    const { sql } = l.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'events_by_sparse_kind'").get() as { sql: string };
    expect(sql).toContain(`WHERE ${SPARSE_KINDS}`);
    expect(DENSE_KINDS.every((k) => SPARSE_KINDS.includes(`'${k}'`))).toBe(true);
  });

  it('reads of one kind, of one experiment, of GPU hours and of campaigns are planned on an index, never a scan of the events', () => {
    const l = open();
    const plans = eventPlans(l, () => {
      for (const kind of ['note', 'control', 'claim', 'verdict', 'flag', 'veto', 'campaign', 'transfer', 'failed', 'runner_lost'] as const) l.events({ kind });
      l.events({ experimentId: 'e1', kind: 'scored' });
      l.events({ experimentId: 'e1' });
      campaignSpend(l, 'c');
      knownCampaigns(l);
    });
    expect(plans.length).toBeGreaterThanOrEqual(5);
    // A full scan of the events (or of its aliases in the GPU-hours join) reads every event ever recorded.
    for (const p of plans) expect(p.plan.filter((d) => /^SCAN (events|e|s|s2|f)( |$)/.test(d)), p.sql).toEqual([]);
    for (const p of plans.filter((p) => /WHERE kind = \?/.test(p.sql) && !/experiment_id/.test(p.sql))) expect(p.plan.join('; '), p.sql).toContain('events_by_sparse_kind');
  });

  it('the boards, the forum panel, a turn\'s forum page, the report and the lineage check read no kind by a scan of the events', () => {
    const l = open();
    populate(l, 0, 40);
    const records = new ForumRecords(l);
    const view = new AgentView(l, records, 5);
    const plans = eventPlans(l, () => {
      panelData(l, records);
      leaderboard(l, records);
      view.leaderboard(undefined, { top: 3, alsoMethods: ['aux-conf'] });
      view.forum({ limit: 15 });
      buildReport({ ledger: l, campaignId: SCALE_CAMPAIGN });
      flagInferredLineage(l, records.vetoes(), view.experiments().at(-1)!.id);
    });
    expect(plans.length).toBeGreaterThanOrEqual(5);
    // A scan in seq order that stops early (newest N) is bounded; one over every event ever recorded is not.
    for (const p of plans.filter((p) => !/LIMIT/.test(p.sql))) expect(p.plan.filter((d) => /^SCAN (events|e)( |$)/.test(d)), p.sql).toEqual([]);
  });
});

describe('bytes per experiment', () => {
  it('a campaign grows the ledger by under 10,000 bytes per experiment (README: 9,941 at 50,000)', () => {
    const l = open();
    const used = () => (Number(l.db.pragma('page_count', { simple: true })) - Number(l.db.pragma('freelist_count', { simple: true }))) * Number(l.db.pragma('page_size', { simple: true }));
    // The first experiments also fill the schema's fixed pages: measure what the next ones add.
    populate(l, 0, 200);
    const before = used();
    populate(l, 200, 800);
    const perExperiment = (used() - before) / 800;
    // 9,764 measured; `npm run bench scale` prints it at 1k, 10k and 50k.
    expect(perExperiment).toBeLessThan(10_000);
  });
});
