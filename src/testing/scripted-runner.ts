import { RunnerError } from '../domain/errors.js';
import { jobIdOf, type JobResult, type JobSpec } from '../domain/experiment.js';
import type { RunContext, Runner } from '../../workers/runner.js';
import { FixedBaselines } from '../scoring/trusted-baselines.js';

/**
 * A runner for queue and pipeline tests whose behaviour is chosen by the method's name:
 * `ok` (default), `slow` (runs until aborted), `invalid` (never retry), `flaky-N` (fails
 * transiently N times, then succeeds), `garbage` (returns a result that fails validation).
 * It records every call so tests can assert how often a job really ran.
 */
export class ScriptedRunner implements Runner {
  readonly name = 'scripted';
  readonly calls: string[] = [];
  readonly aborted: string[] = [];

  constructor(private readonly o: { delayMs?: number; ids?: string[]; labels?: number[] } = {}) {}

  runsOf(jobId: string): number {
    return this.calls.filter((c) => c === jobId).length;
  }

  async run(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    const jobId = jobIdOf(spec.experimentId, spec.seed);
    this.calls.push(jobId);
    const behaviour = spec.method.name ?? 'ok';
    ctx.progress({ fraction: 0.5, note: 'halfway' });
    if (behaviour === 'invalid') throw new RunnerError('scripted: invalid spec', { retry: false });
    const flaky = /^flaky-(\d+)$/.exec(behaviour);
    if (flaky && this.runsOf(jobId) <= Number(flaky[1])) throw new RunnerError('scripted: transient failure', { retry: true });
    await sleep(behaviour === 'slow' ? 3_600_000 : (this.o.delayMs ?? 5), ctx.signal).catch((err) => {
      this.aborted.push(jobId);
      throw err;
    });
    if (behaviour === 'garbage') return { nonsense: true } as unknown as JobResult;
    // Predictions come from the labels the test gives (if any): the ceiling is right
    // everywhere, the weak teacher is wrong on every other item and the student on every
    // fourth, so PGR is defined (0.5) and scoring accepts the result.
    const { ids, wrongEvery } = scripted(this.o);
    return { student: wrongEvery(4), weak: wrongEvery(2), ceiling: { ids, classes: [...(this.o.labels ?? ids.map(() => 0))] }, stats: { runner: 'scripted' } };
  }
}

function scripted(o: { ids?: string[]; labels?: number[] }) {
  const ids = o.ids ?? ['item-0', 'item-1'];
  const truth = o.labels ?? ids.map(() => 0);
  return { ids, wrongEvery: (n: number) => ({ ids, classes: truth.map((c, i) => (i % n === 0 ? 1 - c : c)) }) };
}

/**
 * The trusted weak teacher and ceiling that go with ScriptedRunner's items, for the named tasks:
 * weak wrong on every other item, ceiling right everywhere (what scoring uses, whatever a job says).
 */
export function scriptedBaselines(o: { ids?: string[]; labels?: number[] } = {}, tasks: readonly string[] = ['spam']): FixedBaselines {
  const { ids, wrongEvery } = scripted(o);
  const b = { weak: wrongEvery(2), ceiling: { ids, classes: [...(o.labels ?? ids.map(() => 0))] } };
  return new FixedBaselines(Object.fromEntries(tasks.map((t) => [t, b])));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
