// `npm run bench label-reach`: what trusted weak teachers and ceilings cost the coordinator, and
// how many test labels a worker's feature cache still holds (read as a trainer that guessed its
// path would: the raw cache file).
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/env.js';
import { EmbeddedBaselines } from '../../src/scoring/trusted-baselines.js';
import { FEATURES_VERSION, loadTaskFeatures, loadTestLabels, MASKED_LABEL } from '../../workers/w2s/data/cache.js';
import { TASK_NAMES } from '../../workers/w2s/data/types.js';
import { line } from './line.js';

const SEEDS = [1, 2, 3];

export function benchLabelReach(): void {
  console.log(`\n## label-reach: trusted baselines in the coordinator, test labels in the feature cache`);
  const { cacheDir } = loadConfig();
  for (const task of TASK_NAMES) {
    loadTaskFeatures(cacheDir, task);
    const truth = loadTestLabels(cacheDir, task);
    // The raw file, decoded as an outsider would (workers/w2s/data/cache.ts's layout).
    const buf = readFileSync(`${cacheDir}/features/${task}.v${FEATURES_VERSION}.bin`);
    const n = buf.readUInt32LE(0);
    const header = JSON.parse(buf.toString('utf8', 4, 4 + n)) as { ids: string[] };
    const start = (4 + n + 3) & ~3;
    let readable = 0;
    header.ids.forEach((id, k) => {
      const label = buf[start + k];
      if (truth.has(id) && label !== MASKED_LABEL && label === truth.get(id)) readable++;
    });
    line(`${task}: test labels readable in the feature cache`, `${readable} of ${truth.size}`, 'target 0');
    const baselines = new EmbeddedBaselines(cacheDir);
    const ms = SEEDS.map((seed) => {
      const t0 = performance.now();
      baselines.get(task, seed);
      return performance.now() - t0;
    });
    const t0 = performance.now();
    baselines.get(task, SEEDS[0]);
    line(`${task}: trusted weak + ceiling per (task, seed), first / cached`, `${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(0)} ms / ${(performance.now() - t0).toFixed(3)} ms`);
  }
}
