// Preloaded with `node --import` into a measured child process: on exit it appends the
// process's peak resident memory to the file named by AAR_BENCH_RSS_FILE.
import { appendFileSync } from 'node:fs';

const file = process.env.AAR_BENCH_RSS_FILE;
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`));
