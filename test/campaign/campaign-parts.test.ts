import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BudgetGuard } from '../../src/campaign/budget-guard.js';
import { loadCampaignFile, parseCampaign } from '../../src/campaign/campaign-file.js';
import { LiveView, renderLine, renderLive, type LiveSnapshot } from '../../src/campaign/live-view.js';
import { campaignSpend, type Spend } from '../../src/campaign/spend.js';
import { campaignSummary } from '../../src/campaign/summary.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { UsageLedger } from '../../src/ledger/usage.js';
import { ROOT } from '../helpers/processes.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';
import { invalidInput } from '../helpers/invalid-input.js';

const dir = () => mkdtempSync(join(tmpdir(), 'aar-cfile-'));
const problems = (f: () => unknown) => invalidInput(f).problems.map((p) => p.field);

describe('campaign file', () => {
  it('defaults to the embedded demo: nine agents on every task, claims need 5 seeds', () => {
    const c = parseCampaign({});
    expect(c).toMatchObject({ name: 'embedded', tasks: ['spam', 'sentiment', 'math', 'code'], agents: { count: 9, kind: 'auto' }, scoring: { claimSeeds: 5 }, schedule: { timezone: 'UTC', active: [] } });
  });

  it('the example in infra/campaigns is valid', () => {
    expect(loadCampaignFile(join(ROOT, 'infra/campaigns/nightly.yaml'))).toMatchObject({ name: 'nightly', budget: { usd: 200, experiments: 2000 }, schedule: { timezone: 'Europe/London' } });
  });

  it('reads YAML and JSON, and names every bad field with what it accepts', () => {
    const d = dir();
    writeFileSync(join(d, 'c.yaml'), 'name: nights\ntasks: [spam, math]\nbudget:\n  usd: 25\n  experiments: 100\nschedule:\n  timezone: Europe/Paris\n  active: ["* 22-23,0-6 * * *"]\n');
    expect(loadCampaignFile(join(d, 'c.yaml'))).toMatchObject({ name: 'nights', tasks: ['spam', 'math'], budget: { usd: 25, experiments: 100 }, schedule: { timezone: 'Europe/Paris' } });
    writeFileSync(join(d, 'c.json'), JSON.stringify({ agents: { count: 3, kind: 'offline' } }));
    expect(loadCampaignFile(join(d, 'c.json')).agents).toMatchObject({ count: 3, kind: 'offline' });
    expect(problems(() => parseCampaign({ tasks: ['spam', 'chess'], budget: { usd: -1 }, agents: { count: 0 }, colour: 'red' }))).toEqual(
      expect.arrayContaining(['campaign.tasks.1', 'campaign.budget.usd', 'campaign.agents.count', 'campaign.colour']),
    );
    expect(problems(() => parseCampaign({ schedule: { timezone: 'Mars/Olympus' } }))[0]).toMatch(/campaign\.schedule\.timezone/);
    writeFileSync(join(d, 'bad.yaml'), 'tasks: [spam\n');
    expect(problems(() => loadCampaignFile(join(d, 'bad.yaml')))).toEqual(['--config']);
    expect(problems(() => loadCampaignFile(join(d, 'missing.yaml')))).toEqual(['--config']);
  });
});

function scoredJob(ledger: Ledger, id: string, seed: number, campaignId: string, o: { pgr?: number; tag?: string; agent?: string; ms?: number } = {}) {
  if (!ledger.experiment(id)) ledger.proposeExperiment({ id, task: 'spam', method: { name: o.tag ?? 'naive' }, seeds: [1, 2, 3, 4, 5].slice(0, 5), campaignId, agent: o.agent ?? 'ada' });
  const jobId = `${id}-s${seed}`;
  ledger.append('queued', { experimentId: id, jobId, data: { seed } });
  ledger.append('started', { experimentId: id, jobId, data: { seed } });
  ledger.append('finished', { experimentId: id, jobId, data: { seed } });
  const half = { weak: 0.8, ceiling: 0.9, student: 0.85, pgr: o.pgr ?? 0.5 };
  ledger.recordResult({ jobId, experimentId: id, seed, predictionsDigest: 'd', score: { public: half, private: { ...half, pgr: (o.pgr ?? 0.5) - 0.05 } } as never });
}

describe('spend and summary', () => {
  it('agent-hours come from sessions (a crashed one counts to its last heartbeat); dollars from recorded usage', () => {
    let t = Date.parse('2026-11-27T00:00:00Z');
    const ledger = Ledger.open(tempLedgerPath(), { now: () => new Date(t) });
    ledger.append('campaign', { campaignId: 'c1', data: { action: 'start', agents: 9 } });
    t += 30 * 60_000;
    ledger.append('campaign', { campaignId: 'c1', data: { action: 'stop' } });
    t += 60 * 60_000;
    ledger.append('campaign', { campaignId: 'c1', data: { action: 'start', agents: 3 } });
    t += 20 * 60_000;
    ledger.append('campaign', { campaignId: 'c1', data: { action: 'heartbeat' } });
    // another campaign's session is not ours
    ledger.append('campaign', { campaignId: 'c2', data: { action: 'start', agents: 50 } });
    new UsageLedger(ledger).record({ requestId: 'msg_1', agent: 'ada', purpose: 'turn', model: 'claude-opus-5-5', campaignId: 'c1', inputTokens: 1000, outputTokens: 100, cacheWriteTokens: 0, cacheReadTokens: 0, usd: 1.5 });
    const s = campaignSpend(ledger, 'c1');
    expect(s.agentHours).toBeCloseTo(9 * 0.5 + 3 * (20 / 60), 6);
    expect(s.usd).toBeCloseTo(1.5, 6);
    expect(s.usdPerAgentHour).toBeCloseTo(1.5 / 5.5, 6);
  });

  it('the summary prefers claimed results, leaves out vetoed ones and probes, and reports the aux-conf baseline', () => {
    const ledger = Ledger.open(tempLedgerPath());
    for (let s = 1; s <= 5; s++) {
      scoredJob(ledger, 'base', s, 'c1', { tag: 'aux-conf', agent: 'steward', pgr: 0.5 });
      scoredJob(ledger, 'lucky', s, 'c1', { pgr: 0.9 });
      scoredJob(ledger, 'claimed', s, 'c1', { pgr: 0.7 });
      scoredJob(ledger, 'vetoed', s, 'c1', { pgr: 0.99 });
    }
    scoredJob(ledger, 'probe', 1, 'c1', { pgr: 1 });
    ledger.append('claim', { experimentId: 'claimed', agent: 'ada' });
    new ForumRecords(ledger).addVeto('veto', 'vetoed', 'maria', 'predicts one class');
    ledger.append('verdict', { data: { experiment: 'vetoed', verdict: 'suspicious' } });
    const spend: Spend = { usd: 0, agentHours: 1, usdPerAgentHour: 0, activeAgentHours: 0, usdPerActiveAgentHour: 0, gpuHours: 0.01, experiments: 5 };
    const s = campaignSummary(ledger, 'c1', spend, 5);
    expect(s.tasks.spam.baseline).toEqual({ experiment: 'base', pgrPublic: 0.5, pgrPrivate: 0.45 });
    expect(s.tasks.spam.best).toMatchObject({ experiment: 'claimed', pgrPublic: 0.7, pgrPrivate: 0.65, seeds: 5 });
    expect(s).toMatchObject({ campaign: 'c1', experiments: 5, flags: 1, vetoes: 1 });
  });
});

describe('budget guard', () => {
  it('warns once at 50, 80 and 100% in the forum, reports exhaustion, and honours `budget set`', () => {
    const ledger = Ledger.open(tempLedgerPath());
    const records = new ForumRecords(ledger);
    const guard = new BudgetGuard(ledger, records, 'c1', { experiments: 10 });
    const spend = (experiments: number): Spend => ({ usd: 0, agentHours: 0, usdPerAgentHour: 0, activeAgentHours: 0, usdPerActiveAgentHour: 0, gpuHours: 0, experiments });
    expect(guard.check(spend(4)).warnings).toEqual([]);
    expect(guard.check(spend(6)).warnings.map((w) => w.level)).toEqual([0.5]);
    expect(guard.check(spend(9)).warnings.map((w) => w.level)).toEqual([0.8]);
    expect(guard.check(spend(9)).warnings).toEqual([]);
    const done = guard.check(spend(10));
    expect(done.exhausted).toMatch(/experiments budget is spent \(10 experiments of 10 experiments\)/);
    expect(done.warnings[0].text).toMatch(/No new experiments start; running ones finish and are scored/);
    // A new guard (a restarted coordinator) repeats nothing.
    expect(new BudgetGuard(ledger, records, 'c1', { experiments: 10 }).check(spend(10)).warnings).toEqual([]);
    expect(records.messages({ authorKind: 'agent' }).map((m) => m.author)).toEqual(['steward', 'steward', 'steward']);
    // A person raises the dollar cap with `budget set`: the latest one counts.
    const usd = new BudgetGuard(ledger, records, 'c1', { usd: 1 });
    expect(usd.check({ ...spend(0), usd: 2 }).exhausted).toMatch(/usd/);
    ledger.append('control', { data: { action: 'budget', usd: 10, who: 'maria' } });
    expect(usd.check({ ...spend(0), usd: 2 }).exhausted).toBeUndefined();
  });
});

describe('live view', () => {
  const snap: LiveSnapshot = {
    campaign: 'embedded',
    elapsedMs: 65_000,
    progress: 0.25,
    experimentsDone: 12,
    experimentsQueued: 3,
    best: [{ task: 'spam', pgr: 0.71, baseline: 0.6 }, { task: 'math' }],
    spend: { usd: 0, agentHours: 0.15, usdPerAgentHour: 0, activeAgentHours: 0, usdPerActiveAgentHour: 0, gpuHours: 0.002, experiments: 15 },
  };

  it('renders a progress bar, counts, best PGR per task and spend', () => {
    const lines = renderLive(snap);
    expect(lines[0]).toContain('[######..................]  25%');
    expect(lines.join('\n')).toMatch(/12 done, 3 running or queued[\s\S]*spam 0\.71 \(aux-conf 0\.60\) · math —[\s\S]*reference \$22/);
    expect(renderLine(snap)).toBe('[1m05s] 25% experiments 12 done/3 queued · best spam=0.71 math=- · $0.00');
  });

  it('redraws in place on a terminal, and prints plain periodic lines elsewhere', () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const v = new LiveView(tty);
    v.update(snap);
    v.update(snap);
    expect(written[1]).toBe('\x1b[4A');
    const plain: string[] = [];
    let now = 0;
    const pipe = { isTTY: false, write: (s: string) => plain.push(s) } as unknown as NodeJS.WriteStream;
    const p = new LiveView(pipe, { everyMs: 10_000, now: () => now });
    p.update(snap);
    now = 5_000;
    p.update(snap);
    now = 12_000;
    p.update(snap);
    expect(plain).toHaveLength(2);
    expect(plain.join('')).not.toContain('\x1b');
  });
});
