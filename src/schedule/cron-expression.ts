import { validateDetailed } from 'node-cron';
import type { ZonedParts } from './zoned-time.js';

/** A parsed five-field cron expression: the allowed values of each field. */
export interface CronExpression {
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday; 7 in the source is folded into 0. */
  weekdays: ReadonlySet<number>;
}

/** What a cron expression may look like, for error messages. */
export const CRON_ACCEPTED =
  'accepted: 5 fields "minute hour day-of-month month day-of-week", each * or a number, a range a-b, ' +
  'a list a,b, a step */n or a-b/n (months jan-dec and weekdays sun-sat may be named), ' +
  'or one of @hourly, @daily, @weekly, @monthly, @yearly; e.g. "* 22-23,0-6 * * *" (nights), "0 8 * * 1-5" (08:00 on weekdays)';

const NICKNAMES: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_FULL = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_FULL = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

function names(short: string[], full: string[], first: number): Record<string, number> {
  const out: Record<string, number> = {};
  short.forEach((n, i) => (out[n] = i + first));
  full.forEach((n, i) => (out[n] = i + first));
  return out;
}

const FIELDS: FieldSpec[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: names(MONTH_NAMES, MONTH_FULL, 1) },
  // 7 is Sunday too, as in most crons; it is folded into 0 after expansion.
  { label: 'day-of-week', min: 0, max: 7, names: names(DAY_NAMES, DAY_FULL, 0) },
];

/** A parse that either succeeded or says why not. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function value(token: string, spec: FieldSpec): Parsed<number> {
  const named = spec.names?.[token.toLowerCase()];
  if (named !== undefined) return { ok: true, value: named };
  if (!/^\d+$/.test(token)) return { ok: false, problem: `"${token}" is not a ${spec.label} value` };
  const n = Number(token);
  if (n < spec.min || n > spec.max) return { ok: false, problem: `${spec.label} ${n} is outside ${spec.min}-${spec.max}` };
  return { ok: true, value: n };
}

function item(token: string, spec: FieldSpec, into: Set<number>): string | undefined {
  const [range, stepText, extra] = token.split('/');
  if (extra !== undefined || range === '') return `"${token}" is not a ${spec.label} item`;
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `step "${stepText}" in "${token}" must be a whole number of at least 1`;
    step = Number(stepText);
  }
  let from = spec.min;
  let to = spec.max;
  if (range !== '*') {
    const bounds = range.split('-');
    if (bounds.length > 2) return `"${token}" is not a ${spec.label} range`;
    const a = value(bounds[0], spec);
    if (!a.ok) return a.problem;
    // node-cron reads "5/15" differently from other crons, so it is refused rather than guessed.
    if (bounds.length === 1 && stepText !== undefined) return `"${token}": a step needs * or a range (write ${bounds[0]}-${spec.max}/${stepText})`;
    const b = bounds.length === 2 ? value(bounds[1], spec) : a;
    if (!b.ok) return b.problem;
    from = a.value;
    to = b.value;
  }
  // A reversed range wraps around ("22-6" is the night), as node-cron also reads it.
  const size = spec.max - spec.min + 1;
  const span = (((to - from) % size) + size) % size;
  for (let offset = 0; offset <= span; offset += step) {
    const v = from + offset;
    into.add(v > spec.max ? v - size : v);
  }
  return undefined;
}

function field(text: string, spec: FieldSpec): Parsed<Set<number>> {
  const values = new Set<number>();
  for (const token of text.split(',')) {
    const problem = item(token, spec, values);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, value: values };
}

/** Parses a five-field cron expression; a failure says what is wrong and what is accepted. */
export function parseCron(expression: unknown): Parsed<CronExpression> {
  if (typeof expression !== 'string') return { ok: false, problem: `expected a cron expression; ${CRON_ACCEPTED}` };
  const source = expression.trim();
  const text = NICKNAMES[source.toLowerCase()] ?? source;
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) return { ok: false, problem: `"${expression}" has ${parts.length} fields; ${CRON_ACCEPTED}` };
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const r = field(parts[i], FIELDS[i]);
    if (!r.ok) return { ok: false, problem: `"${expression}": ${r.problem}; ${CRON_ACCEPTED}` };
    sets.push(r.value);
  }
  // Classic cron runs on either day field when both are set, node-cron only when both match;
  // refusing the combination keeps windows (matched here) and jobs (run by node-cron) in agreement.
  if (!parts[2].startsWith('*') && !parts[4].startsWith('*')) {
    return { ok: false, problem: `"${expression}" restricts both day-of-month and day-of-week, which crons read differently; set one of them to *; ${CRON_ACCEPTED}` };
  }
  const weekdays = new Set([...sets[4]].map((d) => d % 7));
  return {
    ok: true,
    value: {
      source,
      minutes: sets[0],
      hours: sets[1],
      days: sets[2],
      months: sets[3],
      weekdays,
    },
  };
}

/**
 * Why `expression` cannot be used, or undefined when both this parser and node-cron accept it.
 * Both must: windows are matched here, jobs are run by node-cron.
 */
export function cronProblem(expression: unknown): string | undefined {
  const mine = parseCron(expression);
  if (!mine.ok) return mine.problem;
  const theirs = validateDetailed(expression as string);
  if (!theirs.valid) return `"${String(expression)}": ${theirs.errors.map((e) => e.message).join('; ')}; ${CRON_ACCEPTED}`;
  return undefined;
}

/** Whether the wall-clock minute `t` matches `cron`. */
export function matchesCron(cron: CronExpression, t: ZonedParts): boolean {
  return cron.minutes.has(t.minute) && matchesCronHour(cron, t);
}

/** Whether some minute of the wall-clock hour of `t` matches `cron`. */
export function matchesCronHour(cron: CronExpression, t: ZonedParts): boolean {
  return (
    cron.hours.has(t.hour) &&
    cron.months.has(t.month) &&
    cron.days.has(t.day) &&
    cron.weekdays.has(t.weekday)
  );
}
