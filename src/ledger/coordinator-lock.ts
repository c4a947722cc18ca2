import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AarError } from '../domain/errors.js';
import type { Ledger } from './ledger.js';

/** Who holds a ledger as its coordinator. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  heartbeatAt: string;
}

/** A second coordinator on one ledger, refused; the message names the one that holds it. */
export class CoordinatorBusyError extends AarError {
  readonly holder: LockHolder;
  readonly path: string;

  constructor(path: string, holder: LockHolder, ageMs: number, ttlMs: number) {
    super(
      'ledger_in_use',
      `the ledger ${path} has a coordinator already: ${holder.command}, pid ${holder.pid} on host ${holder.host}, since ${holder.since}, last seen ${Math.round(ageMs / 1000)} s ago. ` +
        `Stop it first (one coordinator per ledger; a crashed one is taken over once its pid is gone or its heartbeat is ${Math.round(ttlMs / 1000)} s old). ` +
        'aar status, report, audit, submit, recover and backup work beside it.',
    );
    this.holder = holder;
    this.path = path;
  }
}

export interface CoordinatorLockOptions {
  /** What holds it, for the message a second coordinator gets (`aar run`). */
  command: string;
  /** A heartbeat older than this marks a holder as gone (default 60 s). */
  ttlMs?: number;
  /** How often the holder refreshes its heartbeat (default ttl / 6). */
  heartbeatMs?: number;
  /** Called once if another process took the lock over (this one looked dead to it). */
  onLost?: (by: LockHolder | undefined) => void;
  log?: (line: string) => void;
  pid?: number;
  host?: string;
  now?: () => number;
  /** Whether a process of this host is alive (default: signal 0). */
  isAlive?: (pid: number) => boolean;
}

const DEFAULT_TTL_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(row: Record<string, string | number> | undefined): (LockHolder & { token: string }) | undefined {
  if (!row) return undefined;
  return { token: String(row.token), pid: Number(row.pid), host: String(row.host), command: String(row.command), since: String(row.since), heartbeatAt: String(row.heartbeat_at) };
}

/** The current holder of a ledger's coordinator lock, if any (read-only: what `aar status` shows). */
export function coordinatorOf(ledger: Ledger): LockHolder | undefined {
  const h = holderOf(ledger.db.prepare('SELECT * FROM coordinator_lock WHERE id = 1').get() as Record<string, string | number> | undefined);
  if (!h) return undefined;
  const { token: _token, ...holder } = h;
  return holder;
}

/**
 * One coordinator per ledger (`aar run`, `aar forum`): a lock row with a heartbeat, taken in a
 * transaction that holds the write lock, so two starting at once cannot both win. A holder whose
 * pid is gone (same host) or whose heartbeat is older than the TTL (any host) is taken over.
 * SQLite rather than an OS file lock: it works wherever the ledger works, and it can say who holds it.
 */
export class CoordinatorLock {
  private readonly token = randomUUID();
  private timer?: NodeJS.Timeout;
  private lost = false;

  private constructor(
    private readonly ledger: Ledger,
    private readonly o: CoordinatorLockOptions & { now: () => number; ttlMs: number },
  ) {}

  /** Takes the ledger's coordinator lock, or throws CoordinatorBusyError naming the holder. */
  static acquire(ledger: Ledger, options: CoordinatorLockOptions): CoordinatorLock {
    const o = { ...options, now: options.now ?? Date.now, ttlMs: options.ttlMs ?? DEFAULT_TTL_MS };
    const lock = new CoordinatorLock(ledger, o);
    const pid = o.pid ?? process.pid;
    const host = o.host ?? hostname();
    const isAlive = o.isAlive ?? alive;
    const now = o.now();
    const taken = ledger.write(() => {
      const held = holderOf(ledger.db.prepare('SELECT * FROM coordinator_lock WHERE id = 1').get() as Record<string, string | number> | undefined);
      if (held) {
        const age = now - Date.parse(held.heartbeatAt);
        const gone = age > o.ttlMs || (held.host === host && !isAlive(held.pid));
        if (!gone) throw new CoordinatorBusyError(ledger.path, held, Math.max(0, age), o.ttlMs);
      }
      const at = new Date(now).toISOString();
      ledger.db
        .prepare('INSERT OR REPLACE INTO coordinator_lock (id, token, pid, host, command, since, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
        .run(lock.token, pid, host, o.command, at, at);
      return held;
    });
    if (taken) o.log?.(`took the ledger over from a coordinator that is gone: ${taken.command}, pid ${taken.pid} on ${taken.host}, last seen ${taken.heartbeatAt}`);
    lock.timer = setInterval(() => lock.beat(), o.heartbeatMs ?? Math.max(1000, Math.floor(o.ttlMs / 6)));
    lock.timer.unref();
    return lock;
  }

  /** Refreshes the heartbeat; finding the row gone or someone else's means the lock was lost. */
  beat(): void {
    if (this.lost) return;
    let changes: number;
    try {
      changes = this.ledger.db.prepare('UPDATE coordinator_lock SET heartbeat_at = ? WHERE id = 1 AND token = ?').run(new Date(this.o.now()).toISOString(), this.token).changes;
    } catch {
      return; // busy or closing: the next beat tries again, well within the TTL
    }
    if (changes > 0) return;
    this.lost = true;
    clearInterval(this.timer);
    const by = coordinatorOf(this.ledger);
    this.o.log?.(`lost the ledger's coordinator lock${by ? ` to ${by.command}, pid ${by.pid} on ${by.host}` : ''}: this process stops coordinating`);
    this.o.onLost?.(by);
  }

  /** Gives the lock up (only if it is still ours). */
  release(): void {
    clearInterval(this.timer);
    if (this.lost || !this.ledger.db.open) return;
    try {
      this.ledger.db.prepare('DELETE FROM coordinator_lock WHERE id = 1 AND token = ?').run(this.token);
    } catch {
      // A lock left behind is taken over: its pid is gone, or its heartbeat runs out.
    }
  }
}
