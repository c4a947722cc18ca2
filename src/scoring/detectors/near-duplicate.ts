import type { Ledger } from '../../ledger/ledger.js';
import { publicPredictionsAfter, type PublicPredictions } from '../../ledger/predictions.js';
import type { Finding } from './finding.js';

/** Two submissions are near-duplicates when they differ on fewer than this share of the public items… */
export const MIN_DISTINCT_SHARE = 0.01;
/** …or fewer than this many items, whichever is more. */
export const MIN_DISTINCT_FLOOR = 5;
/** Near-duplicate submissions (differing on at least one item) by one agent before its jobs are flagged as probing. */
export const PROBING_NEAR_DUPLICATES = 5;

/** The default `minDistinct`: 1% of the public items, at least 5. */
export function defaultMinDistinct(publicSize: number): number {
  return Math.max(MIN_DISTINCT_FLOOR, Math.ceil(MIN_DISTINCT_SHARE * publicSize));
}

/** Items on which two prediction vectors differ, counting no further than `limit` (most pairs stop early). */
export function distinctItems(a: Uint8Array, b: Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let n = 0;
  for (let k = 0; k < a.length && n < limit; k++) if (a[k] !== b[k]) n++;
  return n;
}

/** The earlier submission a near-duplicate is answered with, and how many public items set them apart. */
export interface Anchor {
  jobId: string;
  experimentId: string;
  distinct: number;
}

/** `minDistinct` as a number, or as a function of the number of public items; 0 turns the defence off. */
export type MinDistinct = number | ((publicSize: number) => number);

interface Group {
  anchors: { jobId: string; experimentId: string; classes: Uint8Array }[];
}

/**
 * Finds submissions that add nothing new. Each scored job's public predictions are compared,
 * per agent, task and seed and in the order they were scored, with the earlier "anchors":
 * a job that differs from an anchor on fewer than `minDistinct` public items is a
 * near-duplicate of it, otherwise it becomes an anchor itself. Answering a near-duplicate with
 * its anchor's score means no answer ever tells apart two submissions that differ on a few
 * items, so flipping one prediction per query and reading the change recovers no label; and
 * because near-duplicates are answered with an anchor's score, never their own, a chain of
 * small steps cannot walk away from the anchor either.
 *
 * The ledger's table is append-only and read in order, so the state is built incrementally and
 * two processes reading the same ledger reach the same anchors.
 */
export class NearDuplicates {
  private cursor = 0;
  private readonly groups = new Map<string, Group>();
  private readonly anchorOf = new Map<string, Anchor>();
  private readonly probes = new Map<string, number>();

  constructor(
    private readonly ledger: Ledger,
    private readonly minDistinct: MinDistinct = defaultMinDistinct,
  ) {}

  /** The threshold for predictions over `publicSize` items. */
  threshold(publicSize: number): number {
    return typeof this.minDistinct === 'function' ? this.minDistinct(publicSize) : this.minDistinct;
  }

  /** The anchor a scored job is answered with, or undefined when the job is an anchor (or has no stored predictions). */
  anchor(jobId: string): Anchor | undefined {
    this.catchUp();
    return this.anchorOf.get(jobId);
  }

  /** The anchor a submission not yet recorded would be answered with. */
  match(p: Pick<PublicPredictions, 'agent' | 'task' | 'seed' | 'classes'>): Anchor | undefined {
    this.catchUp();
    return this.find(p);
  }

  /** Recorded near-duplicates by `agent` that differ from their anchor on at least one item (identical reruns reveal nothing and are not counted). */
  probing(agent: string | null): number {
    this.catchUp();
    return this.probes.get(JSON.stringify(agent)) ?? 0;
  }

  /** A finding when a new submission would make `agent`'s near-duplicates several. */
  probingFinding(p: Pick<PublicPredictions, 'agent' | 'task' | 'seed' | 'classes'>): Finding | undefined {
    const m = this.match(p);
    if (!m || m.distinct === 0) return undefined;
    const n = this.probing(p.agent) + 1;
    if (n < PROBING_NEAR_DUPLICATES) return undefined;
    return {
      detector: 'probing-the-scorer',
      reason: `${n} near-duplicate submissions by ${p.agent ?? 'a person'}; this one differs from job ${m.jobId} on ${m.distinct} of ${p.classes.length} public items (fewer than ${this.threshold(p.classes.length)}), so it was answered with that job's score`,
    };
  }

  private find(p: Pick<PublicPredictions, 'agent' | 'task' | 'seed' | 'classes'>): Anchor | undefined {
    const limit = this.threshold(p.classes.length);
    if (!(limit > 0)) return undefined;
    for (const a of this.groups.get(groupKey(p))?.anchors ?? []) {
      const distinct = distinctItems(a.classes, p.classes, limit);
      if (distinct < limit) return { jobId: a.jobId, experimentId: a.experimentId, distinct };
    }
    return undefined;
  }

  private catchUp(): void {
    for (const row of publicPredictionsAfter(this.ledger, this.cursor)) {
      this.cursor = row.seq;
      const m = this.find(row);
      if (m) {
        this.anchorOf.set(row.jobId, m);
        if (m.distinct > 0) this.probes.set(JSON.stringify(row.agent), (this.probes.get(JSON.stringify(row.agent)) ?? 0) + 1);
        continue;
      }
      const key = groupKey(row);
      const group = this.groups.get(key) ?? { anchors: [] };
      // A copy: the row's bytes are a view on a buffer better-sqlite3 may reuse.
      group.anchors.push({ jobId: row.jobId, experimentId: row.experimentId, classes: Uint8Array.from(row.classes) });
      this.groups.set(key, group);
    }
  }
}

function groupKey(p: Pick<PublicPredictions, 'agent' | 'task' | 'seed'>): string {
  return JSON.stringify([p.agent, p.task, p.seed]);
}
