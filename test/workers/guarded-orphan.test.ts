import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { testCacheDir } from '../helpers/cache-dir.js';
import { ProcessGroup, waitUntil } from '../helpers/processes.js';

// A guarded child lives in a process group of its own (so the guard can kill it with its
// grandchildren), which means a parent killed with SIGKILL takes no child with it. A child left
// looping in method code, or hung in V8's out-of-memory handling, would keep its CPU and memory
// until the machine restarts. It watches its parent from a thread of its own and dies with it.

const group = new ProcessGroup();
afterEach(() => group.killAll());

/** Running (not zombie) processes whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) === ppid && state !== 'Z') out.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return out;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('a guarded child whose parent was killed with SIGKILL', () => {
  it('kills itself within seconds instead of running on as an orphan', async (ctx) => {
    const host = group.spawn('runner host', process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'test/helpers/runner-host.ts', 'function transformLabels() { for (;;) {} }'], {
      env: { ...process.env, AAR_CACHE_DIR: testCacheDir() },
    });
    ctx.onTestFailed(() => console.error(group.logs()));
    // The job's child has loaded the features and is looping in the hook.
    await waitUntil('the job is running in its child', () => host.output().includes('progress loading features'), { timeoutMs: 60_000 });
    // The job's child, and the spare started for the next job.
    const kids = await waitUntil('the host has its children', () => childrenOf(host.pid).length >= 1 && childrenOf(host.pid), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(kids.filter(running).length).toBeGreaterThanOrEqual(1);
    await host.kill('SIGKILL');
    await waitUntil('every child of the killed host is gone', () => kids.every((pid) => !running(pid)), { timeoutMs: 10_000, intervalMs: 200 });
  });
});
