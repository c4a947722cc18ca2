import { AarError } from '../domain/errors.js';

/** One thing that keeps an experiment from being reproduced here: what, and the recorded and local values when they differ. */
export interface ReproduceProblem {
  what: string;
  problem: string;
  recorded?: string;
  here?: string;
}

/**
 * `aar reproduce` will not run: something it needs is missing, or differs from what was
 * recorded (the data hash, the method's hash). Exit code 3, so scripts can tell a refusal from
 * numbers that disagree (1) and bad flags (2).
 */
export class ReproduceRefusedError extends AarError {
  readonly exitCode = 3;

  constructor(
    readonly experiment: string,
    readonly problems: ReproduceProblem[],
  ) {
    super(
      'reproduce_refused',
      `cannot reproduce ${experiment}:\n${problems.map((p) => `  - ${p.what}: ${p.problem}${p.recorded !== undefined ? ` (recorded ${p.recorded}, here ${p.here ?? 'none'})` : ''}`).join('\n')}`,
    );
  }
}

/** The re-run's numbers do not agree with the original's within the tolerance. Exit code 1. */
export class ReproductionDiffersError extends AarError {
  readonly exitCode = 1;

  constructor(
    readonly experiment: string,
    readonly seeds: number[],
    readonly tolerance: number,
  ) {
    super('reproduction_differs', `${experiment} did not reproduce: seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')} differ beyond the tolerance (${tolerance === 0 ? 'exact' : `±${tolerance} PGR`})`);
  }
}
