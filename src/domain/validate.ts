import type { z } from 'zod';
import { InvalidInputError, type FieldProblem } from './errors.js';

/** Turns zod issues into problems that name the field and say what is accepted. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const base = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: base ? `${base}.${key}` : key, problem: 'unknown field' });
      continue;
    }
    problems.push({ field: base || '(root)', problem: explain(issue) });
  }
  return problems;
}

function explain(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return `too large; accepted: at most ${String(issue.maximum)}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'too_small':
      return `too small; accepted: at least ${String(issue.minimum)}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'invalid_value':
      return `accepted: one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'not_multiple_of':
      return `accepted: a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

/** Parses `input` with `schema` or throws an InvalidInputError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(what, describeIssues(result.error.issues, root));
  return result.data;
}
