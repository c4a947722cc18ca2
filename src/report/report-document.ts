import { COMBINED_SE_LABEL } from '../eval/paired-se.js';
import type { MeanSd } from '../eval/stats.js';
import type { ReportData, ReportExperiment, TaskReport } from './campaign-report.js';

/**
 * A report as a list of plain blocks, rendered to Markdown and to HTML by report-render.ts.
 * Every string here is plain text (ledger text included); only the renderers escape, so
 * escaping happens in exactly one place per format.
 */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'code'; text: string }
  /** `svg` is our own renderer's output, embedded as is; `png` a file name beside the report. */
  | { kind: 'chart'; alt: string; png: string; svg: string };

/** A PGR over seeds, e.g. `0.62 ± 0.05`. */
export function fmtPgr(x: MeanSd | null): string {
  return x ? `${x.mean.toFixed(2)} ± ${x.sd.toFixed(2)}` : '-';
}

function fmtTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function fmtHours(from: string, to: string): string {
  const h = (Date.parse(to) - Date.parse(from)) / 3_600_000;
  return h < 1 ? `${Math.round(h * 60)} min` : `${h.toFixed(1)} h`;
}

const who = (agent: string | null) => agent ?? 'human';
const tag = (e: { methodTag: string | null }) => e.methodTag ?? 'custom';

/** The report's blocks; `charts` maps a task to its rendered chart (tasks without one get a note). */
export function reportBlocks(d: ReportData, charts: Map<string, { png: string; svg: string }>): Block[] {
  const b: Block[] = [];
  b.push({ kind: 'heading', level: 1, text: d.campaignId ? `Campaign ${d.campaignId}` : 'All experiments (no campaign id)' });
  const spanText = d.span ? `From ${fmtTime(d.span.from)} to ${fmtTime(d.span.to)} (${fmtHours(d.span.from, d.span.to)}).` : 'No activity recorded.';
  b.push({
    kind: 'text',
    text: `${spanText} ${d.experiments} experiments on ${d.tasks.length} tasks. Report generated ${fmtTime(d.generatedAt)}. Results rank by mean private PGR (held-out items no agent sees, so fitting the public half does not help) among experiments with at least ${d.claimSeeds} scored seeds and no veto; public PGR is what the agents saw. In the leaderboards ± is the sd over seeds; in the confirmation and transfer tables it is the ${COMBINED_SE_LABEL}.`,
  });
  b.push({ kind: 'heading', level: 2, text: 'Summary' });
  b.push({
    kind: 'table',
    header: ['task', 'naive public', 'aux-conf public', 'best public', 'best private', 'best seeds', 'best experiment', 'method', 'agent'],
    rows: d.tasks.map((t) => [
      t.task,
      fmtPgr(t.baselines.naive?.pgrPublic ?? null),
      fmtPgr(t.baselines.auxConf?.pgrPublic ?? null),
      fmtPgr(t.best?.pgrPublic ?? null),
      fmtPgr(t.best?.pgrPrivate ?? null),
      t.best ? String(t.best.seeds) : '-',
      t.best?.id ?? '-',
      t.best ? tag(t.best) : '-',
      t.best ? who(t.best.agent) : '-',
    ]),
  });
  b.push(...transferBlocks(d));
  b.push(...spendBlocks(d));
  for (const t of d.tasks) b.push(...taskBlocks(t, d, charts.get(t.task)));
  b.push(...integrityBlocks(d));
  return b;
}

const pm = (x: { mean: number; se: number }) => `${x.mean.toFixed(2)} ± ${x.se.toFixed(2)}`;
const signed = (x: { mean: number; se: number }) => `${x.mean >= 0 ? '+' : ''}${pm(x)}`;

/** The campaign's headline (held-out transfer) and the desk's confirmation of claims. */
function transferBlocks(d: ReportData): Block[] {
  const b: Block[] = [];
  if (d.transfer) {
    b.push({ kind: 'heading', level: 2, text: 'Held-out task transfer' });
    b.push({ kind: 'text', text: `The team's best methods, chosen on the search tasks, run at the end on tasks no agent ever saw, on fresh seeds, next to aux-conf; private half; ± is the ${COMBINED_SE_LABEL}.` });
    b.push({
      kind: 'table',
      header: ['held-out task', 'method', 'found on', 'experiment', 'PGR', 'vs aux-conf (paired)'],
      rows: Object.values(d.transfer).flatMap((t) => [
        [t.task, 'aux-conf', '-', '-', pm(t.auxConf), '-'],
        ...t.methods.map((m) => [t.task, `${m.role}: ${m.method}`, m.from, m.experiment, pm(m.pgr), signed(m.gain)]),
      ]),
    });
  }
  if (d.leaveOneOut && Object.keys(d.leaveOneOut).length) {
    b.push({ kind: 'heading', level: 3, text: 'Leave one search task out' });
    b.push({ kind: 'text', text: `For each search task, the overall best chosen on the other search tasks, run on it on the same fresh seeds next to aux-conf; ± is the ${COMBINED_SE_LABEL}.` });
    b.push({
      kind: 'table',
      header: ['left-out task', 'aux-conf', 'pick of the others', 'found on', 'PGR', 'vs aux-conf (paired)'],
      rows: Object.values(d.leaveOneOut).map((l) => [l.task, pm(l.auxConf), l.best ? `${l.best.method} (${l.best.experiment})` : '-', l.best?.from ?? '-', l.best ? pm(l.best.pgr) : '-', l.best ? signed(l.best.gain) : '-']),
    });
  }
  if (d.confirmations.length) {
    b.push({ kind: 'heading', level: 2, text: 'Claims confirmed by the desk' });
    b.push({ kind: 'text', text: `Each claim re-run by the desk with aux-conf on the campaign's confirmation seeds (drawn once, never an agent's), private half; a claim stands if its gain exceeds 2 × the ${COMBINED_SE_LABEL}.` });
    b.push({ kind: 'table', header: ['experiment', 'task', 'seeds', 'vs aux-conf (paired)', 'verdict'], rows: d.confirmations.map((v) => [v.experiment, v.task, String(v.seeds), signed(v.gain), v.stands ? 'stands' : 'rejected']) });
  }
  return b;
}

function spendBlocks(d: ReportData): Block[] {
  const s = d.spend;
  const head: Block = { kind: 'heading', level: 2, text: 'Spend' };
  if (!s) return [head, { kind: 'text', text: 'Not measured: spend is tracked per campaign, and these experiments carry no campaign id.' }];
  return [
    head,
    {
      kind: 'table',
      header: ['', 'this campaign', 'reference study'],
      rows: [
        ['model spend (USD)', s.usd.toFixed(2), '-'],
        ['agent-hours', s.agentHours.toFixed(2), '-'],
        ['USD per agent-hour', s.agentHours > 0 ? s.usdPerAgentHour.toFixed(2) : '-', d.referenceUsdPerAgentHour.toFixed(2)],
        ['active agent-hours (in model calls and tools)', s.activeAgentHours.toFixed(2), '-'],
        ['USD per active agent-hour', s.activeAgentHours > 0 ? s.usdPerActiveAgentHour.toFixed(2) : '-', '-'],
        ['worker (GPU) hours', s.gpuHours.toFixed(2), '-'],
        ['experiments', String(s.experiments), '-'],
      ],
    },
  ];
}

function experimentLine(label: string, e: ReportExperiment | null): string {
  if (!e) return `${label}: none with enough scored seeds`;
  const veto = e.vetoed ? ' (vetoed)' : '';
  return `${label}: public PGR ${fmtPgr(e.pgrPublic)}, private PGR ${fmtPgr(e.pgrPrivate)}, ${e.seeds} seeds (${e.id}, ${who(e.agent)})${veto}`;
}

function taskBlocks(t: TaskReport, { claimSeeds, top }: ReportData, chart: { png: string; svg: string } | undefined): Block[] {
  const b: Block[] = [{ kind: 'heading', level: 2, text: `Task ${t.task}` }];
  b.push({ kind: 'heading', level: 3, text: 'Baselines' });
  b.push({ kind: 'list', items: [experimentLine('naive', t.baselines.naive), experimentLine('aux-conf', t.baselines.auxConf)] });
  b.push({ kind: 'heading', level: 3, text: 'Best result' });
  if (t.best) {
    const e = t.best;
    b.push({
      kind: 'list',
      items: [
        `experiment: ${e.id} (${tag(e)}${e.approved ? ', approved by a person' : ''})`,
        `agent: ${who(e.agent)}`,
        `public PGR: ${fmtPgr(e.pgrPublic)}`,
        `private PGR: ${fmtPgr(e.pgrPrivate)}`,
        `seeds: ${e.seeds} scored of ${e.seedsPlanned}`,
        ...(e.hypothesis ? [`hypothesis: ${e.hypothesis}`] : []),
        ...(e.flags.length ? [`flags: ${e.flags.join(', ')}`] : []),
      ],
    });
    b.push({ kind: 'text', text: 'Method:' });
    b.push({ kind: 'code', text: JSON.stringify(e.method, null, 2) });
  } else {
    b.push({ kind: 'text', text: `No result with at least ${claimSeeds} scored seeds and no veto yet (${t.experiments} experiments so far).` });
  }
  b.push({ kind: 'heading', level: 3, text: 'PGR over time' });
  if (chart) b.push({ kind: 'chart', alt: `${t.task}: PGR over time`, png: chart.png, svg: chart.svg });
  else b.push({ kind: 'text', text: 'Nothing to chart yet.' });
  b.push({ kind: 'heading', level: 3, text: `Leaderboard (top ${top} with at least ${claimSeeds} seeds, no veto)` });
  if (t.leaderboard.length) {
    b.push({
      kind: 'table',
      header: ['#', 'experiment', 'method', 'agent', 'public PGR', 'private PGR', 'seeds', 'status'],
      rows: t.leaderboard.map((e) => [String(e.rank), e.id, tag(e), who(e.agent), fmtPgr(e.pgrPublic), fmtPgr(e.pgrPrivate), String(e.seeds), e.approved ? 'approved' : e.flags.length ? 'flagged' : 'ok']),
    });
  } else b.push({ kind: 'text', text: 'Empty.' });
  if (t.lineage) {
    const l = t.lineage;
    b.push({ kind: 'heading', level: 3, text: `Lineage of ${l.experiment}` });
    b.push({
      kind: 'table',
      header: ['depth', 'experiment', 'builds on', 'agent', 'method', 'public PGR', 'private PGR', 'seeds', 'method JSON'],
      rows: l.nodes.map((n) => [String(n.depth), n.id, n.parents.join(', ') || '-', who(n.agent), tag(n), fmtPgr(n.pgrPublic), fmtPgr(n.pgrPrivate), String(n.seeds), JSON.stringify(n.method)]),
    });
    const notes = [...(l.truncated ? ['older ancestors left out (depth limit)'] : []), ...(l.missing.length ? [`parents missing from the ledger: ${l.missing.join(', ')}`] : [])];
    if (notes.length) b.push({ kind: 'text', text: `Note: ${notes.join('; ')}.` });
  }
  return b;
}

function integrityBlocks(d: ReportData): Block[] {
  const b: Block[] = [{ kind: 'heading', level: 2, text: 'Flagged results' }];
  if (d.flagged.length) {
    b.push({
      kind: 'table',
      header: ['experiment', 'task', 'agent', 'seeds flagged', 'flags', 'vetoed'],
      rows: d.flagged.map((f) => [f.experiment, f.task, who(f.agent), f.seeds.join(', '), f.flags.join(', '), f.vetoed ? 'yes' : 'no']),
    });
  } else b.push({ kind: 'text', text: 'None: no shortcut detector fired.' });
  b.push({ kind: 'heading', level: 2, text: 'Auditor verdicts' });
  if (d.verdicts.length) {
    b.push({
      kind: 'table',
      header: ['when', 'experiment', 'verdict', 'veto recommended', 'vetoed', 'reasons'],
      rows: d.verdicts.map((v) => [fmtTime(v.at), v.experiment, v.verdict, v.recommendVeto ? 'yes' : 'no', v.vetoed ? 'yes' : 'no', v.reasons.join(' ')]),
    });
  } else b.push({ kind: 'text', text: 'None.' });
  b.push({ kind: 'heading', level: 2, text: 'Vetoes, unvetoes and approvals' });
  if (d.vetoes.length) {
    b.push({ kind: 'table', header: ['when', 'action', 'target', 'who', 'why'], rows: d.vetoes.map((v) => [fmtTime(v.at), v.action, v.target, v.who, v.reason || '-']) });
  } else b.push({ kind: 'text', text: 'None.' });
  return b;
}
