import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends `signal` to every process in the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    // EPERM means someone is there (it changed user); only ESRCH means gone.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: a killed
 * grandchild is reparented to init, and some container inits reap only every few seconds,
 * which would otherwise hold every kill up for the whole grace period.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  const pids = groupPids(pgid);
  return pids === undefined || pids.length > 0;
}

/**
 * The live (not zombie) processes of group `pgid`, read from /proc; undefined where /proc
 * cannot be read. A few milliseconds: callers poll it, not call it per event.
 */
export function groupPids(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited while we looked
    }
    // The command name may contain spaces and parentheses; the fields after its last ')' do not.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(entry));
  }
  return pids;
}

/**
 * SIGTERM to the whole group (a trainer's data loaders and shell children too), then SIGKILL
 * once `graceMs` has passed with anything still running. Resolves when done; never rejects.
 */
export async function terminateGroup(pgid: number, graceMs: number, pollMs = 25): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(pollMs);
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}
