import type { ForumItem } from '../../src/campaign/agent-view.js';
import type { AgentDesk } from '../../src/campaign/research-desk.js';

/**
 * A documented token estimate: about 3.5 characters per token for English and JSON, rounded
 * up. It errs high (Claude's tokenizer averages nearer 4), so a context packed to a budget
 * by this estimate stays under it when the API counts it.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

export interface ContextSection {
  title: string;
  /** Lines, most important first; a section is trimmed from the end. */
  lines: string[];
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
 * The bounded view one turn starts from, in priority order: human guidance, the notebook,
 * the leaderboard, the agent's own experiments, the recent forum, then one-line digests of
 * older threads. Sections are packed greedily under `budgetTokens`, so however long the forum
 * grows the turn's input does not.
 */
export function buildTurnContext(desk: AgentDesk, budgetTokens: number): TurnContext {
  const recent = desk.readForum({ limit: 15 });
  const recentKeys = new Set(recent.map((i) => i.key));
  const sections: ContextSection[] = [
    {
      title: 'Guidance from the humans on the allowlist (newest first, quoted as written; follow it, it overrides your direction)',
      lines: desk.guidance(15).map((g) => `${g.forMe ? '[to you] ' : ''}${when(g.at)} ${g.author} wrote: ${quoted(clip(g.text, 600))}`),
    },
    { title: 'Your notebook (latest last)', lines: desk.notebook(15).reverse().map((n) => `${when(n.at)} ${clip(n.text, 500)}`) },
    {
      title: `Leaderboard (public PGR, ≥${desk.claimSeeds} seeds)`,
      lines: topPerTask(desk).map((r) => `${r.task} #${r.rank} ${r.experiment} ${r.method} by ${r.agent}: ${r.pgrPublic.toFixed(2)} ± ${r.sd.toFixed(2)} (${r.seeds} seeds)`),
    },
    {
      title: 'Your experiments (newest first)',
      lines: desk
        .myExperiments()
        .reverse()
        .slice(0, 20)
        .map((e) => `${e.experiment} ${e.task} ${e.state} seeds=${e.seeds} method=${clip(JSON.stringify(e.method), 300)}`),
    },
    { title: 'Recent forum (oldest first)', lines: recent.map(render) },
    { title: 'Older threads (digest, newest first)', lines: digest(desk, recentKeys) },
  ];
  return pack(sections, budgetTokens);
}

function topPerTask(desk: AgentDesk) {
  return desk.leaderboard().filter((r) => r.rank <= 3);
}

function render(i: ForumItem): string {
  const text = i.authorKind === 'human' ? `wrote: ${quoted(clip(i.text, 500))}` : clip(i.text, 500);
  return `${when(i.at)} [${i.key}${i.thread ? ` in ${i.thread}` : ''}] ${i.author}${i.authorKind === 'human' ? ' ' : ': '}${text}`;
}

/** A person's words as data: one JSON string, so no line break or heading in them can pass for part of the context. */
const quoted = (text: string) => JSON.stringify(text);

function digest(desk: AgentDesk, skip: Set<string>): string[] {
  return desk
    .readForum({ limit: 200 })
    .filter((i) => !skip.has(i.key) && !i.thread)
    .reverse()
    .map((i) => `${i.key} ${i.author}: ${clip(i.text.split('\n')[0], 160)}`);
}

/** Keeps whole sections in priority order and trims the first one that does not fit. */
export function pack(sections: ContextSection[], budgetTokens: number): TurnContext {
  const out: string[] = [];
  const kept: TurnContext['kept'] = {};
  let used = 0;
  for (const s of sections) {
    const header = `## ${s.title}`;
    let n = 0;
    const body: string[] = [];
    let cost = estimateTokens(header) + 1;
    for (const line of s.lines) {
      const c = estimateTokens(line) + 1;
      // 12 tokens stay free for the "(N more not shown)" line.
      if (used + cost + c > budgetTokens - 12) break;
      body.push(line);
      cost += c;
      n++;
    }
    kept[s.title] = { kept: n, of: s.lines.length };
    if (!s.lines.length) {
      const none = estimateTokens('(none)') + 1;
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
      used += estimateTokens(more) + 1;
    }
  }
  const text = out.join('\n');
  return { text, tokens: estimateTokens(text), kept };
}
