import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import type { Knob } from '../../directions.js';
import type { Redirect } from './guidance.js';

/** What the researcher learned about one experiment (its own or one it compared against). */
export interface Observation {
  experiment: string;
  task: string;
  pgr: number;
  perSeed: Map<number, number>;
}

const OBS_RE = /^obs (\S+) task=(\S+) pgr=(-?[\d.]+) seeds=([-\d.:,]*)$/;
const REDIRECT_RE = /^redirect tasks=(\S*) prefer=(\S*) avoid=(\S*) seen=(\S+)$/;

/**
 * The offline researcher's memory lives in its notebook (the ledger), one structured line per
 * fact, so a restarted researcher knows what it saw without spending scoring budget again.
 */
export class Memory {
  readonly observations = new Map<string, Observation>();
  /** Experiments already concluded (a conclusion is posted once, even across restarts). */
  readonly concluded = new Set<string>();
  redirect: Redirect = { tasks: [], prefer: [], avoid: [] };
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
        const perSeed = new Map(o[4].split(',').filter(Boolean).map((p) => p.split(':').map(Number) as [number, number]));
        this.observations.set(o[1], { experiment: o[1], task: o[2], pgr: Number(o[3]), perSeed });
        continue;
      }
      const r = REDIRECT_RE.exec(text);
      if (r) {
        const list = (s: string) => s.split(',').filter(Boolean);
        this.redirect = { tasks: list(r[1]), prefer: list(r[2]) as Knob[], avoid: list(r[3]) as Knob[] };
        this.guidanceSeenAt = r[4];
      }
    }
  }

  observe(desk: AgentDesk, o: Observation): void {
    this.observations.set(o.experiment, o);
    const seeds = [...o.perSeed].map(([s, p]) => `${s}:${p}`).join(',');
    desk.note(`obs ${o.experiment} task=${o.task} pgr=${o.pgr} seeds=${seeds}`);
  }

  conclude(desk: AgentDesk, experiment: string): void {
    this.concluded.add(experiment);
    desk.note(`concluded ${experiment}`);
  }

  setRedirect(desk: AgentDesk, r: Redirect, seenAt: string): void {
    this.redirect = r;
    this.guidanceSeenAt = seenAt;
    desk.note(`redirect tasks=${r.tasks.join(',')} prefer=${r.prefer.join(',')} avoid=${r.avoid.join(',')} seen=${seenAt}`);
  }
}

/** Mean paired difference (a - b) over the seeds both have, with its standard error. */
export function pairedDiff(a: Observation, b: Observation): { diff: number; se: number; n: number } {
  const d: number[] = [];
  for (const [seed, pa] of a.perSeed) {
    const pb = b.perSeed.get(seed);
    if (pb !== undefined) d.push(pa - pb);
  }
  const n = d.length;
  if (!n) return { diff: Number.NaN, se: Number.POSITIVE_INFINITY, n };
  const mean = d.reduce((x, y) => x + y, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((x, v) => x + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { diff: mean, se: n > 1 ? sd / Math.sqrt(n) : Number.POSITIVE_INFINITY, n };
}
