import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { vaultFor as embeddedVaults } from '../../src/pipeline/setup.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import type { JobPolicy } from '../../src/queue/port.js';
import type { LabelVault } from '../../src/scoring/label-vault.js';
import { EmbeddedBaselines, type TrustedBaselines } from '../../src/scoring/trusted-baselines.js';
import type { Runner } from '../../workers/runner.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from './cache-dir.js';
import { tempLedgerPath } from './temp-ledger.js';

export interface EmbeddedPipeline {
  ledger: Ledger;
  queue: MemoryQueue;
  pipeline: Pipeline;
  close(): Promise<void>;
}

export interface EmbeddedPipelineOptions {
  /** Default: real w2s training on `threads` worker threads over `cacheDir`. */
  runner?: Runner;
  /** Default: the embedded tasks' label vaults in `cacheDir`. */
  vaultFor?: (task: string) => LabelVault;
  /** Default: the embedded tasks' trusted baselines, trained from `cacheDir`; a function gets the harness's ledger. */
  baselines?: TrustedBaselines | ((ledger: Ledger) => TrustedBaselines);
  cacheDir?: string;
  threads?: number;
  policy?: Partial<JobPolicy>;
  newId?: () => string;
  prefix?: string;
}

/** A fresh ledger, an in-process queue and a listening pipeline: the embedded stack tests and benches run on. */
export function openEmbeddedPipeline(o: EmbeddedPipelineOptions = {}): EmbeddedPipeline {
  const cacheDir = o.cacheDir ?? testCacheDir();
  const threads = o.threads ?? 2;
  const ledger = Ledger.open(tempLedgerPath(o.prefix ?? 'aar-embedded-'));
  const queue = new MemoryQueue({ runner: o.runner ?? new W2sRunner({ cacheDir, threads }), concurrency: threads, policy: o.policy });
  const pipeline = new Pipeline({ ledger, queue, vaultFor: o.vaultFor ?? embeddedVaults({ cacheDir }), baselines: typeof o.baselines === 'function' ? o.baselines(ledger) : (o.baselines ?? new EmbeddedBaselines(cacheDir)), newId: o.newId });
  pipeline.start();
  return {
    ledger,
    queue,
    pipeline,
    async close() {
      await pipeline.stop();
      await queue.close();
      ledger.close();
    },
  };
}
