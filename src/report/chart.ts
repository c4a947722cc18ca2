import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One experiment's mean PGR, placed at the time its result became known. */
export interface PgrPoint {
  /** ISO time. */
  at: string;
  pgr: number;
  experiment: string;
}

/** The PGR points of one task. */
export interface PgrSeries {
  task: string;
  points: PgrPoint[];
}

/** Chart size is per panel (one panel per task). */
export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Panels per row when there are several tasks. */
  columns?: number;
}

/** A chart as SVG text and as a PNG image. */
export interface RenderedChart {
  svg: string;
  png: Uint8Array;
}

const EXPERIMENT = 'experiment';
const BEST = 'best so far';
// Fixed rather than left to the platform, so the same input renders the same bytes everywhere
// the same fonts are installed; resvg falls back to any installed sans face.
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

interface Row {
  task: string;
  t: number;
  pgr: number;
  experiment: string;
  series: string;
}

/**
 * The "best so far" step line: the running maximum of each task's PGR in time order. Ties in
 * time are broken by experiment id, so the line never depends on the input's order.
 */
export function chartRows(series: readonly PgrSeries[]): Row[] {
  const rows: Row[] = [];
  for (const s of [...series].sort((a, b) => a.task.localeCompare(b.task))) {
    const points = s.points
      .map((p) => ({ ...p, t: Date.parse(p.at) }))
      .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.pgr))
      .sort((a, b) => a.t - b.t || a.experiment.localeCompare(b.experiment));
    let best = -Infinity;
    for (const p of points) {
      rows.push({ task: s.task, t: p.t, pgr: p.pgr, experiment: p.experiment, series: EXPERIMENT });
      best = Math.max(best, p.pgr);
      rows.push({ task: s.task, t: p.t, pgr: best, experiment: p.experiment, series: BEST });
    }
  }
  return rows;
}

/**
 * The rows a chart draws: every experiment's point, and of the best-so-far line only the rows
 * where it steps (with each task's first and last). A step-after line through a run of equal
 * values draws the same horizontal segment without the rows in between, so the picture is the
 * same; at 50,000 experiments the line's rows were half of what the renderer went through.
 */
export function drawnRows(rows: readonly Row[]): Row[] {
  return rows.filter((r, i) => {
    if (r.series !== BEST) return true;
    const prev = findBest(rows, i, -1);
    const next = findBest(rows, i, 1);
    const first = prev === undefined || prev.task !== r.task;
    const last = next === undefined || next.task !== r.task;
    return first || last || prev.pgr !== r.pgr;
  });
}

/** The nearest best-so-far row before (step -1) or after (step 1) index i: rows alternate point, best. */
function findBest(rows: readonly Row[], i: number, step: 1 | -1): Row | undefined {
  for (let k = i + step; k >= 0 && k < rows.length; k += step) if (rows[k].series === BEST) return rows[k];
  return undefined;
}

/** The vega-lite spec behind `pgrChart`: one panel per task, or a single plot for one task. */
export function pgrChartSpec(series: readonly PgrSeries[], o: ChartOptions = {}): TopLevelSpec {
  const width = o.width ?? 360;
  const height = o.height ?? 220;
  const rows = drawnRows(chartRows(series));
  const color = { field: 'series', type: 'nominal', scale: { domain: [EXPERIMENT, BEST], range: ['#9aa5b1', '#d9480f'] }, legend: { title: null, orient: 'bottom', labelLimit: 0 } } as const;
  // UTC, or the axis labels would depend on the time zone of the machine that renders.
  const x = { field: 't', type: 'temporal', scale: { type: 'utc', padding: 10 }, axis: { title: null, format: '%b %d %H:%M', labelAngle: -30 } } as const;
  const y = { field: 'pgr', type: 'quantitative', axis: { title: 'PGR (public)' }, scale: { zero: false, padding: 10 } } as const;
  const layer = [
    { mark: { type: 'point', filled: true, size: 40 }, transform: [{ filter: `datum.series === '${EXPERIMENT}'` }], encoding: { x, y, color } },
    { mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 }, transform: [{ filter: `datum.series === '${BEST}'` }], encoding: { x, y, color } },
  ];
  const config = { font: FONT, view: { stroke: '#ddd' }, background: 'white' };
  const title = o.title ? { title: o.title } : {};
  if (series.length === 1) {
    return { ...title, ...(o.title ? {} : { title: series[0].task }), data: { values: rows }, width, height, layer, config } as TopLevelSpec;
  }
  return {
    ...title,
    data: { values: rows },
    facet: { field: 'task', type: 'nominal', title: null, sort: 'ascending' },
    columns: o.columns ?? 2,
    spec: { width, height, layer },
    resolve: { scale: { x: 'independent' } },
    config,
  } as TopLevelSpec;
}

/**
 * PGR over time, one panel per task, each with its experiments as points and the best result so
 * far as a step line. Rendered offline (vega's headless renderer, then resvg with the system's
 * fonts), and deterministic: the same input on the same machine gives the same SVG and PNG.
 */
export async function pgrChart(series: readonly PgrSeries[], o: ChartOptions = {}): Promise<RenderedChart> {
  return renderChart(pgrChartSpec(series, o));
}

/** A vega-lite spec drawn offline as SVG and PNG (see `pgrChart`). */
export async function renderChart(lite: TopLevelSpec): Promise<RenderedChart> {
  const spec = compile(lite).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
    return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) };
  } finally {
    view.finalize();
  }
}

/** The chart of one task alone. */
export function taskPgrChart(series: PgrSeries, o: ChartOptions = {}): Promise<RenderedChart> {
  return pgrChart([series], o);
}
