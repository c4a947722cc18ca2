import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabelVault } from '../../src/scoring/label-vault.js';
import { LedgerBaselines } from '../../src/scoring/trusted-baselines.js';
import { CommandRunner, type CommandRunnerOptions } from '../../workers/command/command-runner.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

/** The repository root (where workers/gpu/train.py is), from test/gpu or, compiled for the bench, dist/test/gpu. */
export const ROOT = ((from: string): string => {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) if (existsSync(path.join(dir, 'workers', 'gpu', 'train.py'))) return dir;
  throw new Error(`workers/gpu/train.py not found above ${from}`);
})(path.dirname(fileURLToPath(import.meta.url)));
export const TOY_TASK = 'toymath';
/** The toy task's label: the product above this (never stated in the texts). */
export const TOY_THRESHOLD = 400;

export interface ToyMath {
  dataDir: string;
  labelsDir: string;
  vault: LabelVault;
  close(): void;
}

/**
 * A small exported task in the layout `aar export-data` writes, whose answers can be computed from
 * the text, as the embedded math task's can: "a * b", class 1 when the product is above a
 * threshold the text does not state. Gold split A and split B's labels go to the labels folder,
 * test labels only to the vault scoring holds.
 */
export function toyMath(o: { gold?: number; unlabeled?: number; test?: number } = {}): ToyMath {
  const dir = mkdtempSync(path.join(tmpdir(), 'aar-toymath-'));
  const dataDir = path.join(dir, 'data');
  const labelsDir = path.join(dir, 'labels');
  for (const d of [dataDir, labelsDir]) mkdirSync(path.join(d, TOY_TASK), { recursive: true });
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const items = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const a = 2 + rand(39);
      const b = 2 + rand(39);
      return { id: `${TOY_TASK}-${prefix}-${i}`, text: `${a} * ${b}`, label: a * b > TOY_THRESHOLD ? 1 : 0 };
    });
  const gold = items('a', o.gold ?? 80);
  const unlabeled = items('b', o.unlabeled ?? 160);
  const test = items('t', o.test ?? 100);
  const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const file = (d: string, name: string, rows: object[]) => writeFileSync(path.join(d, TOY_TASK, name), lines(rows));
  file(labelsDir, 'train_labeled.jsonl', gold);
  file(labelsDir, 'train_unlabeled_labels.jsonl', unlabeled.map(({ id, label }) => ({ id, label })));
  file(dataDir, 'train_unlabeled.jsonl', unlabeled.map(({ id, text }) => ({ id, text })));
  file(dataDir, 'test.jsonl', test.map(({ id, text }) => ({ id, text })));
  const half = test.length / 2;
  const labels = (rows: typeof test) => new Map(rows.map((r) => [r.id, r.label] as const));
  return { dataDir, labelsDir, vault: new LabelVault(TOY_TASK, 2, labels(test.slice(0, half)), labels(test.slice(half))), close: () => rmSync(dir, { recursive: true, force: true }) };
}

/** train.py --tiny (run by `python`, with torch) through the command runner, as `aar worker --runner command` runs it. */
export function tinyTrainer(toy: ToyMath, python: string, o: Partial<CommandRunnerOptions> = {}): CommandRunner {
  return new CommandRunner({
    command: [python, 'workers/gpu/train.py', '--tiny'],
    dataDir: toy.dataDir,
    labelsDir: toy.labelsDir,
    cwd: ROOT,
    timeoutMs: 180_000,
    methodLimits: { memoryMb: 3000, wallMs: 120_000 },
    ...o,
    env: { AAR_CEILING_CACHE: 'off', AAR_BASELINE_MIN_STEPS: '40', PYTHONDONTWRITEBYTECODE: '1', ...o.env },
  });
}

/** The embedded pipeline scoring the toy task, its weak and ceiling from the trusted baselines job. */
export function toyPipeline(toy: ToyMath, runner: CommandRunner, o: { threads?: number } = {}): EmbeddedPipeline {
  let n = 0;
  return openEmbeddedPipeline({
    runner,
    vaultFor: () => toy.vault,
    baselines: (ledger) => new LedgerBaselines(ledger),
    threads: o.threads ?? 2,
    policy: { attempts: 2 },
    newId: () => `exp-py-${String(++n).padStart(3, '0')}`,
    prefix: 'aar-py-hooks-',
  });
}
