import type { ProgressFn } from '../../workers/w2s/data/types.js';

/**
 * A progress bar on stderr for long first-time work (feature caches). On a terminal it redraws
 * one line; elsewhere (CI, logs) it prints a line when a stage starts and when it ends.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressFn {
  let stage = '';
  let lastDrawn = -1;
  return (name, fraction) => {
    const pct = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
    if (stream.isTTY) {
      if (name === stage && pct === lastDrawn) return;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${name}\x1b[K`);
      if (pct === 100) stream.write('\n');
    } else if (name !== stage || (pct === 100 && lastDrawn !== 100)) {
      stream.write(`${name}: ${pct === 100 ? 'done' : 'started'}\n`);
    }
    stage = name;
    lastDrawn = pct;
  };
}
