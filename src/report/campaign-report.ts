import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REFERENCE_USD_PER_AGENT_HOUR, type Spend } from '../campaign/spend.js';
import { ForumRecords, type VetoRecord } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { campaignScope } from './campaign-scope.js';
import { pgrChart, type PgrPoint, type RenderedChart } from './chart.js';
import { summarizeExperiment, type ExperimentSummary } from './experiment-summary.js';
import { vetoState } from './leaderboard.js';
import { lineage, type Lineage } from './lineage.js';
import { reportBlocks } from './report-document.js';
import { renderHtml, renderMarkdown } from './report-render.js';
import { summarizeScope } from './scope-summaries.js';
import { activeFlagsReader } from '../audit/active-flags.js';
import type { ConfirmationVerdict } from '../confirmation/claim-confirmer.js';
import type { LeaveOneOutRow, TransferResult } from '../transfer/transfer.js';

/** An experiment with where it stands with the humans: vetoed (by id or method tag) or approved. */
export interface ReportExperiment extends ExperimentSummary {
  vetoed: boolean;
  approved: boolean;
  /** Flagged and not approved by a person: held off the leaderboard. */
  held: boolean;
}

/** A leaderboard row: an eligible experiment and its place in its task. */
export interface RankedExperiment extends ReportExperiment {
  rank: number;
}

export interface TaskReport {
  task: string;
  /** Every experiment of the task in scope, scored or not. */
  experiments: number;
  /** The reference methods, each with at least `claimSeeds` scored seeds (most seeds wins, then the earliest). */
  baselines: { naive: ReportExperiment | null; auxConf: ReportExperiment | null };
  /** The top of the leaderboard. */
  best: RankedExperiment | null;
  /** Not vetoed, at least `claimSeeds` scored seeds, by mean private PGR (people's ranking); at most `top` rows. */
  leaderboard: RankedExperiment[];
  /** Every eligible experiment's mean public PGR at the time its last seed was scored. */
  points: PgrPoint[];
  lineage: Lineage | null;
}

/** Experiments flagged by a detector (on a seed or across seeds) or by lineage. */
export interface FlaggedExperiment {
  experiment: string;
  task: string;
  agent: string | null;
  /** Seeds that raised a flag (empty for experiment-level flags). */
  seeds: number[];
  flags: string[];
  vetoed: boolean;
}

/** The auditor's verdict on one experiment. */
export interface VerdictEntry {
  at: string;
  experiment: string;
  auditor: string | null;
  verdict: string;
  reasons: string[];
  recommendVeto: boolean;
  vetoed: boolean;
}

/** Everything a campaign report shows, computed from ledger facts only. */
export interface ReportData {
  /** null: the ledger's experiments carry no campaign id, so the report covers all of them. */
  campaignId: string | null;
  generatedAt: string;
  /** The first and last fact of the campaign (proposals, scores, sessions). */
  span: { from: string; to: string } | null;
  claimSeeds: number;
  /** Leaderboard rows per task. */
  top: number;
  experiments: number;
  tasks: TaskReport[];
  flagged: FlaggedExperiment[];
  verdicts: VerdictEntry[];
  /** Vetoes, unvetoes and approvals of the campaign's experiments and method tags, in order. */
  vetoes: VetoRecord[];
  /** null when the caller had none to give (experiments outside any campaign). */
  spend: Spend | null;
  referenceUsdPerAgentHour: number;
  /** The desk's re-runs of claims on the campaign's confirmation seeds (src/confirmation). */
  confirmations: ConfirmationVerdict[];
  /** Held-out task transfer at the campaign's end (its latest run), or null when it had no held-out tasks. */
  transfer: Record<string, TransferResult> | null;
  /** The leave-one-task-out view over the search tasks, from the same run. */
  leaveOneOut: Record<string, LeaveOneOutRow> | null;
}

export interface BuildReportOptions {
  ledger: Ledger;
  /** Default: the latest campaign with experiments. An id the ledger lacks is an UnknownCampaignError. */
  campaignId?: string;
  spend?: Spend | null;
  now?: () => Date;
  /** Scored seeds a result needs to rank or serve as a baseline (default 5: naive PGR's seed spread is 0.15-0.21). */
  claimSeeds?: number;
  /** Leaderboard rows per task (default 10). */
  top?: number;
  /** How far back lineages go (default 20). */
  lineageDepth?: number;
}

/** Collects a campaign's results, rankings, lineages and integrity record for `writeReport`. */
export function buildReport(o: BuildReportOptions): ReportData {
  const { ledger } = o;
  const claimSeeds = o.claimSeeds ?? 5;
  const top = o.top ?? 10;
  const scope = campaignScope(ledger, o.campaignId);
  const records = new ForumRecords(ledger);
  const allVetoes = records.vetoes();
  // Every experiment in grouped reads, and the vetoes read once for all of them: per-experiment
  // reads (and every veto re-read per experiment) made the report quadratic in the campaign.
  const summaries = summarizeScope(ledger, scope.campaignId);
  const activeFlagsOf = activeFlagsReader(ledger, records);
  const experiments: ReportExperiment[] = scope.experimentIds.map((id) => {
    const s = summaries.byId.get(id) ?? summarizeExperiment(ledger, id)!;
    const state = vetoState(allVetoes, id, s.methodTag);
    // As `standing` says: vetoed comes first, and only an experiment with a flag can have an active one.
    const held = !state.vetoed && s.flags.length > 0 && activeFlagsOf(id).length > 0;
    // Onto the summary itself: a copy per experiment would keep two of each alive at 50,000.
    return Object.assign(s, { vetoed: state.vetoed, approved: state.approved, held });
  });
  const ids = new Set(experiments.map((e) => e.id));
  const tags = new Set(experiments.flatMap((e) => (e.methodTag ? [e.methodTag] : [])));
  const byTask = new Map<string, ReportExperiment[]>();
  for (const e of experiments) {
    const list = byTask.get(e.task);
    if (list) list.push(e);
    else byTask.set(e.task, [e]);
  }
  const tasks = [...byTask.keys()].sort().map((task) => taskReport(ledger, task, byTask.get(task)!, { claimSeeds, top, lineageDepth: o.lineageDepth }));
  const transfer = latestTransfer(ledger, scope.campaignId);
  return {
    campaignId: scope.campaignId,
    generatedAt: (o.now ?? (() => new Date()))().toISOString(),
    span: span(ledger, scope.campaignId, experiments),
    claimSeeds,
    top,
    experiments: experiments.length,
    tasks,
    flagged: flagged(experiments, summaries.flaggedSeeds),
    verdicts: verdicts(ledger, ids),
    vetoes: scope.campaignId === null ? [...allVetoes] : allVetoes.filter((v) => ids.has(v.target) || tags.has(v.target)),
    spend: o.spend ?? null,
    referenceUsdPerAgentHour: REFERENCE_USD_PER_AGENT_HOUR,
    confirmations: ledger.events({ kind: 'confirmation' }).filter((e) => ids.has(e.experimentId ?? '')).map((e) => e.data as unknown as ConfirmationVerdict),
    transfer: transfer?.results ?? null,
    leaveOneOut: transfer?.leaveOneOut ?? null,
  };
}

function latestTransfer(ledger: Ledger, campaignId: string | null): { results: Record<string, TransferResult>; leaveOneOut?: Record<string, LeaveOneOutRow> } | null {
  const e = ledger.events({ kind: 'transfer' }).filter((x) => campaignId === null || x.campaignId === campaignId).at(-1);
  return e ? (e.data as { results: Record<string, TransferResult>; leaveOneOut?: Record<string, LeaveOneOutRow> }) : null;
}

function taskReport(ledger: Ledger, task: string, experiments: ReportExperiment[], o: { claimSeeds: number; top: number; lineageDepth?: number }): TaskReport {
  // At least one seed even when claimSeeds is 0: an unscored experiment has no PGR to rank.
  const enough = experiments.filter((e) => e.seeds >= Math.max(1, o.claimSeeds));
  // Flagged and not approved: held off the leaderboard, as on every other board.
  const eligible = enough.filter((e) => !e.vetoed && !e.held);
  // Only the rows the board shows get a copy with their rank (not every eligible experiment of the task).
  const ranked = [...eligible]
    .sort((a, b) => b.pgrPrivate!.mean - a.pgrPrivate!.mean || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .slice(0, Math.max(1, o.top))
    .map((e, i) => ({ ...e, rank: i + 1 }));
  const best = ranked[0] ?? null;
  // A baseline is a reference point, not a claim: a method-tag veto ("stop proposing naive")
  // must not hide it, so vetoed ones still count here and the report marks them.
  const baseline = (tag: string) => enough.filter((e) => e.methodTag === tag).sort((a, b) => b.seeds - a.seeds || a.createdAt.localeCompare(b.createdAt))[0] ?? null;
  return {
    task,
    experiments: experiments.length,
    baselines: { naive: baseline('naive'), auxConf: baseline('aux-conf') },
    best,
    leaderboard: ranked.slice(0, o.top),
    points: eligible.map((e) => ({ at: e.lastScoredAt!, pgr: e.pgrPublic!.mean, experiment: e.id })),
    lineage: best ? lineage(ledger, best.id, { maxDepth: o.lineageDepth }) : null,
  };
}

function span(ledger: Ledger, campaignId: string | null, experiments: ReportExperiment[]): ReportData['span'] {
  // The earliest and latest of the times, compared as strings as a sort would.
  let from: string | null = null;
  let to: string | null = null;
  const see = (at: string | null) => {
    if (at === null) return;
    if (from === null || at < from) from = at;
    if (to === null || at > to) to = at;
  };
  for (const e of experiments) (see(e.createdAt), see(e.lastScoredAt));
  if (campaignId !== null) {
    // Sessions beat every few minutes all night: their first and last, not every heartbeat (events_by_kind).
    const s = ledger.db.prepare(`SELECT MIN(at) AS first, MAX(at) AS last FROM events WHERE kind = 'campaign' AND ${SPARSE_KINDS} AND campaign_id = ?`).get(campaignId) as { first: string | null; last: string | null };
    (see(s.first), see(s.last));
  }
  return from === null || to === null ? null : { from, to };
}

function flagged(experiments: ReportExperiment[], flaggedSeeds: ReadonlyMap<string, number[]>): FlaggedExperiment[] {
  return experiments
    .filter((e) => e.flags.length)
    .map((e) => ({ experiment: e.id, task: e.task, agent: e.agent, seeds: flaggedSeeds.get(e.id) ?? [], flags: e.flags, vetoed: e.vetoed }));
}

function verdicts(ledger: Ledger, ids: Set<string>): VerdictEntry[] {
  const out: VerdictEntry[] = [];
  for (const e of ledger.events({ kind: 'verdict' })) {
    const d = e.data;
    const experiment = typeof d.experiment === 'string' ? d.experiment : e.experimentId;
    if (!experiment || !ids.has(experiment)) continue;
    out.push({
      at: e.at,
      experiment,
      auditor: e.agent,
      verdict: String(d.verdict ?? 'unknown'),
      reasons: Array.isArray(d.reasons) ? d.reasons.map(String) : [],
      recommendVeto: d.recommendVeto === true,
      vetoed: d.vetoed === true,
    });
  }
  return out;
}

/** Where `writeReport` put each file. */
export interface WrittenReport {
  markdown: string;
  html: string;
  charts: { task: string; svg: string; png: string }[];
}

/**
 * Writes report.md, report.html (self-contained: the charts inline as SVG; the PNGs beside it
 * are linked too) and pgr-<task>.svg/.png for every task with a ranked result.
 */
export async function writeReport(data: ReportData, outDir: string, o: { render?: typeof pgrChart } = {}): Promise<WrittenReport> {
  const render = o.render ?? pgrChart;
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const files = chartFileNames(data.tasks.map((t) => t.task));
  const charts: (RenderedChart & { task: string; file: string })[] = [];
  for (const t of data.tasks) {
    if (!t.points.length) continue;
    const chart = await render([{ task: t.task, points: t.points }], { title: `${t.task}: PGR over time` });
    charts.push({ ...chart, task: t.task, file: files.get(t.task)! });
  }
  const written: WrittenReport['charts'] = [];
  for (const c of charts) {
    const svg = join(dir, `${c.file}.svg`);
    const png = join(dir, `${c.file}.png`);
    writeFileSync(svg, c.svg);
    writeFileSync(png, c.png);
    written.push({ task: c.task, svg, png });
  }
  const blocks = reportBlocks(data, new Map(charts.map((c) => [c.task, { png: `${c.file}.png`, svg: c.svg }])));
  const markdown = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  writeFileSync(markdown, renderMarkdown(blocks));
  writeFileSync(html, renderHtml(blocks, { title: data.campaignId ? `aar campaign ${data.campaignId}` : 'aar report' }));
  return { markdown, html, charts: written };
}

/** pgr-<task>, made safe for any file system; task names come from the ledger, so never trust them as paths. */
function chartFileNames(tasks: string[]): Map<string, string> {
  const used = new Set<string>();
  const names = new Map<string, string>();
  for (const task of tasks) {
    const base = `pgr-${task.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'task'}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    names.set(task, name);
  }
  return names;
}
