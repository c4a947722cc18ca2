// A process that hosts a w2s runner and runs one method-code job (spam, seed 1) whose source is
// argv[2], with a 60 s per-call limit, so a test can kill this host mid-job and watch its child.
//   node --import tsx test/helpers/runner-host.ts '<source>'
import { parseMethod } from '../../src/domain/method.js';
import { W2sRunner } from '../../workers/w2s/w2s-runner.js';
import { testCacheDir } from './cache-dir.js';

const runner = new W2sRunner({ cacheDir: testCacheDir(), threads: 1, sandbox: { callTimeoutMs: 60_000, totalBudgetMs: 60_000 } });
await runner
  .run({ experimentId: 'exp-host', seed: 1, task: 'spam', method: parseMethod({ code: { source: process.argv[2] ?? '' } }) }, { signal: new AbortController().signal, progress: (p) => console.log(`progress ${p.note}`) })
  .then(() => console.log('done'), (err: Error) => console.log(`failed ${err.message}`));
await runner.close();
