import { afterEach, describe, expect, it } from 'vitest';
import { activeFlags, sequencedFlags } from '../../src/audit/active-flags.js';
import { flagLineage, lineageAncestor, lineageReason } from '../../src/audit/lineage-flags.js';
import { descendantsOf } from '../../src/audit/targets.js';
import { addFlag, flagsOf } from '../../src/ledger/flags.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { ADMIN, forumOn, freshLedger, propose } from './fixture.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** gp <- child <- grandchild, and an unrelated experiment. */
function family(ledger: Ledger): void {
  propose(ledger, 'gp', { tag: 'gamed' });
  propose(ledger, 'child', { parents: ['gp'], tag: 'soft' });
  propose(ledger, 'grandchild', { parents: ['child'], tag: 'soft2' });
  propose(ledger, 'unrelated', { tag: 'soft' });
}

async function forum(ledger: Ledger) {
  const f = await forumOn(ledger);
  stops.push(f.stop);
  return f;
}

const sources = (flags: { source: string; reason: string }[]) => flags.map((f) => `${f.source}: ${f.reason}`);

describe('veto lineage', () => {
  it('flags the child and grandchild of a vetoed grandparent, naming it; leaves the unrelated one alone', async () => {
    const { ledger, records } = freshLedger();
    family(ledger);
    const { say } = await forum(ledger);
    const reply = await say(ADMIN, 'veto gp always predicts the majority class');
    expect(reply).toMatch(/^Vetoed gp \(1 experiment\).*2 experiments derived from it are flagged/);
    expect(sources(flagsOf(ledger, 'child'))).toEqual(['lineage: derived from vetoed gp: always predicts the majority class']);
    expect(sources(flagsOf(ledger, 'grandchild'))).toEqual(['lineage: derived from vetoed gp: always predicts the majority class']);
    expect(flagsOf(ledger, 'unrelated')).toEqual([]);
    expect(flagsOf(ledger, 'gp')).toEqual([]); // vetoed itself, not flagged by lineage
    expect(sources(activeFlags(ledger, records, 'grandchild'))).toEqual(['lineage: derived from vetoed gp: always predicts the majority class']);
  });

  it('an unveto restores the descendants; a new veto flags them again without duplicating the fact', async () => {
    const { ledger, records } = freshLedger();
    family(ledger);
    const { say } = await forum(ledger);
    await say(ADMIN, 'veto gp majority class');
    expect(await say(ADMIN, 'unveto gp')).toBe('Lifted the veto on gp. Its lineage flags on 2 derived experiments no longer count.');
    expect(activeFlags(ledger, records, 'child')).toEqual([]);
    expect(activeFlags(ledger, records, 'grandchild')).toEqual([]);
    expect(flagsOf(ledger, 'child')).toHaveLength(1); // the fact stays
    await say(ADMIN, 'veto gp majority class');
    expect(activeFlags(ledger, records, 'child')).toHaveLength(1);
    expect(flagsOf(ledger, 'child')).toHaveLength(1);
  });

  it("a person's approval clears the flags raised before it, but not a veto that comes back later", async () => {
    const { ledger, records } = freshLedger();
    family(ledger);
    const { say } = await forum(ledger);
    await say(ADMIN, 'veto gp majority class');
    addFlag(ledger, 'child', 'detector:most-common-answer', 'answers "positive" 97% of the time');
    expect(activeFlags(ledger, records, 'child')).toHaveLength(2);
    expect(await say(ADMIN, 'approve child')).toBe('Approved child.');
    expect(activeFlags(ledger, records, 'child')).toEqual([]);
    expect(activeFlags(ledger, records, 'grandchild')).toHaveLength(1); // approving the child says nothing about its own child
    // A flag raised after the approval counts again.
    addFlag(ledger, 'child', 'auditor', 'new concern');
    expect(sources(activeFlags(ledger, records, 'child'))).toEqual(['auditor: new concern']);
    // Lifting and re-imposing the veto raises the lineage flag anew, after the approval.
    await say(ADMIN, 'unveto gp');
    await say(ADMIN, 'veto gp majority class');
    expect(sources(activeFlags(ledger, records, 'child'))).toEqual(['lineage: derived from vetoed gp: majority class', 'auditor: new concern']);
  });

  it('a method-tag veto flags what derives from every experiment with that tag, not those experiments themselves', () => {
    const { ledger, records } = freshLedger();
    propose(ledger, 'a', { tag: 'gamed' });
    propose(ledger, 'b', { tag: 'gamed', parents: ['a'] });
    propose(ledger, 'c', { tag: 'honest', parents: ['b'] });
    records.addVeto('veto', 'gamed', 'ada', 'runs code to check answers');
    const flagged = flagLineage(ledger, 'gamed', 'runs code to check answers');
    expect(flagged).toEqual([
      { experiment: 'c', ancestor: 'a' },
      { experiment: 'c', ancestor: 'b' },
    ]);
    expect(flagsOf(ledger, 'b')).toEqual([]);
    expect(flagLineage(ledger, 'gamed', 'runs code to check answers')).toEqual([]); // once per fact
    expect(activeFlags(ledger, records, 'c')).toHaveLength(2);
    records.addVeto('unveto', 'gamed', 'ada', '');
    expect(activeFlags(ledger, records, 'c')).toEqual([]);
  });

  it('walks diamonds and deep chains once per descendant', () => {
    const { ledger } = freshLedger();
    propose(ledger, 'root');
    propose(ledger, 'l', { parents: ['root'] });
    propose(ledger, 'r', { parents: ['root'] });
    propose(ledger, 'join', { parents: ['l', 'r'] });
    propose(ledger, 'tail', { parents: ['join'] });
    expect(descendantsOf(ledger, ['root'])).toEqual(['l', 'r', 'join', 'tail']);
    expect(descendantsOf(ledger, ['tail'])).toEqual([]);
  });

  it('reads the ancestor back from any reason, and knows the flags in ledger order', () => {
    expect(lineageAncestor(lineageReason('exp-1.a_b', 'x: y "z" derived from vetoed other: no'))).toBe('exp-1.a_b');
    expect(lineageAncestor('most common answer')).toBeUndefined();
    const { ledger } = freshLedger();
    propose(ledger, 'e');
    addFlag(ledger, 'e', 'auditor', 'one');
    ledger.append('queued', { experimentId: 'e', jobId: 'e-s1', data: { seed: 1 } });
    ledger.recordResult({ jobId: 'e-s1', experimentId: 'e', seed: 1, predictionsDigest: 'd', score: { public: { pgr: 1 }, private: { pgr: 1 } }, flags: ['most-common-answer'] });
    const seq = sequencedFlags(ledger, 'e');
    expect(seq.map(({ seq: _s, ...f }) => f)).toEqual(flagsOf(ledger, 'e'));
    expect(seq[1].seq).toBeGreaterThan(seq[0].seq);
  });
});
