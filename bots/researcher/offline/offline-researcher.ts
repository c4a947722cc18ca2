import type { PublicResult } from '../../../src/campaign/agent-view.js';
import type { AgentDesk, MyExperiment } from '../../../src/campaign/research-desk.js';
import { methodFingerprint } from '../../../src/campaign/research-desk.js';
import { parseMethod, type Method, type MethodInput } from '../../../src/domain/method.js';
import { AarError } from '../../../src/domain/errors.js';
import { ScoreBudgetExceededError } from '../../../src/scoring/budget.js';
import type { MessageRecord } from '../../../src/ledger/forum-records.js';
import type { Direction, Knob } from '../../directions.js';
import type { ResearcherBot, TurnOutcome } from '../../types.js';
import { describeRedirect, isEmpty, parseRedirect, readGuidance } from './guidance.js';
import { Memory, pairedDiff, type Observation } from './memory.js';
import { KNOBS, knobRuns, mutate, recombine, type Mutation, type Random } from './mutations.js';
import { answerPerson } from './answer.js';
import { methodInWords } from './words.js';
import { corroborateDeadEnds, voteForHeldLeader } from './findings.js';

export interface OfflineResearcherOptions {
  name: string;
  direction: Direction;
  /** The task this agent starts on; it also works on the others. */
  homeTask: string;
  seed?: number;
  /** Seeds of a cheap probe (default 2). */
  probeSeeds?: number;
  maxInFlight?: number;
  /** Paired gain over its parent a probe needs before it is confirmed on claim seeds. */
  probeMargin?: number;
}

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/**
 * A researcher without a language model, with a real search policy: it hill-climbs the
 * method space around its direction, starting from the best methods anyone has posted,
 * recombines leaders, probes each idea cheaply on a few seeds, confirms only what beat its
 * parent on the same seeds, and claims only what beats the leader beyond seed noise. What it
 * posts is derived from its numbers.
 */
export class OfflineResearcher implements ResearcherBot {
  readonly kind = 'offline' as const;
  readonly name: string;
  readonly direction: string;
  readonly maxInFlight: number;
  private readonly memory = new Memory();
  private readonly random: Random;

  constructor(private readonly o: OfflineResearcherOptions) {
    this.name = o.name;
    this.direction = o.direction.text;
    this.maxInFlight = o.maxInFlight ?? 2;
    this.random = mulberry32(hash(`${o.name}:${o.seed ?? 1}`));
  }

  async turn(desk: AgentDesk): Promise<TurnOutcome> {
    this.memory.load(desk);
    const outcome: TurnOutcome = { proposed: [], posted: 0 };
    this.followGuidance(desk, outcome);
    try {
      for (const e of desk.myExperiments()) {
        if (e.state !== 'finished' || this.memory.concluded.has(e.experiment)) continue;
        const mine = await this.observation(desk, e.experiment);
        if (mine && (await this.conclude(desk, e, mine, outcome))) this.memory.conclude(desk, e.experiment);
      }
      if (desk.inFlight() < this.maxInFlight && !outcome.proposed.length) await this.explore(desk, outcome);
    } catch (err) {
      if (!(err instanceof ScoreBudgetExceededError)) throw err;
      outcome.idle = `scoring budget spent; next score in ${Math.ceil(err.retryAfterMs / 1000)} s`;
    }
    if (!outcome.proposed.length && !outcome.posted) outcome.idle ??= 'waiting for results';
    return outcome;
  }

  async answer(desk: AgentDesk, message: MessageRecord): Promise<string> {
    this.memory.load(desk);
    // The address ("@ada", "ada:") is not part of what was asked.
    const text = message.text.replace(new RegExp(`^\\s*@?${this.name}\\s*[,:]?`, 'i'), '').replace(new RegExp(`@${this.name}(?![\\w-])`, 'gi'), '').trim();
    const reading = readGuidance(text, desk.tasks);
    if (!isEmpty(reading.redirect)) this.memory.setRedirect(desk, reading.redirect, message.at);
    return answerPerson({ name: this.name, direction: this.o.direction, desk, memory: this.memory, text, reading });
  }

  /** People's newest guidance for this agent (or for all) changes the focus and the knobs it turns. */
  private followGuidance(desk: AgentDesk, outcome: TurnOutcome): void {
    const fresh = desk.guidance(10).filter((g) => g.at > this.memory.guidanceSeenAt);
    for (const g of fresh.reverse()) {
      const r = parseRedirect(g.text, desk.tasks);
      if (isEmpty(r)) continue;
      this.memory.setRedirect(desk, r, g.at);
      desk.post({ text: `Following ${g.author}'s direction: I will ${describeRedirect(r)}.`, thread: g.thread });
      outcome.posted++;
    }
  }

  /** A result's per-seed public PGR, remembered in the notebook so it is paid for once. */
  private async observation(desk: AgentDesk, experiment: string): Promise<Observation | undefined> {
    const known = this.memory.observations.get(experiment);
    if (known) return known;
    const r = await desk.result(experiment);
    if (r.state !== 'finished' || r.pgrPublic === undefined || !r.perSeed) return undefined;
    const notBetter = new Set(r.perSeed.filter((s) => !s.newBest).map((s) => s.seed));
    const o: Observation = { experiment, task: r.task, pgr: r.pgrPublic, perSeed: new Map(r.perSeed.map((s) => [s.seed, s.pgrPublic])), notBetter };
    this.memory.observe(desk, o);
    return o;
  }

  /** Compares a finished experiment with its reference on the same seeds and says what it means. True when done with it. */
  private async conclude(desk: AgentDesk, e: MyExperiment, mine: Observation, outcome: TurnOutcome): Promise<boolean> {
    const claimSeeds = desk.claimSeeds;
    if (e.seeds < claimSeeds) {
      const parent = e.parents[0];
      const ref = parent ? await this.observation(desk, parent) : undefined;
      if (parent && !ref) return false;
      const d = ref ? pairedDiff(mine, ref) : { diff: 0, se: Infinity, n: 0 };
      if (ref && d.diff > (this.o.probeMargin ?? 0.03)) {
        const confirmation = await this.proposeOrExplain(desk, {
          hypothesis: `Confirming ${e.experiment} on ${claimSeeds} seeds: on seeds ${[...mine.perSeed.keys()].join(', ')} it beat ${parent} by ${signed(d.diff)} PGR (${f2(mine.pgr)} vs its parent).`,
          task: e.task,
          method: e.method as Record<string, unknown>,
          seeds: claimSeeds,
          parents: [parent!, e.experiment],
        });
        if (confirmation) outcome.proposed.push(confirmation);
        desk.post({ text: `Promising: ${signed(d.diff)} PGR over ${parent} on the same seeds. ${confirmation ? `Confirming on ${claimSeeds} seeds in ${confirmation}.` : `Not confirmed: ${desk.closedReason ?? 'no more experiments allowed'}.`}`, thread: e.experiment });
      } else if (ref && parent) {
        // What did not work is a finding others can find, vote on and not repeat.
        const change = e.lineage.find((l) => l.experiment === parent)?.changed ?? [];
        desk.findings.post({ type: 'dead-end', text: `No gain: ${f2(mine.pgr)} vs ${parent} on the same seeds (${signed(d.diff)})${change.length ? ` from ${change.join(', ')}` : ''}. Dropping this variant.`, experiments: [e.experiment, parent], thread: e.experiment });
        corroborateDeadEnds(desk, this.name, e, parent, change);
      } else {
        desk.post({ text: `Probe finished: public PGR ${f2(mine.pgr)}.`, thread: e.experiment });
      }
      outcome.posted++;
      return true;
    }
    const leader = this.incumbents(desk, e.task).find((r) => r.experiment !== e.experiment);
    const ref = leader ? await this.observation(desk, leader.experiment) : undefined;
    const d = ref ? pairedDiff(await this.withOwnProbes(desk, e, mine), ref) : undefined;
    if (!d || (d.diff > 0 && d.diff > 2 * d.se)) {
      const vs = d && leader ? `Paired against the previous leader ${leader.experiment} (${leader.method}, ${f2(leader.pgrPublic)}) on the same ${d.n} seeds: ${signed(d.diff)} ± ${f2(d.se)} PGR.` : 'First result on this task.';
      desk.claim({ experiment: e.experiment, text: `New best on ${e.task}: ${describeMethod(e.method)}. ${vs}` });
      if (d && leader) {
        // What the team learned from it, citing both sides of the paired comparison.
        desk.findings.post({ type: 'insight', text: `On ${e.task}, ${describeMethod(e.method)} beats ${leader.experiment} (${leader.method}) by ${signed(d.diff)} ± ${f2(d.se)} PGR on the same ${d.n} seeds.`, experiments: [e.experiment, leader.experiment] });
      }
    } else {
      desk.post({ text: `Confirmation: ${f2(mine.pgr)} public PGR over ${mine.perSeed.size} seeds; against leader ${leader!.experiment} on the same seeds ${signed(d.diff)} ± ${f2(d.se)}: not better beyond seed noise.`, thread: e.experiment });
      voteForHeldLeader(desk, this.name, leader!, e.experiment, d);
    }
    outcome.posted++;
    return true;
  }

  /**
   * A confirmation re-runs its probe's method on the probe's seeds too, so on those seeds it
   * scores what the probe scored; where the Ladder told the confirmation only "not better than
   * your best" (the probe had set that best), the probe's own answer is its score.
   */
  private async withOwnProbes(desk: AgentDesk, e: MyExperiment, mine: Observation): Promise<Observation> {
    if (!mine.notBetter?.size) return mine;
    const perSeed = new Map(mine.perSeed);
    const notBetter = new Set(mine.notBetter);
    const same = methodFingerprint(e.method);
    for (const parent of e.parents) {
      const p = desk.myExperiments().find((x) => x.experiment === parent);
      if (!p || methodFingerprint(p.method) !== same) continue;
      const probe = await this.observation(desk, parent);
      for (const [seed, pgr] of probe?.perSeed ?? []) {
        if (notBetter.has(seed) && !probe!.notBetter?.has(seed)) (perSeed.set(seed, pgr), notBetter.delete(seed));
      }
    }
    return { ...mine, perSeed, notBetter };
  }

  /** Proposes, or returns undefined when the campaign refuses new experiments (a cap, the end). */
  private async proposeOrExplain(desk: AgentDesk, p: Parameters<AgentDesk['propose']>[0]): Promise<string | undefined> {
    try {
      return (await desk.propose(p)).experiment;
    } catch (err) {
      if (err instanceof AarError && err.code === 'proposal_refused') return undefined;
      throw err;
    }
  }

  /** Proposes one new probe: a step from a leading method along one of this agent's knobs. */
  private async explore(desk: AgentDesk, outcome: TurnOutcome): Promise<void> {
    const task = this.pickTask(desk);
    const tried = new Set(desk.experimentsOn(task).map((x) => methodFingerprint(x.method)));
    const bases = this.incumbents(desk, task)
      .slice(0, 3)
      .map((r) => ({ experiment: r.experiment, pgr: r.pgrPublic, method: this.methodOf(desk, task, r.experiment) }));
    if (!bases.length) {
      outcome.idle = `waiting for a baseline on ${task}`;
      return;
    }
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = this.random.next() < 0.7 ? bases[0] : bases[Math.floor(this.random.next() * bases.length)];
      const knob = this.pickKnob(desk);
      let m: Mutation;
      const parents = [base.experiment];
      if (knob === 'recombine' && bases.length > 1) {
        const other = bases.find((b) => b !== base)!;
        m = recombine(base.method, other.method, this.random);
        parents.push(other.experiment);
      } else {
        const knobs = KNOBS.filter((k) => knobRuns(k, desk.codeLanguage));
        m = mutate(base.method, knob === 'recombine' ? knobs[Math.floor(this.random.next() * knobs.length)] : knob, this.random, desk.codeLanguage);
        if (attempt >= 6) m = mutate(m.method, knobs[Math.floor(this.random.next() * knobs.length)], this.random, desk.codeLanguage);
      }
      let method: Method;
      try {
        method = parseMethod({ ...m.method, name: `${this.name}-${desk.myExperiments().length + 1}` });
      } catch {
        continue;
      }
      if (tried.has(methodFingerprint(method))) continue;
      const basePgr = Number.isNaN(base.pgr) ? '' : `, PGR ${f2(base.pgr)}`;
      if (desk.closedReason) {
        outcome.idle = desk.closedReason;
        return;
      }
      const { experiment } = await desk.propose({
        hypothesis: `Hypothesis: ${m.change} should help on ${task}, because ${m.why}. Starting from ${base.experiment}${basePgr}; probing on ${this.o.probeSeeds ?? 2} seeds.`,
        task,
        method: method as unknown as Record<string, unknown>,
        seeds: this.o.probeSeeds ?? 2,
        parents,
      });
      desk.note(`plan ${experiment}: ${m.change} on ${task} from ${base.experiment}`);
      outcome.proposed.push(experiment);
      return;
    }
    outcome.idle = `no untried neighbour of the leaders on ${task}`;
  }

  /**
   * What a new idea must beat: claimed results (each beat its day's leader beyond seed noise),
   * then the baselines. Unclaimed 5-seed results are not built on: with many candidates on
   * the same seeds, the top of the raw leaderboard is mostly the luckiest, not the best.
   */
  private incumbents(desk: AgentDesk, task: string): PublicResult[] {
    const claimed = desk.claimed(task);
    const baselines = desk.leaderboard(task).filter((r) => r.agent === 'steward' || r.method === 'aux-conf' || r.method === 'naive');
    return [...claimed, ...baselines.filter((b) => !claimed.some((c) => c.experiment === b.experiment))].sort((a, b) => b.pgrPublic - a.pgrPublic);
  }

  private methodOf(desk: AgentDesk, task: string, experiment: string): MethodInput {
    return desk.experimentsOn(task).find((x) => x.experiment === experiment)?.method ?? {};
  }

  /** The redirected tasks if a person named some; else mostly the home task, sometimes another. */
  private pickTask(desk: AgentDesk): string {
    const focus = this.memory.current(desk).tasks.filter((t) => desk.tasks.includes(t));
    if (focus.length) return focus[Math.floor(this.random.next() * focus.length)];
    if (this.random.next() < 0.7 || desk.tasks.length === 1) return this.o.homeTask;
    return desk.tasks[Math.floor(this.random.next() * desk.tasks.length)];
  }

  private pickKnob(desk: AgentDesk): Knob {
    const { prefer, avoid, waiting } = this.memory.current(desk);
    const off = (k: Knob) => avoid.includes(k) || waiting.includes(k) || !knobRuns(k, desk.codeLanguage);
    // What a person asked for comes first; without a request, the agent's own direction.
    const mine = (prefer.length ? prefer : this.o.direction.knobs).filter((k) => !off(k));
    const all: Knob[] = [...KNOBS, 'recombine'];
    const pool = this.random.next() < 0.25 || !mine.length ? all.filter((k) => !off(k)) : mine;
    return pool[Math.floor(this.random.next() * pool.length)] ?? 'auxConf';
  }
}

/** A method in words, for claims: its techniques, never its field names. */
export function describeMethod(m: MethodInput): string {
  return methodInWords(m);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function mulberry32(seed: number): Random {
  let a = seed;
  return {
    next() {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
