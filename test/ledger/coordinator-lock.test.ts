import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorBusyError, CoordinatorLock, coordinatorOf } from '../../src/ledger/coordinator-lock.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempLedgerPath } from '../helpers/temp-ledger.js';

// One coordinator per ledger. Two processes are two connections to one file; the clock, the
// host and "is that pid alive" are parameters, so every case here is exact.

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

function twoConnections(): [Ledger, Ledger] {
  const path = tempLedgerPath('aar-lock-');
  const a = Ledger.open(path);
  const b = Ledger.open(path);
  cleanup.push(() => rmSync(dirname(path), { recursive: true, force: true }), () => a.close(), () => b.close());
  return [a, b];
}

describe('CoordinatorLock', () => {
  it('refuses a second coordinator, naming pid, host and since; read access is untouched', () => {
    const [a, b] = twoConnections();
    let t = Date.UTC(2026, 0, 1);
    const first = CoordinatorLock.acquire(a, { command: 'aar run', pid: 4242, host: 'node-a', now: () => t, isAlive: () => true });
    cleanup.push(() => first.release());
    t += 5000;
    let err: unknown;
    try {
      CoordinatorLock.acquire(b, { command: 'aar forum', pid: 77, host: 'node-b', now: () => t });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CoordinatorBusyError);
    const busy = err as CoordinatorBusyError;
    expect(busy.code).toBe('ledger_in_use');
    expect(busy.message).toContain('aar run, pid 4242 on host node-a, since 2026-01-01T00:00:00.000Z, last seen 5 s ago');
    expect(coordinatorOf(b)).toMatchObject({ pid: 4242, host: 'node-a', command: 'aar run' });
    expect(b.jobCounts()).toEqual({});
  });

  it('takes over from a holder whose pid is gone on this host, at once', () => {
    const [a, b] = twoConnections();
    const logs: string[] = [];
    CoordinatorLock.acquire(a, { command: 'aar run', pid: 999_999, host: 'here', isAlive: () => false });
    const second = CoordinatorLock.acquire(b, { command: 'aar run', pid: 5, host: 'here', isAlive: () => false, log: (l) => logs.push(l) });
    cleanup.push(() => second.release());
    expect(coordinatorOf(a)).toMatchObject({ pid: 5 });
    expect(logs[0]).toMatch(/took the ledger over from a coordinator that is gone: aar run, pid 999999 on here/);
  });

  it('takes over from another host only once the heartbeat is older than the TTL; the old holder learns it lost', () => {
    const [a, b] = twoConnections();
    let t = Date.UTC(2026, 0, 1);
    const lost: unknown[] = [];
    const old = CoordinatorLock.acquire(a, { command: 'aar run', pid: 1, host: 'node-a', ttlMs: 60_000, now: () => t, onLost: (by) => lost.push(by) });
    t += 30_000;
    old.beat();
    t += 59_000;
    expect(() => CoordinatorLock.acquire(b, { command: 'aar run', pid: 2, host: 'node-b', ttlMs: 60_000, now: () => t })).toThrow(CoordinatorBusyError);
    t += 2000;
    const next = CoordinatorLock.acquire(b, { command: 'aar run', pid: 2, host: 'node-b', ttlMs: 60_000, now: () => t });
    cleanup.push(() => next.release());
    old.beat();
    expect(lost).toEqual([expect.objectContaining({ pid: 2, host: 'node-b' })]);
    // Releasing a lost lock does not release the new holder's.
    old.release();
    expect(coordinatorOf(a)).toMatchObject({ pid: 2 });
    next.release();
    expect(coordinatorOf(a)).toBeUndefined();
  });
});
