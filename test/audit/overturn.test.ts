import { afterEach, describe, expect, it } from 'vitest';
import { overturnStats } from '../../src/audit/overturn-stats.js';
import { verdictFacts } from '../../src/audit/verdicts.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { ADMIN, GUEST, auditorVerdict, forumOn, freshLedger, propose } from './fixture.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function forum(ledger: Ledger) {
  const f = await forumOn(ledger);
  stops.push(f.stop);
  return f;
}

describe('overturn counting', () => {
  it('counts false alarms, misses and confirmations in each direction, explicit overturns included', async () => {
    const { ledger, records } = freshLedger();
    const { say } = await forum(ledger);
    // Each experiment gets its own method tag, except o1 whose tag is vetoed.
    const cases: [string, 'ok' | 'suspicious', boolean][] = [
      ['s-approved', 'suspicious', false],
      ['s-vetoed', 'suspicious', true],
      ['s-waiting', 'suspicious', false],
      ['s-autoveto', 'suspicious', true],
      ['s-flipflop', 'suspicious', false],
      ['s-explicit', 'suspicious', false],
      ['o-tagvetoed', 'ok', false],
      ['o-fine', 'ok', false],
      ['o-explicit', 'ok', false],
    ];
    for (const [id, verdict, recommendVeto] of cases) {
      propose(ledger, id, { tag: id === 'o-tagvetoed' ? 'gamed' : `m-${id}` });
      auditorVerdict(ledger, id, verdict, { recommendVeto });
    }
    records.addVeto('veto', 's-autoveto', 'auditor', 'always predicts the majority class'); // the auditor's auto-veto
    await say(ADMIN, 'approve s-approved');
    await say(ADMIN, 'veto s-vetoed confirmed: majority class');
    await say(ADMIN, 'unveto s-autoveto');
    await say(ADMIN, 'veto s-flipflop looks leaky');
    await say(ADMIN, 'approve s-flipflop'); // the latest decision wins
    await say(ADMIN, 'veto gamed runs code to check answers');
    expect(await say(ADMIN, 'overturn s-explicit the detector misfires on balanced data')).toBe(
      'Overturned the auditor on s-explicit: suspicious → ok. Recorded in the audit log; `approve s-explicit` puts it back on the leaderboard if it is held back.',
    );
    expect(await say(ADMIN, 'overturn o-explicit PGR above the ceiling is impossible')).toMatch(/^Overturned the auditor on o-explicit: ok → suspicious\. .*`veto o-explicit <reason>`/);

    expect(overturnStats(ledger)).toEqual({ falseAlarms: 4, missed: 2, confirmedSuspicious: 1, confirmedOk: 1, explicit: 2 });
    // Scoped to some experiments, only theirs count.
    expect(overturnStats(ledger, new Set(['o-explicit', 's-vetoed']))).toEqual({ falseAlarms: 0, missed: 1, confirmedSuspicious: 1, confirmedOk: 0, explicit: 1 });
  });

  it('records the overturn as a human verdict naming the auditor verdict it overturns, and announces it', async () => {
    const { ledger } = freshLedger();
    const { say, sync, forum: f } = await forum(ledger);
    propose(ledger, 'e1', { campaign: 'c1' });
    const auditorSeq = auditorVerdict(ledger, 'e1', 'suspicious', { recommendVeto: true });
    await say(ADMIN, 'overturn e1 seeds 1-5 all check out by hand');
    const human = ledger.events({ kind: 'verdict', experimentId: 'e1' }).at(-1)!;
    expect(human.campaignId).toBe('c1');
    expect(human.data).toEqual({ experiment: 'e1', verdict: 'ok', source: 'human', who: 'ada', reason: 'seeds 1-5 all check out by hand', reasons: ['seeds 1-5 all check out by hand'], recommendVeto: false, overturns: auditorSeq });
    expect(verdictFacts(ledger, 'e1').map((v) => [v.human, v.who, v.verdict])).toEqual([
      [false, 'auditor', 'suspicious'],
      [true, 'ada', 'ok'],
    ]);
    await sync();
    expect(f.posts.map((p) => p.post)).toContainEqual(expect.objectContaining({ channel: 'audit', text: 'ada overturned the auditor on e1 (suspicious → ok): seeds 1-5 all check out by hand' }));
    // Once per auditor verdict.
    expect(await say(ADMIN, 'overturn e1 again')).toBe("ada already overturned the auditor's verdict on e1.");
    expect(ledger.events({ kind: 'verdict' })).toHaveLength(2);
  });

  it('refuses people off the allowlist, unknown experiments and experiments without a verdict', async () => {
    const { ledger } = freshLedger();
    const { say } = await forum(ledger);
    propose(ledger, 'e1');
    propose(ledger, 'e2');
    auditorVerdict(ledger, 'e1', 'ok');
    expect(await say(GUEST, 'overturn e1 I think it cheats')).toMatch(/only people on the allowlist can run `overturn`/);
    expect(await say(ADMIN, 'overturn nope because')).toBe('There is no experiment "nope".');
    expect(await say(ADMIN, 'overturn e2 because')).toBe('The auditor has no verdict on e2 to overturn: `veto` or `approve` it instead.');
    expect(await say(ADMIN, 'overturn e1')).toContain('usage: overturn <experiment> <reason>');
    expect(ledger.events({ kind: 'verdict' })).toHaveLength(1);
    expect(overturnStats(ledger).explicit).toBe(0);
  });
});
