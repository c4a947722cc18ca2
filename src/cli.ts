#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config/env.js';
import { AarError } from './domain/errors.js';
import { EVAL_USAGE, evalCommand } from './cli/commands/eval.js';
import { START_USAGE, startCommand } from './cli/commands/start.js';
import { TASKS_USAGE, tasksCommand } from './cli/commands/tasks.js';

type Command = (argv: string[], config: ReturnType<typeof loadConfig>, out: NodeJS.WritableStream) => void | Promise<void>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  start: { run: startCommand, usage: START_USAGE },
  tasks: { run: tasksCommand, usage: TASKS_USAGE },
  eval: { run: evalCommand, usage: EVAL_USAGE },
};

const HELP = `aar: automated alignment research on weak-to-strong supervision

Usage: aar <command> [flags]     (aar <command> --help for its flags)

Commands:
  start    the embedded demo: every task's baselines on 5 seeds
  tasks    the embedded tasks, their sizes and cached baselines
  eval     run a method on a task in-process and score it`;

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
  try {
    await command.run(rest, loadConfig(), out);
    return 0;
  } catch (e) {
    if (e instanceof AarError) {
      err.write(`aar ${name}: ${e.message}\n${e.code === 'invalid_input' ? `\n${command.usage}\n` : ''}`);
      return e.code === 'invalid_input' ? 2 : 1;
    }
    err.write(`aar ${name}: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

// npm installs the bin as a symlink: compare real paths, or `aar` would silently do nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
