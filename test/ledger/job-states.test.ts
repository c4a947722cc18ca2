import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mayMove, type JobState } from '../../src/ledger/job-states.js';
import { Ledger, type NewResult } from '../../src/ledger/ledger.js';
import { ledgerBefore, tempLedgerPath } from '../helpers/temp-ledger.js';

// A job's life is a checked state machine kept in one table, written in the same transaction
// as the event that moves it. The moves that once left scored jobs stuck (a second process's
// "finished" or "started" after the score) are refused and leave no trace.

const opened: Ledger[] = [];
const files: string[] = [];
function open(path = tempLedgerPath('aar-jobstates-')): Ledger {
  const l = Ledger.open(path);
  opened.push(l);
  files.push(path);
  return l;
}

afterEach(() => {
  for (const l of opened.splice(0)) if (l.db.open) l.close();
  for (const f of files.splice(0)) rmSync(dirname(f), { recursive: true, force: true });
});

function result(jobId: string, experimentId: string, seed: number): NewResult {
  return { jobId, experimentId, seed, predictionsDigest: `d-${jobId}`, score: { public: { pgr: 0.5 }, private: { pgr: 0.4 } } };
}

const ALL: JobState[] = ['queued', 'started', 'finished', 'failed', 'retrying', 'scored', 'requeued', 'cancelled'];

describe('mayMove', () => {
  it('a scored job never moves; a failed or cancelled one only to scored; queued only first', () => {
    for (const to of ALL) {
      expect(mayMove('scored', to), `scored -> ${to}`).toBe(false);
      expect(mayMove('failed', to), `failed -> ${to}`).toBe(to === 'scored');
      expect(mayMove('cancelled', to), `cancelled -> ${to}`).toBe(to === 'scored');
      expect(mayMove(undefined, to)).toBe(true);
    }
    for (const from of ['queued', 'started', 'finished', 'retrying', 'requeued'] as JobState[]) {
      for (const to of ALL) expect(mayMove(from, to), `${from} -> ${to}`).toBe(to !== 'queued');
    }
  });
});

describe('job states in the ledger', () => {
  it('refuses every event that would move a scored job, records nothing for it, and returns 0', () => {
    const l = open();
    l.proposeExperiment({ id: 'e1', task: 'spam', method: {}, seeds: [1] });
    const job = { experimentId: 'e1', jobId: 'e1-s1' };
    expect(l.append('queued', { ...job, data: { seed: 1 } })).toBeGreaterThan(0);
    expect(l.append('started', { ...job, data: { seed: 1 } })).toBeGreaterThan(0);
    expect(l.recordResult(result('e1-s1', 'e1', 1))).toBe(true);
    const events = l.events().length;
    for (const kind of ['queued', 'started', 'finished', 'requeued', 'cancelled'] as const) expect(l.append(kind, { ...job, data: { seed: 1 } }), kind).toBe(0);
    expect(l.append('failed', { ...job, data: { seed: 1, final: false } })).toBe(0);
    expect(l.append('failed', { ...job, data: { seed: 1, final: true } })).toBe(0);
    expect(l.events()).toHaveLength(events);
    expect(l.job('e1-s1')).toMatchObject({ status: 'scored', seed: 1 });
    expect(l.unfinishedJobs()).toEqual([]);
    expect(l.isFinished('e1')).toBe(true);
  });

  it('two connections to one file (two processes) cannot undo each other: the result wins, once', () => {
    const path = tempLedgerPath('aar-jobstates-');
    const a = open(path);
    const b = open(path);
    a.proposeExperiment({ id: 'e1', task: 'spam', method: {}, seeds: [1] });
    a.append('queued', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    // Both hear "active"; a scores; then b's late reports of the same run arrive.
    a.append('started', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    b.append('started', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    expect(a.recordResult(result('e1-s1', 'e1', 1))).toBe(true);
    expect(b.append('finished', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } })).toBe(0);
    expect(b.recordResult(result('e1-s1', 'e1', 1))).toBe(false);
    expect(b.append('started', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } })).toBe(0);
    expect(b.job('e1-s1')?.status).toBe('scored');
    expect(a.events({ kind: 'scored' })).toHaveLength(1);
    expect(a.events({ kind: 'finished' })).toHaveLength(0);
  });

  it('an experiment is finished only when every proposed seed is final: a seed with no job is not', () => {
    const l = open();
    l.proposeExperiment({ id: 'e1', task: 'spam', method: {}, seeds: [1, 2, 3] });
    l.append('queued', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    l.recordResult(result('e1-s1', 'e1', 1));
    expect(l.unfinishedJobs('e1')).toEqual([]);
    expect(l.isFinished('e1')).toBe(false);
    l.append('queued', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2 } });
    l.append('failed', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2, final: true } });
    l.append('queued', { experimentId: 'e1', jobId: 'e1-s3', data: { seed: 3 } });
    expect(l.isFinished('e1')).toBe(false);
    l.append('cancelled', { experimentId: 'e1', jobId: 'e1-s3', data: { seed: 3 } });
    expect(l.isFinished('e1')).toBe(true);
    expect(l.jobCounts()).toEqual({ scored: 1, failed: 1, cancelled: 1 });
  });

  it('a reconcile tick reads only the unfinished jobs: planned on their partial index, never a walk of every job', () => {
    const l = open();
    const seen: string[] = [];
    const prepare = l.db.prepare;
    l.db.prepare = ((sql: string) => (seen.push(sql), prepare(sql))) as typeof prepare;
    for (const id of ['e2', 'e1']) {
      l.proposeExperiment({ id, task: 'spam', method: {}, seeds: [1, 2] });
      for (const seed of [2, 1]) l.append('queued', { experimentId: id, jobId: `${id}-s${seed}`, data: { seed } });
    }
    l.recordResult(result('e1-s1', 'e1', 1));
    l.append('started', { experimentId: 'e2', jobId: 'e2-s2', data: { seed: 2 } });
    seen.length = 0;
    expect(l.unfinishedJobs().map((j) => [j.jobId, j.status])).toEqual([
      ['e1-s2', 'queued'],
      ['e2-s1', 'queued'],
      ['e2-s2', 'started'],
    ]);
    l.db.prepare = prepare;
    const sql = seen.find((q) => q.includes('FROM job_states'))!;
    const plan = (l.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan).toContain('USING INDEX job_states_unfinished');
  });

  it('a result that arrives for a finally failed job is kept: the job is scored', () => {
    const l = open();
    l.proposeExperiment({ id: 'e1', task: 'spam', method: {}, seeds: [1] });
    l.append('queued', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } });
    l.append('failed', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1, final: true, reason: 'x' } });
    expect(l.recordResult(result('e1-s1', 'e1', 1))).toBe(true);
    expect(l.job('e1-s1')?.status).toBe('scored');
  });
});

describe('migration 6: job states from an older ledger', () => {
  it('carries every job over and heals the ones "latest event wins" left stuck after their score', () => {
    const path = tempLedgerPath('aar-jobstates-');
    files.push(path);
    const db = ledgerBefore(6, path);
    const ev = db.prepare("INSERT INTO events (at, kind, experiment_id, job_id, data) VALUES ('2025-01-01T00:00:00.000Z', ?, 'e1', ?, ?)");
    db.prepare("INSERT INTO experiments (id, created_at, task, method, seeds) VALUES ('e1', 'then', 'spam', '{}', '[1,2,3]')").run();
    // Seed 1: scored, then another process's "finished" and "started" came after.
    ev.run('queued', 'e1-s1', '{"seed":1}');
    ev.run('scored', 'e1-s1', '{"seed":1}');
    ev.run('finished', 'e1-s1', '{"seed":1}');
    ev.run('started', 'e1-s1', '{"seed":1}');
    db.prepare("INSERT INTO results (job_id, experiment_id, seed, scored_at, predictions_digest, score, pgr_public, pgr_private) VALUES ('e1-s1', 'e1', 1, '2025-01-01T00:00:05.000Z', 'd', '{}', 0.5, 0.4)").run();
    // Seed 2: retrying. Seed 3: started, with no seed on the event.
    ev.run('queued', 'e1-s2', '{"seed":2}');
    ev.run('failed', 'e1-s2', '{"seed":2,"final":false}');
    ev.run('queued', 'e1-s3', '{"seed":3}');
    ev.run('started', 'e1-s3', '{}');
    db.close();

    const l = open(path);
    expect(l.jobs('e1').map((j) => [j.jobId, j.seed, j.status])).toEqual([
      ['e1-s1', 1, 'scored'],
      ['e1-s2', 2, 'retrying'],
      ['e1-s3', 3, 'started'],
    ]);
    expect(l.job('e1-s1')?.since).toBe('2025-01-01T00:00:05.000Z');
    // The view keeps its name for readers.
    expect(l.db.prepare("SELECT status FROM job_status WHERE job_id = 'e1-s1'").get()).toEqual({ status: 'scored' });
    // And the machine runs on from there.
    expect(l.append('started', { experimentId: 'e1', jobId: 'e1-s1', data: { seed: 1 } })).toBe(0);
    expect(l.append('started', { experimentId: 'e1', jobId: 'e1-s2', data: { seed: 2 } })).toBeGreaterThan(0);
  });
});
