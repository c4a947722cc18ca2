import type { MeanSd } from '../eval/stats.js';
import type { ScoreSummary } from '../eval/summary.js';

/** A plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Accuracy as a percentage with its spread, e.g. `84.7 ± 1.3`. */
export function pct(x: MeanSd): string {
  return `${(x.mean * 100).toFixed(1)} ± ${(x.sd * 100).toFixed(1)}`;
}

/** A PGR with its spread, e.g. `0.35 ± 0.12`. */
export function ratio(x: MeanSd): string {
  return `${x.mean.toFixed(2)} ± ${x.sd.toFixed(2)}`;
}

/** The accuracy and PGR table of one method's scores over seeds. */
export function scoreTable(s: ScoreSummary): string {
  return table(
    ['', 'mean ± sd'],
    [
      ['weak accuracy %', pct(s.weak)],
      ['ceiling accuracy %', pct(s.ceiling)],
      ['student accuracy %', pct(s.student)],
      ['PGR public', ratio(s.pgr.public)],
      ['PGR private', ratio(s.pgr.private)],
    ],
  );
}
