import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The Python the GPU trainer (workers/gpu) runs with in tests and benches: AAR_PYTHON when
 * set, else the repository's .venv-gpu, made on first use by workers/gpu/setup-venv.sh.
 */
export function trainerPython(): { python?: string; problem?: string } {
  if (process.env.AAR_PYTHON) return { python: process.env.AAR_PYTHON };
  const made = spawnSync('bash', ['workers/gpu/setup-venv.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 });
  if (made.status === 0) return { python: path.join(made.stdout.trim(), 'bin', 'python') };
  return { problem: `workers/gpu/setup-venv.sh failed (exit ${made.status ?? made.signal}); install torch and transformers for a Python and set AAR_PYTHON to it` };
}
