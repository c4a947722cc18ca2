// What the check at open costs: Ledger.open runs PRAGMA quick_check before anything else, so a
// damaged ledger is refused at start instead of failing mid-campaign. Timed on a ledger the
// size of a long campaign (AAR_BENCH_EVENTS events, default 500,000), with and without it.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from '../../src/eval/stats.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { line } from './line.js';

export function benchLedgerOpen(): void {
  const events = Number(process.env.AAR_BENCH_EVENTS ?? 500_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'aar-bench-open-'));
  const file = path.join(dir, 'ledger.sqlite');
  try {
    const l = Ledger.open(file);
    const insert = l.db.prepare("INSERT INTO events (at, kind, experiment_id, job_id, data) VALUES ('2026-01-01T00:00:00.000Z', 'progress', ?, ?, ?)");
    l.write(() => {
      for (let i = 0; i < events; i++) insert.run(`e${Math.floor(i / 10)}`, `e${Math.floor(i / 10)}-s${i % 5}`, `{"seed":${i % 5},"fraction":0.5,"note":"student step ${i}"}`);
    });
    l.close();
    const mb = statSync(file).size / 2 ** 20;
    const time = (check: boolean) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        Ledger.open(file, { check }).close();
        ms.push(performance.now() - t);
      }
      return median(ms);
    };
    const without = time(false);
    const withCheck = time(true);
    line(`Ledger.open, ${events.toLocaleString('en')} events (${mb.toFixed(0)} MB), median of 5`, `${withCheck.toFixed(0)} ms`, `without quick_check ${without.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
