import ivm from 'isolated-vm';
import { METHOD_CODE_HOOKS, type MethodCodeHook } from '../../../../src/domain/method.js';
import { RunnerError } from '../../../../src/domain/errors.js';
import { BINDER, PRELUDE } from './prelude.js';

/** How much a method's code may use; the runner's defaults, not the researcher's to raise. */
export interface SandboxLimits {
  /** The isolate's heap limit (isolated-vm counts large ArrayBuffers against it too). */
  memoryMb: number;
  /** Wall-clock limit of one hook call, and of running the source's top level. */
  callTimeoutMs: number;
  /** Wall-clock limit of every call of one experiment together (epochTargets runs per epoch). */
  totalBudgetMs: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryMb: 64, callTimeoutMs: 2000, totalBudgetMs: 30_000 };

/** Error messages copied out of the isolate are cut to this length: they reach people and logs. */
const MAX_MESSAGE = 400;

/**
 * One method's code in its own isolated-vm isolate and context: no host object, function or
 * `ivm` handle is ever placed in the context, data goes in by copy, and results come out as a
 * copied Float64Array whose size the prelude checked inside the isolate. Every failure is a
 * RunnerError with retry: false (the method is at fault; running it again would fail again).
 * Call `dispose()` when done (in a finally): it frees the isolate whatever happened.
 */
export class MethodSandbox {
  /** The hooks the source defined (and the method asked for). */
  readonly hooks: ReadonlySet<MethodCodeHook>;
  private readonly isolate: ivm.Isolate;
  private readonly limits: SandboxLimits;
  private callRef?: ivm.Reference<unknown>;
  private spent = 0;
  private catastrophe?: string;

  constructor(source: string, o: { limits?: Partial<SandboxLimits>; seed: number; wanted?: readonly MethodCodeHook[] }) {
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...o.limits };
    this.isolate = new ivm.Isolate({
      memoryLimit: this.limits.memoryMb,
      onCatastrophicError: (message) => {
        this.catastrophe = message;
      },
    });
    try {
      this.hooks = this.load(source, o.seed, o.wanted);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /**
   * Calls `hook` with a copy of `arg` (plain values and typed arrays only) and returns its
   * result as rows * cols numbers, row-major. Not yet validated beyond its size: the caller
   * checks the values (finite, ranges, sums) before using them.
   */
  call(hook: MethodCodeHook, arg: Record<string, unknown>, rows: number, cols: number): Float64Array {
    if (!this.hooks.has(hook)) throw fail(`${hook} is not defined`);
    const out = this.timed(hook, (timeout) =>
      this.callRef!.applySync(undefined, [METHOD_CODE_HOOKS.indexOf(hook), arg, rows, cols], {
        arguments: { copy: true },
        result: { copy: true },
        timeout,
      }),
    );
    if (typeof out === 'string') throw fail(`${hook} ${out.slice(0, MAX_MESSAGE)}`);
    if (!(out instanceof Float64Array) || out.length !== rows * cols) {
      throw fail(`${hook} returned something other than ${rows * cols} numbers`);
    }
    return out;
  }

  /** Milliseconds spent in calls so far (they count against `totalBudgetMs`). */
  get spentMs(): number {
    return this.spent;
  }

  /** Frees the isolate; safe to call more than once and after the memory limit disposed it. */
  dispose(): void {
    this.callRef?.release();
    this.callRef = undefined;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  private load(source: string, seed: number, wanted?: readonly MethodCodeHook[]): Set<MethodCodeHook> {
    const context = this.isolate.createContextSync();
    const api = this.isolate
      .compileScriptSync(PRELUDE, { filename: 'aar-prelude.js' })
      .runSync(context, { reference: true }) as ivm.Reference<(seed: number) => unknown>;
    const exportsRef = api.applySync(undefined, [seed >>> 0], { result: { reference: true } }) as ivm.Reference<Record<string, unknown>>;
    // Taken before the source runs, so nothing the source does can replace them.
    const loadRef = exportsRef.getSync('load', { reference: true }) as ivm.Reference<unknown>;
    this.callRef = exportsRef.getSync('call', { reference: true }) as ivm.Reference<unknown>;
    exportsRef.release();
    api.release();
    try {
      // Compiled on its own first for a clean SyntaxError with its line; run by the prelude.
      this.isolate.compileScriptSync(source, { filename: 'method.js' }).release();
    } catch (err) {
      throw fail(errorText(err), err);
    }
    const what = 'the top level of the source';
    const loaded = this.timed(what, (timeout) =>
      loadRef.applySync(undefined, [source, BINDER], { arguments: { copy: true }, result: { copy: true }, timeout }),
    );
    loadRef.release();
    if (typeof loaded !== 'string') throw fail(`${what} gave no answer`);
    if (!loaded.startsWith('ok:')) throw fail(`${what} ${loaded.slice(0, MAX_MESSAGE)}`);
    const present = METHOD_CODE_HOOKS.filter((_, i) => loaded[3 + i] === '1');
    if (wanted) {
      const missing = wanted.filter((h) => !present.includes(h));
      if (missing.length) throw fail(`the source does not define ${missing.join(', ')} (method.code.hooks asks for it)`);
      return new Set(wanted);
    }
    if (!present.length) throw fail(`the source defines none of the hooks; accepted: functions named ${METHOD_CODE_HOOKS.join(', ')}`);
    return new Set(present);
  }

  /** Runs `f` under the per-call limit and what is left of the total budget; maps ivm's errors. */
  private timed<T>(what: string, f: (timeoutMs: number) => T): T {
    const left = this.limits.totalBudgetMs - this.spent;
    if (left <= 0) throw fail(`total time budget of ${this.limits.totalBudgetMs} ms used up before ${what}`);
    const timeout = Math.max(1, Math.min(this.limits.callTimeoutMs, Math.floor(left)));
    const t0 = performance.now();
    try {
      return f(timeout);
    } catch (err) {
      if (err instanceof RunnerError) throw err;
      if (this.isolate.isDisposed || this.catastrophe || /memory limit/i.test(errorText(err))) {
        throw fail(`memory limit of ${this.limits.memoryMb} MB exceeded in ${what}`, err);
      }
      if (/Script execution timed out/.test(errorText(err)) && performance.now() - t0 >= timeout * 0.9) {
        const budget = timeout < this.limits.callTimeoutMs ? ` (what was left of the ${this.limits.totalBudgetMs} ms budget)` : '';
        throw fail(`${what} timed out after ${timeout} ms${budget}`, err);
      }
      throw fail(`${what} threw ${errorText(err)}`, err);
    } finally {
      this.spent += performance.now() - t0;
    }
  }
}

function fail(message: string, cause?: unknown): RunnerError {
  return new RunnerError(`method code: ${message}`, { retry: false, cause });
}

/** "Name: message" of something thrown in the isolate (isolated-vm rethrows copies of errors). */
function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `a non-error value (${typeof err})`;
  return text.slice(0, MAX_MESSAGE);
}
