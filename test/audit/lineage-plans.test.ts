import { describe, expect, it } from 'vitest';
import { flagInferredLineage } from '../../src/audit/inferred-lineage.js';
import { descendantsOf, experimentsNamed } from '../../src/audit/targets.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

/** The SQL a call prepares, each with its query plan. */
function plansOf(ledger: Ledger, call: () => void): { sql: string; plan: string }[] {
  const seen: string[] = [];
  const prepare = ledger.db.prepare;
  ledger.db.prepare = ((sql: string) => (seen.push(sql), prepare(sql))) as typeof prepare;
  try {
    call();
  } finally {
    ledger.db.prepare = prepare;
  }
  return [...new Set(seen)].map((sql) => ({ sql, plan: (ledger.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array<null>((sql.match(/\?/g) ?? []).length).fill(null)) as { detail: string }[]).map((r) => r.detail).join(' | ') }));
}

describe('lineage lookups stay indexed as the campaign grows', () => {
  it('veto targets, parent walks and the inferred-lineage check of a scored experiment never scan experiments or parent links', () => {
    const ledger = Ledger.open(tempLedgerPath());
    const records = new ForumRecords(ledger);
    const propose = (id: string, name: string, parents: string[] = []) => ledger.proposeExperiment({ id, task: 'spam', method: { name }, seeds: [1], agent: 'ada', parents });
    propose('e1', 'naive');
    propose('e2', 'aux-conf', ['e1']);
    propose('e3', 'tweak', ['e2']);
    propose('e4', 'other');
    records.addVeto('veto', 'aux-conf', 'maria', 'leak');
    records.addVeto('veto', 'e1', 'maria', 'leak');
    const plans = plansOf(ledger, () => {
      expect(experimentsNamed(ledger, 'aux-conf')).toEqual(['e2']);
      expect(descendantsOf(ledger, ['e1'])).toEqual(['e2', 'e3']);
      flagInferredLineage(ledger, records.vetoes(), 'e4');
    });
    const onLineage = plans.filter((p) => /FROM experiments\b|experiment_parents/.test(p.sql));
    expect(onLineage.length).toBeGreaterThanOrEqual(4);
    for (const p of onLineage) {
      expect(p.plan, p.sql).not.toMatch(/SCAN (experiments|experiment_parents)\b(?! USING)/);
      expect(p.plan, p.sql).not.toMatch(/SCAN (experiments|experiment_parents) USING (COVERING )?INDEX sqlite_autoindex/);
    }
    ledger.close();
  });
});

describe('the guidance a turn reads', () => {
  it('the newest human messages are read through an index on the author kind, not by walking every message', () => {
    const ledger = Ledger.open(tempLedgerPath());
    const records = new ForumRecords(ledger);
    for (let k = 0; k < 5; k++) records.addMessage({ id: `m${k}`, channel: 'forum', threadId: null, author: k % 2 ? 'ada' : 'maria', authorKind: k % 2 ? 'agent' : 'human', text: `hello ${k}` });
    let read: string[] = [];
    const plans = plansOf(ledger, () => (read = records.messages({ authorKind: 'human', limit: 10 }).map((m) => m.id)));
    expect(read).toEqual(['m4', 'm2', 'm0']);
    const plan = plans.find((p) => p.sql.includes('FROM messages'))!.plan;
    expect(plan).toContain('messages_by_author_kind');
    expect(plan).not.toContain('TEMP B-TREE');
    ledger.close();
  });
});
