import type { Knob } from '../../directions.js';
import { GPU_TRAINER_UNSUPPORTED, type CodeLanguage, type MethodInput } from '../../../src/domain/method.js';
import { withTemplateCode } from './code-templates.js';

/** A random source the policy owns (seeded per agent, so a run can be replayed). */
export interface Random {
  next(): number;
}

export interface Mutation {
  method: MethodInput;
  /** What changed, in words a person can read ("aux-conf alpha 0.75 -> 0.5"). */
  change: string;
  /** Why it might help: the hypothesis behind the change. */
  why: string;
}

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)];
const other = <T>(r: Random, xs: readonly T[], current: T | undefined): T => {
  const rest = xs.filter((x) => x !== current);
  return pick(r, rest.length ? rest : xs);
};

type Mutator = (m: MethodInput, r: Random, language: CodeLanguage) => Mutation;

/**
 * One step along each knob. Ranges are the ones that mattered on the embedded tasks (see
 * BENCHMARKS.md, "method search"); a step moves one setting to a nearby value, so a hill
 * climber can walk from any method to its neighbours.
 */
const MUTATORS: Record<Exclude<Knob, 'recombine'>, Mutator> = {
  auxConf: (m, r) => {
    const cur = m.auxConf ?? { alphaMax: 0.75, warmup: 0.2 };
    if (!m.auxConf) return { method: { ...m, auxConf: { alphaMax: 0.75, warmup: 0.2, threshold: 'adaptive' } }, change: 'add the auxiliary confidence loss (alpha 0.75)', why: 'letting the student trust its own confident predictions should stop it imitating the teacher’s mistakes' };
    if (r.next() < 0.6) {
      const alphaMax = other(r, [0.4, 0.5, 0.6, 0.75, 0.85], cur.alphaMax);
      return { method: { ...m, auxConf: { ...cur, alphaMax } }, change: `aux-conf alpha ${cur.alphaMax} -> ${alphaMax}`, why: alphaMax > cur.alphaMax ? 'more self-trust may override more teacher errors' : 'less self-trust may keep the student from confirming its own early mistakes' };
    }
    const warmup = other(r, [0.1, 0.2, 0.3, 0.5], cur.warmup);
    return { method: { ...m, auxConf: { ...cur, warmup } }, change: `aux-conf warm-up ${cur.warmup ?? 0.2} -> ${warmup}`, why: 'the student’s own predictions are only worth trusting once it has learned something; the warm-up sets when that is' };
  },
  filter: (m, r) => {
    const keep = other(r, [0.6, 0.8, 0.9, 1], m.filter?.keep ?? 1);
    const method = { ...m };
    if (keep >= 1) delete method.filter;
    else method.filter = { keep };
    return { method, change: `keep the ${Math.round(keep * 100)}% most confident weak labels (was ${Math.round((m.filter?.keep ?? 1) * 100)}%)`, why: 'the teacher is most often wrong where it is least sure, so dropping its least confident labels should remove more noise than signal' };
  },
  labels: (m, r) => {
    if (r.next() < 0.5) {
      const labels = m.labels === 'hard' ? 'soft' : 'hard';
      return { method: { ...m, labels }, change: `${labels} labels instead of ${m.labels ?? 'soft'}`, why: labels === 'hard' ? 'hard targets sharpen the signal the student copies' : 'soft targets carry the teacher’s uncertainty, which may keep the student from copying confident mistakes' };
    }
    const labelSmoothing = other(r, [0, 0.02, 0.05], m.labelSmoothing ?? 0);
    return { method: { ...m, labelSmoothing }, change: `label smoothing ${m.labelSmoothing ?? 0} -> ${labelSmoothing}`, why: 'smoothing limits how hard the student fits any single weak label' };
  },
  earlyStopping: (m, r) => {
    if (m.earlyStopping && r.next() < 0.3) {
      const method = { ...m };
      delete method.earlyStopping;
      return { method, change: 'drop early stopping', why: 'agreement with weak labels may stop training before the student has generalised past them' };
    }
    const patience = other(r, [2, 3, 5, 8], m.earlyStopping?.patience);
    return { method: { ...m, earlyStopping: { patience } }, change: `early stopping, patience ${patience}`, why: 'a student that trains too long memorises the teacher’s errors; stopping early keeps what generalises' };
  },
  selfTraining: (m, r) => {
    const rounds = other(r, [0, 1, 2], m.selfTraining?.rounds ?? 0);
    const mix = pick(r, [0.5, 0.6, 0.7]);
    const method = { ...m };
    if (rounds === 0) delete method.selfTraining;
    else method.selfTraining = { rounds, mix };
    return { method, change: rounds ? `self-training: ${rounds} round(s), mix ${mix}` : 'no self-training', why: 'a student retrained on its own cleaner labels can correct the teacher where the student generalises better' };
  },
  ensemble: (m, r) => {
    const size = other(r, [1, 3], m.ensemble?.size ?? 1);
    const method = { ...m };
    if (size === 1) delete method.ensemble;
    else method.ensemble = { size };
    return { method, change: `ensemble of ${size}`, why: 'averaging students from different initialisations cancels part of what each memorised of the teacher’s errors' };
  },
  knn: (m, r) => {
    if (m.knn && r.next() < 0.25) {
      const method = { ...m };
      delete method.knn;
      return { method, change: 'drop the kNN relabelling', why: 'where neighbours share the teacher’s mistakes, spreading labels spreads the mistakes' };
    }
    const knn = { k: pick(r, [10, 20, 30]), mix: pick(r, [0.5, 0.7, 0.9]), steps: pick(r, [1, 3, 5]) };
    return { method: { ...m, knn }, change: `relabel by the ${knn.k} nearest neighbours in the student's feature space (mix ${knn.mix}, ${knn.steps} step(s))`, why: 'items that look alike to the strong model should share a label, which averages out the teacher’s scattered errors' };
  },
  consistency: (m, r) => {
    const drop = other(r, [0, 0.1, 0.2, 0.35, 0.5], m.consistency?.drop ?? 0);
    const method = { ...m };
    if (drop === 0) delete method.consistency;
    else method.consistency = { drop };
    return { method, change: drop ? `drop the ${Math.round(drop * 100)}% of weak labels a first student most confidently contradicts, then retrain` : 'no consistency filtering', why: 'where a strong student confidently disagrees with the teacher, the teacher is more often the one that is wrong' };
  },
  optimiser: (m, r) => {
    // L2 mattered most on the embedded tasks, so it is tried most.
    const which = pick(r, ['epochs', 'lr', 'l2', 'l2'] as const);
    if (which === 'epochs') {
      const epochs = other(r, [10, 20, 40], m.epochs);
      return { method: { ...m, epochs }, change: `${epochs} epochs`, why: 'training length trades fitting the signal against memorising label noise' };
    }
    if (which === 'lr') {
      const lr = other(r, [0.001, 0.003, 0.01, 0.03], m.lr);
      return { method: { ...m, lr }, change: `learning rate ${lr}`, why: 'the step size changes how fast the student commits to noisy labels' };
    }
    const l2 = other(r, [1e-4, 0.003, 0.01, 0.03, 0.1, 0.3], m.l2);
    return { method: { ...m, l2 }, change: `L2 ${l2}`, why: 'regularisation keeps the student simple, and simple students copy fewer of the teacher’s idiosyncratic errors' };
  },
  code: (m, r, language) => withTemplateCode(m, language, r),
};

/** Whether `knob` moves a method the campaign's workers can run (these knobs are named after the method fields they set). */
export function knobRuns(knob: Knob, language: CodeLanguage): boolean {
  return language === 'javascript' || !(GPU_TRAINER_UNSUPPORTED as readonly string[]).includes(knob);
}

/** One step from `base` along `knob`; method code is written in `language` (the campaign's workers'). */
export function mutate(base: MethodInput, knob: Exclude<Knob, 'recombine'>, r: Random, language: CodeLanguage = 'javascript'): Mutation {
  const { name: _drop, ...rest } = base;
  return MUTATORS[knob](rest, r, language);
}

/** Takes each technique from one of two parents: combining two good methods is how most leaps in the reference study happened. */
export function recombine(a: MethodInput, b: MethodInput, r: Random): Mutation {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => k !== 'name'));
  const child: Record<string, unknown> = {};
  const fromB: string[] = [];
  for (const k of keys) {
    const takeB = k in b && (!(k in a) || r.next() < 0.5);
    const v = takeB ? (b as Record<string, unknown>)[k] : (a as Record<string, unknown>)[k];
    if (v !== undefined) child[k] = v;
    if (takeB) fromB.push(k);
  }
  return { method: child as MethodInput, change: `combine the two: ${fromB.length ? fromB.join(', ') : 'nothing'} from the second`, why: 'each parent fixes a different failure of the naive student, so together they may fix both' };
}

export const KNOBS = Object.keys(MUTATORS) as Exclude<Knob, 'recombine'>[];
