import type { z } from 'zod';
import { InvalidInputError, type FieldProblem } from './errors.js';

/**
 * Turns zod issues into problems that name the field and say what is accepted. Given the
 * schema, an unknown field's problem lists the fields accepted where it was found.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string, schema?: z.ZodType): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const base = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const accepted = schema ? acceptedKeys(schema, issue.path) : undefined;
      const problem = accepted?.length ? `unknown field; accepted here: ${accepted.join(', ')}` : 'unknown field';
      for (const key of issue.keys) problems.push({ field: base ? `${base}.${key}` : key, problem });
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
  if (!result.success) throw new InvalidInputError(what, describeIssues(result.error.issues, root, schema));
  return result.data;
}

// The wrappers zod puts around a schema that do not change which keys an object accepts.
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'nonoptional', 'readonly', 'catch']);

type AnyDef = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; element?: z.ZodType };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: AnyDef } })._zod.def;

/** The object schemas reachable at `path` (several under a union), wrappers looked through. */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let s = schema;
  let d = defOf(s);
  while (WRAPPERS.has(d.type) || d.type === 'pipe') d = defOf((s = (d.type === 'pipe' ? d.in : d.innerType)!));
  if (d.type === 'union') return d.options!.flatMap((o) => objectsAt(o, path));
  if (!path.length) return d.type === 'object' ? [s] : [];
  const [head, ...rest] = path;
  if (d.type === 'object' && d.shape && Object.hasOwn(d.shape, String(head))) return objectsAt(d.shape[String(head)], rest);
  if (d.type === 'array' && typeof head === 'number') return objectsAt(d.element!, rest);
  return [];
}

/** The keys accepted by the object at `path` of `schema` (the union's, for a union of objects). */
export function acceptedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((o) => Object.keys(defOf(o).shape ?? {})))];
}
