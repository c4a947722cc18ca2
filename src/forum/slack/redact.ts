import type { LogLevel, Logger } from '@slack/bolt';
import { redactSecrets } from '../redact.js';

/** Replaces every token (see redactSecrets), and each of `secrets` verbatim, with a marker. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = redactSecrets(text);
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]');
  return out;
}

export type SlackLogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Where the adapter's log lines go (`slack <level>: …`); each line is already redacted. */
export type SlackLogSink = (line: string) => void;

const RANK: Record<SlackLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.stack ?? `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}


/**
 * A Bolt logger that redacts tokens and secrets from every line before it reaches the sink.
 * Bolt, the WebClient and the Socket Mode client all log through it, so nothing they print
 * (request bodies at debug level included) can leak a token.
 */
export class RedactingLogger implements Logger {
  constructor(
    private readonly sink: SlackLogSink | undefined,
    private readonly level: SlackLogLevel,
    private readonly secrets: readonly string[],
  ) {}

  debug(...msg: unknown[]): void {
    this.emit('debug', msg);
  }
  info(...msg: unknown[]): void {
    this.emit('info', msg);
  }
  warn(...msg: unknown[]): void {
    this.emit('warn', msg);
  }
  error(...msg: unknown[]): void {
    this.emit('error', msg);
  }
  setLevel(_level: LogLevel): void {
    // Bolt resets the level of the logger it is given to its own default (info); the level is
    // the forum's option, so those calls are ignored.
  }
  getLevel(): LogLevel {
    return this.level as LogLevel;
  }
  setName(): void {
    // One adapter, one name: lines already say `slack`.
  }

  private emit(level: SlackLogLevel, msg: unknown[]): void {
    if (RANK[level] < RANK[this.level]) return;
    try {
      const line = redact(`slack ${level}: ${msg.map(describe).join(' ')}`, this.secrets);
      if (this.sink) this.sink(line);
      else if (level === 'warn' || level === 'error') console.error(line);
      else console.log(line);
    } catch {
      // A broken sink must not take the adapter down with it.
    }
  }
}
