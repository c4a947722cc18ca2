import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import type { Direction } from '../../directions.js';
import { describeRedirect, isEmpty, isQuestion, knobsIn, type Reading } from './guidance.js';
import { pairedDiff, type Memory } from './memory.js';
import { knobWords, methodInWords } from './words.js';

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const PLAN_RE = /^plan (\S+): (.+) on (\S+) from (\S+)$/;

interface Ask {
  name: string;
  direction: Direction;
  desk: AgentDesk;
  memory: Memory;
  /** The person's words, without the address ("@ada", "ada:"). */
  text: string;
  reading: Reading;
}

/**
 * An offline researcher's answer to a person, from its notebook and numbers. A "why" question
 * about an experiment, a technique or a task is answered about that: which experiment, what it
 * changed and why, and the paired difference against what it started from. A redirection is
 * confirmed in words; one it cannot read is met with what it did understand and a question.
 * Anything else gets a short account of its work.
 */
export function answerPerson(o: Ask): string {
  const { redirect, unclear } = o.reading;
  const understood = isEmpty(redirect) ? '' : `Understood: I will ${describeRedirect(redirect)} from my next turn.`;
  if (/\bwhy\b|\bhow come\b|\bwhat made you\b/i.test(o.text)) return [answerWhy(o), understood].filter(Boolean).join(' ');
  const asks = !o.text.split(/(?<=[.!?;\n])/).some(isQuestion);
  if (unclear.length && understood) return `${understood} I did not understand "${unclear[0]}": ${offer(o)}`;
  if (asks && isEmpty(redirect)) {
    const what = unclear[0] ?? o.text.trim().slice(0, 80);
    return `I could not tell what you want me to change in "${what}". ${offer(o)}`;
  }
  return [understood, summary(o)].filter(Boolean).join(' ');
}

function offer(o: Ask): string {
  const techniques = (['auxConf', 'filter', 'labels', 'earlyStopping', 'selfTraining', 'ensemble'] as const).map(knobWords).join(', ');
  return `I can focus on a task (${o.desk.tasks.join(', ')}), or try or stop a technique (for example ${techniques}), and take them in order ("X before Y"). Which do you mean?`;
}

/** Why: about a named experiment, else a named technique, else a named task, else my latest experiment. */
function answerWhy(o: Ask): string {
  const { desk, text } = o;
  const all = desk.tasks.flatMap((t) => desk.experimentsOn(t));
  const named = all.find((e) => new RegExp(`(^|[^\\w-])(${escape(e.experiment)}${e.method.name ? `|${escape(e.method.name)}` : ''})(?![\\w-])`).test(text));
  if (named) return named.agent === o.name ? aboutMine(o, named.experiment) : aboutTheirs(o, named);
  const knob = knobsIn(text)[0];
  if (knob) {
    const plans = planNotes(desk).filter((p) => knobsIn(p.change).includes(knob) || (knob === 'labels' && /\blabel/.test(p.change)));
    const last = plans.at(-1);
    if (last) return `${aboutMine(o, last.experiment)}${plans.length > 1 ? ` (I have tried ${knobWords(knob)} in ${plans.length} experiments; that is the latest.)` : ''}`;
    if (o.memory.redirect.avoid.includes(knob)) return `I have not been using ${knobWords(knob)}: I was asked to stop.`;
    const mine = o.direction.knobs.includes(knob);
    return `I have not tried ${knobWords(knob)} yet. ${mine ? `It is one of the techniques my direction points at ("${o.direction.text}"), so it will come up.` : `My direction ("${o.direction.text}") points elsewhere; say "try ${knobWords(knob)}" and I will.`}`;
  }
  const task = desk.tasks.find((t) => new RegExp(`\\b${t}\\b`, 'i').test(text));
  if (task) return aboutTask(o, task);
  const latest = desk.myExperiments().at(-1);
  return latest ? aboutMine(o, latest.experiment) : `I have not run anything yet. My direction: ${o.direction.text}`;
}

/** One of my experiments: what it changed and why, its numbers against where it started, and what came of it. */
function aboutMine(o: Ask, id: string): string {
  const { desk, memory } = o;
  const e = desk.myExperiments().find((x) => x.experiment === id)!;
  const plan = planNotes(desk).find((p) => p.experiment === id);
  const hypothesis = desk.readForum({ thread: `exp:${id}`, limit: 5 }).items.find((i) => i.key === `exp:${id}`)?.text ?? '';
  const because = /because (.+?)\. Starting from/.exec(hypothesis)?.[1];
  const parent = plan?.base ?? e.parents[0];
  const lines: string[] = [];
  const baseMethod = plan ? desk.experimentsOn(e.task).find((x) => x.experiment === plan.base)?.method : undefined;
  const from = plan ? `${plan.base}${baseMethod ? ` (${methodInWords(baseMethod)})` : ''}` : '';
  if (plan) lines.push(`In ${id} on ${e.task} I tried ${plan.change}, starting from ${from}${because ? `, because ${because}` : ''}.`);
  else if (e.parents.length >= 2) lines.push(`${id} re-ran ${e.parents[1]} on ${e.seeds} seeds on ${e.task}, to confirm what its probe showed against ${e.parents[0]}.`);
  else lines.push(`${id} ran ${methodInWords(e.method)} on ${e.task}${parent ? `, starting from ${parent}` : ''}.`);
  const mine = memory.observations.get(id);
  const ref = parent ? memory.observations.get(parent) : undefined;
  if (e.state === 'running' && !mine) lines.push('It is still running.');
  else if (mine && ref) {
    const d = pairedDiff(mine, ref);
    const seeds = [...mine.perSeed.keys()].filter((s) => ref.perSeed.has(s));
    const se = Number.isFinite(d.se) ? ` ± ${f2(d.se)}` : '';
    lines.push(`On seeds ${seeds.join(', ')} it reached public PGR ${f2(mine.pgr)} against ${f2(ref.pgr)} for ${parent}: ${signed(d.diff)}${se} paired.`);
  } else if (mine) lines.push(`It reached public PGR ${f2(mine.pgr)} over ${mine.perSeed.size} seed(s).`);
  const next = desk.myExperiments().find((x) => x.parents.includes(id) && x.seeds >= desk.claimSeeds);
  if (next) lines.push(`That looked like a gain, so I am confirming it on ${next.seeds} seeds in ${next.experiment}.`);
  else if (memory.concluded.has(id) && e.seeds < desk.claimSeeds) lines.push('That was not enough of a gain over seed noise, so I dropped it.');
  return lines.join(' ');
}

function aboutTheirs(o: Ask, e: { experiment: string; agent: string; method: Parameters<typeof methodInWords>[0] }): string {
  const r = o.desk.leaderboard().find((x) => x.experiment === e.experiment);
  const numbers = r ? ` Its public PGR is ${f2(r.pgrPublic)} ± ${f2(r.sd)} over ${r.seeds} seeds.` : '';
  return `${e.experiment} is ${e.agent}'s experiment (${methodInWords(e.method)}), not mine, so ${e.agent} can say why it was chosen.${numbers}`;
}

function aboutTask(o: Ask, task: string): string {
  const { desk, memory } = o;
  const focus = memory.current(desk).tasks;
  const why = focus.includes(task)
    ? `${task} is where I was asked to focus.`
    : desk.myExperiments()[0]?.task === task
      ? `${task} is my home task: each of us starts on one, so every task is worked on.`
      : `I work on other tasks now and then, to see whether what works on my home task transfers.`;
  const latest = desk.myExperiments().filter((e) => e.task === task).at(-1);
  return `${why}${latest ? ` ${aboutMine(o, latest.experiment)}` : ` I have not run anything on ${task} yet.`}`;
}

function planNotes(desk: AgentDesk): { experiment: string; change: string; task: string; base: string }[] {
  return desk
    .notebook(500)
    .map((n) => PLAN_RE.exec(n.text))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ experiment: m[1], change: m[2], task: m[3], base: m[4] }));
}

/** What it has done and will do, in a few sentences (for questions that are not "why"). */
function summary(o: Ask): string {
  const { desk, memory } = o;
  const mine = desk.myExperiments();
  if (!mine.length) return `I have not run anything yet. My direction: ${o.direction.text}`;
  const lines: string[] = [];
  const probes = mine.filter((e) => e.seeds < desk.claimSeeds).length;
  const running = mine.filter((e) => e.state === 'running');
  lines.push(`I have run ${mine.length} experiment(s): ${probes} probe(s) and ${mine.length - probes} confirmation(s) on ${desk.claimSeeds}+ seeds; ${running.length} running now.`);
  const seen = mine.map((e) => ({ e, obs: memory.observations.get(e.experiment) })).filter((x) => x.obs);
  const best = [...seen].sort((a, b) => b.obs!.pgr - a.obs!.pgr)[0];
  if (best) lines.push(`My best so far: ${best.e.experiment} on ${best.e.task}, public PGR ${f2(best.obs!.pgr)} over ${best.obs!.perSeed.size} seed(s), with ${methodInWords(best.e.method)}.`);
  const last = seen.at(-1);
  if (last && last !== best) lines.push(`Latest: ${last.e.experiment} on ${last.e.task}, ${f2(last.obs!.pgr)}.`);
  for (const task of desk.tasks) {
    const leader = desk.leaderboard(task)[0];
    if (leader && mine.some((e) => e.task === task)) lines.push(`On ${task} the team's leader is ${leader.experiment} (${leader.agent}) at ${f2(leader.pgrPublic)}.`);
  }
  const plan = planNotes(desk).at(-1);
  if (running.length && plan) lines.push(`Waiting on ${plan.experiment}: ${plan.change} on ${plan.task}.`);
  else lines.push(`Next I will probe a step from the current leader along my direction: ${o.direction.text.toLowerCase()}`);
  return lines.join(' ');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
