import type { Config } from '../../config/env.js';
import { taskSummary } from '../../eval/baseline-summary.js';
import { TASK_IDS } from '../../../workers/w2s/data/types.js';
import { parseFlags } from '../args.js';
import { pct, ratio, table } from '../format.js';
import { progressBar } from '../progress.js';

export const TASKS_USAGE = `aar tasks [--json]

Lists the embedded tasks, their split sizes and their baselines over seeds 1-5
(weak teacher, strong ceiling, their gap, naive PGR on the private half). Each data set is
listed twice: by name with a weak teacher of the student's own family (the default), and as
<task>@xview with the cross-view teacher (a different, cruder view of the input). The first call builds the
feature caches; later calls read them.`;

export function tasksCommand(argv: string[], config: Config, out: NodeJS.WritableStream): void {
  const flags = parseFlags('tasks', argv, { json: { type: 'boolean', default: false } });
  const progress = progressBar();
  const summaries = TASK_IDS.map((t) => taskSummary(config.cacheDir, t, progress));
  if (flags.json) {
    out.write(`${JSON.stringify(summaries)}\n`);
    return;
  }
  out.write(
    `${table(
      ['task', 'teacher', 'items', 'gold', 'train', 'val', 'test pub/priv', 'majority %', 'weak %', 'ceiling %', 'gap pts', 'naive PGR'],
      summaries.map((s) => [
        s.task,
        s.teacher.family,
        String(s.sizes.items),
        String(s.sizes.gold),
        String(s.sizes.train),
        String(s.sizes.validation),
        `${s.sizes.testPublic}/${s.sizes.testPrivate}`,
        (s.baselines.majority * 100).toFixed(1),
        pct(s.baselines.weak),
        pct(s.baselines.ceiling),
        (s.baselines.gap * 100).toFixed(1),
        ratio(s.baselines.naivePgr),
      ]),
    )}\n\n${summaries.map((s) => `${s.task}: ${s.description} Teacher: ${s.teacher.about}.`).join('\n')}\n`,
  );
}
