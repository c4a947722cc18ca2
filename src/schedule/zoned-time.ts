/** Wall-clock fields of an instant in some time zone, as a cron expression sees them. */
export interface ZonedParts {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  /** 0-23 */
  hour: number;
  /** 0-59 */
  minute: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

const ZONE_EXAMPLES = 'an IANA time zone name such as "UTC", "Europe/Paris" or "America/New_York"';

// Building a formatter costs far more than using one, and nextActive asks thousands of times.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23: some ICU builds print midnight as "24" under hour12: false.
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Why `zone` is not a usable time zone (saying what is accepted), or undefined when it is one. */
export function timeZoneProblem(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone.trim() === '') return `expected ${ZONE_EXAMPLES}`;
  try {
    // The same Intl machinery node-cron uses, so whatever passes here also schedules there.
    formatterFor(zone);
    return undefined;
  } catch {
    return `"${zone}" is not a known time zone; accepted: ${ZONE_EXAMPLES}`;
  }
}

/** The wall-clock fields of `date` in `timeZone` (which must already be valid). */
export function zonedParts(date: Date, timeZone: string): ZonedParts {
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(date)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const hour = p.hour === 24 ? 0 : p.hour;
  // The weekday follows from the local calendar date; no need to parse a localised name.
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  return { year: p.year, month: p.month, day: p.day, hour, minute: p.minute, weekday };
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * "Wed 22:00": `date` on the wall clock of `timeZone`, for lines such as "paused until Wed 22:00
 * (Europe/Paris)"; toISOString() would print UTC under the zone's name.
 */
export function wallClock(date: Date, timeZone: string): string {
  const t = zonedParts(date, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAY_NAMES[t.weekday]} ${pad(t.hour)}:${pad(t.minute)}`;
}
