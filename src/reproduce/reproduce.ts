import { InvalidInputError } from '../domain/errors.js';
import { parseJobResult, type JobResult } from '../domain/experiment.js';
import { parseMethod, type Method } from '../domain/method.js';
import { embeddedVault } from '../scoring/label-vault.js';
import { EmbeddedBaselines } from '../scoring/trusted-baselines.js';
import { score } from '../scoring/score.js';
import { isTaskId, TASK_IDS, type TaskId } from '../../workers/w2s/data/types.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { embeddedDataVersion } from './data-version.js';
import { ReproduceRefusedError, type ReproduceProblem } from './errors.js';
import type { OriginalExperiment } from './original.js';
import { normaliseMethod, type Provenance } from './provenance.js';
import { runtimeVersions } from './versions.js';

/**
 * The documented tolerance for runners that are not the embedded one (a GPU trainer): each
 * seed's public and private PGR within this much of the original. GPU kernels are not bitwise
 * deterministic, so exact agreement is not expected there; the embedded runner must match exactly.
 */
export const EXTERNAL_TOLERANCE = 0.05;

/** What a re-run will do: which seeds, where, and how close the numbers must be. */
export interface ReproducePlan {
  original: OriginalExperiment;
  provenance: Provenance;
  method: Method;
  seeds: number[];
  /** The embedded runner ran every seed: exact agreement, in-process or on the queue. */
  embedded: boolean;
  tolerance: number;
  /** Versions that differ from the original's: said, not refused (numbers decide). */
  notes: string[];
}

const short = (h: string) => `${h.slice(0, 12)}…`;

/**
 * Checks that an experiment can be re-run here and would run on the same thing: its provenance
 * is recorded, its method matches its hashes, and this machine's task data has the recorded
 * content hash (and each seed the recorded splits). Anything missing or different is a refusal
 * that names it; version differences are only noted.
 */
export function planReproduction(original: OriginalExperiment, o: { cacheDir: string; seeds?: number[]; tolerance?: number; queue: boolean }): ReproducePlan {
  const problems: ReproduceProblem[] = [];
  const scored = new Map(original.results.map((r) => [r.seed, r]));
  const seeds = o.seeds ?? original.results.map((r) => r.seed);
  const unscored = seeds.filter((s) => !scored.has(s));
  if (o.seeds && unscored.length) {
    throw new InvalidInputError('arguments to "aar reproduce"', [{ field: '--seeds', problem: `seed${unscored.length > 1 ? 's' : ''} ${unscored.join(', ')} of ${original.id} ${unscored.length > 1 ? 'were' : 'was'} not scored; accepted: ${[...scored.keys()].join(', ') || 'none'}` }]);
  }
  if (!seeds.length) problems.push({ what: 'scores', problem: 'none of its seeds was scored, so there is nothing to compare with' });
  const p = original.provenance;
  if (!p) problems.push({ what: 'provenance', problem: original.missing ?? 'not recorded' });
  if (!p) throw new ReproduceRefusedError(original.id, problems);

  let method: Method | undefined;
  try {
    method = parseMethod(original.method);
    const now = normaliseMethod(original.method);
    if (now.methodHash !== p.methodHash) problems.push({ what: 'method hash', problem: 'the experiment\'s method is not the one recorded at submission', recorded: short(p.methodHash), here: short(now.methodHash) });
    if (now.codeHash !== p.codeHash) problems.push({ what: 'method code hash', problem: 'the method\'s code is not the code recorded at submission', recorded: p.codeHash ? short(p.codeHash) : 'none', here: now.codeHash ? short(now.codeHash) : 'none' });
  } catch (err) {
    problems.push({ what: 'method', problem: `this version of aar does not accept it (${err instanceof Error ? err.message.split('\n').slice(0, 3).join(' ') : String(err)})` });
  }
  if (p.task !== original.task) problems.push({ what: 'task', problem: 'the recorded task is not the experiment\'s', recorded: p.task, here: original.task });

  const ran = seeds.map((s) => scored.get(s)?.runner);
  const embedded = ran.every((r) => r?.name === 'w2s') || (ran.every((r) => r === undefined) && p.queue === 'memory');
  if (!isTaskId(original.task)) {
    problems.push({ what: 'task', problem: `"${original.task}" is not an embedded task, so its data cannot be checked or loaded here; accepted: ${TASK_IDS.join(', ')}` });
  } else if (!p.data) {
    problems.push({ what: 'data hash', problem: 'the task\'s data version was not recorded at submission' });
  } else {
    const here = embeddedDataVersion(o.cacheDir, original.task, seeds);
    if (here.hash !== p.data.hash) {
      problems.push({ what: `data hash of task ${original.task}`, problem: 'the task\'s items, labels or features here are not the ones it ran on (another dataset package version, or a changed feature cache)', recorded: short(p.data.hash), here: short(here.hash) });
    } else {
      for (const s of seeds) {
        const recorded = p.data.splits[String(s)];
        if (recorded && recorded !== here.splits[String(s)]) problems.push({ what: `splits of seed ${s}`, problem: 'the seed splits the items differently here', recorded: short(recorded), here: short(here.splits[String(s)]) });
      }
      // The worker that ran a seed reports the data it trained on: it must be the recorded data too.
      for (const [k, r] of ran.entries()) {
        if (r?.dataHash && r.dataHash !== p.data.hash) problems.push({ what: `data hash of seed ${seeds[k]}'s run`, problem: 'the worker that ran it had other data than recorded at submission, so the original is not what the record says', recorded: short(p.data.hash), here: short(r.dataHash) });
      }
    }
  }
  if (!embedded && !o.queue) {
    problems.push({ what: 'runner', problem: 'its seeds ran on an external runner (a GPU trainer), which cannot run in this process: set REDIS_URL and start `aar worker --runner command` with the same trainer' });
  }
  if (problems.length) throw new ReproduceRefusedError(original.id, problems);
  return { original, provenance: p, method: method!, seeds, embedded, tolerance: embedded ? 0 : (o.tolerance ?? EXTERNAL_TOLERANCE), notes: versionNotes(p) };
}

function versionNotes(p: Provenance): string[] {
  const now = runtimeVersions();
  const notes: string[] = [];
  if (p.versions.aar !== now.aar) notes.push(`aar ${p.versions.aar} then, ${now.aar} here`);
  if (p.versions.commit && now.commit && p.versions.commit !== now.commit) notes.push(`commit ${p.versions.commit.slice(0, 10)} then, ${now.commit.slice(0, 10)} here`);
  if (p.versions.node !== now.node) notes.push(`Node ${p.versions.node} then, ${now.node} here`);
  for (const [name, v] of Object.entries(p.versions.packages)) if (now.packages[name] !== undefined && now.packages[name] !== v) notes.push(`${name} ${v} then, ${now.packages[name]} here`);
  return notes;
}

/** One seed's new public and private PGR. */
export interface SeedScore {
  seed: number;
  pgrPublic: number;
  pgrPrivate: number;
}

/** Re-runs the seeds on the embedded runner's threads in this process and scores them (nothing is written to the ledger). */
export async function runInProcess(plan: ReproducePlan, o: { cacheDir: string; threads: number }): Promise<SeedScore[]> {
  const runner = new W2sRunner({ cacheDir: o.cacheDir, threads: Math.max(1, Math.min(o.threads, plan.seeds.length)) });
  const vault = embeddedVault(o.cacheDir, plan.original.task as TaskId);
  const baselines = new EmbeddedBaselines(o.cacheDir);
  try {
    const ac = new AbortController();
    const runs = await Promise.all(
      plan.seeds.map(async (seed) => {
        const raw: JobResult = await runner.run({ experimentId: 'reproduce', task: plan.original.task, seed, method: plan.method }, { signal: ac.signal, progress: () => {} });
        // The weak teacher and ceiling come from trusted code, as in the pipeline, never from the run.
        const s = score(vault, { student: parseJobResult(raw).student, ...baselines.get(plan.original.task, seed) });
        return { seed, pgrPublic: s.public.pgr, pgrPrivate: s.private.pgr };
      }),
    );
    return runs;
  } finally {
    await runner.close();
  }
}

/** A seed side by side: original and new numbers, and whether they agree. */
export interface ComparedSeed {
  seed: number;
  original: { pgrPublic: number; pgrPrivate: number };
  reproduced: { pgrPublic: number; pgrPrivate: number };
  agree: boolean;
}

/** Compares per seed: exactly for the embedded runner (tolerance 0), else within the tolerance on both halves. */
export function compare(plan: ReproducePlan, fresh: SeedScore[]): ComparedSeed[] {
  const original = new Map(plan.original.results.map((r) => [r.seed, r]));
  const close = (a: number, b: number) => (plan.tolerance === 0 ? a === b : Math.abs(a - b) <= plan.tolerance);
  return fresh.map((f) => {
    const o = original.get(f.seed)!;
    return {
      seed: f.seed,
      original: { pgrPublic: o.pgrPublic, pgrPrivate: o.pgrPrivate },
      reproduced: { pgrPublic: f.pgrPublic, pgrPrivate: f.pgrPrivate },
      agree: close(o.pgrPublic, f.pgrPublic) && close(o.pgrPrivate, f.pgrPrivate),
    };
  });
}
