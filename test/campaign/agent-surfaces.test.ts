import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Campaign } from '../../src/campaign/campaign.js';
import { parseCampaign } from '../../src/campaign/campaign-file.js';
import { ResearchDesk } from '../../src/campaign/research-desk.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { ManualScheduler } from '../../src/schedule/scheduler.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { Ladder } from '../../src/scoring/ladder.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

/**
 * After a real embedded campaign (offline researchers, red-team agents, the heuristic auditor, the steward),
 * reads everything an agent can read through its desk (every forum page of every channel it
 * may see, the leaderboard, claims, every experiment's result and details, its own experiments,
 * guidance, its notebook, findings) and looks for private numbers: the word "private" anywhere,
 * and, in what the system itself writes about an experiment (tool answers, the outcome part of
 * its forum item, the auditor's and steward's replies in its thread), any private PGR of that
 * experiment (per seed or mean, as 0.00 or 0.000) that is not also one of its public numbers
 * (raw or the Ladder's), so a coincidence cannot fail the test. Researchers' own words are only
 * scanned for "private": they can only repeat what these answers told them.
 */
let stack: EmbeddedPipeline;
let surfaces: { experiment?: string; system: boolean; text: string }[];

beforeAll(async () => {
  stack = openEmbeddedPipeline({ prefix: 'aar-surfaces-' });
  const file = parseCampaign({ name: 'surfaces', tasks: ['spam'], agents: { kind: 'offline', count: 3 }, budget: { experiments: 36, minutes: 2 }, redTeam: true });
  await new Campaign({ file, ledger: stack.ledger, pipeline: stack.pipeline, model: 'unused', inputBudget: 0, scheduler: new ManualScheduler() }).run();
  surfaces = await readEverything(stack.ledger);
}, 400_000);
afterAll(() => stack.close());

async function readEverything(ledger: Ledger): Promise<typeof surfaces> {
  const records = new ForumRecords(ledger);
  const agents = (ledger.db.prepare("SELECT DISTINCT agent FROM experiments WHERE agent IS NOT NULL AND agent != 'steward'").all() as { agent: string }[]).map((r) => r.agent);
  const desk = new ResearchDesk({ ledger, records, pipeline: {} as never, scores: ScoreDesk.persistent(ledger, { perHour: 1e6, burst: 1e6 }), tasks: ['spam'], agents, claimSeeds: 5 });
  const out: typeof surfaces = [];
  const me = desk.forAgent(agents[0]);
  let before: string | undefined;
  do {
    const page = me.readForum({ limit: 200, before });
    for (const item of page.items) {
      const thread = item.thread ?? item.key;
      const experiment = thread.startsWith('exp:') ? thread.slice(4) : undefined;
      out.push({ experiment, system: false, text: JSON.stringify(item) });
      // The experiment item's outcome (after its "[id · task · method · seeds]" part) and the auditor's and steward's words are the system's.
      if (item.key.startsWith('exp:')) out.push({ experiment, system: true, text: item.text.slice(item.text.lastIndexOf(']') + 1) });
      else if (['auditor', 'steward'].includes(item.author) || item.authorKind === 'system') out.push({ experiment, system: true, text: item.text });
    }
    before = page.next;
  } while (before);
  out.push({ system: true, text: JSON.stringify(me.leaderboard()) }, { system: true, text: JSON.stringify(me.claimed('spam')) }, { system: false, text: JSON.stringify(me.guidance()) });
  for (const r of [...me.leaderboard(), ...me.claimed('spam')]) out.push({ experiment: r.experiment, system: true, text: JSON.stringify(r) });
  for (const name of agents) out.push({ system: false, text: JSON.stringify(desk.forAgent(name).notebook(10_000)) }, { system: false, text: JSON.stringify(desk.forAgent(name).myExperiments()) });
  for (const type of ['result', 'insight', 'dead-end', 'hypothesis'] as const) out.push({ system: false, text: JSON.stringify(me.findings.newest(type, 1000)) });
  for (const e of me.experimentsOn('spam')) {
    const { hypothesis: _h, methodSettings: _m, parents: _p, ...details } = await me.experimentDetails(e.experiment);
    out.push({ experiment: e.experiment, system: true, text: JSON.stringify(details) });
  }
  return out;
}

describe('nothing agent-readable carries private numbers', () => {
  it('the campaign ran: experiments scored, the auditor replied in agent-readable threads', () => {
    expect(stack.ledger.jobCounts().scored ?? 0).toBeGreaterThan(20);
    expect(new ForumRecords(stack.ledger).messages({ authorKind: 'agent', limit: 10_000 }).some((m) => m.author === 'auditor' && m.channel === 'forum')).toBe(true);
    expect(surfaces.length).toBeGreaterThan(50);
  });

  it('no surface says "private"', () => {
    expect(surfaces.filter((s) => /private/i.test(s.text)).map((s) => s.text.slice(0, 300))).toEqual([]);
  });

  it("no experiment's items quote one of its private PGR values that is not also one of its public numbers", () => {
    const leaks: string[] = [];
    const ladder = new Ladder(stack.ledger);
    for (const { experiment, system, text } of surfaces) {
      if (!experiment || !system) continue;
      const results = stack.ledger.results(experiment);
      if (!results.length) continue;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const forms = (x: number) => [x.toFixed(2), x.toFixed(3)];
      const told = ladder.experiment(experiment).map((a) => a.pgrPublic);
      const priv = [...results.map((r) => r.score.private.pgr), mean(results.map((r) => r.score.private.pgr))].flatMap(forms);
      const pub = new Set([...results.map((r) => r.score.public.pgr), mean(results.map((r) => r.score.public.pgr)), ...told, mean(told)].flatMap(forms));
      const shown = new Set(text.match(/-?\d+\.\d{2,3}(?!\d)/g) ?? []);
      // Numbers the public side explains (the Ladder's answers and anything else printed) are excluded by construction: only private-only forms count.
      for (const p of priv) if (!pub.has(p) && shown.has(p) && !publicExplains(text, p)) leaks.push(`${experiment}: ${p} in ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });
});

/** A number the text also states as a public figure ("public PGR 0.61", "0.61 ± ..."), e.g. a Ladder answer equal by chance. */
function publicExplains(text: string, value: string): boolean {
  return new RegExp(`public PGR ${value.replace('.', '\\.')}|"pgrPublic":${Number(value)}(?!\\d)`).test(text);
}
