import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/ledger/ledger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { vaultFor } from '../../src/pipeline/setup.js';
import { MemoryQueue } from '../../src/queue/memory.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from './cache-dir.js';

export interface EmbeddedPipeline {
  ledger: Ledger;
  queue: MemoryQueue;
  pipeline: Pipeline;
  close(): Promise<void>;
}

/** The embedded stack on a fresh ledger: real w2s training on worker threads, real scoring, the shared test cache. */
export function openEmbeddedPipeline(o: { threads?: number; prefix?: string } = {}): EmbeddedPipeline {
  const threads = o.threads ?? 2;
  const ledger = Ledger.open(join(mkdtempSync(join(tmpdir(), o.prefix ?? 'aar-embedded-')), 'ledger.sqlite'));
  const queue = new MemoryQueue({ runner: new W2sRunner({ cacheDir: testCacheDir(), threads }), concurrency: threads });
  const pipeline = new Pipeline({ ledger, queue, vaultFor: vaultFor({ cacheDir: testCacheDir() }) });
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
