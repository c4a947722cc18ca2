import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobIdOf, type JobResult, type JobSpec } from '../../src/domain/experiment.js';
import { parseMethod } from '../../src/domain/method.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import type { ExperimentQueue, QueueListener } from '../../src/queue/port.js';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { ScriptedRunner, scriptedBaselines } from '../../src/testing/scripted-runner.js';
import type { RunContext, Runner } from '../../workers/runner.js';
import { jobEvents, resultRows } from '../helpers/crash-env.js';
import { waitUntil } from '../helpers/processes.js';

// What a worker returns is untrusted: a result that fails validation, or predictions for
// items that are not in the evaluation set, must fail that one job with a reason, never take
// the coordinator down; and a result delivered twice must be scored once.

/** Ten evaluation items, five per half, with both classes in each half. */
const IDS = Array.from({ length: 10 }, (_, i) => `item-${i}`);
const LABELS = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1];
const labelsOf = (ids: string[]) => new Map(ids.map((id) => [id, LABELS[IDS.indexOf(id)]] as const));
const vault = new LabelVault('spam', 2, labelsOf(IDS.slice(0, 5)), labelsOf(IDS.slice(5)));

/**
 * ScriptedRunner's results are scoreable against this vault (it is given the same ids and
 * labels). Method 'stray' swaps the student's last id for one that is not in the vault: the
 * right shape and count, but an item that scoring does not know.
 */
class StrayRunner implements Runner {
  readonly name = 'stray';
  constructor(readonly scripted: ScriptedRunner) {}

  async run(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    const r = await this.scripted.run(spec, ctx);
    if (spec.method.name !== 'stray') return r;
    return { ...r, student: { ids: [...r.student.ids.slice(0, -1), 'not-an-item'], classes: r.student.classes } };
  }
}

/** A queue that remembers its listeners, so a test can deliver an event again, as Redis may. */
class ReplayQueue implements ExperimentQueue {
  readonly kind = 'memory' as const;
  private readonly listeners = new Set<QueueListener>();
  readonly completed = new Map<string, unknown>();

  constructor(private readonly inner: MemoryQueue) {
    inner.subscribe({ completed: (jobId, result) => this.completed.set(jobId, result) });
  }

  redeliverCompleted(jobId: string, result: unknown = this.completed.get(jobId)): void {
    for (const l of this.listeners) l.completed?.(jobId, result);
  }

  redeliverFailed(jobId: string, reason: string): void {
    for (const l of this.listeners) l.failed?.(jobId, reason, true);
  }

  enqueue = (spec: JobSpec) => this.inner.enqueue(spec);
  outcome = (jobId: string) => this.inner.outcome(jobId);
  cancel = (jobId: string) => this.inner.cancel(jobId);
  counts = () => this.inner.counts();
  workers = () => this.inner.workers();
  close = () => this.inner.close();

  subscribe(listener: QueueListener): () => void {
    this.listeners.add(listener);
    const off = this.inner.subscribe(listener);
    return () => {
      this.listeners.delete(listener);
      off();
    };
  }
}

let dir: string;
let ledgers: Ledger[];
let pipelines: Pipeline[];
let queue: ReplayQueue;
let runner: ScriptedRunner;
let log: string[];

function openLedger(): Ledger {
  const l = Ledger.open(path.join(dir, 'ledger.sqlite'));
  ledgers.push(l);
  return l;
}

function newPipeline(ledger: Ledger, o: { listen?: boolean } = {}): Pipeline {
  const p = new Pipeline({ ledger, queue, vaultFor: () => vault, baselines: scriptedBaselines({ ids: IDS, labels: LABELS }), log: (line) => log.push(line) });
  if (o.listen !== false) p.start();
  pipelines.push(p);
  return p;
}

const method = (name: string) => parseMethod({ name });

/** Resolves when every job is scored or failed; bounded so a hang fails the test instead. */
async function settle(p: Pipeline, experiment: string) {
  const abort = AbortSignal.timeout(10_000);
  return p.waitFor(experiment, { signal: abort });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aar-invalid-'));
  ledgers = [];
  pipelines = [];
  log = [];
  runner = new ScriptedRunner({ ids: IDS, labels: LABELS, delayMs: 20 });
  queue = new ReplayQueue(new MemoryQueue({ runner: new StrayRunner(runner), concurrency: 2, policy: { attempts: 2, backoffMs: 20, timeoutMs: 10_000 } }));
});

afterEach(async () => {
  for (const p of pipelines) await p.stop();
  await queue.close();
  for (const l of ledgers) l.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('crash safety: invalid worker results', () => {
  it('a result that fails validation fails its job with a reason; the good job and later ones are scored', async () => {
    const ledger = openLedger();
    const pipeline = newPipeline(ledger);

    const garbage = await pipeline.submit({ task: 'spam', method: method('garbage'), seeds: [1] });
    const good = await pipeline.submit({ task: 'spam', method: method('ok'), seeds: [1, 2] });
    const garbageReport = await settle(pipeline, garbage);
    const goodReport = await settle(pipeline, good);

    const garbageJob = jobIdOf(garbage, 1);
    expect(ledger.jobs(garbage)).toMatchObject([{ jobId: garbageJob, status: 'failed' }]);
    expect(garbageReport.failed).toHaveLength(1);
    const reason = garbageReport.failed[0].reason;
    expect(reason.startsWith('rejected result'), reason).toBe(true);
    // It names the bad fields: the missing predictions and the field nobody asked for.
    expect(reason).toContain('result.student');
    expect(reason).toContain('nonsense');
    expect(resultRows(ledger, garbageJob)).toBe(0);
    expect(jobEvents(ledger, garbage, garbageJob, 'failed')).toMatchObject([{ data: { final: true, reason } }]);
    // It ran once: a result that fails validation is not a transient failure.
    expect(runner.runsOf(garbageJob)).toBe(1);

    expect(goodReport.seeds).toEqual([1, 2]);
    expect(goodReport.failed).toEqual([]);
    for (const seed of [1, 2]) expect(resultRows(ledger, jobIdOf(good, seed))).toBe(1);
    expect(log.some((l) => l.startsWith(`failed ${garbageJob}: rejected result`))).toBe(true);

    // Predictions of the right shape for an item that is not in the evaluation set: scoring refuses.
    const stray = await pipeline.submit({ task: 'spam', method: method('stray'), seeds: [3] });
    const strayReport = await settle(pipeline, stray);
    expect(strayReport.seeds).toEqual([]);
    expect(strayReport.failed).toHaveLength(1);
    expect(strayReport.failed[0].reason).toMatch(/^rejected result: /);
    expect(strayReport.failed[0].reason).toContain('"not-an-item" is not an evaluation item');
    expect(resultRows(ledger, jobIdOf(stray, 3))).toBe(0);

    // The pipeline keeps working.
    const after = await pipeline.submit({ task: 'spam', method: method('ok'), seeds: [4] });
    expect(await settle(pipeline, after)).toMatchObject({ seeds: [4], failed: [] });
    expect(resultRows(ledger, jobIdOf(after, 4))).toBe(1);
    expect(ledger.unfinishedJobs()).toEqual([]);
  });

  it('the same completed event delivered twice (or to two coordinators) scores once', async () => {
    const ledger = openLedger();
    const pipeline = newPipeline(ledger);
    // A second coordinator on its own connection to the same ledger, listening to the same queue.
    const second = newPipeline(openLedger());

    const experiment = await pipeline.submit({ task: 'spam', method: method('ok'), seeds: [1] });
    const jobId = jobIdOf(experiment, 1);
    await settle(pipeline, experiment);
    const once = () => {
      expect(resultRows(ledger, jobId)).toBe(1);
      expect(jobEvents(ledger, experiment, jobId, 'scored')).toHaveLength(1);
      expect(ledger.jobs(experiment)).toMatchObject([{ status: 'scored' }]);
    };
    once();
    const digest = ledger.results(experiment)[0].predictionsDigest;

    // Redelivered, as Redis does after a lost acknowledgement; then with other predictions.
    queue.redeliverCompleted(jobId);
    queue.redeliverCompleted(jobId);
    const other = queue.completed.get(jobId) as JobResult;
    queue.redeliverCompleted(jobId, { ...other, student: { ids: IDS, classes: IDS.map(() => 1) } });
    once();
    expect(ledger.results(experiment)[0].predictionsDigest).toBe(digest);
    // A late failure report cannot undo a score.
    queue.redeliverFailed(jobId, 'late failure');
    once();
    // Nor can recovery, from either coordinator.
    expect(await pipeline.recover()).toEqual({ collected: [], requeued: [], failed: [], inFlight: [] });
    expect(await second.recover()).toEqual({ collected: [], requeued: [], failed: [], inFlight: [] });
    once();
    expect(runner.runsOf(jobId)).toBe(1);
  });

  it('a completion nobody heard is collected by recover() once, however often it runs or the event arrives late', async () => {
    const ledger = openLedger();
    // Not listening: the queue finishes the job while no coordinator hears it.
    const deaf = newPipeline(ledger, { listen: false });
    const experiment = await deaf.submit({ task: 'spam', method: method('ok'), seeds: [1, 2] });
    const jobs = [1, 2].map((s) => jobIdOf(experiment, s));
    for (const jobId of jobs) await waitUntil(`${jobId} is completed in the queue`, async () => (await queue.outcome(jobId)).state === 'completed', { timeoutMs: 5000, intervalMs: 10 });
    expect(ledger.jobs(experiment).map((j) => j.status)).toEqual(['queued', 'queued']);

    const recovering = newPipeline(ledger);
    // Two overlapping calls run one after the other: the first collects both jobs, the second finds nothing left.
    const [a, b] = await Promise.all([recovering.recover(), recovering.recover()]);
    expect([...a.collected].sort()).toEqual([...jobs].sort());
    expect(b).toEqual({ collected: [], requeued: [], failed: [], inFlight: [] });
    expect(await recovering.recover()).toEqual({ collected: [], requeued: [], failed: [], inFlight: [] });
    // The event the deaf coordinator missed arrives after all.
    for (const jobId of jobs) queue.redeliverCompleted(jobId);
    for (const jobId of jobs) {
      expect(resultRows(ledger, jobId)).toBe(1);
      expect(jobEvents(ledger, experiment, jobId, 'scored')).toHaveLength(1);
      expect(runner.runsOf(jobId)).toBe(1);
    }
    expect(recovering.report(experiment)).toMatchObject({ seeds: [1, 2], failed: [] });
  });
});
