/**
 * Every error aar raises on purpose carries a stable `code` and the context that explains it,
 * so the CLI can print a clear message and exit non-zero instead of a stack trace.
 */
export class AarError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One bad field of some input: where it is and what would have been accepted. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** Input that failed validation; the message names each bad field and what is accepted. */
export class InvalidInputError extends AarError {
  readonly what: string;
  readonly problems: FieldProblem[];

  constructor(what: string, problems: FieldProblem[]) {
    super('invalid_input', `Invalid ${what}:\n${problems.map((p) => `  - ${p.field}: ${p.problem}`).join('\n')}`);
    this.what = what;
    this.problems = problems;
  }
}

/** PGR is undefined when the strong ceiling does not beat the weak teacher. */
export class UndefinedPgrError extends AarError {
  readonly weak: number;
  readonly ceiling: number;

  constructor(weak: number, ceiling: number, where: string) {
    super(
      'pgr_undefined',
      `PGR is undefined on ${where}: the strong ceiling (${ceiling.toFixed(4)}) does not beat the weak teacher (${weak.toFixed(4)})`,
    );
    this.weak = weak;
    this.ceiling = ceiling;
  }
}

/** Predictions that do not cover the evaluation items exactly once with valid classes. */
export class InvalidPredictionsError extends AarError {
  constructor(reason: string) {
    super('invalid_predictions', `Invalid predictions: ${reason}`);
  }
}

/** A job that failed in a runner; `retry` says whether running it again could succeed. */
export class RunnerError extends AarError {
  readonly retry: boolean;
  readonly stderrTail?: string;

  constructor(message: string, o: { retry: boolean; stderrTail?: string; cause?: unknown }) {
    super(o.retry ? 'runner_transient' : 'runner_failed', message, { cause: o.cause });
    this.retry = o.retry;
    this.stderrTail = o.stderrTail;
  }
}
