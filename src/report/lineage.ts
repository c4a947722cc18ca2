import { AarError } from '../domain/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { summarizeExperiment, type ExperimentSummary } from './experiment-summary.js';

/** One ancestor (or the experiment itself, at depth 0) in a lineage. */
export interface LineageNode extends ExperimentSummary {
  /** 0 for the experiment itself, 1 for its parents, 2 for theirs, and so on. */
  depth: number;
}

/** The ancestry of an experiment: what it built on, nearest first. */
export interface Lineage {
  experiment: string;
  /** Breadth-first from the experiment itself; each ancestor once, at its nearest depth. */
  nodes: LineageNode[];
  /** Ancestors beyond `maxDepth` were left out. */
  truncated: boolean;
  /** Parent ids the ledger does not hold (the schema forbids it; reported rather than thrown). */
  missing: string[];
}

/** Deep enough for any real campaign's chain of improvements; a bound so a report stays readable. */
export const DEFAULT_LINEAGE_DEPTH = 20;

/**
 * The tree of parents of an experiment, flattened breadth-first. A diamond (two parents with a
 * common ancestor) lists the ancestor once; a cycle, which the append-only schema cannot
 * produce but a hand-made ledger could, ends at the first repeat instead of looping.
 */
export function lineage(ledger: Ledger, experimentId: string, o: { maxDepth?: number } = {}): Lineage {
  const maxDepth = o.maxDepth ?? DEFAULT_LINEAGE_DEPTH;
  const root = summarizeExperiment(ledger, experimentId);
  if (!root) throw new AarError('unknown_experiment', `no experiment "${experimentId}" in the ledger`);
  const nodes: LineageNode[] = [{ ...root, depth: 0 }];
  const seen = new Set([experimentId]);
  const missing: string[] = [];
  let truncated = false;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    for (const parent of node.parents) {
      if (seen.has(parent)) continue;
      if (node.depth >= maxDepth) {
        truncated = true;
        continue;
      }
      seen.add(parent);
      const summary = summarizeExperiment(ledger, parent);
      if (summary) nodes.push({ ...summary, depth: node.depth + 1 });
      else missing.push(parent);
    }
  }
  return { experiment: experimentId, nodes, truncated, missing };
}
