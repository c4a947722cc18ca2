// `npm run bench gpu`: the GPU trainer's weak, ceiling and LoRA student phases at real model sizes
// with random weights (hand-written Qwen1.5-0.5B and Qwen3-4B configs: no download is possible),
// on the exported sentiment task. Prints seconds per step, tokens per second, peak GPU memory and
// model FLOPs utilisation per phase. Without a GPU it runs the tiny sizes only (AAR_BENCH_GPU_SIZES
// overrides: "weak,strong", e.g. "qwen1.5-0.5b,qwen3-4b").
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/env.js';
import { exportTaskData } from '../../workers/w2s/export/index.js';
import { trainerPython } from '../helpers/trainer-python.js';
import { line } from './line.js';

const TASK = 'sentiment';

interface PhaseFigures {
  steps: number;
  secondsPerStep: number;
  tokensPerSecond?: number;
  params: number;
  truncatedShare?: number;
  mfu: number | null;
}

export async function benchGpu(): Promise<void> {
  const { python, problem } = trainerPython();
  if (!python) throw new Error(`bench gpu: ${problem}`);
  const cuda = spawnSync(python, ['-c', 'import torch; print(torch.cuda.is_available())'], { encoding: 'utf8' }).stdout.trim() === 'True';
  const [weak, strong] = (process.env.AAR_BENCH_GPU_SIZES ?? (cuda ? 'qwen1.5-0.5b,qwen3-4b' : 'tiny,tiny')).split(',');
  console.log(`\n## gpu: workers/gpu phases, random weights, weak ${weak}, strong ${strong}, ${TASK}, ${cuda ? 'CUDA' : 'CPU (tiny sizes only)'}`);
  const home = mkdtempSync(path.join(tmpdir(), 'aar-bench-gpu-'));
  const dataDir = path.join(home, 'data');
  try {
    exportTaskData({ cacheDir: loadConfig().cacheDir, out: dataDir, tasks: [TASK], splitSeed: 1 });
    const run = spawnSync(python, ['workers/gpu/bench.py', dataDir, `${dataDir}.labels`, TASK, weak, strong], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`bench gpu: bench.py failed (${run.status ?? run.signal}): ${run.stderr.slice(-3000)}`);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      device: string;
      peakTflops: number | null;
      phases: Record<string, PhaseFigures>;
      peakGpuMemoryGiB: Record<string, number | null>;
      peakRssGiB: Record<string, number | null>;
    };
    line('device', `${out.device}; peak ${out.peakTflops === null ? 'unknown (MFU not computed)' : `${out.peakTflops} TFLOPS bf16`}`);
    for (const [name, f] of Object.entries(out.phases)) {
      const tps = f.tokensPerSecond === undefined ? 'n/a' : `${f.tokensPerSecond.toFixed(0)} tokens/s`;
      const mfu = f.mfu === null ? 'MFU n/a' : `MFU ${(f.mfu * 100).toFixed(1)}%`;
      line(`${name} (${(f.params / 1e6).toFixed(1)}M params)`, `${f.steps} steps, ${(f.secondsPerStep * 1000).toFixed(1)} ms/step, ${tps}, ${mfu}, ${((f.truncatedShare ?? 0) * 100).toFixed(1)}% truncated`);
    }
    for (const phase of ['baselines', 'method']) {
      const gpu = out.peakGpuMemoryGiB[phase];
      line(`peak memory, ${phase} process`, `${gpu === null ? 'no GPU' : `${gpu} GiB GPU`}, RSS ${out.peakRssGiB[phase]} GiB`);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
