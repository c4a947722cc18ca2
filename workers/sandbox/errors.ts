import { RunnerError } from '../../src/domain/errors.js';

/** Why a guarded process ended without an answer. */
export type GuardedExitKind = 'out_of_memory' | 'timed_out' | 'crashed';

const CODES: Record<GuardedExitKind, string> = {
  out_of_memory: 'method_out_of_memory',
  timed_out: 'method_timed_out',
  crashed: 'method_crashed',
};

/**
 * A method's process died or was stopped by its guard: the method's fault, so never retried
 * (`retry: false`) and never handed to another worker. The message is what the agent reads as
 * the seed's failure; `stderrTail` keeps the process's last words for people and logs.
 */
export class MethodProcessError extends RunnerError {
  readonly kind: GuardedExitKind;
  /** Set for out_of_memory: the limit that was exceeded. */
  readonly limitMb?: number;
  /** Set for timed_out: the wall-time limit. */
  readonly limitMs?: number;
  /** How the process ended: an exit code or a signal name, when it ended by itself. */
  readonly exit?: string;

  constructor(o: { kind: GuardedExitKind; what: string; limitMb?: number; limitMs?: number; exit?: string; stderrTail?: string; fatal?: string }) {
    super(messageOf(o), { retry: false, stderrTail: o.stderrTail });
    Object.defineProperty(this, 'code', { value: CODES[o.kind] });
    this.kind = o.kind;
    this.limitMb = o.limitMb;
    this.limitMs = o.limitMs;
    this.exit = o.exit;
  }
}

function messageOf(o: { kind: GuardedExitKind; what: string; limitMb?: number; limitMs?: number; exit?: string; fatal?: string }): string {
  if (o.kind === 'out_of_memory') return `${o.what} ran out of memory (limit ${o.limitMb} MB); its process was stopped, nothing else was affected`;
  if (o.kind === 'timed_out') return `${o.what} ran past its wall-time limit of ${Math.round((o.limitMs ?? 0) / 1000)} s; its process was stopped`;
  return `${o.what} crashed its process (${o.exit ?? 'no answer'}) before answering${o.fatal ? `: ${o.fatal}` : ''}`;
}

/**
 * The runtime's own one-line verdict in a crashed process's stderr (V8: "Fatal JavaScript invalid
 * size error 536870890"; Python: "Fatal Python error: ..."), cut short: it tells the author what
 * their code did, and carries nothing the code did not produce itself.
 */
export function fatalLine(stderrTail: string): string | undefined {
  // V8 prints a generic "Fatal error in , line 0" before the specific one: the last is the verdict.
  const lines = [...stderrTail.matchAll(/^#?\s*(Fatal [^\n]{1,160})/gm)].map((m) => m[1].trim());
  return lines.at(-1);
}
