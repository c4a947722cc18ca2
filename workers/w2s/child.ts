// Entry of a guarded child process that runs one w2s job with method code (see
// workers/sandbox/guarded-process.ts): the request arrives as one JSON line on stdin, messages
// leave as JSON lines on fd 3, and the process exits when done. A fatal error of the method's
// code (V8 out of memory inside its isolate, a hang) ends this process and nothing else.
import { createWriteStream, readFileSync } from 'node:fs';
import { runW2sJob, type W2sJobMessage, type W2sJobRequest } from './job.js';

const out = createWriteStream('', { fd: 3 });
const post = (m: W2sJobMessage) => out.write(`${JSON.stringify(m)}\n`);
const req = JSON.parse(readFileSync(0, 'utf8')) as W2sJobRequest;
runW2sJob(req, post);
out.end(() => process.exit(0));
