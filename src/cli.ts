#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config/env.js';
import { AarError } from './domain/errors.js';
import { isSqliteError, ledgerError } from './ledger/errors.js';

type Command = (argv: string[], config: ReturnType<typeof loadConfig>, out: NodeJS.WritableStream) => void | Promise<void>;

// Each command's module is loaded only when it runs: loading every command (the forum, Bolt,
// BullMQ, the trainers) cost a quick command like `aar status` most of its second.
const COMMANDS: Record<string, () => Promise<{ run: Command; usage: string }>> = {
  start: () => import('./cli/commands/start.js').then((m) => ({ run: m.startCommand, usage: m.START_USAGE })),
  run: () => import('./cli/commands/run.js').then((m) => ({ run: (argv, config, out) => m.runCommand(argv, config, out).then(() => {}), usage: m.RUN_USAGE })),
  baselines: () => import('./cli/commands/baselines.js').then((m) => ({ run: m.baselinesCommand, usage: m.BASELINES_USAGE })),
  report: () => import('./cli/commands/report.js').then((m) => ({ run: m.reportCommand, usage: m.REPORT_USAGE })),
  export: () => import('./cli/commands/export.js').then((m) => ({ run: m.exportCommand, usage: m.EXPORT_USAGE })),
  reproduce: () => import('./cli/commands/reproduce.js').then((m) => ({ run: m.reproduceCommand, usage: m.REPRODUCE_USAGE })),
  audit: () => import('./cli/commands/audit.js').then((m) => ({ run: m.auditCommand, usage: m.AUDIT_USAGE })),
  tasks: () => import('./cli/commands/tasks.js').then((m) => ({ run: m.tasksCommand, usage: m.TASKS_USAGE })),
  eval: () => import('./cli/commands/eval.js').then((m) => ({ run: m.evalCommand, usage: m.EVAL_USAGE })),
  'export-data': () => import('./cli/commands/export-data.js').then((m) => ({ run: m.exportDataCommand, usage: m.EXPORT_DATA_USAGE })),
  submit: () => import('./cli/commands/submit.js').then((m) => ({ run: m.submitCommand, usage: m.SUBMIT_USAGE })),
  status: () => import('./cli/commands/status.js').then((m) => ({ run: m.statusCommand, usage: m.STATUS_USAGE })),
  recover: () => import('./cli/commands/recover.js').then((m) => ({ run: m.recoverCommand, usage: m.RECOVER_USAGE })),
  cancel: () => import('./cli/commands/cancel.js').then((m) => ({ run: m.cancelCommand, usage: m.CANCEL_USAGE })),
  worker: () => import('./cli/commands/worker.js').then((m) => ({ run: m.workerCommand, usage: m.WORKER_USAGE })),
  forum: () => import('./cli/commands/forum.js').then((m) => ({ run: m.forumCommand, usage: m.FORUM_USAGE })),
  backup: () => import('./cli/commands/backup.js').then((m) => ({ run: m.backupCommand, usage: m.BACKUP_USAGE })),
};

const HELP = `aar: automated alignment research on weak-to-strong supervision

Usage: aar <command> [flags]     (aar <command> --help for its flags)

Commands:
  start    the embedded demo: nine offline researchers, an auditor and a steward, live
  run      a research campaign from a campaign file and flags (resumes by name)
  report   a campaign's report: report.md, report.html and PGR charts per task (or from an export: --from FILE)
  export   a campaign's shareable record, one .tar.gz: report, findings, leaderboard, experiments, audit log
  reproduce  re-run an experiment and compare its numbers per seed with the original's
  audit    the integrity log: flags, verdicts, vetoes, approvals, overturns; how often people overturned the auditor
  baselines  every task's naive and aux-conf baselines on 5 seeds
  tasks    the embedded tasks, their sizes and cached baselines
  eval     run a method on a task in-process and score it
  export-data  the embedded tasks as JSONL for an external (GPU) trainer: gold, unlabeled, test
  submit   record an experiment and queue its jobs (--wait for the scores)
  status   queue depth, running, done, failed, per worker
  recover  after a crash: collect finished jobs, re-enqueue lost ones
  cancel   cancel an experiment's unfinished jobs on the shared queue
  worker   run jobs from Redis (REDIS_URL) until stopped
  forum    the forum (local web forum, or Slack): threads, result cards, commands, vetoes
  backup   a consistent copy of the ledger (SQLite backup API), checked in full`;

/** Runs one CLI invocation and returns the exit code: 0 ok, 2 bad input, 1 failure. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    out.write(`${HELP}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    err.write(`aar: unknown command "${name}"; accepted: ${Object.keys(COMMANDS).join(', ')}, help\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(`${command.usage}\n`);
    return 0;
  }
  let ledgerPath: string | undefined;
  try {
    const config = loadConfig();
    ledgerPath = config.ledgerPath;
    await command.run(rest, config, out);
    return 0;
  } catch (caught) {
    // An SQLite error from anywhere is about the ledger: one line with the file and the fix, not a stack.
    const e = isSqliteError(caught) && ledgerPath ? ledgerError(ledgerPath, caught) : caught;
    if (e instanceof AarError) {
      err.write(`aar ${name}: ${e.message}\n${e.code === 'invalid_input' ? `\n${command.usage}\n` : ''}`);
      // A command may say what its failure means to a script (aar reproduce: 1 differs, 3 refused).
      const exitCode = (e as { exitCode?: unknown }).exitCode;
      return typeof exitCode === 'number' ? exitCode : e.code === 'invalid_input' ? 2 : 1;
    }
    err.write(`aar ${name}: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

// npm installs the bin as a symlink: compare real paths, or `aar` would silently do nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  // Exit explicitly: a Redis client that never connected keeps reconnect timers alive.
  // stdout and stderr are synchronous for files and pipes on Linux, so nothing is lost.
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
