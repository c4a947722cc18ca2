import type { Config } from '../config/env.js';
import { AarError } from '../domain/errors.js';
import { CoordinatorLock, type LockHolder } from '../ledger/coordinator-lock.js';
import { Ledger } from '../ledger/ledger.js';
import { MemoryQueue } from '../queue/memory.js';
import type { ExperimentQueue, JobPolicy } from '../queue/port.js';
import { embeddedVault } from '../scoring/label-vault.js';
import { EmbeddedBaselines, LedgerBaselines, type TrustedBaselines } from '../scoring/trusted-baselines.js';
import { isTaskId, TASK_IDS, type TaskId } from '../../workers/w2s/data/types.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { Pipeline, type SubmitRequest } from './pipeline.js';
import { buildProvenance } from '../reproduce/provenance.js';
import { embeddedDataVersion } from '../reproduce/data-version.js';

export function jobPolicy(config: Config): JobPolicy {
  return { attempts: config.jobAttempts, backoffMs: 1000, timeoutMs: config.jobTimeoutMs };
}

/** The queue the configuration asks for: BullMQ when REDIS_URL is set, else in-process threads. */
export async function openQueue(config: Config): Promise<ExperimentQueue> {
  if (config.redisUrl) {
    // Loaded only with Redis: the embedded default should not pay BullMQ's load time at each start.
    const { BullQueue } = await import('../queue/bullmq.js');
    const queue = new BullQueue({ redisUrl: config.redisUrl, queueName: config.queueName, policy: jobPolicy(config) });
    await queue.ready();
    return queue;
  }
  return new MemoryQueue({ runner: new W2sRunner({ cacheDir: config.cacheDir, threads: config.threads }), concurrency: config.threads, policy: jobPolicy(config) });
}

/** Scoring's label vaults: the embedded tasks' test labels. */
export function vaultFor(config: Pick<Config, 'cacheDir'>) {
  return (task: string) => {
    if (!isTaskId(task)) {
      throw new AarError('no_label_vault', `no evaluation labels for task "${task}"; scoring knows: ${TASK_IDS.join(', ')}`);
    }
    return embeddedVault(config.cacheDir, task);
  };
}

/** Scoring's trusted weak teacher and ceiling, as the configuration says (AAR_BASELINES). */
export function trustedBaselines(config: Pick<Config, 'cacheDir' | 'baselines'>, ledger: Ledger): TrustedBaselines {
  return config.baselines === 'trainer' ? new LedgerBaselines(ledger) : new EmbeddedBaselines(config.cacheDir);
}

/**
 * What every submission records for `aar reproduce`: the normalised method and its hashes, the
 * seeds, the embedded task's data version (from this machine's feature cache) and the versions.
 */
export function provenanceRecorder(config: Pick<Config, 'cacheDir'>, queue: 'memory' | 'bullmq'): (req: SubmitRequest) => Record<string, unknown> {
  return (req) => {
    const data = isTaskId(req.task) ? embeddedDataVersion(config.cacheDir, req.task, req.seeds) : undefined;
    return buildProvenance(req, { data, queue }) as unknown as Record<string, unknown>;
  };
}

export interface OpenPipeline {
  ledger: Ledger;
  queue: ExperimentQueue;
  pipeline: Pipeline;
  close(): Promise<void>;
}

export interface OpenPipelineOptions {
  /** Re-check unfinished jobs against the queue this often (default: AAR_RECONCILE_MS with Redis). */
  reconcileMs?: number;
  /**
   * Open as the ledger's one coordinator (`aar run`, `aar forum`): takes the coordinator lock
   * before anything else, or throws CoordinatorBusyError naming the holder.
   */
  coordinator?: { command: string; onLost?: (by: LockHolder | undefined) => void };
  /**
   * Run PRAGMA quick_check at open (default true). False only where the caller runs it itself,
   * off the event loop (`aar forum`, with `quickCheckInBackground`): damage is always named.
   */
  check?: boolean;
}

/** Ledger, queue and pipeline, listening. */
export async function openPipeline(config: Config, log?: (line: string) => void, o: OpenPipelineOptions = {}): Promise<OpenPipeline> {
  const ledger = Ledger.open(config.ledgerPath, { check: o.check });
  let lock: CoordinatorLock | undefined;
  try {
    if (o.coordinator) lock = CoordinatorLock.acquire(ledger, { ...o.coordinator, log });
  } catch (err) {
    ledger.close();
    throw err;
  }
  const queue = await openQueue(config).catch((err: unknown) => {
    lock?.release();
    ledger.close();
    throw err;
  });
  const pipeline = new Pipeline({ ledger, queue, vaultFor: vaultFor(config), baselines: trustedBaselines(config, ledger), log, provenance: provenanceRecorder(config, queue.kind) });
  pipeline.start({ reconcileMs: o.reconcileMs ?? (config.redisUrl ? config.reconcileMs : undefined) });
  return {
    ledger,
    queue,
    pipeline,
    async close() {
      await pipeline.stop();
      await queue.close();
      lock?.release();
      ledger.close();
    },
  };
}
