import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Spend } from '../../src/campaign/spend.js';
import { buildReport, writeReport } from '../../src/report/campaign-report.js';
import { UnknownCampaignError } from '../../src/report/campaign-scope.js';
import { around, campaignLedger, freshLedger, runExperiment, XSS } from './fixture.js';

const spend: Spend = { usd: 12.5, agentHours: 2.5, usdPerAgentHour: 5, activeAgentHours: 0, usdPerActiveAgentHour: 0, gpuHours: 0.75, experiments: 8 };
const now = () => new Date('2025-03-02T09:00:00Z');

describe('buildReport', () => {
  it('reports the latest campaign: baselines, the best unvetoed result with enough seeds, its leaderboard', () => {
    const { ledger } = campaignLedger();
    const d = buildReport({ ledger, spend, now });
    expect(d.campaignId).toBe('c1');
    expect(d.experiments).toBe(8);
    expect(d.generatedAt).toBe('2025-03-02T09:00:00.000Z');
    expect(d.span!.from < d.span!.to).toBe(true);
    expect(d.tasks.map((t) => t.task)).toEqual(['math', 'spam']);
    const spam = d.tasks.find((t) => t.task === 'spam')!;
    expect(spam.baselines.naive!.id).toBe('base-naive');
    expect(spam.baselines.auxConf!.id).toBe('base-aux');
    // exp-veto scores higher but is vetoed; exp-few higher still, on 3 seeds.
    expect(spam.best!.id).toBe('exp-b');
    expect(spam.best!.approved).toBe(true);
    expect(spam.leaderboard.map((r) => r.id)).toEqual(['exp-b', 'exp-a', 'base-aux', 'base-naive']);
    expect(spam.points.map((p) => p.experiment).sort()).toEqual(['base-aux', 'base-naive', 'exp-a', 'exp-b']);
    expect(spam.lineage!.nodes.map((n) => n.id)).toEqual(['exp-b', 'exp-a', 'base-aux']);
    expect(d.flagged).toEqual([{ experiment: 'exp-veto', task: 'spam', agent: 'agent-1', seeds: [1, 4], flags: ['majority-class'], vetoed: true }]);
    expect(d.verdicts).toMatchObject([{ experiment: 'exp-veto', verdict: 'gamed', recommendVeto: true, auditor: 'auditor' }]);
    // The veto of c0's experiment belongs to another campaign's report.
    expect(d.vetoes.map((v) => [v.action, v.target, v.who])).toEqual([
      ['veto', 'exp-veto', 'alice'],
      ['approve', 'exp-b', 'bob'],
    ]);
  });

  it('reports a named campaign and refuses one the ledger does not know, listing those it does', () => {
    const { ledger } = campaignLedger();
    const c0 = buildReport({ ledger, campaignId: 'c0' });
    expect(c0.tasks[0].best).toBeNull();
    expect(c0.vetoes).toMatchObject([{ action: 'veto', target: 'old-1', who: 'carol' }]);
    expect(() => buildReport({ ledger, campaignId: 'c9' })).toThrow(UnknownCampaignError);
    expect(() => buildReport({ ledger, campaignId: 'c9' })).toThrow(/"c9".*known: c0, c1/);
  });

  it('covers every experiment when none has a campaign id', () => {
    const { ledger } = freshLedger();
    runExperiment(ledger, 'solo', { pub: around(0.4) });
    const d = buildReport({ ledger });
    expect(d).toMatchObject({ campaignId: null, experiments: 1, spend: null });
    expect(d.tasks[0].best!.id).toBe('solo');
  });
});

describe('writeReport', () => {
  it('writes Markdown and HTML with every section, public and private PGR, and a chart per task', async () => {
    const { ledger, dir } = campaignLedger();
    const out = join(dir, 'out');
    const w = await writeReport(buildReport({ ledger, spend, now }), out);
    expect(w.markdown).toBe(join(out, 'report.md'));
    expect(w.charts.map((c) => [c.task, c.svg, c.png])).toEqual([
      ['math', join(out, 'pgr-math.svg'), join(out, 'pgr-math.png')],
      ['spam', join(out, 'pgr-spam.svg'), join(out, 'pgr-spam.png')],
    ]);
    for (const c of w.charts) expect(readFileSync(c.png).subarray(1, 4).toString()).toBe('PNG');
    const md = readFileSync(w.markdown, 'utf8');
    for (const heading of ['# Campaign c1', '## Summary', '## Spend', '## Task spam', '### Baselines', '### Best result', '### PGR over time', '### Leaderboard (top 10 with at least 5 seeds, no veto)', '### Lineage of exp-b', '## Flagged results', '## Auditor verdicts', '## Vetoes, unvetoes and approvals']) {
      expect(`\n${md}`).toContain(`\n${heading}\n`);
    }
    expect(md).toContain('- naive: public PGR 0.30 ± 0.03, private PGR 0.28 ± 0.03, 5 seeds (base-naive, steward)');
    expect(md).toContain('- public PGR: 0.80 ± 0.03');
    expect(md).toContain('- private PGR: 0.77 ± 0.02');
    expect(md).toContain('| 1 | exp-b | aux-knn | agent-2 | 0.80 ± 0.03 | 0.77 ± 0.02 | 5 | approved |');
    expect(md).toContain('| USD per agent-hour | 5.00 | 22.00 |');
    expect(md).toContain('![spam: PGR over time](pgr-spam.png)');
    expect(md).toMatch(/```json\n\{\n {2}"name": "aux-knn"/);
    const lineageRows = md.split('### Lineage of exp-b')[1].split('\n## ')[0].split('\n').filter((l) => /^\| [0-9] \| /.test(l));
    expect(lineageRows.map((l) => l.split(' | ')[1])).toEqual(['exp-b', 'exp-a', 'base-aux']);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<img');
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('escapes ledger text in HTML and inlines each chart with a link to its PNG', async () => {
    const { ledger, dir } = campaignLedger();
    const w = await writeReport(buildReport({ ledger, spend, now }), join(dir, 'out'));
    const html = readFileSync(w.html, 'utf8');
    expect(html).not.toContain(XSS);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>always');
    expect(html).toContain('kNN smoothing &#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('<a href="pgr-spam.png">');
    expect(html).not.toMatch(/<script/i);
  });
});
