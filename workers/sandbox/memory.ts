import { readFileSync } from 'node:fs';
import { groupPids } from '../command/process-group.js';

/**
 * Resident memory of a process in MB, read from /proc (Linux); undefined where /proc is absent
 * or the process is gone. Polled rather than enforced by rlimit: an address-space rlimit breaks
 * V8 (it reserves large virtual ranges up front), resident memory is what takes a host down.
 */
export function residentMb(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}

/**
 * Resident memory of every live process in process group `pgid` together, in MB (Linux), so a
 * hook cannot spread its memory over subprocesses (Python's multiprocessing, a shell). Scans
 * /proc: a few milliseconds, so the guard does it less often than it reads the leader alone.
 */
export function groupResidentMb(pgid: number): number | undefined {
  const pids = groupPids(pgid);
  return pids?.reduce((total, pid) => total + (residentMb(pid) ?? 0), 0);
}

/**
 * Lines a runtime prints when it is about to die, or is stuck, for want of memory. V8 prints its
 * GC trace and then may hang for minutes (isolated-vm's near-heap-limit handling), so the guard
 * acts on the first sign instead of waiting for an exit. Python's MemoryError is here for
 * Python hooks (issue 20), which run under the same guard.
 */
export const OUT_OF_MEMORY_MARKERS: readonly RegExp[] = [
  /<--- Last few GCs --->/,
  /JavaScript heap out of memory/,
  /Reached heap limit/,
  /Fatal process out of memory/,
  /^MemoryError\b/m,
];

export function saysOutOfMemory(text: string): boolean {
  return OUT_OF_MEMORY_MARKERS.some((re) => re.test(text));
}
