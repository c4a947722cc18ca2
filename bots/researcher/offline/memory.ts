import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import type { Knob } from '../../directions.js';
import type { Redirect } from './guidance.js';

/** What the researcher learned about one experiment (its own or one it compared against). */
export interface Observation {
  experiment: string;
  task: string;
  pgr: number;
  perSeed: Map<number, number>;
  /**
   * Seeds on which the Ladder said "not better than your best" (newBest false): the value there
   * is the author's best so far, an upper bound on this experiment's own score, not the score.
   */
  notBetter?: Set<number>;
}

// A seed is `s:p`, or `s:p:n` when the Ladder said it was not better than the author's best.
const OBS_RE = /^obs (\S+) task=(\S+) pgr=(-?[\d.]+|NaN) seeds=([-\d.:n,]*)$/;
// `later=… later-tasks=… after=N` came with "before/after"; older notebooks lack them.
const REDIRECT_RE = /^redirect tasks=(\S*) prefer=(\S*) avoid=(\S*)(?: later=(\S*) later-tasks=(\S*) after=(\d+))? seen=(\S+)$/;
/** Proposals after a redirect before its "later" techniques and tasks join the current ones. */
export const LATER_AFTER = 2;

/**
 * The offline researcher's memory lives in its notebook (the ledger), one structured line per
 * fact, so a restarted researcher knows what it saw without spending scoring budget again.
 */
export class Memory {
  readonly observations = new Map<string, Observation>();
  /** Experiments already concluded (a conclusion is posted once, even across restarts). */
  readonly concluded = new Set<string>();
  redirect: Redirect = { tasks: [], prefer: [], avoid: [], later: [], laterTasks: [] };
  /** How many experiments of its own the agent must have before the redirect's "later" part applies. */
  laterFrom = 0;
  /** The newest guidance already acted on. */
  guidanceSeenAt = '';
  private loaded = false;

  load(desk: AgentDesk): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const { text } of desk.notebook(10_000)) {
      if (text.startsWith('concluded ')) {
        this.concluded.add(text.slice('concluded '.length));
        continue;
      }
      const o = OBS_RE.exec(text);
      if (o) {
        const parts = o[4].split(',').filter(Boolean).map((p) => p.split(':'));
        const perSeed = new Map(parts.map(([s, p]) => [Number(s), Number(p)] as [number, number]));
        const notBetter = new Set(parts.filter((p) => p[2] === 'n').map(([s]) => Number(s)));
        this.observations.set(o[1], { experiment: o[1], task: o[2], pgr: Number(o[3]), perSeed, ...(notBetter.size ? { notBetter } : {}) });
        continue;
      }
      const r = REDIRECT_RE.exec(text);
      if (r) {
        const list = (s: string) => s.split(',').filter(Boolean);
        this.redirect = { tasks: list(r[1]), prefer: list(r[2]) as Knob[], avoid: list(r[3]) as Knob[], later: list(r[4] ?? '') as Knob[], laterTasks: list(r[5] ?? '') };
        this.laterFrom = Number(r[6] ?? 0);
        this.guidanceSeenAt = r[7];
      }
    }
  }

  observe(desk: AgentDesk, o: Observation): void {
    this.observations.set(o.experiment, o);
    const seeds = [...o.perSeed].map(([s, p]) => `${s}:${p}${o.notBetter?.has(s) ? ':n' : ''}`).join(',');
    desk.note(`obs ${o.experiment} task=${o.task} pgr=${o.pgr} seeds=${seeds}`);
  }

  conclude(desk: AgentDesk, experiment: string): void {
    this.concluded.add(experiment);
    desk.note(`concluded ${experiment}`);
  }

  setRedirect(desk: AgentDesk, r: Redirect, seenAt: string): void {
    this.redirect = r;
    this.laterFrom = desk.myExperiments().length + LATER_AFTER;
    this.guidanceSeenAt = seenAt;
    const later = ` later=${r.later.join(',')} later-tasks=${r.laterTasks.join(',')} after=${this.laterFrom}`;
    desk.note(`redirect tasks=${r.tasks.join(',')} prefer=${r.prefer.join(',')} avoid=${r.avoid.join(',')}${later} seen=${seenAt}`);
  }

  /**
   * The redirect as it applies now. Its "later" part ("X before Y": Y) waits, not even tried by
   * chance, until the agent has proposed LATER_AFTER experiments since; then it joins the rest.
   */
  current(desk: AgentDesk): { tasks: string[]; prefer: Knob[]; avoid: Knob[]; waiting: Knob[] } {
    const r = this.redirect;
    if (!r.later.length && !r.laterTasks.length) return { tasks: r.tasks, prefer: r.prefer, avoid: r.avoid, waiting: [] };
    if (desk.myExperiments().length < this.laterFrom) return { tasks: r.tasks, prefer: r.prefer, avoid: r.avoid, waiting: r.later };
    return { tasks: [...r.tasks, ...r.laterTasks], prefer: [...r.prefer, ...r.later], avoid: r.avoid, waiting: [] };
  }
}

/**
 * Mean paired difference (a - b) over the seeds both have, with its standard error. Where the
 * Ladder told `a` only "not better than your best", its value is an upper bound, so that seed
 * counts as no gain at most (never as the gain the author's best had).
 */
export function pairedDiff(a: Observation, b: Observation): { diff: number; se: number; n: number } {
  const d: number[] = [];
  for (const [seed, pa] of a.perSeed) {
    const pb = b.perSeed.get(seed);
    if (pb !== undefined) d.push(a.notBetter?.has(seed) ? Math.min(0, pa - pb) : pa - pb);
  }
  const n = d.length;
  if (!n) return { diff: Number.NaN, se: Number.POSITIVE_INFINITY, n };
  const mean = d.reduce((x, y) => x + y, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((x, v) => x + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { diff: mean, se: n > 1 ? sd / Math.sqrt(n) : Number.POSITIVE_INFINITY, n };
}
