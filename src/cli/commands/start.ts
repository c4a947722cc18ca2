import type { Config } from '../../config/env.js';
import { parseFlags } from '../args.js';
import { DEFAULT_SPLIT } from '../../campaign/campaign-file.js';
import { runCommand } from './run.js';

/** The demo's budget: a few minutes on a 2-core machine, enough for the team to beat aux-conf. */
export const DEMO_BUDGET = { experiments: 600, minutes: 4 };

export const START_USAGE = `aar start [--json]

The embedded demo (what \`npm start\` runs): nine offline researchers, the auditor and the
steward run a campaign on the embedded tasks (at most ${DEMO_BUDGET.experiments} experiments or ${DEMO_BUDGET.minutes} minutes), with the
local forum open and a live view; it ends with the leaderboard and a report. The team searches
on ${DEFAULT_SPLIT.tasks.join(', ')}; ${DEFAULT_SPLIT.holdout.join(' and ')} are held out, and the end reports how the team's best
methods transfer to them. Ctrl-C stops it;
running it again resumes the same campaign. \`aar run\` takes a campaign file and more flags.`;

export async function startCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const { json } = parseFlags('start', argv, { json: { type: 'boolean', default: false } });
  await runCommand(json ? ['--json'] : [], config, out, { name: 'embedded', budget: DEMO_BUDGET, ...DEFAULT_SPLIT });
}
