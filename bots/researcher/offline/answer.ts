import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import { describeRedirect, isEmpty, type Redirect } from './guidance.js';
import type { Memory } from './memory.js';

/**
 * An offline researcher's answer to a person, from its own numbers: what it tried, the best
 * it saw, its latest result, and what it will try next (or how it takes the redirection).
 */
export function answerFromNumbers(o: { name: string; direction: string; desk: AgentDesk; memory: Memory; redirect: Redirect }): string {
  const { desk, memory } = o;
  const mine = desk.myExperiments();
  const lines: string[] = [];
  if (!isEmpty(o.redirect)) lines.push(`Understood: I will ${describeRedirect(o.redirect)} from my next turn.`);
  if (!mine.length) {
    lines.push(`I have not run anything yet. My direction: ${o.direction}`);
    return lines.join(' ');
  }
  const probes = mine.filter((e) => e.seeds < desk.claimSeeds).length;
  const running = mine.filter((e) => e.state === 'running');
  lines.push(`I have run ${mine.length} experiment(s): ${probes} probe(s) and ${mine.length - probes} confirmation(s) on ${desk.claimSeeds}+ seeds; ${running.length} running now.`);
  const seen = mine.map((e) => ({ e, obs: memory.observations.get(e.experiment) })).filter((x) => x.obs);
  const best = [...seen].sort((a, b) => b.obs!.pgr - a.obs!.pgr)[0];
  if (best) lines.push(`My best so far: ${best.e.experiment} on ${best.e.task}, public PGR ${best.obs!.pgr.toFixed(2)} over ${best.obs!.perSeed.size} seed(s).`);
  const last = seen.at(-1);
  if (last && last !== best) lines.push(`Latest: ${last.e.experiment} on ${last.e.task}, ${last.obs!.pgr.toFixed(2)}.`);
  for (const task of desk.tasks) {
    const leader = desk.leaderboard(task)[0];
    if (leader && mine.some((e) => e.task === task)) lines.push(`On ${task} the team's leader is ${leader.experiment} (${leader.agent}) at ${leader.pgrPublic.toFixed(2)}.`);
  }
  const plan = desk.notebook(50).reverse().find((n) => n.text.startsWith('plan '));
  if (running.length && plan) lines.push(`Waiting on ${plan.text.slice(5)}.`);
  else lines.push(`Next I will probe a step from the current leader along my direction: ${o.direction.toLowerCase()}`);
  return lines.join(' ');
}
