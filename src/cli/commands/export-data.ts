import type { Config } from '../../config/env.js';
import { InvalidInputError, type FieldProblem } from '../../domain/errors.js';
import { TASK_NAMES, type TaskName } from '../../../workers/w2s/data/types.js';
import { exportTaskData, MAX_SPLIT_SEED, SPAM_BODY_MAX_CHARS, type ExportedTask } from '../../../workers/w2s/export/index.js';
import { parseFlags } from '../args.js';
import { progressBar } from '../progress.js';

export const EXPORT_DATA_USAGE = `aar export-data --out DIR [--labels-out DIR] [--task NAME]... [--split-seed N] [--force]

Writes the embedded tasks as the data folder that external trainers (aar worker --runner
command, workers/gpu/train.py) read, with the embedded item ids, so their predictions are
scored on the same evaluation items:
  DIR/<task>/train_unlabeled.jsonl  {"id","text"}: the student's items (train + validation)
  DIR/<task>/test.jsonl             {"id","text"}: evaluation items, public half first
  DIR/<task>/meta.json              class names, question, split seed, counts, source, licence
  LABELS/<task>/train_labeled.jsonl {"id","text","label"}: the gold split of the split seed
  LABELS/<task>/train_unlabeled_labels.jsonl {"id","label"}: the student's items' true labels
The data folder holds no label: give it to workers as --data-dir. The labels folder goes to
trusted baselines jobs only (aar worker --labels-dir), never to a method phase. Test labels are
exported nowhere. Math and code texts leave out the question's threshold (meta.json says
"computable": their labels follow from running the text).
Spam texts are the subject and the body (cut to ${SPAM_BODY_MAX_CHARS} characters); the other
tasks' texts are their items as aar shows them. The first run builds the feature caches.
  --out         the data folder (default: AAR_DATA_DIR)
  --labels-out  the trusted labels folder (default: AAR_LABELS_DIR, else DIR.labels); not inside DIR
  --task        ${TASK_NAMES.join(' | ')}; repeatable or comma-separated (default: all)
  --split-seed  which seed's gold and student splits to write: an integer 1..${MAX_SPLIT_SEED}
                (default 1); the test items are the same for every seed
  --force       replace task folders that already exist (refused otherwise)`;

export function exportDataCommand(argv: string[], config: Config, out: NodeJS.WritableStream): void {
  const flags = parseFlags('export-data', argv, {
    out: { type: 'string' },
    'labels-out': { type: 'string' },
    task: { type: 'string', multiple: true },
    'split-seed': { type: 'string' },
    force: { type: 'boolean', default: false },
  });
  // Every bad flag in one message, and nothing built or written before they are all good.
  const problems: FieldProblem[] = [];
  const dir = flags.out ?? config.dataDir;
  if (!dir) problems.push({ field: '--out', problem: 'required (or set AAR_DATA_DIR); accepted: a folder path' });
  const tasks = parseTasks(flags.task, problems);
  const splitSeed = parseSplitSeed(flags['split-seed'], problems);
  if (problems.length) throw new InvalidInputError('arguments', problems);
  exportTaskData({ cacheDir: config.cacheDir, out: dir!, labelsOut: flags['labels-out'] ?? config.labelsDir, tasks, splitSeed, force: flags.force, progress: progressBar(), onTask: (t) => out.write(`${line(t)}\n`) });
}

function parseTasks(values: string[] | undefined, problems: FieldProblem[]): TaskName[] {
  if (values === undefined) return [...TASK_NAMES];
  const names = values.flatMap((v) => v.split(',')).map((t) => t.trim());
  const unknown = names.find((t) => !(TASK_NAMES as readonly string[]).includes(t));
  if (unknown !== undefined) problems.push({ field: '--task', problem: `unknown task "${unknown}"; accepted: ${TASK_NAMES.join(', ')}, repeated or comma-separated` });
  return [...new Set(names)] as TaskName[];
}

function parseSplitSeed(value: string | undefined, problems: FieldProblem[]): number {
  if (value === undefined) return 1;
  const seed = /^\d{1,9}$/.test(value.trim()) ? Number(value) : NaN;
  if (!(seed >= 1)) problems.push({ field: '--split-seed', problem: `"${value}" is not accepted; accepted: an integer 1..${MAX_SPLIT_SEED}, like a campaign seed` });
  return seed;
}

function line(t: ExportedTask): string {
  const c = t.counts;
  return `${t.task}: ${c.trainLabeled} labeled, ${c.trainUnlabeled} unlabeled, ${c.test} test (${c.testPublic} public + ${c.testPrivate} private), ${(t.bytes / 1e6).toFixed(1)} MB -> ${t.folder} (labels: ${t.labelsFolder})`;
}
