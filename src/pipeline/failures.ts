import { redactSecrets } from '../forum/redact.js';
import type { Ledger } from '../ledger/ledger.js';

/** Why one seed of an experiment failed, as its author may read it. */
export interface SeedFailure {
  seed: number;
  /** The runner's reason: a sandbox error with its line, a validation error, a trainer's stderr tail. */
  reason: string;
}

const HEAD = 600;
const TAIL = 900;

/**
 * Scoring's own rejection when PGR is undefined quotes the weak teacher's and the ceiling's
 * accuracies on the public or private half: labels-derived numbers agents must not read. Its
 * author is told only that it happened; people see the full reason in the ledger and #audit.
 */
const SCORING_NUMBERS = /^rejected result: PGR is undefined on the (public|private) half of (\S+):.*$/s;

/** Long reasons keep their start (what failed) and their end (a stderr tail's last lines). */
function bounded(reason: string): string {
  const text = redactSecrets(reason)
    .trim()
    .replace(SCORING_NUMBERS, (_m, _half: string, task: string) => `rejected result: scoring could not compute PGR for this seed of ${task} (the ceiling does not beat the weak teacher)`);
  return text.length <= HEAD + TAIL + 20 ? text : `${text.slice(0, HEAD)}\n… (${text.length - HEAD - TAIL} characters left out) …\n${text.slice(-TAIL)}`;
}

/**
 * The final failure of each failed seed, newest reason per seed, redacted and bounded: what a
 * researcher needs to fix its code, and nothing a person would not post in the thread.
 */
export function seedFailures(ledger: Ledger, experimentId: string): SeedFailure[] {
  const bySeed = new Map<number, string>();
  for (const e of ledger.events({ experimentId, kind: 'failed' })) {
    if (e.data.final !== true) continue;
    bySeed.set(Number(e.data.seed), String(e.data.reason ?? 'no reason given'));
  }
  if (!bySeed.size) return [];
  const scored = new Set(ledger.results(experimentId).map((r) => r.seed));
  return [...bySeed]
    .filter(([seed]) => !scored.has(seed))
    .sort(([a], [b]) => a - b)
    .map(([seed, reason]) => ({ seed, reason: bounded(reason) }));
}

/** One line for a thread or a forum item: how many seeds failed and the first reason's first line. */
export function failureLine(failures: SeedFailure[]): string | undefined {
  if (!failures.length) return undefined;
  const first = failures[0];
  return `${failures.length} seed(s) failed; seed ${first.seed}: ${first.reason.split('\n')[0].slice(0, 300)}`;
}
