import type { PublicResult } from '../../../src/campaign/agent-view.js';
import type { AgentDesk, MyExperiment } from '../../../src/campaign/research-desk.js';
import { methodDelta } from '../../../src/domain/method-delta.js';
import { AarError } from '../../../src/domain/errors.js';

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
/** Dead ends of others looked at for one that says the same thing as ours. */
const DEAD_END_WINDOW = 30;

/** A setting's name without its values (`auxConf.alphaMax 0.75 -> 0.5` → `auxConf.alphaMax`). */
const settingOf = (change: string) => change.replace(/^[+-]/, '').split(' ')[0];

/** Votes, skipping the refusals a vote can meet (its own finding, one it cannot see): a vote is never worth failing a turn. */
function tryVote(desk: AgentDesk, finding: string, value: 1 | -1, reason: string): boolean {
  try {
    desk.findings.vote({ finding, value, reason });
    return true;
  } catch (err) {
    if (err instanceof AarError) return false;
    throw err;
  }
}

/**
 * A leader another agent found held up against this agent's confirmation on the same seeds:
 * +1 on its experiment, with the paired numbers as the reason.
 */
export function voteForHeldLeader(desk: AgentDesk, me: string, leader: PublicResult, mine: string, d: { diff: number; se: number; n: number }): void {
  if (leader.agent === me) return;
  tryVote(desk, `exp:${leader.experiment}`, 1, `held up: my ${mine} did not beat it on the same ${d.n} seeds (${signed(d.diff)} ± ${f2(d.se)})`);
}

/**
 * Another agent's dead end that changed the same setting on the same task and found no gain
 * either: +1 on it, so the team's most confirmed dead ends rise. Once per dead end.
 */
export function corroborateDeadEnds(desk: AgentDesk, me: string, e: MyExperiment, parent: string, change: string[]): void {
  const mineSettings = new Set(change.map(settingOf));
  if (!mineSettings.size) return;
  const methods = new Map(desk.experimentsOn(e.task).map((x) => [x.experiment, x.method as Record<string, unknown>]));
  for (const f of desk.findings.newest('dead-end', DEAD_END_WINDOW)) {
    if (f.author === me || f.votes.reasons.some((r) => r.by === me)) continue;
    const [child, base] = f.experiments;
    const a = base ? methods.get(base) : undefined;
    const b = child ? methods.get(child) : undefined;
    if (!a || !b) continue;
    const shared = methodDelta(a, b).map(settingOf).filter((s) => mineSettings.has(s));
    if (!shared.length) continue;
    tryVote(desk, f.key, 1, `same here: changing ${shared.join(', ')} from ${parent} gave no gain in ${e.experiment} either`);
    return;
  }
}
