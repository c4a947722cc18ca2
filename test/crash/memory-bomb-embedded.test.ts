import { afterEach, describe, expect, it } from 'vitest';
import { CONFIDENCE_WEIGHTS_CODE } from '../../workers/w2s/method/code/index.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { MEMORY_BOMB_CODE, OUT_OF_MEMORY_REASON } from '../helpers/method-bombs.js';
import { ProcessGroup } from '../helpers/processes.js';

// Issue 15: `new Array(1e9).fill(1)` in a hook killed the embedded coordinator (SIGSEGV, or a
// hang that ignored SIGTERM), because method code ran in the coordinator's own process. Now it
// runs in a guarded child process: the coordinator fails that seed as the method's fault, once,
// and goes on to the next job.

const group = new ProcessGroup();
afterEach(() => group.killAll());

interface Outcome {
  pid: number;
  experiments: { report: { seeds: number[]; failed: { seed: number; reason: string }[] }; started: unknown[]; failed: { final?: boolean; reason?: string }[] }[];
}

describe('crash: a memory bomb through the in-process queue', () => {
  it('fails only its own seed, with a reason the agent can read, and the coordinator takes the next job', async (ctx) => {
    const jobs = [
      { task: 'spam', method: { name: 'bomb', code: { source: MEMORY_BOMB_CODE } } },
      { task: 'spam', method: { name: 'honest-after-bomb', code: { source: CONFIDENCE_WEIGHTS_CODE } } },
    ];
    const coordinator = group.spawn('embedded coordinator', process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'test/helpers/embedded-coordinator.ts', JSON.stringify(jobs)], {
      env: { ...process.env, AAR_CACHE_DIR: testCacheDir() },
    });
    ctx.onTestFailed(() => console.error(group.logs()));
    // Today's code never got here: the process died or hung. SIGKILL past the limit reads as that.
    const timer = setTimeout(() => void coordinator.kill('SIGKILL'), 90_000);
    const exit = await coordinator.exited;
    clearTimeout(timer);
    expect(exit, coordinator.output()).toEqual({ code: 0, signal: null });

    const out = JSON.parse(coordinator.stdout().trim().split('\n').at(-1)!) as Outcome;
    const [bomb, next] = out.experiments;
    expect(bomb.report.seeds).toEqual([]);
    expect(bomb.report.failed).toHaveLength(1);
    expect(bomb.report.failed[0].reason).toMatch(OUT_OF_MEMORY_REASON);
    // Failed once, as the method's fault: one run, one final failure, no retry.
    expect(bomb.started).toHaveLength(1);
    expect(bomb.failed).toHaveLength(1);
    expect(bomb.failed[0].final).toBe(true);
    // The same coordinator (and its one slot) ran the next job to a score.
    expect(next.report.seeds).toEqual([1]);
    expect(next.report.failed).toEqual([]);
  });
});
