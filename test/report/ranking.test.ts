import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { campaignSummary } from '../../src/campaign/summary.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { buildReport } from '../../src/report/campaign-report.js';
import { reportBlocks } from '../../src/report/report-document.js';
import { leaderboard } from '../../src/report/leaderboard.js';
import { rankExperiments, type RankCandidate } from '../../src/report/ranking.js';
import { panelData } from '../../src/forum/service.js';
import { digestText } from '../../bots/steward/digest.js';
import { around, freshLedger, runExperiment } from './fixture.js';

/**
 * 40 variants tried on the same seeds: public PGR rises with the variant's index (what a
 * hill-climber fitted to the public half sees) while private PGR peaks at variant 12. The best
 * by public (variant 39) is rank 3 of 40 by private.
 */
function overfitted(): { pub: number; priv: number }[] {
  return Array.from({ length: 40 }, (_, k) => ({ pub: 0.5 + 0.01 * k, priv: k === 12 ? 0.8 : k === 20 ? 0.79 : k === 39 ? 0.78 : 0.5 + 0.005 * (k % 10) }));
}

describe('people rank by private PGR, in one pure ranking step', () => {
  it('the best of 40 variants by public is not rank 1 for people when private says otherwise (pure step)', () => {
    const candidates: RankCandidate[] = overfitted().map((v, k) => ({ id: `v${k}`, task: 'spam', methodTag: `v${k}`, agent: 'agent-1', finished: true, scores: around(v.pub).map((p, i) => ({ public: { pgr: p }, private: { pgr: around(v.priv)[i] } })), activeFlags: 0 }));
    const byPrivate = rankExperiments(candidates, [], { by: 'private' });
    expect(byPrivate.slice(0, 3).map((r) => r.experiment)).toEqual(['v12', 'v20', 'v39']);
    expect(rankExperiments(candidates, [], { by: 'public' })[0].experiment).toBe('v39');
    // Flags and vetoes are inputs of the same step: a flagged leader and a vetoed method tag drop out.
    const flagged = candidates.map((c) => (c.id === 'v12' ? { ...c, activeFlags: 1 } : c));
    const veto = { seq: 1, at: '2025-03-01T00:00:00Z', action: 'veto' as const, target: 'v20', who: 'ada', reason: 'no' };
    expect(rankExperiments(flagged, [veto], { by: 'private' })[0].experiment).toBe('v39');
    // Unfinished or too few seeds: not ranked.
    expect(rankExperiments([{ ...candidates[12], finished: false }], [], { by: 'private' })).toEqual([]);
    expect(rankExperiments([candidates[12]], [], { by: 'private', minSeeds: 6 })).toEqual([]);
  });

  it('every board people see (leaderboard, forum panel, campaign summary, report, digest) puts the private best first and says so', () => {
    const { ledger } = freshLedger();
    const records = new ForumRecords(ledger);
    overfitted().forEach((v, k) => runExperiment(ledger, `v${k}`, { campaignId: 'c1', tag: `v${k}`, pub: around(v.pub), priv: around(v.priv) }));
    expect(leaderboard(ledger, records)[0].experiment).toBe('v12');
    expect(leaderboard(ledger, records, undefined, { by: 'public' })[0].experiment).toBe('v39');
    const panel = panelData(ledger, records);
    expect(panel.leaderboard.find((r) => r.rank === 1)).toMatchObject({ experiment: 'v12', pgrPrivate: expect.closeTo(0.8, 6) });
    const summary = campaignSummary(ledger, 'c1', { usd: 0, agentHours: 0, usdPerAgentHour: 0, activeAgentHours: 0, usdPerActiveAgentHour: 0, gpuHours: 0 } as never, 5);
    expect(summary.tasks.spam.best?.experiment).toBe('v12');
    expect(summary.rankedBy).toBe('private');
    const report = buildReport({ ledger, campaignId: 'c1' });
    expect(report.tasks[0].best?.id).toBe('v12');
    expect(JSON.stringify(reportBlocks(report, new Map()))).toContain('Results rank by mean private PGR');
    const digest = digestText({ ledger, records, tasks: ["spam"], claimSeeds: 5, at: "2025-03-02T00:00:00Z" } as never);
    expect(digest).toContain('ranked by private PGR');
    expect(digest).toMatch(/- spam: private v12 \(v12, agent-1\) 0\.80/);
  });

  it('no import cycle anywhere in src, bots or workers (audit/active-flags -> lineage-flags -> report/leaderboard was one)', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    for (const d of ['src', 'bots', 'workers']) walk(d);
    const graph = new Map<string, string[]>();
    for (const f of files) {
      const deps: string[] = [];
      // Value imports only: `import type` is erased and cannot make a cycle at run time.
      for (const m of readFileSync(f, 'utf8').matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm)) {
        if (!m[1]) deps.push(path.normalize(path.join(path.dirname(f), m[2].replace(/\.js$/, '.ts'))));
      }
      graph.set(f, deps);
    }
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
