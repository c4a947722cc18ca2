import { describe, expect, it } from 'vitest';
import { chartRows, drawnRows, pgrChart, pgrChartSpec, renderChart, taskPgrChart, type PgrSeries } from '../../src/report/chart.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 0, minute)).toISOString();
const series = (task: string, pgrs: number[]): PgrSeries => ({ task, points: pgrs.map((pgr, i) => ({ at: at(i * 10), pgr, experiment: `${task}-${i}` })) });

/** Every tag closed in order: enough to catch broken markup without an XML parser. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0;
}

describe('pgrChart', () => {
  it('draws one panel per task as well-formed SVG and a real PNG', async () => {
    const chart = await pgrChart([series('spam', [0.3, 0.7, 0.5, 0.8]), series('math', [0.1, 0.4])], { title: 'PGR over time' });
    expect(chart.svg.startsWith('<svg')).toBe(true);
    expect(chart.svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(balanced(chart.svg)).toBe(true);
    for (const text of ['spam', 'math', 'PGR over time', 'best so far']) expect(chart.svg).toContain(text);
    expect([...chart.png.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(chart.png.length).toBeGreaterThan(5_000);
  });

  it('renders the same bytes for the same input, whatever the order of points', async () => {
    const s = series('spam', [0.3, 0.7, 0.5]);
    const a = await taskPgrChart(s);
    const b = await taskPgrChart({ ...s, points: [...s.points].reverse() });
    expect(b.svg).toBe(a.svg);
    expect(Buffer.from(b.png).equals(Buffer.from(a.png))).toBe(true);
  });

  it('steps the best-so-far line up only when a result beats every earlier one', () => {
    const best = chartRows([series('spam', [0.3, 0.7, 0.5, 0.8, Number.NaN])]).filter((r) => r.series === 'best so far');
    expect(best.map((r) => r.pgr)).toEqual([0.3, 0.7, 0.7, 0.8]);
  });

  it('draws the best-so-far line through its steps only, which is the same picture', async () => {
    const s = [series('spam', [0.3, 0.7, 0.5, 0.6, 0.8, 0.4, 0.2]), series('math', [0.1, 0.05, 0.02])];
    const drawn = drawnRows(chartRows(s));
    const line = (task: string) => drawn.filter((r) => r.task === task && r.series === 'best so far').map((r) => r.pgr);
    // Each task's first row, every step up, and its last row; every experiment's point stays.
    expect(line('spam')).toEqual([0.3, 0.7, 0.8, 0.8]);
    expect(line('math')).toEqual([0.1, 0.1]);
    expect(drawn.filter((r) => r.series === 'experiment')).toHaveLength(10);
    const spec = pgrChartSpec(s, { title: 'PGR over time' });
    const every = await renderChart({ ...spec, data: { values: chartRows(s) } } as typeof spec);
    const thin = await pgrChart(s, { title: 'PGR over time' });
    expect(thin.svg).not.toBe(every.svg);
    expect(Buffer.from(thin.png).equals(Buffer.from(every.png))).toBe(true);
  });

  it('escapes markup in task names', async () => {
    const chart = await taskPgrChart(series('<script>x</script>', [0.2, 0.4]));
    expect(chart.svg).not.toContain('<script>');
    expect(balanced(chart.svg)).toBe(true);
  });
});
