import { InvalidInputError, type FieldProblem } from '../domain/errors.js';
import { cronProblem, matchesCron, matchesCronHour, parseCron, type CronExpression } from './cron-expression.js';
import { timeZoneProblem, zonedParts } from './zoned-time.js';

const MINUTE_MS = 60_000;
const DEFAULT_HORIZON_MS = 8 * 24 * 60 * MINUTE_MS;

/**
 * When a campaign may work: minutes matching any of a list of cron expressions in a time zone
 * (`* 22-23,0-6 * * *` is nights, `* * * * 1-5` weekdays). An empty list means always.
 */
export class ActiveWindows {
  readonly expressions: readonly string[];
  readonly timezone: string;
  private readonly crons: CronExpression[];

  /**
   * `active`: cron expressions, a minute matching any is active (empty: always). `timezone`: the
   * IANA zone they are read in. `prefix` starts error field names. Throws InvalidInputError naming
   * each bad expression (`schedule.active[1]`) or the zone (`schedule.timezone`).
   */
  constructor(active: readonly string[] = [], timezone = 'UTC', prefix = 'schedule') {
    const expressions = [...active];
    const problems: FieldProblem[] = [];
    const zoneProblem = timeZoneProblem(timezone);
    if (zoneProblem) problems.push({ field: `${prefix}.timezone`, problem: zoneProblem });
    const crons: CronExpression[] = [];
    expressions.forEach((expression, i) => {
      const problem = cronProblem(expression);
      const parsed = parseCron(expression);
      if (problem || !parsed.ok) problems.push({ field: `${prefix}.active[${i}]`, problem: problem ?? 'invalid' });
      else crons.push(parsed.value);
    });
    if (problems.length) throw new InvalidInputError('schedule', problems);
    this.expressions = expressions;
    this.timezone = timezone;
    this.crons = crons;
  }

  /** True when no window is set: the campaign works around the clock. */
  get always(): boolean {
    return this.crons.length === 0;
  }

  /** Whether the wall-clock minute of `date`, in the windows' zone, matches any window. */
  isActive(date: Date): boolean {
    if (this.always) return true;
    const t = zonedParts(date, this.timezone);
    return this.crons.some((c) => matchesCron(c, t));
  }

  /**
   * `date` itself when active, else the start of the first active minute after it (for "paused
   * until 22:00"), or null when none comes within `horizonMs` (default 8 days).
   */
  nextActive(date: Date, horizonMs = DEFAULT_HORIZON_MS): Date | null {
    if (this.isActive(date)) return date;
    const end = date.getTime() + horizonMs;
    // Step through real minutes, not wall-clock ones, so DST gaps and repeats are handled by
    // the zone conversion: a skipped local hour never matches, a repeated one matches twice.
    let t = Math.floor(date.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    while (t <= end) {
      const local = zonedParts(new Date(t), this.timezone);
      if (this.crons.some((c) => matchesCron(c, local))) return new Date(t);
      // A whole local hour that no window touches is skipped at once (8 days in ~200 steps, not
      // 11,520); zones change offset on the hour, so this lands on the next local hour.
      const hourMayMatch = this.crons.some((c) => matchesCronHour(c, local));
      t += hourMayMatch ? MINUTE_MS : (60 - local.minute) * MINUTE_MS;
    }
    return null;
  }
}
