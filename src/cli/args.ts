import { existsSync, readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidInputError } from '../domain/errors.js';
import { builtinMethod, parseMethod, type Method } from '../domain/method.js';
import { isTaskId, TASK_IDS, type TaskId } from '../../workers/w2s/data/types.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs in strict mode, with its errors turned into ones that name the flag. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const accepted = Object.keys(options).map((o) => `--${o}`).join(', ');
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional.*$/s, '') : String(err);
    throw new InvalidInputError(`arguments to "aar ${command}"`, [{ field: 'flags', problem: `${message}; accepted: ${accepted}` }]);
  }
}

/**
 * Flags plus named positional arguments (`aar reproduce <experiment>`): a missing one or one too
 * many is bad input naming the argument and what is accepted, as a bad flag is.
 */
export function parseFlagsAndArgs<O extends Options>(command: string, argv: string[], options: O, args: readonly { name: string; accepted: string }[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const accepted = Object.keys(options).map((o) => `--${o}`).join(', ');
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional.*$/s, '') : String(err);
    throw new InvalidInputError(`arguments to "aar ${command}"`, [{ field: 'flags', problem: `${message}; accepted: ${accepted}` }]);
  }
  const problems = args.filter((a, i) => parsed.positionals[i] === undefined).map((a) => ({ field: `<${a.name}>`, problem: `required; accepted: ${a.accepted}` }));
  if (parsed.positionals.length > args.length) problems.push({ field: 'arguments', problem: `unexpected "${parsed.positionals[args.length]}"; accepted: ${args.map((a) => `<${a.name}>`).join(' ') || 'none'} and flags` });
  if (problems.length) throw new InvalidInputError(`arguments to "aar ${command}"`, problems);
  return { values: parsed.values, args: Object.fromEntries(args.map((a, i) => [a.name, parsed.positionals[i]])) as Record<string, string> };
}

export function parseTask(value: string | undefined): TaskId {
  if (value === undefined) throw new InvalidInputError('arguments', [{ field: '--task', problem: `required; accepted: ${TASK_IDS.join(', ')}` }]);
  if (!isTaskId(value)) {
    throw new InvalidInputError('arguments', [{ field: '--task', problem: `unknown task "${value}"; accepted: ${TASK_IDS.join(', ')}` }]);
  }
  return value;
}

/** A comma-separated list of distinct non-negative integer seeds, such as `1,2,3,4,5`. */
export function parseSeeds(value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const parts = value.split(',').map((s) => s.trim());
  const bad = parts.find((p) => !/^\d{1,9}$/.test(p));
  const problem = (why: string) => new InvalidInputError('arguments', [{ field: '--seeds', problem: `${why}; accepted: distinct integers 0..999999999 separated by commas, e.g. 1,2,3,4,5` }]);
  if (bad !== undefined) throw problem(`"${bad}" is not a seed`);
  const seeds = parts.map(Number);
  if (new Set(seeds).size !== seeds.length) throw problem('a seed is repeated');
  if (seeds.length > 100) throw problem('more than 100 seeds');
  return seeds;
}

/** A built-in method name, or a path to a JSON file holding a method object. */
export function loadMethod(value: string | undefined): Method {
  if (value === undefined) throw new InvalidInputError('arguments', [{ field: '--method', problem: 'required; accepted: a built-in name (aar eval --help lists them) or a path to a .json file' }]);
  const looksLikeFile = value.endsWith('.json') || value.includes('/');
  if (!looksLikeFile) return builtinMethod(value);
  if (!existsSync(value)) throw new InvalidInputError('arguments', [{ field: '--method', problem: `file "${value}" does not exist` }]);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(value, 'utf8'));
  } catch (err) {
    throw new InvalidInputError('arguments', [{ field: '--method', problem: `"${value}" is not valid JSON (${(err as Error).message})` }]);
  }
  return parseMethod(json);
}
