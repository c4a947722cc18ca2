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

function renderLeaderboard() {
  const rows = S.panel.leaderboard.slice().sort((a, b) => a.rank - b.rank);
  $('leaderboard-body').replaceChildren(...(rows.length ? rows.map(leaderboardRow)
    : [el('tr', null, [el('td', { colspan: '5', cls: 'empty', testid: 'leaderboard-empty', text: 'No scored results yet.' })])]));
}

function leaderboardRow(r) {
  const status = r.status || '';
  const kind = KNOWN_STATUS.includes(status) ? status : 'other';
  return el('tr', { testid: 'leaderboard-row', 'data-experiment': r.experiment, 'data-status': status }, [
    el('td', { cls: 'num', text: String(r.rank) }),
    el('td', null, [el('span', { text: r.method }), el('span', { cls: 'exp', text: r.experiment + ' \u00b7 ' + r.agent })]),
    el('td', { text: r.task }),
    el('td', { cls: 'num', text: r.pgrPublic.toFixed(2) }),
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

function fmtAxisTime(t, span) {
  const d = new Date(t);
  return span > 36 * 3600e3 ? d.toLocaleDateString([], { month: 'short', day: 'numeric' }) : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function renderChart() {
  const W = 340, H = 190, L = 36, R = 12, T = 10, B = 26;
  const series = S.panel.series.map((s, i) => ({
    task: s.task,
    color: PALETTE[i % PALETTE.length],
    points: s.points.map((p) => ({ t: Date.parse(p.at), y: p.pgr, at: p.at })).filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t),
  })).filter((s) => s.points.length > 0);
  const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': 'PGR over time, one line per task', 'data-testid': 'pgr-chart-svg' });
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
  if (t1 - t0 < 60e3) { t0 -= 30 * 60e3; t1 += 30 * 60e3; }
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + ((y1 - v) / (y1 - y0)) * (H - T - B);

  for (const v of ticks(y0, y1)) {
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: v === 0 ? '#b0b0b4' : '#ececef', 'stroke-width': 1 }));
    root.append(svg('text', { x: L - 5, y: y(v) + 3, 'text-anchor': 'end' }, [v.toFixed(2)]));
  }
  const span = t1 - t0;
  [[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']].forEach(([t, anchor]) => {
    root.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': anchor }, [fmtAxisTime(t, span)]));
  });

  for (const s of series) {
    const g = svg('g', { 'data-testid': 'chart-series', 'data-task': s.task });
    if (s.points.length > 1) {
      g.append(svg('polyline', { points: s.points.map((p) => x(p.t).toFixed(1) + ',' + y(p.y).toFixed(1)).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    }
    for (const p of s.points) {
      const dot = svg('circle', { cx: x(p.t).toFixed(1), cy: y(p.y).toFixed(1), r: 3, fill: s.color });
      dot.append(svg('title', null, [s.task + ': PGR ' + p.y.toFixed(3) + ' at ' + new Date(p.t).toLocaleString()]));
      g.append(dot);
    }
    root.append(g);
  }
  $('pgr-chart').replaceChildren(root);
}
`;
