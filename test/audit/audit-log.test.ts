import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../src/audit/audit-log.js';
import { auditCommand } from '../../src/cli/commands/audit.js';
import { loadConfig } from '../../src/config/env.js';
import { InvalidInputError } from '../../src/domain/errors.js';
import { addFlag } from '../../src/ledger/flags.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { ADMIN, auditorVerdict, forumOn, freshLedger, propose } from './fixture.js';

/**
 * Campaign c1: e1 flagged by a detector and judged suspicious, vetoed by ada (which flags its
 * child e2 by lineage), e2 approved, the veto lifted (so ada's own veto no longer confirms the
 * auditor: e1 is undecided again). Campaign c2: e3 judged ok, overturned by ada.
 */
async function story(): Promise<{ ledger: Ledger; home: string }> {
  const { ledger, home } = freshLedger();
  const f = await forumOn(ledger);
  propose(ledger, 'e1', { campaign: 'c1', tag: 'gamed' });
  propose(ledger, 'e2', { campaign: 'c1', parents: ['e1'], tag: 'soft' });
  propose(ledger, 'e3', { campaign: 'c2', tag: 'aux' });
  addFlag(ledger, 'e1', 'detector:most-common-answer', 'predicts "ham" for 96% of items', 'c1');
  auditorVerdict(ledger, 'e1', 'suspicious', { recommendVeto: true, reason: 'PGR 0.98 with a majority-class student.' });
  await f.say(ADMIN, 'veto e1 always predicts the majority class');
  await f.say(ADMIN, 'approve e2');
  await f.say(ADMIN, 'unveto e1');
  auditorVerdict(ledger, 'e3', 'ok', { reason: 'Within the reference range.' });
  await f.say(ADMIN, 'overturn e3 it reads the labels from the item ids');
  await f.stop();
  return { ledger, home };
}

describe('audit log', () => {
  it('lists every flag, verdict, veto, approval, unveto and overturn in order, with who, when and why', async () => {
    const { ledger } = await story();
    const log = auditLog(ledger);
    expect(log.entries.map((e) => [e.kind, e.who, e.what, e.target, e.why])).toEqual([
      ['flag', 'detector:most-common-answer', 'flagged', 'e1', 'predicts "ham" for 96% of items'],
      ['verdict', 'auditor', 'verdict: suspicious (veto recommended)', 'e1', 'PGR 0.98 with a majority-class student.'],
      ['veto', 'ada', 'vetoed', 'e1', 'always predicts the majority class'],
      ['flag', 'lineage', 'flagged', 'e2', 'derived from vetoed e1: always predicts the majority class'],
      ['approve', 'ada', 'approved', 'e2', ''],
      ['unveto', 'ada', 'lifted the veto', 'e1', ''],
      ['verdict', 'auditor', 'verdict: ok', 'e3', 'Within the reference range.'],
      ['overturn', 'ada', 'overturned the auditor: ok → suspicious', 'e3', 'it reads the labels from the item ids'],
    ]);
    // The ledger's clock ticks a second per fact: the log is in time order too.
    const times = log.entries.map((e) => Date.parse(e.at));
    expect(times.every((t, i) => i === 0 || t > times[i - 1])).toBe(true);
    expect(log.entries[0].at).toMatch(/^2025-03-01T09:00:\d\d\.000Z$/);
    expect(log.overturns).toEqual({ falseAlarms: 0, missed: 1, confirmedSuspicious: 0, confirmedOk: 0, explicit: 1 });
  });

  it("narrows to one campaign's experiments, method-tag vetoes included", async () => {
    const { ledger, records } = freshLedger();
    propose(ledger, 'a', { campaign: 'c1', tag: 'gamed' });
    propose(ledger, 'b', { campaign: 'c2', tag: 'honest' });
    auditorVerdict(ledger, 'b', 'ok');
    records.addVeto('veto', 'gamed', 'ada', 'runs code to check answers');
    records.addVeto('veto', 'honest', 'bo', 'just because');
    const c1 = auditLog(ledger, { campaignId: 'c1' });
    expect(c1.campaignId).toBe('c1');
    expect(c1.entries.map((e) => [e.kind, e.target, e.experiments])).toEqual([['veto', 'gamed', ['a']]]);
    expect(c1.overturns).toEqual({ falseAlarms: 0, missed: 0, confirmedSuspicious: 0, confirmedOk: 0, explicit: 0 });
    expect(auditLog(ledger, { campaignId: 'c2' }).overturns.missed).toBe(1);
  });

  it("includes scoring's per-seed flags at the time the seed was scored", () => {
    const { ledger } = freshLedger();
    propose(ledger, 'e');
    ledger.append('queued', { experimentId: 'e', jobId: 'e-s1', data: { seed: 1 } });
    ledger.recordResult({ jobId: 'e-s1', experimentId: 'e', seed: 1, predictionsDigest: 'd', score: { public: { pgr: 1 }, private: { pgr: 1 } }, flags: ['most-common-answer'] });
    auditorVerdict(ledger, 'e', 'suspicious');
    expect(auditLog(ledger).entries.map((e) => [e.kind, e.who, e.what, e.why])).toEqual([
      ['flag', 'scoring', 'flagged seed 1', 'most-common-answer'],
      ['verdict', 'auditor', 'verdict: suspicious', 'suspicious reason'],
    ]);
  });
});

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe('aar audit', () => {
  it('--json prints {campaign, entries, overturns}', async () => {
    const { ledger, home } = await story();
    ledger.close();
    const o = capture();
    await auditCommand(['--json'], loadConfig({ AAR_HOME: home }), o.out);
    const json = JSON.parse(o.text());
    expect(Object.keys(json)).toEqual(['campaign', 'entries', 'overturns']);
    expect(json.campaign).toBeNull();
    expect(json.entries).toHaveLength(8);
    expect(json.entries[2]).toEqual({ seq: expect.any(Number), at: expect.any(String), kind: 'veto', who: 'ada', target: 'e1', experiments: ['e1'], what: 'vetoed', why: 'always predicts the majority class' });
    expect(json.overturns).toEqual({ falseAlarms: 0, missed: 1, confirmedSuspicious: 0, confirmedOk: 0, explicit: 1 });

    const c2 = capture();
    await auditCommand(['--campaign', 'c2', '--json'], loadConfig({ AAR_HOME: home }), c2.out);
    expect(JSON.parse(c2.text()).entries.map((e: { kind: string }) => e.kind)).toEqual(['verdict', 'overturn']);
  });

  it('prints a table and the overturn counts without --json', async () => {
    const { ledger, home } = await story();
    ledger.close();
    const o = capture();
    await auditCommand([], loadConfig({ AAR_HOME: home }), o.out);
    expect(o.text()).toContain('Audit log of the whole ledger: 8 entries.');
    expect(o.text()).toMatch(/when\s+who\s+what\s+target\s+why/);
    expect(o.text()).toMatch(/overturned: missed\s+1/);
    expect(o.text()).toMatch(/explicit overturns\s+1/);
  });

  it('rejects an unknown --campaign, naming the flag and listing the campaigns', async () => {
    const { ledger, home } = await story();
    ledger.close();
    const err = await auditCommand(['--campaign', 'nope'], loadConfig({ AAR_HOME: home }), capture().out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/--campaign: unknown campaign "nope"; known campaigns: c1, c2/);
    await expect(auditCommand(['--bogus'], loadConfig({ AAR_HOME: home }), capture().out)).rejects.toThrow(/accepted: --campaign, --json/);
  });
});
