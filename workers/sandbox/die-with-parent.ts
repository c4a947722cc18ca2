import { Worker } from 'node:worker_threads';

// Runs on a thread of its own: the main thread may be stuck in method code or in V8's
// out-of-memory handling, where no JavaScript of the main thread can run.
const WATCH = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL');
}, workerData.everyMs);
`;

/**
 * Makes this (guarded child) process kill itself when its parent is gone. A guarded child runs
 * in a process group of its own so the guard can kill it with its grandchildren; the price is
 * that a parent killed with SIGKILL (a worker's kill -9) takes no child with it. Without this an
 * orphaned child stuck in a memory bomb would hold its memory until the machine restarts.
 */
export function dieWithParent(everyMs = 500): void {
  const watcher = new Worker(WATCH, { eval: true, workerData: { ppid: process.ppid, everyMs } });
  watcher.unref();
}
