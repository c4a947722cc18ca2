import type { Ledger } from '../../src/ledger/ledger.js';

/** Scored seeds 1..n as the pipeline records them (each half, and the whole test set), public PGR as given. */
export function scoreSeeds(ledger: Ledger, experiment: string, pgrs: number[]): void {
  pgrs.forEach((pgr, i) => {
    const half = { weak: 0.8, ceiling: 0.95, student: 0.8 + 0.15 * pgr, pgr };
    ledger.recordResult({ jobId: `${experiment}-s${i + 1}`, experimentId: experiment, seed: i + 1, predictionsDigest: 'd', score: { public: half, private: half, all: { weak: 0.8, ceiling: 0.95, student: half.student } } as never });
  });
}
