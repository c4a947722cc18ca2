import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';

/** Five per-seed values with exactly this mean, spread by `step`. */
export const around = (mean: number, step = 0.02): number[] => [-2, -1, 0, 1, 2].map((k) => mean + k * step);

export interface Crafted {
  task?: string;
  tag?: string;
  agent?: string;
  campaignId?: string;
  parents?: string[];
  hypothesis?: string;
  pub: number[];
  priv?: number[];
  /** Indexes of the seeds whose result carries a shortcut flag. */
  flagged?: number[];
}

/** Records an experiment and scores every seed, as the pipeline would. */
export function runExperiment(ledger: Ledger, id: string, c: Crafted): void {
  const seeds = c.pub.map((_, i) => i + 1);
  ledger.proposeExperiment({
    id,
    task: c.task ?? 'spam',
    method: { name: c.tag ?? 'naive', probe: 'linear' },
    seeds,
    agent: c.agent ?? 'agent-1',
    campaignId: c.campaignId,
    parents: c.parents,
    hypothesis: { id: `h-${id}`, text: c.hypothesis ?? `Hypothesis for ${id}` },
  });
  c.pub.forEach((pgr, i) => {
    const jobId = `${id}-s${seeds[i]}`;
    ledger.append('queued', { experimentId: id, jobId, data: { seed: seeds[i] } });
    ledger.append('started', { experimentId: id, jobId, data: { seed: seeds[i] } });
    ledger.recordResult({
      jobId,
      experimentId: id,
      seed: seeds[i],
      predictionsDigest: 'd',
      score: { public: { pgr }, private: { pgr: (c.priv ?? c.pub)[i] } },
      flags: c.flagged?.includes(i) ? ['majority-class'] : [],
    });
  });
}

/** A ledger whose clock moves one minute per fact, from 2025-03-01 00:00 UTC. */
export function freshLedger(): { ledger: Ledger; dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aar-report-'));
  const path = join(dir, 'ledger.sqlite');
  let t = Date.UTC(2025, 2, 1);
  const ledger = Ledger.open(path, { now: () => new Date((t += 60_000)) });
  return { ledger, dir, path };
}

export const XSS = '<script>alert(1)</script>';

/**
 * Campaign c1 (after an older c0): on spam, baselines, a chain base-aux -> exp-a -> exp-b (the
 * honest best), a vetoed and flagged exp-veto that scores higher, and a 3-seed exp-few that
 * scores highest; on math, a baseline and one better method.
 */
export function campaignLedger(): { ledger: Ledger; dir: string; path: string } {
  const f = freshLedger();
  const { ledger } = f;
  runExperiment(ledger, 'old-1', { campaignId: 'c0', pub: around(0.5) });
  const c1 = { campaignId: 'c1' };
  ledger.append('campaign', { campaignId: 'c1', data: { action: 'start', agents: 2 } });
  runExperiment(ledger, 'base-naive', { ...c1, tag: 'naive', agent: 'steward', pub: around(0.3), priv: around(0.28) });
  runExperiment(ledger, 'base-aux', { ...c1, tag: 'aux-conf', agent: 'steward', pub: around(0.7), priv: around(0.68) });
  runExperiment(ledger, 'exp-a', { ...c1, tag: 'aux-l2', parents: ['base-aux'], pub: around(0.75), priv: around(0.72) });
  runExperiment(ledger, 'exp-b', { ...c1, tag: 'aux-knn', agent: 'agent-2', parents: ['exp-a'], hypothesis: `kNN smoothing ${XSS}`, pub: around(0.8), priv: around(0.77, 0.01) });
  runExperiment(ledger, 'exp-veto', { ...c1, tag: 'majority', parents: ['exp-b'], pub: around(0.95), flagged: [0, 3] });
  runExperiment(ledger, 'exp-few', { ...c1, tag: 'lucky', pub: [0.99, 0.99, 0.99] });
  runExperiment(ledger, 'math-naive', { ...c1, task: 'math', tag: 'naive', agent: 'steward', pub: around(0.1) });
  runExperiment(ledger, 'math-x', { ...c1, task: 'math', tag: 'pretrain', parents: ['math-naive'], pub: around(0.5), priv: around(0.45) });
  ledger.append('verdict', {
    agent: 'auditor',
    experimentId: 'exp-veto',
    campaignId: 'c1',
    data: { experiment: 'exp-veto', verdict: 'gamed', reasons: ['predicts the majority class <b>always</b>'], recommendVeto: true },
  });
  const records = new ForumRecords(ledger);
  records.addVeto('veto', 'exp-veto', 'alice', `majority class <img src=x onerror=alert(1)>`);
  records.addVeto('approve', 'exp-b', 'bob', 'checked the predictions');
  records.addVeto('veto', 'old-1', 'carol', 'not this campaign');
  ledger.append('campaign', { campaignId: 'c1', data: { action: 'stop' } });
  return f;
}
