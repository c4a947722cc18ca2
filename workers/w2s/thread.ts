// Entry of a w2s worker thread: trains one job at a time, off the main event loop, so a
// queue (BullMQ lock renewal, progress, SIGTERM) stays responsive while experiments run.
// Jobs with method code never run here: they run in a guarded child process (child.ts).
import { parentPort } from 'node:worker_threads';
import { runW2sJob, type W2sJobMessage, type W2sJobRequest } from './job.js';

export type ThreadRequest = W2sJobRequest;
export type ThreadMessage = W2sJobMessage;

parentPort?.on('message', (req: ThreadRequest) => runW2sJob(req, (m) => parentPort!.postMessage(m)));
