// An embedded coordinator in a process of its own (in-process queue, w2s runner, real ledger),
// so a test can watch whether method code takes it down. Usage:
//   node --import tsx test/helpers/embedded-coordinator.ts '<JSON: [{ task, method }, ...]>'
// It submits every experiment (seed 1) at once on one slot, so they run one after another in
// order, waits for each, and prints one JSON line: per experiment its report and the ledger's
// started/failed events. Exit 0 means it survived all of them.
import { parseMethod, type MethodInput } from '../../src/domain/method.js';
import { openEmbeddedPipeline } from './embedded-pipeline.js';

const jobs = JSON.parse(process.argv[2] ?? '[]') as { task: string; method: MethodInput }[];
const p = openEmbeddedPipeline({ threads: 1, prefix: 'aar-embedded-coordinator-' });
try {
  const ids: string[] = [];
  for (const j of jobs) ids.push(await p.pipeline.submit({ task: j.task, method: parseMethod(j.method), seeds: [1] }));
  const out = [];
  for (const id of ids) {
    const report = await p.pipeline.waitFor(id);
    const events = (kind: 'started' | 'failed') => p.ledger.events({ experimentId: id, kind }).map((e) => e.data);
    out.push({ id, report, started: events('started'), failed: events('failed') });
  }
  process.stdout.write(`${JSON.stringify({ pid: process.pid, experiments: out })}\n`);
} finally {
  await p.close();
}
