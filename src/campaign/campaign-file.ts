import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import { parseOrThrow } from '../domain/validate.js';
import { TASK_IDS, type TaskId } from '../../workers/w2s/data/types.js';
import { ScheduleSchema } from '../schedule/campaign-schedule.js';

const Positive = z.number().positive().finite();

const TaskIdSchema = z.enum(TASK_IDS as [TaskId, ...TaskId[]]);

/** The campaign tasks when none are given: the four original data sets, all searched. */
export const DEFAULT_TASKS: TaskId[] = ['spam', 'sentiment', 'math', 'code'];

/** `npm start`'s split (issue 18): agents search on three tasks; two others, one of them new, are held out for transfer. */
export const DEFAULT_SPLIT: { tasks: TaskId[]; holdout: TaskId[] } = { tasks: ['spam', 'math', 'code'], holdout: ['sentiment', 'sotu'] };

/** A campaign: what to research, with whom, within which budget, when. Every field has a default. */
export const CampaignFileSchema = z.strictObject({
  /** Names the campaign; running the same name again resumes it from the ledger. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, 1-63 characters').default('embedded'),
  /** Search tasks: the ones agents see, propose on and are scored on. */
  tasks: z.array(TaskIdSchema).min(1).default([...DEFAULT_TASKS]),
  /**
   * Held-out tasks: no agent sees them (not in prompts, forum, leaderboard or tool answers) until
   * the campaign ends; then the team's best methods are run on them on fresh seeds next to
   * aux-conf: the campaign's transfer result.
   */
  holdout: z.array(TaskIdSchema).default([]),
  agents: z
    .strictObject({
      count: z.int().min(1).max(50).default(9),
      /** auto: Claude when ANTHROPIC_API_KEY is set, offline otherwise. */
      kind: z.enum(['auto', 'claude', 'offline']).default('auto'),
      /** Overrides AAR_MODEL for this campaign's Claude researchers. */
      model: z.string().min(1).max(200).optional(),
      /** Starting directions, in order; agents beyond the list get the built-in ones. */
      directions: z.array(z.string().min(1).max(500)).max(50).optional(),
    })
    .prefault({}),
  /** Hard caps: when one is reached no new experiment starts; jobs in flight finish and are scored. */
  budget: z
    .strictObject({
      usd: Positive.optional(),
      agentHours: Positive.optional(),
      gpuHours: Positive.optional(),
      experiments: z.int().positive().optional(),
      /** Wall-clock minutes of this run (not a spend: a run resumed later gets them again). */
      minutes: Positive.optional(),
    })
    .prefault({}),
  schedule: ScheduleSchema.prefault({}),
  scoring: z
    .strictObject({
      /** Scored seeds a result needs before it can be claimed or shown to every agent. */
      claimSeeds: z.int().min(2).max(20).default(5),
      /** Scores each agent may read per hour (anti-mining budget). */
      scoresPerHour: Positive.default(600),
      /** Apply the auditor's veto recommendations at once instead of waiting for a person. */
      autoVeto: z.boolean().default(false),
    })
    .prefault({}),
  /** Which forum and queue; auto follows the environment (SLACK_*, REDIS_URL). */
  forum: z.enum(['auto', 'local', 'slack']).default('auto'),
  queue: z.enum(['auto', 'memory', 'bullmq']).default('auto'),
  /** Adds red-team agents that openly try the known shortcuts, so the team can watch detection work. */
  redTeam: z.boolean().default(false),
  /** Seeds the offline researchers' own choices (not the experiments' seeds). */
  seed: z.int().min(0).max(2 ** 31 - 1).default(1),
});

export type CampaignFile = z.output<typeof CampaignFileSchema>;

/** A held-out task cannot also be searched: a task agents trained on says nothing about transfer. */
function checkSplit(file: CampaignFile): CampaignFile {
  const both = file.holdout.filter((t) => file.tasks.includes(t));
  if (both.length) throw new InvalidInputError('campaign', [{ field: 'campaign.holdout', problem: `${both.join(', ')} ${both.length > 1 ? 'are' : 'is'} also in campaign.tasks; a held-out task must not be searched` }]);
  return file;
}
export type CampaignFileInput = z.input<typeof CampaignFileSchema>;

/** Validates a campaign object; each bad field is named (`campaign.budget.usd`) with what is accepted. */
export function parseCampaign(input: unknown): CampaignFile {
  return checkSplit(parseOrThrow(CampaignFileSchema, input ?? {}, 'campaign', 'campaign'));
}

/** Reads a campaign file: YAML (.yml, .yaml) or JSON. */
export function loadCampaignFile(path: string): CampaignFile {
  if (!existsSync(path)) throw new InvalidInputError('arguments', [{ field: '--config', problem: `file "${path}" does not exist` }]);
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InvalidInputError('campaign file', [{ field: '--config', problem: `${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${why}` }]);
  }
  return parseCampaign(raw);
}
