import { spawn, type ChildProcess } from 'node:child_process';
import { RunnerError } from '../../src/domain/errors.js';
import { signalGroup } from '../command/process-group.js';
import { TailBuffer } from '../command/tail-buffer.js';
import { fatalLine, MethodProcessError } from './errors.js';
import { groupResidentMb, residentMb, saysOutOfMemory } from './memory.js';

/** The limits a guarded process runs under; the runner's to set, never the method's. */
export interface GuardLimits {
  /** Resident memory of the process and its subprocesses together; past it the group is killed (polled every `pollMs`). */
  memoryMb: number;
  /** Wall-clock limit of the whole process. */
  wallMs: number;
}

/** What a guarded child writes, one JSON object per line, on fd 3. */
export type GuardedMessage =
  | { type: 'progress'; fraction: number; note?: string }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; retry: boolean };

/** How to start a guarded child. */
export interface GuardedSpawn {
  /** Executable and arguments (node with its flags, python, ...). */
  command: string;
  args: string[];
  /** The whole environment of the child: an allowlist, nothing is inherited (see `baseEnv`). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface GuardedRun extends GuardedSpawn {
  /**
   * A child started earlier with spawnGuarded from the same GuardedSpawn and still waiting for
   * its request (it loads its code meanwhile, off the job's clock); used if it is still alive.
   */
  spare?: ChildProcess;
  /** Written to the child's stdin as one JSON line, then stdin is closed. */
  request: unknown;
  limits: GuardLimits;
  /** Names the code in failure messages: "method code" -> "method code ran out of memory (...)". */
  what: string;
  /** The memory limit named when the runtime itself reports running out (a heap, an isolate). */
  heapLimitMb?: number;
  signal: AbortSignal;
  onProgress?(p: { fraction: number; note?: string }): void;
  /** How often resident memory is read; default 100 ms. */
  pollMs?: number;
}

/** Bytes of stderr kept for failure reasons, and the most fd 3 may carry in one run. */
const STDERR_TAIL = 8 * 1024;
const MAX_MESSAGE_BYTES = 256 * 2 ** 20;

/** The variables a child gets by default: enough to find executables and format text, no secrets, no queue, no caches. */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TZ'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

/**
 * Runs one job's untrusted part in its own process group, so that whatever it does to its
 * process (a fatal out-of-memory, a hang, a segfault, ignoring SIGTERM) ends only that process.
 * The guard kills the group (SIGKILL) when resident memory passes the limit, when the runtime
 * prints that it is out of memory, at the wall-time limit, and on `signal`. A death without an
 * answer becomes a MethodProcessError (never retried); an abort rejects with the signal's reason.
 * Language-neutral by design: a Node child and a Python child speak the same fd-3 protocol.
 */
export function runGuarded(o: GuardedRun): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    if (o.signal.aborted) {
      if (o.spare) discardSpare(o.spare);
      return reject(o.signal.reason);
    }
    const child = o.spare && o.spare.exitCode === null && o.spare.signalCode === null ? o.spare : spawnGuarded(o);
    if (o.spare && child !== o.spare) discardSpare(o.spare);
    const stderr = new TailBuffer(STDERR_TAIL);
    let stopped: MethodProcessError | 'aborted' | undefined;
    let answer: { ok: true; result: unknown } | { ok: false; error: Error } | undefined;
    let pending = '';
    let received = 0;

    const kill = (why: MethodProcessError | 'aborted') => {
      stopped ??= why;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    };
    const onAbort = () => kill('aborted');
    o.signal.addEventListener('abort', onAbort, { once: true });
    const wall = setTimeout(() => kill(new MethodProcessError({ kind: 'timed_out', what: o.what, limitMs: o.limits.wallMs, stderrTail: stderr.toString() })), o.limits.wallMs);
    // The process itself at every poll; its whole group (subprocesses too) at every fifth.
    let polls = 0;
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      const rss = polls++ % 5 === 0 ? groupResidentMb(child.pid) : residentMb(child.pid);
      if (rss !== undefined && rss > o.limits.memoryMb) kill(outOfMemory(o, o.limits.memoryMb, stderr));
    }, o.pollMs ?? 100);

    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      // V8 may hang for minutes after this; the answer will not come.
      if (!answer && saysOutOfMemory(chunk.toString('utf8'))) kill(outOfMemory(o, o.heapLimitMb ?? o.limits.memoryMb, stderr));
    });
    const messages = child.stdio[3] as NodeJS.ReadableStream;
    messages.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_MESSAGE_BYTES) return kill(new MethodProcessError({ kind: 'crashed', what: o.what, exit: `wrote more than ${MAX_MESSAGE_BYTES >> 20} MB of answers` }));
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) onLine(line);
      }
    });
    const onLine = (line: string) => {
      let m: GuardedMessage;
      try {
        m = JSON.parse(line) as GuardedMessage;
      } catch {
        return;
      }
      if (m.type === 'progress') o.onProgress?.({ fraction: m.fraction, note: m.note });
      else if (m.type === 'result') answer ??= { ok: true, result: m.result };
      else if (m.type === 'error') answer ??= { ok: false, error: new RunnerError(String(m.message), { retry: m.retry === true }) };
    };
    // The request goes in by stdin; a child that never reads it must not break the parent.
    child.stdin!.on('error', () => {});
    child.stdin!.end(`${JSON.stringify(o.request)}\n`);

    child.on('error', (err) => {
      cleanup();
      reject(new RunnerError(`could not start ${o.what}'s process (${o.command}): ${err.message}`, { retry: true, cause: err }));
    });
    // Grandchildren holding its pipes would otherwise keep 'close' from ever firing.
    child.on('exit', () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'));
    child.on('close', (code, signal) => {
      cleanup();
      if (stopped === 'aborted') return reject(o.signal.reason);
      // A whole answer stands even if a limit was hit while the process was on its way out.
      if (answer?.ok) return resolve(answer.result);
      if (answer) return reject(answer.error);
      if (stopped) return reject(stopped);
      const tail = stderr.toString();
      if (saysOutOfMemory(tail)) return reject(outOfMemory(o, o.heapLimitMb ?? o.limits.memoryMb, stderr));
      reject(new MethodProcessError({ kind: 'crashed', what: o.what, exit: signal ? `signal ${signal}` : `exit code ${code}`, stderrTail: tail, fatal: fatalLine(tail) }));
    });

    function cleanup() {
      clearTimeout(wall);
      clearInterval(poll);
      o.signal.removeEventListener('abort', onAbort);
      // Grandchildren left in the group die with it.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    }
  });
}

/**
 * Starts a guarded child in its own process group, with stdin, stderr and fd 3 piped; it waits
 * for its request on stdin. Pass it to runGuarded as `spare`, or end it with discardSpare.
 */
export function spawnGuarded(s: GuardedSpawn): ChildProcess {
  const child = spawn(s.command, s.args, { cwd: s.cwd, env: s.env, detached: true, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
  // Until a run takes it over, a spare's output is dropped and its failures are nobody's.
  child.on('error', () => {});
  child.stderr!.resume();
  (child.stdio[3] as NodeJS.ReadableStream).resume();
  return child;
}

/** Kills a spare child that no run will take. */
export function discardSpare(child: ChildProcess): void {
  child.stdin?.destroy();
  if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
}

function outOfMemory(o: GuardedRun, limitMb: number, stderr: TailBuffer): MethodProcessError {
  return new MethodProcessError({ kind: 'out_of_memory', what: o.what, limitMb, stderrTail: stderr.toString() });
}
