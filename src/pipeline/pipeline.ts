import { createHash, randomBytes } from 'node:crypto';
import { AarError } from '../domain/errors.js';
import { jobIdOf, parseJobResult, type JobResult } from '../domain/experiment.js';
import type { Method } from '../domain/method.js';
import type { Predictions } from '../domain/predictions.js';
import { addFlag } from '../ledger/flags.js';
import { ForumRecords } from '../ledger/forum-records.js';
import { flagInferredLineage } from '../audit/inferred-lineage.js';
import { isFinal, type Ledger } from '../ledger/ledger.js';
import { recordPublicPredictions } from '../ledger/predictions.js';
import type { ExperimentQueue } from '../queue/port.js';
import { experimentFindings, flagSource, foreignItems, jobFindings, jobFlag } from '../scoring/detectors/index.js';
import type { LabelVault } from '../scoring/label-vault.js';
import { publicClasses, score } from '../scoring/score.js';
import { experimentReport, type ExperimentReport } from './report.js';

export interface SubmitRequest {
  task: string;
  method: Method;
  seeds: number[];
  agent?: string;
  campaignId?: string;
  hypothesis?: string;
  parents?: string[];
}

export interface RecoveryReport {
  collected: string[];
  requeued: string[];
  failed: string[];
  inFlight: string[];
}

export interface PipelineOptions {
  ledger: Ledger;
  queue: ExperimentQueue;
  /** Scoring: the label vault of a task (the only holder of its evaluation labels). */
  vaultFor: (task: string) => LabelVault;
  newId?: () => string;
  log?: (line: string) => void;
  /** Minimum time between two recorded progress events of one job. */
  progressEveryMs?: number;
  /** What re-running a submission needs (src/reproduce), recorded with its proposal; nothing when absent. */
  provenance?: (req: SubmitRequest) => Record<string, unknown>;
}

/**
 * The experiment pipeline: records proposals in the ledger, enqueues one job per seed,
 * validates and scores what workers return, and reconciles the ledger with the queue after a
 * crash or a Redis restart. The ledger's one-row-per-job results table makes every path
 * (events, redeliveries, reconciliation) score a job at most once.
 */
export class Pipeline {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Jobs this process has recorded and is enqueueing right now: not lost, just not in the queue yet. */
  private readonly enqueuing = new Set<string>();
  private guard?: (req: SubmitRequest) => string | undefined;
  private readonly lastProgress = new Map<string, number>();
  private unsubscribe?: () => void;
  private reconciler?: NodeJS.Timeout;
  private reconciling?: Promise<void>;
  private recovering: Promise<unknown> = Promise.resolve();
  private readonly log: (line: string) => void;

  constructor(private readonly o: PipelineOptions) {
    this.log = o.log ?? (() => {});
  }

  /**
   * Listens to the queue and, every `reconcileMs`, runs recover(): events missed while this
   * process was down, or jobs a restarted Redis forgot, are picked up without a restart.
   */
  start(o: { reconcileMs?: number } = {}): void {
    if (o.reconcileMs && !this.reconciler) {
      this.reconciler = setInterval(() => {
        if (this.reconciling) return;
        this.reconciling = this.recover()
          .then(() => {})
          .catch((err: unknown) => this.log(`reconcile: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => (this.reconciling = undefined));
      }, o.reconcileMs);
      this.reconciler.unref();
    }
    this.unsubscribe ??= this.o.queue.subscribe({
      // Every process that listens hears this; the state machine refuses it once the job is final.
      active: (jobId) => this.onJob(jobId, (j) => this.o.ledger.append('started', { experimentId: j.experimentId, jobId, data: { seed: j.seed } })),
      progress: (jobId, p) => {
        const now = Date.now();
        if (now - (this.lastProgress.get(jobId) ?? 0) < (this.o.progressEveryMs ?? 2000) && p.fraction < 1) return;
        this.lastProgress.set(jobId, now);
        this.onJob(jobId, (j) => {
          const job = this.o.ledger.job(jobId);
          if (job && isFinal(job.status)) return;
          this.o.ledger.append('progress', { experimentId: j.experimentId, jobId, data: { seed: j.seed, ...p } });
        });
      },
      completed: (jobId, raw) => {
        this.lastProgress.delete(jobId);
        this.onJob(jobId, () => void this.collect(jobId, raw));
      },
      failed: (jobId, reason, final) => {
        if (final) this.lastProgress.delete(jobId);
        this.onJob(jobId, (j) => this.fail(j.experimentId, jobId, j.seed, reason, final));
      },
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.reconciler);
    this.reconciler = undefined;
    // A reconcile stuck on an unreachable Redis must not hold shutdown forever.
    await Promise.race([this.reconciling, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * Records the experiment and every seed's job ("queued") in one transaction, then enqueues the
   * jobs. A crash at any point after the transaction loses nothing: recovery enqueues whatever
   * is recorded and not in the queue. An enqueue that fails is left to recovery too.
   */
  async submit(req: SubmitRequest): Promise<string> {
    // A task scoring cannot score is refused now, not after the workers have spent the compute.
    this.o.vaultFor(req.task);
    const id = this.o.newId?.() ?? newExperimentId();
    const jobs = req.seeds.map((seed) => ({ seed, jobId: jobIdOf(id, seed) }));
    const provenance = this.o.provenance?.(req);
    // One transaction: the proposal, what re-running it needs, and every seed's job.
    this.o.ledger.write(() => {
      const refusal = this.guard?.(req);
      if (refusal) throw new AarError('proposal_refused', refusal);
      this.o.ledger.proposeExperiment({
        id,
        task: req.task,
        method: req.method as Record<string, unknown>,
        seeds: req.seeds,
        agent: req.agent,
        campaignId: req.campaignId,
        parents: req.parents,
        hypothesis: req.hypothesis ? { id: `h-${id}`, text: req.hypothesis } : undefined,
      });
      if (provenance) this.o.ledger.append('provenance', { experimentId: id, campaignId: req.campaignId, data: provenance });
      for (const { seed, jobId } of jobs) this.o.ledger.append('queued', { experimentId: id, jobId, data: { seed } });
    });
    for (const { jobId } of jobs) this.enqueuing.add(jobId);
    try {
      for (const { seed, jobId } of jobs) {
        await this.o.queue.enqueue({ experimentId: id, task: req.task, seed, method: req.method }).catch((err: unknown) => {
          this.log(`enqueue ${jobId}: ${err instanceof Error ? err.message : String(err)}; recovery will enqueue it`);
        });
        this.enqueuing.delete(jobId);
      }
    } finally {
      for (const { jobId } of jobs) this.enqueuing.delete(jobId);
    }
    return id;
  }

  /**
   * Sets a check run inside each proposal's transaction (under the ledger's write lock): a reason
   * refuses the proposal with a `proposal_refused` error. This is what makes a cap such as a
   * campaign's experiment budget exact, whoever proposes and however many at once.
   */
  guardProposals(guard: ((req: SubmitRequest) => string | undefined) | undefined): void {
    this.guard = guard;
  }

  /**
   * Brings the ledger in line with the queue: collects results that finished while nobody
   * listened, records final failures, and re-enqueues jobs the queue no longer has. Calls run
   * one after another (the timer and a caller may overlap), so a lost job is requeued once.
   */
  recover(): Promise<RecoveryReport> {
    const run = this.recovering.then(() => this.recoverOnce());
    this.recovering = run.catch(() => {});
    return run;
  }

  /**
   * Each job of the list is checked against the ledger again after its outcome comes back: the
   * question to the queue can take long (a stalled or restarting Redis), and meanwhile another
   * process may have scored it. Only a job still unfinished is acted on, and a requeue is
   * recorded (refused for a final job) before the enqueue.
   */
  private async recoverOnce(): Promise<RecoveryReport> {
    const report: RecoveryReport = { collected: [], requeued: [], failed: [], inFlight: [] };
    for (const listed of this.o.ledger.unfinishedJobs()) {
      if (this.enqueuing.has(listed.jobId)) continue;
      const outcome = await this.o.queue.outcome(listed.jobId);
      const job = this.o.ledger.job(listed.jobId);
      if (!job || isFinal(job.status) || this.enqueuing.has(job.jobId)) continue;
      if (outcome.state === 'completed') {
        // Only what this call scored: the queue's own event may have collected it a moment ago.
        if (this.collect(job.jobId, outcome.result)) report.collected.push(job.jobId);
      } else if (outcome.state === 'failed') {
        if (this.fail(job.experimentId, job.jobId, job.seed, outcome.reason, true)) report.failed.push(job.jobId);
      } else if (outcome.state === 'missing') {
        const experiment = this.o.ledger.experiment(job.experimentId);
        if (!experiment) continue;
        if (!this.o.ledger.append('requeued', { experimentId: job.experimentId, jobId: job.jobId, data: { seed: job.seed } })) continue;
        await this.o.queue.enqueue({ experimentId: job.experimentId, task: experiment.task, seed: job.seed, method: experiment.method as Method });
        report.requeued.push(job.jobId);
      } else {
        report.inFlight.push(job.jobId);
      }
    }
    if (report.collected.length || report.requeued.length || report.failed.length) {
      this.log(`recovered: ${report.collected.length} collected, ${report.requeued.length} re-enqueued (${report.requeued.join(', ') || 'none'}), ${report.failed.length} failed`);
    }
    return report;
  }

  /** Since when (epoch ms) the queue's Redis has been unreachable, if it is. */
  queueUnreachableSince(): number | undefined {
    return this.o.queue.unreachableSince?.();
  }

  /** Resolves when every job of the experiment is scored or finally failed. */
  async waitFor(experimentId: string, o: { signal?: AbortSignal } = {}): Promise<ExperimentReport> {
    while (!this.o.ledger.isFinished(experimentId)) {
      if (o.signal?.aborted) throw o.signal.reason;
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(experimentId) ?? new Set();
        this.waiters.set(experimentId, set);
        const wake = () => {
          set.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        // Re-check now and then: another process (or recovery) may have finished the job.
        const timer = setTimeout(wake, 1000);
        set.add(wake);
      });
    }
    return this.report(experimentId);
  }

  report(experimentId: string): ExperimentReport {
    const e = this.o.ledger.experiment(experimentId);
    if (!e) throw new AarError('unknown_experiment', `no experiment "${experimentId}" in the ledger`);
    const results = this.o.ledger.results(experimentId);
    const scored = new Set(results.map((r) => r.seed));
    // A seed that failed and was scored after all (its result arrived anyway) counts as scored.
    const failed = this.o.ledger
      .events({ experimentId, kind: 'failed' })
      .filter((ev) => ev.data.final === true && !scored.has(Number(ev.data.seed)))
      .map((ev) => ({ seed: Number(ev.data.seed), reason: String(ev.data.reason) }));
    return experimentReport({ experiment: e.id, task: e.task, method: e.methodTag ?? 'custom', results, failed });
  }

  private onJob(jobId: string, handle: (job: { experimentId: string; seed: number }) => void): void {
    const m = /^(.+)-s(\d+)$/.exec(jobId);
    // Jobs of other tools sharing the queue are none of our business.
    if (!m || !this.o.ledger.experiment(m[1])) return;
    try {
      handle({ experimentId: m[1], seed: Number(m[2]) });
    } catch (err) {
      this.log(`job ${jobId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Validates and scores one result and runs the shortcut detectors; invalid results fail the
   * job, they never crash us. "finished", the result, its flags, its public predictions and (when
   * it was the experiment's last job) the experiment's flags are written in one transaction
   * that holds the write lock from its start, so whichever process gets there first records
   * them all, once, and any other finds the result and records nothing.
   */
  private collect(jobId: string, raw: unknown): boolean {
    const m = /^(.+)-s(\d+)$/.exec(jobId)!;
    const [experimentId, seed] = [m[1], Number(m[2])];
    if (this.o.ledger.hasResult(jobId)) return false;
    const experiment = this.o.ledger.experiment(experimentId)!;
    let result: JobResult;
    let s;
    let vault: LabelVault;
    try {
      result = parseJobResult(raw);
      vault = this.o.vaultFor(experiment.task);
      const foreign = foreignItems(vault, result);
      if (foreign) {
        this.o.ledger.write(() => {
          if (this.fail(experimentId, jobId, seed, `rejected result: ${foreign.reason}`, true)) {
            addFlag(this.o.ledger, experimentId, flagSource(foreign.detector), foreign.reason, experiment.campaignId ?? undefined);
          }
        });
        return false;
      }
      s = score(vault, result);
    } catch (err) {
      this.fail(experimentId, jobId, seed, `rejected result: ${err instanceof Error ? err.message : String(err)}`, true);
      return false;
    }
    const stats = { ...result.stats, ...(result.stderrTail ? { stderrTail: result.stderrTail } : {}) };
    const classes = publicClasses(vault, result.student);
    const submission = { agent: experiment.agent, task: experiment.task, seed, classes };
    // No "probing the scorer" flag: the Ladder (src/scoring/ladder.ts) makes probing pointless, so
    // ordinary hill-climbing no longer fills the audit channel.
    const findings = jobFindings({ student: result.student, weak: result.weak, classes: vault.classes, score: s, stats: result.stats });
    const recorded = this.o.ledger.write(() => {
      if (this.o.ledger.hasResult(jobId)) return false;
      this.o.ledger.append('finished', { experimentId, jobId, data: { seed } });
      const ok = this.o.ledger.recordResult({ jobId, experimentId, seed, predictionsDigest: digest(result.student), score: s, flags: findings.map(jobFlag), stats });
      if (ok) recordPublicPredictions(this.o.ledger, { jobId, experimentId, ...submission });
      this.checkExperiment(experimentId);
      return ok;
    });
    if (recorded) this.log(`scored ${jobId}: PGR public ${s.public.pgr.toFixed(2)}${findings.length ? ` (flagged: ${findings.map((f) => f.detector).join(', ')})` : ''}`);
    this.wake(experimentId);
    return recorded;
  }

  /** Records a failure; false when the state machine refused it (the job is already final). */
  private fail(experimentId: string, jobId: string, seed: number, reason: string, final: boolean): boolean {
    const recorded = this.o.ledger.write(() => {
      const seq = this.o.ledger.append('failed', { experimentId, jobId, data: { seed, reason, final } });
      if (seq && final) this.checkExperiment(experimentId);
      return seq > 0;
    });
    if (recorded && final) this.log(`failed ${jobId}: ${reason}`);
    this.wake(experimentId);
    return recorded;
  }

  /**
   * Once every seed of an experiment is final, runs the detectors that compare seeds and records
   * what they find as experiment flags. addFlag records a (source, reason) once, and the reasons
   * are computed from the recorded results alone, so running it again (recovery) adds nothing.
   */
  private checkExperiment(experimentId: string): void {
    const experiment = this.o.ledger.experiment(experimentId);
    if (!experiment || !this.o.ledger.isFinished(experimentId)) return;
    const campaignId = experiment.campaignId ?? undefined;
    for (const f of experimentFindings(this.o.ledger.results(experimentId))) {
      if (addFlag(this.o.ledger, experimentId, flagSource(f.detector), f.reason, campaignId)) this.log(`flagged ${experimentId}: ${f.detector}`);
    }
    // A vetoed result resubmitted in another form, or built on without saying so, is held back like a declared descendant.
    for (const p of flagInferredLineage(this.o.ledger, new ForumRecords(this.o.ledger).vetoes(), experimentId)) this.log(`flagged ${experimentId}: behaves as built on vetoed ${p.ancestor}`);
  }

  private wake(experimentId: string): void {
    for (const w of this.waiters.get(experimentId) ?? []) w();
  }
}

function newExperimentId(): string {
  return `e${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A stable digest of predictions (in id order), to spot identical resubmissions. */
function digest(p: Predictions): string {
  const order = p.ids.map((_, k) => k).sort((a, b) => (p.ids[a] < p.ids[b] ? -1 : p.ids[a] > p.ids[b] ? 1 : 0));
  const h = createHash('sha256');
  for (const k of order) h.update(`${p.ids[k]}=${p.classes[k]};`);
  return h.digest('hex').slice(0, 32);
}
