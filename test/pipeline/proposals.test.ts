import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jobIdOf, type JobSpec } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { ScriptedRunner, scriptedBaselines } from '../../src/testing/scripted-runner.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

// Proposals are written whole before anything is enqueued, and every process that opens the
// ledger may listen to the queue and collect: the state machine keeps them from undoing each
// other.

const IDS = Array.from({ length: 8 }, (_, i) => `item-${i}`);
const LABELS = [1, 0, 0, 1, 0, 1, 1, 0];
const labelsOf = (ids: string[]) => new Map(ids.map((id) => [id, LABELS[IDS.indexOf(id)]] as const));
const vault = new LabelVault('spam', 2, labelsOf(IDS.slice(0, 4)), labelsOf(IDS.slice(4)));

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function ledgerAt(path: string): Ledger {
  const l = Ledger.open(path);
  cleanup.push(() => l.close());
  return l;
}

function freshPath(): string {
  const path = tempLedgerPath('aar-proposals-');
  cleanup.push(() => rmSync(dirname(path), { recursive: true, force: true }));
  return path;
}

function memoryQueue(): MemoryQueue {
  const q = new MemoryQueue({ runner: new ScriptedRunner({ ids: IDS, labels: LABELS }), concurrency: 2, policy: { attempts: 1 } });
  cleanup.push(() => q.close());
  return q;
}

describe('Pipeline.submit', () => {
  it('records every seed as queued in one transaction before the first enqueue', async () => {
    const ledger = ledgerAt(freshPath());
    const queue = memoryQueue();
    const seen: number[] = [];
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = (spec: JobSpec) => {
      seen.push(ledger.jobs(spec.experimentId).length);
      return enqueue(spec);
    };
    const pipeline = new Pipeline({ ledger, queue, vaultFor: () => vault, baselines: scriptedBaselines({ ids: IDS, labels: LABELS }) });
    const id = await pipeline.submit({ task: 'spam', method: parseMethod({}), seeds: [1, 2, 3] });
    expect(seen).toEqual([3, 3, 3]);
    await pipeline.recover();
    expect(ledger.events({ experimentId: id }).map((e) => e.kind).slice(0, 4)).toEqual(['proposed', 'queued', 'queued', 'queued']);
  });

  it('an enqueue that fails loses nothing: the proposal stands and recovery enqueues it', async () => {
    const ledger = ledgerAt(freshPath());
    const queue = memoryQueue();
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = () => Promise.reject(new Error('redis is down'));
    const log: string[] = [];
    const pipeline = new Pipeline({ ledger, queue, vaultFor: () => vault, baselines: scriptedBaselines({ ids: IDS, labels: LABELS }), log: (l) => log.push(l) });
    const id = await pipeline.submit({ task: 'spam', method: parseMethod({}), seeds: [1, 2] });
    expect(ledger.jobs(id).map((j) => j.status)).toEqual(['queued', 'queued']);
    expect(log.filter((l) => l.includes('recovery will enqueue it'))).toHaveLength(2);
    queue.enqueue = enqueue;
    expect((await pipeline.recover()).requeued.sort()).toEqual([jobIdOf(id, 1), jobIdOf(id, 2)]);
  });

  it('a proposal guard refuses inside the transaction, and nothing of the proposal is recorded', async () => {
    const ledger = ledgerAt(freshPath());
    const pipeline = new Pipeline({ ledger, queue: memoryQueue(), vaultFor: () => vault, baselines: scriptedBaselines({ ids: IDS, labels: LABELS }) });
    pipeline.guardProposals((req) => (req.campaignId === 'capped' ? 'the cap of 0 experiments is reached' : undefined));
    await expect(pipeline.submit({ task: 'spam', method: parseMethod({}), seeds: [1], campaignId: 'capped' })).rejects.toMatchObject({ code: 'proposal_refused', message: 'the cap of 0 experiments is reached' });
    expect(ledger.events()).toEqual([]);
    await expect(pipeline.submit({ task: 'spam', method: parseMethod({}), seeds: [1], campaignId: 'other' })).resolves.toMatch(/^e/);
  });
});

describe('two pipelines on one ledger file hearing the same queue events', () => {
  it('score each job once, record "finished" once, and leave no job stuck', async () => {
    const path = freshPath();
    const queue = memoryQueue();
    const a = new Pipeline({ ledger: ledgerAt(path), queue, vaultFor: () => vault, baselines: scriptedBaselines({ ids: IDS, labels: LABELS }) });
    const ledgerB = ledgerAt(path);
    const b = new Pipeline({ ledger: ledgerB, queue, vaultFor: () => vault, baselines: scriptedBaselines({ ids: IDS, labels: LABELS }) });
    a.start();
    b.start();
    cleanup.push(() => a.stop(), () => b.stop());
    const ids = await Promise.all([1, 2, 3].map(() => a.submit({ task: 'spam', method: parseMethod({}), seeds: [1, 2, 3, 4] })));
    for (const id of ids) await b.waitFor(id);
    const count = (sql: string) => ledgerB.db.prepare(sql).all();
    expect(ledgerB.unfinishedJobs()).toEqual([]);
    expect(count("SELECT job_id FROM events WHERE kind = 'finished' GROUP BY job_id HAVING COUNT(*) > 1")).toEqual([]);
    expect(count("SELECT job_id FROM events WHERE kind = 'scored' GROUP BY job_id HAVING COUNT(*) > 1")).toEqual([]);
    expect(ledgerB.jobCounts()).toEqual({ scored: 12 });
    // Nothing was recorded about a job after its score.
    expect(count("SELECT e.seq FROM events e JOIN events s ON s.job_id = e.job_id AND s.kind = 'scored' WHERE e.seq > s.seq")).toEqual([]);
  });
});
