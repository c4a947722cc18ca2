import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the CLI runs from source with cwd here. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned child process whose output is kept (stdout and stderr interleaved) for assertions and failure reports. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote so far. */
  output(): string;
  stdout(): string;
  /** Resolves when the process has exited (and its pipes are drained). */
  readonly exited: Promise<Exit>;
  alive(): boolean;
  /** Sends `signal` (SIGKILL by default) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

/**
 * Every process a test spawns, so afterEach can SIGKILL whatever is still alive, even when the
 * test failed half-way. Only processes spawned here are ever signalled, by pid.
 */
export class ProcessGroup {
  private readonly procs: Proc[] = [];

  spawn(name: string, command: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
    const child = spawn(command, args, { cwd: o.cwd ?? ROOT, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not spawn ${name} (${command})`);
    let all = '';
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      all += s;
      out += s;
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (all += s));
    const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    let done = false;
    void exited.then(() => (done = true));
    const proc: Proc = {
      name,
      child,
      pid: child.pid,
      output: () => all,
      stdout: () => out,
      exited,
      alive: () => !done && child.exitCode === null && child.signalCode === null,
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        if (proc.alive()) child.kill(signal);
        return exited;
      },
    };
    this.procs.push(proc);
    return proc;
  }

  /** `aar ARGS` run from source, as a user would (node --import tsx src/cli.ts). */
  aar(name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
    return this.spawn(name, process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env });
  }

  /** Runs `aar ARGS` to completion; SIGKILLs it past `timeoutMs`. */
  async runAar(name: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Exit & { stdout: string; output: string }> {
    const p = this.aar(name, args, env);
    const timer = setTimeout(() => void p.kill(), timeoutMs);
    try {
      const exit = await p.exited;
      if (exit.signal === 'SIGKILL') throw new Error(`${name} did not finish within ${timeoutMs} ms:\n${p.output()}`);
      return { ...exit, stdout: p.stdout(), output: p.output() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The output of every process, for a failure report. */
  logs(): string {
    return this.procs.map((p) => `----- ${p.name} (pid ${p.pid}${p.alive() ? ', alive' : ''}) -----\n${p.output().trimEnd()}`).join('\n');
  }

  /** SIGKILLs every process still alive and waits for each to be gone (their output stays readable). */
  async killAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.kill('SIGKILL')));
  }
}

/** Resolves with `promise`, or with undefined after `ms`: for cleanup that must not hang a hook. */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export type Truthy<T> = Exclude<T, false | null | undefined | 0 | '' | 0n>;

/**
 * Waits until `check` returns a truthy value (returned), polling; never a fixed long sleep.
 * An error thrown by `check` ends the wait at once (use it for "this can no longer happen").
 */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, o: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {}): Promise<Truthy<T>> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${o.context ? `\n${o.context()}` : ''}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
}
