import type { ForumItem } from '../../src/campaign/agent-view.js';
import type { AgentDesk } from '../../src/campaign/research-desk.js';
import { failureLine } from '../../src/pipeline/failures.js';

/** Tokens of a text: a calibrated gauge's estimate (src/llm/token-gauge.ts) or this default. */
export type Estimator = (text: string) => number;

/**
 * The estimate used before anything is measured: 3 characters per token, rounded up. Current
 * tokenizers average fewer characters per token than older ones on English and JSON, so this
 * errs high; a researcher's TokenGauge replaces it with a measured ratio.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

/** A line of a section; `short` stands in for `full` when the whole line does not fit. */
export type ContextLine = string | { full: string; short: string };

export interface ContextSection {
  title: string;
  /** Lines, most important first; a section is trimmed from the end. */
  lines: ContextLine[];
}

export interface TurnContext {
  text: string;
  tokens: number;
  /** Per section: lines kept of lines available. */
  kept: Record<string, { kept: number; of: number }>;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const when = (at: string) => at.slice(0, 16).replace('T', ' ');

/**
 * The bounded view one turn starts from, in priority order: human guidance, the notebook
 * (newest whole, older ones summarised when they do not fit), the leaderboard and baselines,
 * the agent's own experiments with their lineage and failures, the newest forum items, then
 * one-line digests of older threads. Every read is a "newest N" read and sections are packed
 * greedily under `budgetTokens`, so however long the forum grows the turn's input does not.
 */
export function buildTurnContext(desk: AgentDesk, budgetTokens: number, estimate: Estimator = estimateTokens): TurnContext {
  const recent = desk.readForum({ limit: 15 });
  const sections: ContextSection[] = [
    {
      title: 'Guidance from the humans on the allowlist (newest first, quoted as written; follow it, it overrides your direction)',
      lines: desk.guidance(15).map((g) => `${g.forMe ? '[to you] ' : ''}${when(g.at)} ${g.author} wrote: ${quoted(clip(g.text, 600))}`),
    },
    {
      title: 'Your notebook (newest first; older entries shortened when space runs out)',
      lines: desk
        .notebook(30)
        .reverse()
        .map((n) => ({ full: `${when(n.at)} ${n.text}`, short: `${when(n.at)} ${clip(n.text.split('\n')[0], 160)}` })),
    },
    { title: `Leaderboard (public PGR, ≥${desk.claimSeeds} seeds; baselines: naive, aux-conf)`, lines: leaderboardLines(desk) },
    { title: 'Your experiments (newest first)', lines: myExperimentLines(desk) },
    { title: 'Findings the team rates highest (people\'s votes weigh 3, agents\' 1; vote on others\' with `vote`)', lines: findingLines(desk) },
    { title: 'Recent forum (newest first)', lines: recent.items.map(render) },
    { title: 'Older threads (digest, newest first; read_forum with `before` pages back)', lines: digest(desk, recent.next) },
  ];
  return pack(sections, budgetTokens, estimate);
}

function leaderboardLines(desk: AgentDesk): string[] {
  // Only the rows shown: each task's top 3 and its baselines.
  const board = desk.leaderboard(undefined, { top: 3, alsoMethods: ['naive', 'aux-conf'] });
  const top = board.filter((r) => r.rank <= 3).map((r) => `${r.task} #${r.rank} ${r.experiment} ${r.method} by ${r.agent}: ${r.pgrPublic.toFixed(2)} ± ${r.sd.toFixed(2)} (${r.seeds} seeds)`);
  const baselines = board.filter((r) => r.rank > 3 && (r.method === 'naive' || r.method === 'aux-conf')).map((r) => `${r.task} baseline ${r.method} (#${r.rank}): ${r.pgrPublic.toFixed(2)} ± ${r.sd.toFixed(2)}`);
  return [...top, ...baselines];
}

function myExperimentLines(desk: AgentDesk): ContextLine[] {
  return desk
    .myExperiments({ newestFirst: true, limit: 20 })
    .map((e) => {
      const parents = e.lineage.map((p) => `${p.experiment}: ${p.changed.join(', ') || 'same settings'}`);
      const failed = failureLine(e.failures);
      const head = `${e.experiment} ${e.task} ${e.state} seeds=${e.seeds}`;
      return {
        full: `${head} method=${clip(JSON.stringify(e.method), 400)}${parents.length ? ` builds on ${parents.join('; ')}` : ''}${failed ? ` — ${failed}` : ''}`,
        short: `${head}${failed ? ` — ${clip(failed, 160)}` : ''}`,
      };
    });
}

/** Top-rated insights and dead ends, then results, one line each with the votes and their newest reason. */
function findingLines(desk: AgentDesk): ContextLine[] {
  const findings = [...desk.findings.top('insight', 4), ...desk.findings.top('dead-end', 4), ...desk.findings.top('result', 3)];
  return findings.map((f) => {
    const head = `[${f.key}] ${f.type} by ${f.author} (${votesText(f.votes)})`;
    return { full: `${head}: ${clip(f.text, 400)}${reasonsText(f.votes.reasons)}`, short: `${head}: ${clip(f.text.split('\n')[0], 120)}` };
  });
}

const votesText = (v: { up: number; down: number }) => `+${v.up}/-${v.down}`;

/** The newest reasons given with votes; a person's words are quoted as data. */
function reasonsText(reasons: { by: string; kind: 'agent' | 'human'; value: 1 | -1; reason: string }[]): string {
  const shown = reasons.slice(0, 2).map((r) => `${r.value > 0 ? '+1' : '-1'} ${r.by}${r.kind === 'human' ? ` wrote: ${quoted(clip(r.reason, 200))}` : `: ${clip(r.reason, 200)}`}`);
  return shown.length ? ` — votes: ${shown.join('; ')}` : '';
}

function render(i: ForumItem): ContextLine {
  const type = i.finding ? ` ${i.finding.type} (${votesText(i.finding.votes)})` : '';
  const head = `${when(i.at)} [${i.key}${i.thread ? ` in ${i.thread}` : ''}]${type} ${i.author}`;
  // A person's words are data: one JSON string, so no line break or heading in them can pass for part of the context.
  const say = (text: string) => (i.authorKind === 'human' ? ` wrote: ${quoted(text)}` : `: ${text}`);
  const reasons = i.finding ? reasonsText(i.finding.votes.reasons) : '';
  return { full: `${head}${say(clip(i.text, 700))}${reasons}`, short: `${head}${say(clip(i.text.split('\n')[0], 160))}` };
}

const quoted = (text: string) => JSON.stringify(text);

/** Thread openers older than the recent items, one line each. */
function digest(desk: AgentDesk, after: string | undefined): string[] {
  if (!after) return [];
  return desk
    .readForum({ before: after, limit: 100 })
    .items.filter((i) => !i.thread)
    .map((i) => `${i.key} ${i.author}: ${clip(i.text.split('\n')[0], 160)}`);
}

/** Keeps whole sections in priority order and trims the first one that does not fit. */
export function pack(sections: ContextSection[], budgetTokens: number, estimate: Estimator = estimateTokens): TurnContext {
  const out: string[] = [];
  const kept: TurnContext['kept'] = {};
  let used = 0;
  for (const s of sections) {
    const header = `## ${s.title}`;
    let n = 0;
    const body: string[] = [];
    let cost = estimate(header) + 1;
    for (const line of s.lines) {
      const options = typeof line === 'string' ? [line] : [line.full, line.short];
      // 12 tokens stay free for the "(N more not shown)" line.
      const fits = options.find((text) => used + cost + estimate(text) + 1 <= budgetTokens - 12);
      if (fits === undefined) break;
      body.push(fits);
      cost += estimate(fits) + 1;
      n++;
    }
    kept[s.title] = { kept: n, of: s.lines.length };
    if (!s.lines.length) {
      const none = estimate('(none)') + 1;
      if (used + cost + none <= budgetTokens) {
        out.push(header, '(none)');
        used += cost + none;
      }
      continue;
    }
    if (!n) continue;
    out.push(header, ...body);
    used += cost;
    if (n < s.lines.length) {
      const more = `(${s.lines.length - n} more not shown)`;
      out.push(more);
      used += estimate(more) + 1;
    }
  }
  const text = out.join('\n');
  return { text, tokens: estimate(text), kept };
}
