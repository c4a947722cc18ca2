import type { Method } from '../domain/method.js';
import { parseJobResult } from '../domain/experiment.js';
import { isTaskId } from '../../workers/w2s/data/types.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { embeddedVault } from '../scoring/label-vault.js';
import { EmbeddedBaselines } from '../scoring/trusted-baselines.js';
import { privateSeedItems } from '../scoring/item-scores.js';
import type { SeedItems } from './paired-se.js';

/**
 * Runs a method on one seed of an embedded task for trusted code (the desk's confirmation, the
 * held-out transfer) and scores it item by item on the private half. Nothing it runs is an
 * experiment in the ledger, so no agent view lists it.
 */
export interface ItemEvaluator {
  evaluate(task: string, method: Method, seed: number): Promise<SeedItems>;
  close(): Promise<void>;
}

export class NotEmbeddedTaskError extends Error {
  readonly code = 'not_embedded_task';
  constructor(readonly task: string) {
    super(`task "${task}" is not an embedded task: the desk can re-run only embedded tasks`);
  }
}

/** In this thread (tests, benches): simple, and blocks the event loop while it trains. */
export function inlineItemEvaluator(cacheDir: string): ItemEvaluator {
  return {
    async evaluate(task, method, seed) {
      if (!isTaskId(task)) throw new NotEmbeddedTaskError(task);
      const run = runW2s({ task, seed, method, cacheDir });
      // Weak teacher and ceiling from trusted code, never from the run (label reach).
      return privateSeedItems(embeddedVault(cacheDir, task), { student: run.student, ...baselines(cacheDir).get(task, seed) }, seed);
    },
    async close() {},
  };
}

/** On worker threads of its own (the coordinator), so the campaign's event loop stays free. */
export function threadItemEvaluator(o: { cacheDir: string; threads: number }): ItemEvaluator {
  const runner = new W2sRunner(o);
  return {
    async evaluate(task, method, seed) {
      if (!isTaskId(task)) throw new NotEmbeddedTaskError(task);
      const ctl = new AbortController();
      const raw = await runner.run({ experimentId: `desk-${task.replace('@', '-')}-${seed}`, task, seed, method }, { signal: ctl.signal, progress: () => {} });
      return privateSeedItems(embeddedVault(o.cacheDir, task), { student: parseJobResult(raw).student, ...baselines(o.cacheDir).get(task, seed) }, seed);
    },
    close: () => runner.close(),
  };
}

const trusted = new Map<string, EmbeddedBaselines>();
function baselines(cacheDir: string): EmbeddedBaselines {
  let b = trusted.get(cacheDir);
  if (!b) trusted.set(cacheDir, (b = new EmbeddedBaselines(cacheDir)));
  return b;
}
