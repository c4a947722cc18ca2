import { describe, expect, it } from 'vitest';
import { ActiveWindows } from '../../src/schedule/windows.js';
import { invalidInput as invalid } from '../helpers/invalid-input.js';

const NIGHTS = '* 22-23,0-6 * * *';
// 2025-01-15 is a Wednesday; Paris is UTC+1 in January.
const paris = (local: string) => new Date(`${local}+01:00`);

describe('ActiveWindows', () => {
  it('a nights window is active at 23:30 and 03:00 Paris time, not at noon', () => {
    const w = new ActiveWindows([NIGHTS], 'Europe/Paris');
    expect(w.isActive(paris('2025-01-15T23:30:00'))).toBe(true);
    expect(w.isActive(paris('2025-01-16T03:00:00'))).toBe(true);
    expect(w.isActive(paris('2025-01-15T12:00:00'))).toBe(false);
    // 22:30 UTC is 23:30 in Paris: the zone, not UTC, decides.
    expect(w.isActive(paris('2025-01-15T07:30:00'))).toBe(false);
    expect(new ActiveWindows([NIGHTS], 'UTC').isActive(paris('2025-01-15T07:30:00'))).toBe(true);
  });

  it('a weekdays window is active Monday to Friday only', () => {
    const w = new ActiveWindows(['* * * * 1-5'], 'Europe/Paris');
    expect(w.isActive(paris('2025-01-15T12:00:00'))).toBe(true); // Wednesday
    expect(w.isActive(paris('2025-01-17T23:59:00'))).toBe(true); // Friday
    expect(w.isActive(paris('2025-01-18T00:00:00'))).toBe(false); // Saturday in Paris, still Friday in UTC
    expect(w.isActive(paris('2025-01-19T12:00:00'))).toBe(false); // Sunday
  });

  it('is active when any window matches', () => {
    const w = new ActiveWindows(['* 0-6 * * *', '* * * * sat,sun'], 'Europe/Paris');
    expect(w.isActive(paris('2025-01-15T05:00:00'))).toBe(true);
    expect(w.isActive(paris('2025-01-18T15:00:00'))).toBe(true);
    expect(w.isActive(paris('2025-01-15T15:00:00'))).toBe(false);
  });

  it('an empty list is always active', () => {
    const w = new ActiveWindows([], 'Europe/Paris');
    expect(w.always).toBe(true);
    expect(w.isActive(paris('2025-01-15T12:00:00'))).toBe(true);
    const at = new Date('2025-01-15T12:34:56Z');
    expect(w.nextActive(at)).toBe(at);
    expect(new ActiveWindows().isActive(at)).toBe(true);
  });

  it('nextActive gives the start of the next active minute, or the date itself when active', () => {
    const w = new ActiveWindows([NIGHTS], 'Europe/Paris');
    expect(w.nextActive(paris('2025-01-15T12:00:30'))).toEqual(paris('2025-01-15T22:00:00'));
    const now = paris('2025-01-15T23:30:00');
    expect(w.nextActive(now)).toBe(now);
    const weekdays = new ActiveWindows(['* 9-17 * * mon-fri'], 'Europe/Paris');
    expect(weekdays.nextActive(paris('2025-01-17T18:00:00'))).toEqual(paris('2025-01-20T09:00:00'));
  });

  it('nextActive returns null when nothing matches within the horizon', () => {
    const w = new ActiveWindows(['0 0 1 1 *'], 'Europe/Paris');
    expect(w.nextActive(paris('2025-03-01T00:00:00'))).toBeNull();
    expect(w.nextActive(paris('2025-12-31T12:00:00'))).toEqual(paris('2026-01-01T00:00:00'));
  });

  it('nextActive agrees with a minute-by-minute search (its hour skipping loses nothing)', () => {
    const exprs = ['30 1 * * *', '*/7 2-3 * * *', '59 23 * * 0', '0 0 1 * *', '15 */5 * * 1-5'];
    const starts = ['2025-03-29T22:13:00Z', '2025-10-25T23:47:00Z', '2025-01-31T10:00:00Z', '2025-06-14T04:01:00Z'];
    for (const zone of ['Europe/London', 'Asia/Kathmandu', 'America/New_York']) {
      for (const e of exprs) {
        const w = new ActiveWindows([e], zone);
        for (const s of starts) {
          const from = new Date(s);
          let brute: Date | null = null;
          for (let t = from.getTime() + 60_000; t <= from.getTime() + 8 * 86_400_000; t += 60_000) {
            if (w.isActive(new Date(t))) {
              brute = new Date(t);
              break;
            }
          }
          expect(w.nextActive(from), `${e} in ${zone} from ${s}`).toEqual(brute);
        }
      }
    }
  });

  describe('across daylight saving time (Europe/London)', () => {
    const w = new ActiveWindows(['0 1 * * *'], 'Europe/London');

    it('a local time skipped in spring does not happen that day', () => {
      // 2025-03-30: at 01:00 GMT clocks go to 02:00 BST, so 01:00 local never happens.
      expect(w.nextActive(new Date('2025-03-30T00:30:00Z'))).toEqual(new Date('2025-03-31T00:00:00Z'));
      const nights = new ActiveWindows([NIGHTS], 'Europe/London');
      expect(nights.isActive(new Date('2025-03-30T00:59:00Z'))).toBe(true); // 00:59 GMT
      expect(nights.isActive(new Date('2025-03-30T01:00:00Z'))).toBe(true); // 02:00 BST
      expect(nights.isActive(new Date('2025-03-30T06:00:00Z'))).toBe(false); // 07:00 BST
    });

    it('a local time repeated in autumn matches both times', () => {
      // 2025-10-26: at 02:00 BST clocks go back to 01:00 GMT, so 01:00 local happens twice.
      expect(w.isActive(new Date('2025-10-26T00:00:00Z'))).toBe(true);
      expect(w.isActive(new Date('2025-10-26T01:00:00Z'))).toBe(true);
      expect(w.nextActive(new Date('2025-10-26T00:30:00Z'))).toEqual(new Date('2025-10-26T01:00:00Z'));
    });
  });

  it('names each bad expression and the bad zone, saying what is accepted', () => {
    const e = invalid(() => new ActiveWindows(['* 22-23 * * *', '61 * * * *', 'nights'], 'Mars/Olympus'));
    expect(e.problems.map((p) => p.field)).toEqual(['schedule.timezone', 'schedule.active[1]', 'schedule.active[2]']);
    expect(e.problems[0].problem).toMatch(/"Mars\/Olympus".*IANA.*Europe\/Paris/);
    expect(e.problems[1].problem).toMatch(/minute 61 is outside 0-59.*accepted: 5 fields/);
    expect(e.problems[2].problem).toMatch(/has 1 fields/);
    expect(e.message).toContain('schedule.active[1]');
  });

  it('uses the given prefix for field names', () => {
    const e = invalid(() => new ActiveWindows(['* * *'], 'UTC', 'campaign.schedule'));
    expect(e.problems[0].field).toBe('campaign.schedule.active[0]');
  });
});
