/**
 * The page's script, part 2: the right-hand panel, a leaderboard table and PGR over time drawn
 * as inline SVG from `panel.series` (no chart library). Uses `el`, `$` and `S` from part 1.
 * No backticks or dollar-brace in here: the string is a template literal.
 */
export const PAGE_SCRIPT_PANEL = String.raw`
const SVG_NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#1264a3', '#e01e5a', '#2bac76', '#d69e00', '#7c3aed', '#0ea5b7', '#b45309', '#475569'];
const KNOWN_STATUS = ['vetoed', 'flagged', 'approved'];

function svg(tag, attrs, kids) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const key of Object.keys(attrs || {})) node.setAttribute(key, String(attrs[key]));
  for (const kid of kids || []) if (kid !== null && kid !== undefined) node.append(kid);
  return node;
}

function renderPanel() {
  renderLeaderboard();
  renderChart();
}

/** How many rows of each task the panel shows until someone asks for more. */
const TOP_PER_TASK = 3;

function renderLeaderboard() {
  const all = S.panel.leaderboard.slice().sort((a, b) => a.task.localeCompare(b.task) || a.rank - b.rank);
  const rows = S.showAllRows ? all : all.filter((r) => r.rank <= TOP_PER_TASK);
  $('leaderboard-body').replaceChildren(...(rows.length ? rows.map(leaderboardRow)
    : [el('tr', null, [el('td', { colspan: '5', cls: 'empty', testid: 'leaderboard-empty', text: 'No scored results yet.' })])]));
  // The rest is one click away, so the table never pushes the chart off the screen.
  const total = typeof S.panel.total === 'number' ? S.panel.total : all.length;
  const more = $('leaderboard-more');
  more.hidden = total <= rows.length && !S.showAllRows;
  more.textContent = S.showAllRows ? 'Show the top ' + TOP_PER_TASK + ' of each task'
    : all.length >= total ? 'Show all ' + total + ' results' : 'Show the top ' + all.length + ' of ' + total + ' results (/aar leaderboard <task> lists each task)';
  more.setAttribute('aria-expanded', String(S.showAllRows));
}

function leaderboardRow(r) {
  const status = r.status || '';
  const kind = KNOWN_STATUS.includes(status) ? status : 'other';
  return el('tr', { testid: 'leaderboard-row', 'data-experiment': r.experiment, 'data-status': status }, [
    el('td', { cls: 'num', text: String(r.rank) }),
    el('td', null, [el('span', { text: r.method }), el('span', { cls: 'exp', text: r.experiment + ' \u00b7 ' + r.agent })]),
    el('td', { text: r.task }),
    el('td', { cls: 'num', text: (typeof r.pgrPrivate === 'number' ? r.pgrPrivate : r.pgrPublic).toFixed(2) }),
    el('td', null, [status ? el('span', { cls: 'status-pill ' + kind, testid: 'leaderboard-status', text: status }) : '\u2014']),
  ]);
}

function ticks(lo, hi) {
  const span = hi - lo;
  const step = span <= 1.5 ? 0.25 : span <= 3 ? 0.5 : Math.pow(10, Math.floor(Math.log10(span / 2)));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

// Steps a time axis can take, in ms: the first that gives at most 5 labels is used.
const TIME_STEPS = [10e3, 15e3, 30e3, 60e3, 2 * 60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 24 * 3600e3, 2 * 86400e3, 7 * 86400e3];

function timeTicks(t0, t1) {
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= 5) || TIME_STEPS[TIME_STEPS.length - 1];
  // Aligned to the local clock (minutes on the minute, hours on the hour).
  const offset = new Date(t0).getTimezoneOffset() * 60e3;
  const out = [];
  for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) out.push(t);
  return { step, ticks: out };
}

function fmtAxisTime(t, step) {
  const d = new Date(t);
  if (step >= 86400e3) return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
  if (step < 60e3) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * The best private PGR so far per task, as a step line (a new best is a step up; the line runs
 * flat until the next). The x axis spans the results, at least a minute, with labels at round
 * times; the lines run on to the newest result of any task.
 */
function renderChart() {
  const W = 340, H = 190, L = 36, R = 12, T = 10, B = 26;
  const series = S.panel.series.map((s, i) => ({
    task: s.task,
    color: PALETTE[i % PALETTE.length],
    points: s.points.map((p) => ({ t: Date.parse(p.at), y: p.pgr, experiment: p.experiment || '' })).filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t),
  })).filter((s) => s.points.length > 0);
  const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': 'Best private PGR so far, one step line per task', 'data-testid': 'pgr-chart-svg' });
  $('chart-legend').replaceChildren(...series.map((s) => {
    const swatch = el('span', { cls: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = s.color;
    return el('li', { testid: 'chart-legend-item' }, [swatch, s.task]);
  }));
  if (series.length === 0) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, ['No scored results yet']));
    $('pgr-chart').replaceChildren(root);
    return;
  }
  let t0 = Infinity, t1 = -Infinity, y0 = 0, y1 = 1;
  for (const s of series) for (const p of s.points) {
    t0 = Math.min(t0, p.t); t1 = Math.max(t1, p.t); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y);
  }
  const asOf = S.panel.asOf ? Date.parse(S.panel.asOf) : NaN;
  if (Number.isFinite(asOf)) t1 = Math.max(t1, asOf);
  if (t1 - t0 < 60e3) t1 = t0 + 60e3;
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + ((y1 - v) / (y1 - y0)) * (H - T - B);

  for (const v of ticks(y0, y1)) {
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: v === 0 ? '#b0b0b4' : '#ececef', 'stroke-width': 1 }));
    root.append(svg('text', { x: L - 5, y: y(v) + 3, 'text-anchor': 'end' }, [v.toFixed(2)]));
  }
  const axis = timeTicks(t0, t1);
  for (const t of axis.ticks) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4, stroke: '#b0b0b4', 'stroke-width': 1 }));
    // A label at either end is anchored inside the chart, so it is never cut off.
    const anchor = x(t) > W - R - 24 ? 'end' : x(t) < L + 24 ? 'start' : 'middle';
    root.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': anchor, 'data-testid': 'chart-time-label' }, [fmtAxisTime(t, axis.step)]));
  }

  const end = Number.isFinite(asOf) ? Math.max(asOf, t0) : t1;
  for (const s of series) {
    const g = svg('g', { 'data-testid': 'chart-series', 'data-task': s.task });
    // Horizontal to each new best, then straight up to it: a step line.
    let d = 'M' + x(s.points[0].t).toFixed(1) + ',' + y(s.points[0].y).toFixed(1);
    for (const p of s.points.slice(1)) d += ' H' + x(p.t).toFixed(1) + ' V' + y(p.y).toFixed(1);
    d += ' H' + x(Math.max(end, s.points[s.points.length - 1].t)).toFixed(1);
    g.append(svg('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 2, 'data-testid': 'chart-step-line' }));
    for (const p of s.points) {
      const dot = svg('circle', { cx: x(p.t).toFixed(1), cy: y(p.y).toFixed(1), r: 3, fill: s.color });
      dot.append(svg('title', null, [s.task + ': new best PGR ' + p.y.toFixed(3) + (p.experiment ? ' (' + p.experiment + ')' : '') + ' at ' + new Date(p.t).toLocaleString()]));
      g.append(dot);
    }
    root.append(g);
  }
  $('pgr-chart').replaceChildren(root);
}
`;
