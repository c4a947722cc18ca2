#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config/env.js';
import { AarError } from './domain/errors.js';
import { isSqliteError, ledgerError } from './ledger/errors.js';
import { AUDIT_USAGE, auditCommand } from './cli/commands/audit.js';
import { BACKUP_USAGE, backupCommand } from './cli/commands/backup.js';
import { CANCEL_USAGE, cancelCommand } from './cli/commands/cancel.js';
import { EVAL_USAGE, evalCommand } from './cli/commands/eval.js';
import { EXPORT_DATA_USAGE, exportDataCommand } from './cli/commands/export-data.js';
import { EXPORT_USAGE, exportCommand } from './cli/commands/export.js';
import { REPRODUCE_USAGE, reproduceCommand } from './cli/commands/reproduce.js';
import { FORUM_USAGE, forumCommand } from './cli/commands/forum.js';
import { BASELINES_USAGE, baselinesCommand } from './cli/commands/baselines.js';
import { RUN_USAGE, runCommand } from './cli/commands/run.js';
import { START_USAGE, startCommand } from './cli/commands/start.js';
import { RECOVER_USAGE, recoverCommand } from './cli/commands/recover.js';
import { REPORT_USAGE, reportCommand } from './cli/commands/report.js';
import { STATUS_USAGE, statusCommand } from './cli/commands/status.js';
import { SUBMIT_USAGE, submitCommand } from './cli/commands/submit.js';
import { TASKS_USAGE, tasksCommand } from './cli/commands/tasks.js';
import { WORKER_USAGE, workerCommand } from './cli/commands/worker.js';

type Command = (argv: string[], config: ReturnType<typeof loadConfig>, out: NodeJS.WritableStream) => void | Promise<void>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  start: { run: startCommand, usage: START_USAGE },
  run: { run: (argv, config, out) => runCommand(argv, config, out).then(() => {}), usage: RUN_USAGE },
  baselines: { run: baselinesCommand, usage: BASELINES_USAGE },
  report: { run: reportCommand, usage: REPORT_USAGE },
  export: { run: exportCommand, usage: EXPORT_USAGE },
  reproduce: { run: reproduceCommand, usage: REPRODUCE_USAGE },
  audit: { run: auditCommand, usage: AUDIT_USAGE },
  tasks: { run: tasksCommand, usage: TASKS_USAGE },
  eval: { run: evalCommand, usage: EVAL_USAGE },
  'export-data': { run: exportDataCommand, usage: EXPORT_DATA_USAGE },
  submit: { run: submitCommand, usage: SUBMIT_USAGE },
  status: { run: statusCommand, usage: STATUS_USAGE },
  recover: { run: recoverCommand, usage: RECOVER_USAGE },
  cancel: { run: cancelCommand, usage: CANCEL_USAGE },
  worker: { run: workerCommand, usage: WORKER_USAGE },
  forum: { run: forumCommand, usage: FORUM_USAGE },
  backup: { run: backupCommand, usage: BACKUP_USAGE },
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
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err.write(`aar: unknown command "${name}"; accepted: ${Object.keys(COMMANDS).join(', ')}, help\n`);
    return 2;
  }
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
