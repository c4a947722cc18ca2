// Entry of a guarded child process that runs one w2s job with method code (see
// workers/sandbox/guarded-process.ts): the request arrives as one JSON line on stdin, messages
// leave as JSON lines on fd 3, and the process exits when done. A fatal error of the method's
// code (V8 out of memory inside its isolate, a hang) ends this process and nothing else.
import { readFileSync, writeSync } from 'node:fs';
import { dieWithParent } from '../sandbox/die-with-parent.js';
import { runW2sJob, type W2sJobMessage, type W2sJobRequest } from './job.js';

dieWithParent();

// Synchronous writes: the job blocks the event loop, and progress must leave while it runs.
// A full pipe (EAGAIN, if the fd is non-blocking) is waited out: the parent is reading.
const pause = new Int32Array(new SharedArrayBuffer(4));
const post = (m: W2sJobMessage) => {
  const bytes = Buffer.from(`${JSON.stringify(m)}\n`);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(3, bytes, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
};
const req = JSON.parse(readFileSync(0, 'utf8')) as W2sJobRequest;
runW2sJob(req, post);
process.exit(0);
