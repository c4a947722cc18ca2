import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { InvalidInputError, RunnerError } from '../../src/domain/errors.js';
import { jobIdOf, parseBaselinesResult, parseJobResult, type BaselinesResult, type JobResult, type JobSpec } from '../../src/domain/experiment.js';
import { trainerEnvironment } from './trainer-env.js';
import type { RunContext, Runner } from '../runner.js';
import { MethodProcessError, fatalLine } from '../sandbox/errors.js';
import { groupResidentMb, saysOutOfMemory } from '../sandbox/memory.js';
import { judgeSignal, TrainerSignalSchema } from './effective-signal.js';
import { networkIsolation } from './network-isolation.js';
import { terminateGroup } from './process-group.js';
import { StderrReader, type MethodErrorLine } from './stderr-reader.js';
import { TailBuffer } from './tail-buffer.js';

export { PROGRESS_PREFIX } from './stderr-reader.js';

/** The exit code by which a trainer says "this job can never succeed, do not retry it". */
export const EXIT_INVALID_INPUT = 2;
/** The exit code by which a trainer says "the method's own code failed" (with an AAR_METHOD_ERROR line): never retried. */
export const EXIT_METHOD_FAILED = 3;
/** How often the resident memory of a method-code job's process group is read. */
const MEMORY_POLL_MS = 500;
/** A result is predictions for a few thousand items; anything this large is a runaway trainer. */
export const MAX_STDOUT_BYTES = 64 * 1024 * 1024;
/** How long a trainer gets to exit after SIGTERM (to flush logs, free the GPU) before SIGKILL. */
export const KILL_GRACE_MS = 2000;
/** JobResult.stderrTail holds at most 8192 characters. */
const MAX_TAIL_BYTES = 8192;

export interface CommandRunnerOptions {
  /** argv of the trainer, e.g. ['python3', 'train.py']; no shell is involved. */
  command: string[];
  /** Where the trainer finds its unlabelled data; passed as AAR_DATA_DIR (made absolute). */
  dataDir: string;
  /**
   * The trusted label folder (gold split A, split B's labels): passed as AAR_LABELS_DIR to
   * trusted baselines jobs only; a method phase never learns where it is.
   */
  labelsDir?: string;
  timeoutMs: number;
  cwd?: string;
  /** Added to the trainer's environment (which is otherwise an allowlist: see trainer-env.ts). */
  env?: Record<string, string>;
  /** How much of the end of stderr to keep for debugging (default 4096, at most 8192). */
  stderrTailBytes?: number;
  /** Default MAX_STDOUT_BYTES; lower only in tests. */
  maxStdoutBytes?: number;
  /**
   * Limits of a job that runs method code (agent-written Python): past `memoryMb` of resident
   * memory (the trainer's whole process group) or `wallMs`, the group is killed and the seed fails
   * as the method's fault, never retried. Unset: no memory limit, the runner's timeoutMs.
   */
  methodLimits?: { memoryMb?: number; wallMs?: number };
  /** Run jobs with method code in a network namespace of their own where available (default true; see network-isolation.ts). */
  isolateNetwork?: boolean;
}

type StopReason = 'timeout' | 'cancelled' | 'overflow' | 'memory';

/**
 * Runs any external trainer (Python, a container, a cluster submit script) as one process
 * group per job: JobSpec JSON on stdin, JobResult JSON on stdout, progress lines on stderr.
 * workers/command/README.md is the contract trainers implement.
 */
export class CommandRunner implements Runner {
  readonly name = 'command';
  private readonly opts: Required<Omit<CommandRunnerOptions, 'cwd' | 'env' | 'labelsDir' | 'methodLimits' | 'isolateNetwork'>> & Pick<CommandRunnerOptions, 'cwd' | 'env' | 'labelsDir' | 'methodLimits' | 'isolateNetwork'>;

  constructor(options: CommandRunnerOptions) {
    const problems: { field: string; problem: string }[] = [];
    if (options.command.length === 0 || options.command[0] === '') problems.push({ field: 'command', problem: 'expected a non-empty argv' });
    if (!(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) problems.push({ field: 'timeoutMs', problem: 'expected a positive integer' });
    const tail = options.stderrTailBytes ?? 4096;
    if (!(Number.isInteger(tail) && tail >= 0 && tail <= MAX_TAIL_BYTES)) problems.push({ field: 'stderrTailBytes', problem: `accepted: 0 to ${MAX_TAIL_BYTES}` });
    if (problems.length > 0) throw new InvalidInputError('command runner options', problems);
    this.opts = {
      ...options,
      dataDir: path.resolve(options.dataDir),
      labelsDir: options.labelsDir === undefined ? undefined : path.resolve(options.labelsDir),
      stderrTailBytes: tail,
      maxStdoutBytes: options.maxStdoutBytes ?? MAX_STDOUT_BYTES,
    };
  }

  run(spec: JobSpec, ctx: RunContext): Promise<JobResult> {
    return this.runPhase({ ...spec, phase: undefined }, ctx) as Promise<JobResult>;
  }

  runBaselines(spec: JobSpec, ctx: RunContext): Promise<BaselinesResult> {
    return this.runPhase({ ...spec, phase: 'baselines' }, ctx) as Promise<BaselinesResult>;
  }

  private async runPhase(spec: JobSpec, ctx: RunContext): Promise<JobResult | BaselinesResult> {
    const cmd = `\`${this.opts.command.join(' ')}\``;
    if (ctx.signal.aborted) throw new RunnerError(`Trainer ${cmd} cancelled before it started`, { retry: false });
    const trusted = spec.phase === 'baselines';
    // Agent-written code runs in this job: whatever ends it early is the method's doing.
    const code = !trusted && spec.method.code !== undefined;
    const limits = code ? this.opts.methodLimits : undefined;
    const wallMs = Math.min(this.opts.timeoutMs, limits?.wallMs ?? Infinity);
    if (trusted && this.opts.labelsDir === undefined) {
      throw new RunnerError(`Trainer ${cmd}: a trusted baselines job needs the worker's labels folder (--labels-dir or AAR_LABELS_DIR)`, { retry: false });
    }

    // Method code gets no network where the machine can give it a namespace without any.
    const isolation = code && this.opts.isolateNetwork !== false ? networkIsolation() : undefined;
    const [file, ...args] = [...(isolation?.prefix ?? []), ...this.opts.command];
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(file, args, {
        cwd: this.opts.cwd,
        env: {
          ...trainerEnvironment(process.env),
          ...this.opts.env,
          AAR_PHASE: trusted ? 'baselines' : 'method',
          ...(trusted && { AAR_LABELS_DIR: this.opts.labelsDir }),
          AAR_DATA_DIR: this.opts.dataDir,
          AAR_EXPERIMENT_ID: spec.experimentId,
          AAR_TASK: spec.task,
          AAR_SEED: String(spec.seed),
          // Stable across retries of the same job: a trainer can key checkpoints on it and resume.
          AAR_JOB_ID: jobIdOf(spec.experimentId, spec.seed),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a kill reaches the data loaders and shell children it started.
        detached: true,
      });
    } catch (err) {
      throw startFailure(cmd, err);
    }

    const tail = new TailBuffer(this.opts.stderrTailBytes);
    const stderr = new StderrReader(tail, (p) => ctx.progress(p));
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stop: StopReason | undefined;
    let terminating: Promise<void> | undefined;
    const killGroup = (): void => {
      if (child.pid !== undefined) terminating ??= terminateGroup(child.pid, KILL_GRACE_MS);
    };
    const stopWith = (reason: StopReason): void => {
      if (stop !== undefined) return;
      stop = reason;
      killGroup();
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (stop !== undefined) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > this.opts.maxStdoutBytes) stopWith('overflow');
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A trainer that exits without reading its spec makes this write fail with EPIPE; its exit code tells the story.
    child.stdin.on('error', () => {});
    // A trusted job's spec names no method: nothing agent-made reaches the trusted phase.
    child.stdin.end(`${JSON.stringify(trusted ? { experimentId: spec.experimentId, task: spec.task, seed: spec.seed, phase: 'baselines' } : spec)}\n`);

    const onAbort = (): void => stopWith('cancelled');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stopWith('timeout'), wallMs);
    const memoryMb = limits?.memoryMb;
    const memoryPoll = memoryMb
      ? setInterval(() => {
          const rss = child.pid === undefined ? undefined : groupResidentMb(child.pid);
          if (rss !== undefined && rss > memoryMb) stopWith('memory');
        }, MEMORY_POLL_MS)
      : undefined;
    child.once('exit', () => {
      // It finished in time: only stragglers remain, and their cleanup is bounded by the grace period.
      clearTimeout(timer);
      clearInterval(memoryPoll);
      // Whatever it left running (a background logger holding stdout) would otherwise keep the job open.
      killGroup();
    });

    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      exit = await new Promise((resolve, reject) => {
        child.on('error', (err) => {
          if (child.pid === undefined) reject(err);
        });
        child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
      });
      await terminating;
    } catch (err) {
      throw startFailure(cmd, err);
    } finally {
      clearTimeout(timer);
      clearInterval(memoryPoll);
      ctx.signal.removeEventListener('abort', onAbort);
    }

    stderr.end();
    const stderrTail = tail.toString();
    const how = exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${String(exit.code)}`;
    const fail = (what: string, retry: boolean, detail = '', cause?: unknown): RunnerError => {
      const shown = stderrTail.trim() === '' ? '\n(stderr was empty)' : `\n--- stderr tail ---\n${stderrTail}`;
      return new RunnerError(`Trainer ${cmd} ${what} (${how})${detail}${shown}`, { retry, stderrTail, cause });
    };

    if (stop === 'cancelled') throw fail('was cancelled; its process group was killed', false);
    if (stop === 'overflow') throw fail(`printed more than ${this.opts.maxStdoutBytes} bytes on stdout and was killed`, false);
    const notStarted = isolation?.prefix.length ? /^unshare: failed to execute ([^\n]*)/m.exec(stderrTail) : null;
    if (notStarted) throw new RunnerError(`Could not start trainer ${cmd}: ${notStarted[1]}`, { retry: false });
    const methodFailed = methodFailure({ code, exit, how, stop, methodError: stderr.methodError, stderrTail, memoryMb, wallMs });
    if (methodFailed) throw methodFailed;
    if (exit.code === EXIT_INVALID_INPUT) throw fail('rejected the job as invalid input; not retrying', false);
    if (stop === 'timeout') throw fail(`timed out after ${this.opts.timeoutMs} ms; its process group was killed`, true);
    if (exit.code !== 0) throw fail('failed', true);

    const text = Buffer.concat(stdout).toString('utf8');
    const head = `\n--- stdout (first 200 characters) ---\n${text.slice(0, 200)}${text.length > 200 ? '…' : ''}`;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      const why = text.trim() === '' ? 'printed nothing on stdout' : `printed invalid JSON on stdout`;
      const detail = `: ${(err as Error).message}; stdout must be exactly one JSON result object.${head}`;
      throw fail(why, false, detail, err);
    }
    let result: JobResult | BaselinesResult;
    let signal: unknown;
    try {
      // `signal` (what method code trained on) is judged here, against gold the trainer never had.
      if (!trusted && json && typeof json === 'object' && 'signal' in json) ({ signal, ...json } = json as Record<string, unknown>);
      result = trusted ? parseBaselinesResult(json) : parseJobResult(json);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      throw fail('printed a result that does not match the contract', false, `: ${err.message}${head}`, err);
    }
    // Only trusted code measures the effective signal and says how the job was isolated: a trainer's own claims are dropped.
    delete result.stats.effectiveSignal;
    delete result.stats.methodIsolation;
    if (code && signal !== undefined) {
      const parsed = TrainerSignalSchema.safeParse(signal);
      if (!parsed.success) throw fail('printed a signal that does not match the contract', false, `: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      const judged = judgeSignal(parsed.data, spec, this.opts.labelsDir);
      if (judged) result.stats.effectiveSignal = judged;
    }
    if (isolation) result.stats.methodIsolation = { network: isolation.network };
    return { ...result, stderrTail };
  }
}

/**
 * Why a job ended early by its method's doing, as its author reads it, or undefined: the trainer's
 * AAR_METHOD_ERROR (exit 3); and for a job with method code, which runs in this process group,
 * any death, its memory or its time, never handed to another worker (a lost worker is the
 * poison-pill guard's business), and a refusal of the code before it ran (exit 2: the trainer's
 * own last line first, where it names the field and the line).
 */
function methodFailure(o: {
  code: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  how: string;
  stop: StopReason | undefined;
  methodError: MethodErrorLine | undefined;
  stderrTail: string;
  memoryMb: number | undefined;
  wallMs: number;
}): RunnerError | undefined {
  const { stderrTail } = o;
  const withTail = (what: string) => new RunnerError(`${what}\n--- stderr tail ---\n${stderrTail}`, { retry: false, stderrTail });
  if (o.stop === 'cancelled' || o.stop === 'overflow') return undefined;
  if (o.exit.code === EXIT_METHOD_FAILED || (o.code && o.methodError && o.stop === undefined && o.exit.code !== 0)) {
    return withTail(o.methodError?.message ?? 'method code failed (the trainer gave no reason: see its stderr)');
  }
  if (!o.code) return undefined;
  const what = 'method code';
  if (o.exit.code === EXIT_INVALID_INPUT) {
    const last = stderrTail.trim().split('\n').at(-1)?.trim();
    return withTail(`the trainer refused the method before running it: ${last || 'no reason given'}`);
  }
  if (o.stop === 'memory') return new MethodProcessError({ kind: 'out_of_memory', what, limitMb: o.memoryMb, stderrTail });
  if (o.stop === 'timeout') return new MethodProcessError({ kind: 'timed_out', what, limitMs: o.wallMs, stderrTail });
  if (o.exit.code === 0) return undefined;
  if (saysOutOfMemory(stderrTail)) return new MethodProcessError({ kind: 'out_of_memory', what, limitMb: o.memoryMb, stderrTail });
  return new MethodProcessError({ kind: 'crashed', what, exit: o.how, stderrTail, fatal: fatalLine(stderrTail) });
}

function startFailure(cmd: string, err: unknown): RunnerError {
  const e = err as NodeJS.ErrnoException;
  const hint = e.code === 'ENOENT' ? ' (not found: is it installed and on PATH, and does cwd exist?)' : '';
  return new RunnerError(`Could not start trainer ${cmd}: ${e.message}${hint}`, { retry: false, cause: err });
}
