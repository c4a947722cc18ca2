// `node dist/test/bench/run.js findings`: what findings and votes cost as a campaign grows, and
// what reproducing and exporting cost (issue 19).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FindingsStore } from '../../src/findings/store.js';
import { recordVote, votesOn } from '../../src/findings/votes.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { Ledger } from '../../src/ledger/ledger.js';

/** A ledger with `n` insights, ten votes on each, and `n * 10` other events around them. */
function populate(n: number): { ledger: Ledger; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aar-bench-findings-'));
  const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
  const records = new ForumRecords(ledger);
  ledger.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      records.addMessage({ id: `m-${i}`, channel: 'forum', threadId: null, author: `agent-${i % 9}`, authorKind: 'agent', text: `insight ${i}`, data: { finding: { type: 'insight', experiments: [] } } });
      records.addMessage({ id: `c-${i}`, channel: 'forum', threadId: null, author: `agent-${i % 9}`, authorKind: 'agent', text: `chat ${i}` });
      for (let v = 0; v < 10; v++) recordVote(ledger, { target: `msg:m-${i}`, value: v % 3 ? 1 : -1, voter: { id: `agent-${(i + v + 1) % 9}`, name: 'x', kind: 'agent' }, via: 'bench' });
      for (let k = 0; k < 10; k++) ledger.append('note', { agent: 'a', data: { text: 'x' } });
    }
  })();
  return { ledger, dir };
}

function time(f: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

export async function benchFindings(): Promise<void> {
  console.log('findings and votes: milliseconds per read, as the ledger grows');
  console.log('insights   votes     votes on one   top 8 of the newest 200   a page of 30 findings');
  for (const n of [500, 5_000, 50_000]) {
    const { ledger, dir } = populate(n);
    const store = new FindingsStore(ledger, new ForumRecords(ledger));
    const one = time(() => votesOn(ledger, `msg:m-${Math.floor(n / 2)}`), 200);
    const top = time(() => store.top('insight', { n: 8 }), 20);
    const page = time(() => store.newest('insight', { limit: 30 }), 50);
    console.log(`${String(n).padEnd(10)} ${String(n * 10).padEnd(9)} ${one.toFixed(3).padStart(12)}   ${top.toFixed(2).padStart(22)}   ${page.toFixed(2).padStart(20)}`);
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
}
