import { baseTask, isTaskId } from '../../workers/w2s/data/types.js';
import { TASK_ITEMS, TASKS } from '../../workers/w2s/tasks.js';

/**
 * What a researcher is told about each task: the data, the split sizes, the student's tuned
 * settings (what a method's epochs/lr/l2/batchSize override). Fixed per task, so it can sit in
 * the cached system prompt; baselines move and are shown in the turn's leaderboard instead.
 * A task aar does not know (an external trainer's) is described by its name alone.
 */
export function taskBrief(task: string): string {
  if (!isTaskId(task)) return `${task}: an external task (see the forum for what its data is)`;
  const s = TASKS[task];
  const items = TASK_ITEMS[baseTask(task)];
  const train = items - s.testSize - s.goldSize - s.validationSize;
  const st = s.student;
  return (
    `${task}: ${s.description} Binary. ${items} items: ${s.goldSize} gold labels train the weak teacher; the student trains on ${train} items with weak labels only, ` +
    `plus ${s.validationSize} weak-labelled validation items (early stopping); scores use ${s.testSize / 2} public test items (the other ${s.testSize / 2} are private). ` +
    `Student defaults: ${st.head.kind} head, ${st.epochs} epochs, lr ${st.lr}, l2 ${st.l2}, batch ${st.batchSize}.`
  );
}
